/**
 * The endpoints and findings API on the real stack: registering endpoints, sending findings in batches (all or
 * nothing, idempotent on re-send), listing them with filters and cursors, scopes and tenant isolation, and a
 * report over findings that arrived this way.
 */
import { createTenant, mintToken } from '../../../src/infra/mongo/tenant-admin';
import { startHarness, waitForReport, type Harness } from '../../support/harness';
import { countStored, storedFindings } from '../../support/stored-findings';

jest.setTimeout(90_000);

let h: Harness;
let a: { tenantId: string; token: string; readOnly: string; endpoint: string; other: string };
let b: { tenantId: string; token: string; endpoint: string };

const finding = (endpointId: string, n: number, over: Record<string, unknown> = {}) => ({
  endpoint_id: endpointId,
  title: `Koala tool call ${n} bypasses approval`,
  category: 'excessive_agency',
  severity: 'high',
  detected_at: `2026-05-${String(1 + (n % 28)).padStart(2, '0')}T09:00:00Z`,
  fingerprint: `koala-${n}`,
  framework_refs: [{ framework: 'OWASP_LLM', control: 'llm06' }],
  evidence: { prompt: `<script>alert(${n})</script> please refund`, response: 'Refund issued.' },
  ...over,
});

async function findingCount(tenantId: string): Promise<number> {
  return countStored(h.db, { tenantId });
}

beforeAll(async () => {
  h = await startHarness({ label: 'findings-api', workers: true });
  const aId = await createTenant(h.db, { name: 'Alpha', auditRetentionDays: 365 });
  const bId = await createTenant(h.db, { name: 'Beta', auditRetentionDays: 365 });
  const aToken = (
    await mintToken(h.db, {
      tenantId: aId,
      scopes: ['findings:write', 'findings:read', 'reports:generate', 'reports:read'],
    })
  ).secret;
  const readOnly = (await mintToken(h.db, { tenantId: aId, scopes: ['findings:read'] })).secret;
  const bToken = (await mintToken(h.db, { tenantId: bId, scopes: ['findings:write', 'findings:read'] })).secret;
  const ep = async (token: string, name: string) =>
    (await h.request('POST', '/api/v2/endpoints', { token, body: { name, description: `${name} under test` } })).body
      .id as string;
  a = {
    tenantId: aId,
    token: aToken,
    readOnly,
    endpoint: await ep(aToken, 'Claims bot'),
    other: await ep(aToken, 'HR bot'),
  };
  b = { tenantId: bId, token: bToken, endpoint: await ep(bToken, 'Advisor') };
});

afterAll(async () => {
  await h?.close();
});

describe('endpoints', () => {
  it('when an endpoint is registered, then it gets an ep_ id, and registering the same name again returns it', async () => {
    const first = await h.request('POST', '/api/v2/endpoints', { token: a.token, body: { name: 'Support chat' } });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      id: expect.stringMatching(/^ep_\d{4}_/),
      name: 'Support chat',
      description: '',
      created_at: expect.any(String),
    });
    expect(first.headers.get('location')).toBe(`/api/v2/endpoints/${first.body.id}`);
    const again = await h.request('POST', '/api/v2/endpoints', { token: a.token, body: { name: 'Support chat' } });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
  });

  it('when endpoints are listed, then only the tenant’s own appear, page by page', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const qs: string = cursor ? `&cursor=${cursor}` : '';
      const page = await h.request('GET', `/api/v2/endpoints?limit=1${qs}`, { token: a.readOnly });
      expect(page.status).toBe(200);
      seen.push(...page.body.data.map((e: { id: string }) => e.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(expect.arrayContaining([a.endpoint, a.other]));
    expect(seen).not.toContain(b.endpoint);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('when a tenant asks for another tenant’s endpoint, then 404', async () => {
    const res = await h.request('GET', `/api/v2/endpoints/${b.endpoint}`, { token: a.token });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });

  it('when the body is wrong, then 400 names the field and nothing is registered', async () => {
    const res = await h.request('POST', '/api/v2/endpoints', { token: a.token, body: { name: '', colour: 'red' } });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_request', field: 'colour' });
  });
});

describe('findings', () => {
  it('when a batch is sent twice, then the second creates nothing and returns the same ids', async () => {
    const body = { findings: [finding(a.endpoint, 1), finding(a.endpoint, 2), finding(a.other, 3)] };
    const first = await h.request('POST', '/api/v2/findings', { token: a.token, body });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ received: 3, created: 3, duplicates: 0 });
    const before = await findingCount(a.tenantId);
    const second = await h.request('POST', '/api/v2/findings', { token: a.token, body });
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ received: 3, created: 0, duplicates: 3 });
    expect(second.body.ids).toEqual(first.body.ids);
    expect(await findingCount(a.tenantId)).toBe(before);
  });

  it('when findings carry an external id, then re-sending with other content keeps the first version', async () => {
    const one = finding(a.endpoint, 40, { external_id: 'scanner-run-7/item-1' });
    const first = await h.request('POST', '/api/v2/findings', { token: a.token, body: { findings: [one] } });
    const changed = { ...one, title: 'Renamed by the scanner' };
    const second = await h.request('POST', '/api/v2/findings', { token: a.token, body: { findings: [changed] } });
    expect(second.body).toMatchObject({ created: 0, duplicates: 1, ids: first.body.ids });
    const stored = (await storedFindings(h.db)).find((f) => f.id === first.body.ids[0]);
    expect(stored?.title).toBe(one.title);
  });

  it('when one item of a batch is wrong, then 400 lists every problem by index and field, and nothing is stored', async () => {
    const before = await findingCount(a.tenantId);
    const body = {
      findings: [
        finding(a.endpoint, 10),
        finding(a.endpoint, 11, { severity: 'urgent' }),
        finding(a.endpoint, 12, { framework_refs: [{ framework: 'OWASP_LLM', control: 'LLM11' }] }),
        finding(a.endpoint, 13, { detected_at: '2026-13-01' }),
        finding(a.endpoint, 14, { framework_refs: [{ framework: 'OWASP_LLM_2023', control: 'LLM01' }] }),
      ],
    };
    const res = await h.request('POST', '/api/v2/findings', { token: a.token, body });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
    expect(res.body.error.field).toBe('findings[1].severity');
    expect(res.body.error.message).toMatch(
      /findings\[1\]\.severity: "urgent" is not a severity.*\(and 3 more problems\); nothing of the 5 was stored/,
    );
    expect(res.body.error.errors.map((e: { index: number; field: string }) => [e.index, e.field])).toEqual([
      [1, 'findings[1].severity'],
      [2, 'findings[2].framework_refs[0].control'],
      [3, 'findings[3].detected_at'],
      [4, 'findings[4].framework_refs[0].framework'],
    ]);
    expect(res.body.error.errors[1].message).toContain('"LLM11" is not a control of OWASP_LLM');
    expect(await findingCount(a.tenantId)).toBe(before);
  });

  it('when a batch names another tenant’s endpoint, then 400 and nothing is stored', async () => {
    const before = await findingCount(a.tenantId);
    const body = { findings: [finding(a.endpoint, 20), finding(b.endpoint, 21)] };
    const res = await h.request('POST', '/api/v2/findings', { token: a.token, body });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_request', field: 'findings[1].endpoint_id' });
    expect(res.body.error.message).toContain('is not an endpoint of this tenant');
    expect(await findingCount(a.tenantId)).toBe(before);
  });

  it('when the token lacks findings:write, then 403 missing_scope', async () => {
    const res = await h.request('POST', '/api/v2/findings', {
      token: a.readOnly,
      body: { findings: [finding(a.endpoint, 30)] },
    });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'missing_scope', required_scope: 'findings:write' });
  });

  it('when findings are listed with filters, then each filter narrows and refs match in any spelling', async () => {
    const batch = [
      finding(a.other, 50, {
        severity: 'critical',
        detected_at: '2026-06-01T08:00:00Z',
        framework_refs: [{ framework: 'EU_AI_ACT', control: 'Art.10' }],
      }),
      finding(a.other, 51, { severity: 'low', detected_at: '2026-06-02T08:00:00Z' }),
      finding(a.other, 52, { severity: 'low', detected_at: '2026-06-03T08:00:00+02:00' }),
    ];
    expect((await h.request('POST', '/api/v2/findings', { token: a.token, body: { findings: batch } })).status).toBe(
      201,
    );
    const list = async (qs: string) => {
      const res = await h.request('GET', `/api/v2/findings?endpoint_id=${a.other}&${qs}`, { token: a.readOnly });
      expect(res.status).toBe(200);
      return res.body.data as { title: string; severity: string; detected_at: string; framework_refs: unknown[] }[];
    };
    expect((await list('severity=critical')).map((f) => f.title)).toEqual(['Koala tool call 50 bypasses approval']);
    expect((await list('severity=low,critical&from=2026-06-02&to=2026-06-03')).map((f) => f.title)).toEqual([
      'Koala tool call 52 bypasses approval',
      'Koala tool call 51 bypasses approval',
    ]);
    const byRef = await list(`ref=${encodeURIComponent('EU_AI_ACT:Article 10')}`);
    expect(byRef.map((f) => f.title)).toEqual(['Koala tool call 50 bypasses approval']);
    expect(byRef[0].framework_refs).toEqual([{ framework: 'EU_AI_ACT', control: 'Art. 10' }]);
    const llm06 = await list('ref=OWASP_LLM:LLM06&from=2026-06-01');
    expect(llm06.map((f) => f.title)).toEqual([
      'Koala tool call 52 bypasses approval',
      'Koala tool call 51 bypasses approval',
    ]);
    expect(llm06[0].detected_at).toBe('2026-06-03T06:00:00.000Z');
  });

  it('when a filter is wrong, then 400 names it', async () => {
    for (const [qs, field] of [
      ['severity=urgent', 'severity'],
      ['ref=LLM06', 'ref'],
      ['ref=OWASP_LLM:LLM99', 'ref.control'],
      ['from=yesterday', 'from'],
      [`endpoint_id=${b.endpoint}`, 'endpoint_id'],
      ['cursor=abc', 'cursor'],
      ['limit=0', 'limit'],
    ]) {
      const res = await h.request('GET', `/api/v2/findings?${qs}`, { token: a.readOnly });
      expect([qs, res.status, res.body.error.field]).toEqual([qs, 400, field]);
    }
  });

  it('when findings are paged, then every one appears once, newest first', async () => {
    const seen: string[] = [];
    const times: string[] = [];
    let cursor: string | null = null;
    do {
      const qs: string = cursor ? `&cursor=${cursor}` : '';
      const page = await h.request('GET', `/api/v2/findings?limit=2${qs}`, { token: a.readOnly });
      seen.push(...page.body.data.map((f: { id: string }) => f.id));
      times.push(...page.body.data.map((f: { detected_at: string }) => f.detected_at));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen.length).toBe(await findingCount(a.tenantId));
    expect(new Set(seen).size).toBe(seen.length);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('when another tenant lists findings, then none of this tenant’s appear', async () => {
    const res = await h.request('GET', '/api/v2/findings?limit=100', { token: b.token });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([]);
  });

  it('when a report covers findings sent through the API, then its rows are built from them', async () => {
    const created = await h.request('POST', '/api/v2/reports', {
      token: a.token,
      body: {
        title: 'Findings API report',
        frameworks: ['OWASP_LLM', 'EU_AI_ACT'],
        scope: { endpoint_ids: [a.other], from: '2026-06-01', to: '2026-06-30' },
        format: 'json',
      },
    });
    expect(created.status).toBe(202);
    const done = await waitForReport(h, created.body.id, a.token);
    expect(done.body.status).toBe('ready');
    expect(done.body.counts).toMatchObject({ findings: 3, rows: 3 });
  });
});
