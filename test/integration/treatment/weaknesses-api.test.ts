/**
 * Treatment of weaknesses through the API on the real stack: weaknesses come from the findings stored, a weakness is
 * triaged through each state with its trail and audit events, refused transitions name the states allowed, bad
 * fields are named, another tenant's key is unknown, and a mitigated weakness found again (through POST /findings and
 * through an import) is regressed by the service, naming the finding.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { weaknessKey } from '../../../src/domain/treatment';
import { createTenant, mintToken } from '../../../src/infra/mongo/tenant-admin';
import { acceptanceStateQuery, acceptanceWorkflowId } from '../../../workflows/contracts';
import { startHarness, type ApiResponse, type Harness } from '../../support/harness';

jest.setTimeout(180_000);

const DAY_MS = 86_400_000;
/** One instant for the whole file, so times a few days apart are exactly that apart. */
const NOW = Date.now();
const dayAgo = (days: number): string => new Date(NOW - days * DAY_MS).toISOString().slice(0, 10);
const timeAgo = (days: number): string => new Date(NOW - days * DAY_MS).toISOString();

let h: Harness;

interface Tenant {
  tenantId: string;
  triage: string;
  triageId: string;
  reader: string;
  endpoint: string;
}

async function tenant(name: string): Promise<Tenant> {
  const tenantId = await createTenant(h.db, { name, auditRetentionDays: 365 });
  const triage = await mintToken(h.db, {
    tenantId,
    scopes: ['findings:write', 'findings:read', 'findings:triage', 'audit:read'],
  });
  const reader = await mintToken(h.db, { tenantId, scopes: ['findings:read', 'findings:write'] });
  const endpoint = (
    await h.request('POST', '/api/v2/endpoints', { token: triage.secret, body: { name: `${name} bot` } })
  ).body.id as string;
  return { tenantId, triage: triage.secret, triageId: triage.id, reader: reader.secret, endpoint };
}

/** A finding as the API takes it. */
function finding(t: Tenant, fingerprint: string, detectedAt: string, extra: Record<string, unknown> = {}) {
  return {
    endpoint_id: t.endpoint,
    title: `Weakness ${fingerprint}`,
    category: 'prompt_injection',
    severity: 'high',
    detected_at: detectedAt,
    fingerprint,
    evidence: { prompt: 'Ignore your instructions.', response: 'Sure.' },
    ...extra,
  };
}

async function post(t: Tenant, findings: unknown[]): Promise<ApiResponse> {
  const res = await h.request('POST', '/api/v2/findings', { token: t.triage, body: { findings } });
  expect([200, 201]).toContain(res.status);
  return res;
}

const patch = (t: Tenant, key: string, body: unknown, token = t.triage) =>
  h.request('PATCH', `/api/v2/weaknesses/${key}`, { token, body });

const keyOf = (t: Tenant, fingerprint: string, category = 'prompt_injection') =>
  weaknessKey(t.tenantId, { endpointId: t.endpoint, category, fingerprint });

beforeAll(async () => {
  h = await startHarness({ label: 'weaknesses-api', workers: true });
});

afterAll(async () => {
  await h?.close();
});

describe('listing weaknesses', () => {
  let t: Tenant;
  let oldest: ReturnType<typeof finding>;

  beforeAll(async () => {
    t = await tenant('Listing Co');
    oldest = finding(t, 'pi:1', timeAgo(9), { severity: 'medium' });
    await post(t, [
      oldest,
      finding(t, 'PI:1 ', timeAgo(5), { severity: 'critical', title: 'Newest title' }),
      finding(t, 'pi:2', timeAgo(7)),
      finding(t, 'pi:2', timeAgo(6), { category: 'jailbreak' }),
    ]);
  });

  it('when findings are stored, then each weakness (endpoint, category, fingerprint) is listed once with its counts', async () => {
    const res = await h.request('GET', '/api/v2/weaknesses', { token: t.reader });
    expect(res.status).toBe(200);
    expect(res.body.next_cursor).toBeNull();
    expect(res.body.data).toHaveLength(3);
    const first = res.body.data.find((w: { key: string }) => w.key === keyOf(t, 'pi:1'));
    expect(first).toEqual({
      key: keyOf(t, 'pi:1'),
      endpoint_id: t.endpoint,
      category: 'prompt_injection',
      fingerprint: 'pi:1',
      title: 'Newest title',
      severity: 'critical',
      state: 'open',
      owner: null,
      due_date: null,
      management_response: null,
      mitigation: null,
      acceptance: null,
      false_positive: null,
      regression: null,
      findings: 2,
      first_seen: expect.any(String),
      last_seen: expect.any(String),
      changed_at: null,
      links: { history: `/api/v2/weaknesses/${keyOf(t, 'pi:1')}/history` },
    });
    expect(Date.parse(first.last_seen) - Date.parse(first.first_seen)).toBe(4 * DAY_MS);
    // The same fingerprint under another category is another row, and so another weakness.
    expect(res.body.data.map((w: { key: string }) => w.key).sort()).toEqual(
      [keyOf(t, 'pi:1'), keyOf(t, 'pi:2'), keyOf(t, 'pi:2', 'jailbreak')].sort(),
    );
  });

  it('when the same batch is sent again, then nothing is counted twice', async () => {
    expect((await post(t, [oldest])).body).toMatchObject({ created: 0, duplicates: 1 });
    const res = await h.request('GET', `/api/v2/weaknesses/${keyOf(t, 'pi:1')}`, { token: t.reader });
    expect(res.body.findings).toBe(2);
  });

  it('when listed a page at a time, by endpoint or by state, then the pages, filters and errors hold', async () => {
    const one = await h.request('GET', '/api/v2/weaknesses?limit=2', { token: t.reader });
    expect(one.body.data).toHaveLength(2);
    const two = await h.request('GET', `/api/v2/weaknesses?limit=2&cursor=${one.body.next_cursor}`, {
      token: t.reader,
    });
    expect(two.body).toEqual({ data: [expect.objectContaining({ state: 'open' })], next_cursor: null });
    const keys = [...one.body.data, ...two.body.data].map((w: { key: string }) => w.key);
    expect(new Set(keys).size).toBe(3);

    const other = await h.request('POST', '/api/v2/endpoints', { token: t.triage, body: { name: 'Empty bot' } });
    const byEndpoint = await h.request('GET', `/api/v2/weaknesses?endpoint_id=${other.body.id}`, { token: t.reader });
    expect(byEndpoint.body).toEqual({ data: [], next_cursor: null });
    const ours = await h.request('GET', `/api/v2/weaknesses?endpoint_id=${t.endpoint}&state=open`, { token: t.reader });
    expect(ours.body.data).toHaveLength(3);
    expect((await h.request('GET', '/api/v2/weaknesses?state=mitigated', { token: t.reader })).body.data).toEqual([]);

    const bad = await h.request('GET', '/api/v2/weaknesses?state=closed', { token: t.reader });
    expect([bad.status, bad.body.error]).toEqual([
      400,
      {
        code: 'invalid_request',
        field: 'state',
        message: 'state: "closed" is not a state; use any of open, mitigated, risk_accepted, false_positive, regressed',
      },
    ]);
    const stranger = await h.request('GET', '/api/v2/weaknesses?endpoint_id=ep_2026_0000000000000000', {
      token: t.reader,
    });
    expect([stranger.status, stranger.body.error.field]).toEqual([400, 'endpoint_id']);
  });
});

describe('triage through each state', () => {
  let t: Tenant;
  let key: string;

  beforeAll(async () => {
    t = await tenant('Triage Co');
    await post(t, [finding(t, 'agent:delete', timeAgo(3), { category: 'excessive_agency', severity: 'critical' })]);
    key = keyOf(t, 'agent:delete', 'excessive_agency');
  });

  it('when the weakness goes open → risk_accepted → risk_accepted → mitigated → open → false_positive → open, then every change is in its trail and the audit log', async () => {
    const acceptance = {
      state: 'risk_accepted',
      approver: 'Dana Reyes',
      approver_role: 'CISO',
      justification: 'Agent actions are reviewed by a human until the fix ships',
      expires_on: dayAgo(-60),
      owner: 'Priya N',
      due_date: dayAgo(-30),
    };
    const accepted = await patch(t, key, acceptance);
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({
      key,
      state: 'risk_accepted',
      owner: 'Priya N',
      due_date: dayAgo(-30),
      acceptance: {
        approver: 'Dana Reyes',
        approver_role: 'CISO',
        justification: 'Agent actions are reviewed by a human until the fix ships',
        expires_on: dayAgo(-60),
      },
    });
    // The acceptance has a durable timer, at its expiry.
    const timer = h.temporal.workflow.getHandle(acceptanceWorkflowId(t.tenantId, key));
    expect((await timer.describe()).status.name).toBe('RUNNING');
    expect(await timer.query(acceptanceStateQuery)).toEqual({ position: 1, expiresOn: dayAgo(-60) });

    const renewed = await patch(t, key, {
      ...acceptance,
      owner: undefined,
      due_date: undefined,
      expires_on: dayAgo(-90),
    });
    expect(renewed.body).toMatchObject({
      state: 'risk_accepted',
      owner: 'Priya N',
      acceptance: { expires_on: dayAgo(-90) },
    });
    expect(await timer.query(acceptanceStateQuery)).toEqual({ position: 2, expiresOn: dayAgo(-90) });

    const mitigated = await patch(t, key, {
      state: 'mitigated',
      evidence: 'https://tickets.example.com/SEC-42',
      mitigated_on: dayAgo(1),
      management_response: 'Tool calls now need confirmation',
    });
    expect(mitigated.body).toMatchObject({
      state: 'mitigated',
      acceptance: null,
      mitigation: { evidence: 'https://tickets.example.com/SEC-42', evidence_is_link: true, mitigated_on: dayAgo(1) },
      management_response: 'Tool calls now need confirmation',
    });
    expect((await patch(t, key, { state: 'open' })).body).toMatchObject({ state: 'open', mitigation: null });
    const fp = await patch(t, key, {
      state: 'false_positive',
      reason: 'The agent ran in a sandbox',
      reviewer: 'Sam Ode',
    });
    expect(fp.body).toMatchObject({
      state: 'false_positive',
      false_positive: { reason: 'The agent ran in a sandbox', reviewer: 'Sam Ode' },
    });
    const reopened = await patch(t, key, { state: 'open', owner: null });
    expect(reopened.body).toMatchObject({ state: 'open', owner: null, false_positive: null });

    const history = await h.request('GET', `/api/v2/weaknesses/${key}/history`, { token: t.reader });
    expect(history.status).toBe(200);
    expect(history.body.key).toBe(key);
    expect(history.body.data.map((e: { from: string; to: string }) => `${e.from}>${e.to}`)).toEqual([
      'open>risk_accepted',
      'risk_accepted>risk_accepted',
      'risk_accepted>mitigated',
      'mitigated>open',
      'open>false_positive',
      'false_positive>open',
    ]);
    expect(history.body.data[0]).toEqual({
      position: 1,
      at: expect.any(String),
      actor: t.triageId,
      from: 'open',
      to: 'risk_accepted',
      cause: 'triage',
      fields: {
        approver: 'Dana Reyes',
        approver_role: 'CISO',
        justification: 'Agent actions are reviewed by a human until the fix ships',
        expires_on: dayAgo(-60),
        owner: 'Priya N',
        due_date: dayAgo(-30),
      },
    });
    expect(history.body.data.at(-1).fields).toEqual({ owner: null });

    const audit = await h.request('GET', '/api/v2/audit-events?action=weakness.treated&limit=100', {
      token: t.triage,
    });
    expect(audit.status).toBe(200);
    const events = [...audit.body.data].reverse();
    expect(events.map((e: { details: { from: string; to: string } }) => `${e.details.from}>${e.details.to}`)).toEqual(
      history.body.data.map((e: { from: string; to: string }) => `${e.from}>${e.to}`),
    );
    expect(events[0]).toEqual({
      id: expect.any(String),
      action: 'weakness.treated',
      at: history.body.data[0].at,
      actor: t.triageId,
      report_id: null,
      details: {
        weakness: key,
        endpoint_id: t.endpoint,
        from: 'open',
        to: 'risk_accepted',
        cause: 'triage',
        approver: 'Dana Reyes',
        approver_role: 'CISO',
        justification: 'Agent actions are reviewed by a human until the fix ships',
        expires_on: dayAgo(-60),
        owner: 'Priya N',
        due_date: dayAgo(-30),
      },
    });
  });

  it('when a transition is not allowed from where the weakness stands, then 409 transition_refused names the states it can take, and nothing is written', async () => {
    await patch(t, key, { state: 'false_positive', reason: 'Sandboxed', reviewer: 'Sam Ode' });
    const before = await h.request('GET', `/api/v2/weaknesses/${key}/history`, { token: t.reader });
    for (const body of [
      { state: 'mitigated', evidence: 'patched', mitigated_on: dayAgo(0) },
      { state: 'false_positive', reason: 'again', reviewer: 'Sam Ode' },
    ]) {
      const res = await patch(t, key, body);
      expect([res.status, res.body.error]).toEqual([
        409,
        {
          code: 'transition_refused',
          message: `state: a weakness that is false_positive can become open; not ${body.state}`,
          field: 'state',
          from: 'false_positive',
          requested: body.state,
          allowed: ['open'],
        },
      ]);
    }
    const after = await h.request('GET', `/api/v2/weaknesses/${key}/history`, { token: t.reader });
    expect(after.body).toEqual(before.body);
  });

  it('when fields are missing or wrong, then 400 invalid_request names the field and what it allows', async () => {
    const cases: [unknown, string, string][] = [
      [
        { state: 'open', approver: 'x' },
        'approver',
        'approver: is not a field of a change to open; allowed: state, owner, due_date, management_response',
      ],
      [
        { state: 'mitigated', mitigated_on: dayAgo(0) },
        'evidence',
        'evidence: is required: a text of 1 to 4000 characters',
      ],
      [
        { state: 'mitigated', evidence: 'http://x.example/1', mitigated_on: dayAgo(0) },
        'evidence',
        'evidence: a link must be an https URL such as "https://tickets.example.com/SEC-42"; or give text',
      ],
      [
        { state: 'risk_accepted', approver: 'A', approver_role: 'B', justification: 'C', expires_on: dayAgo(1) },
        'expires_on',
        `expires_on: ${dayAgo(1)} must be after today (${dayAgo(0)}) and at most 365 days ahead (${dayAgo(-365)})`,
      ],
      [
        { due_date: '2026-13-01' },
        'due_date',
        // The document's check answers before the domain code, in its words: the value is not quoted back.
        'due_date: must be a calendar day written YYYY-MM-DD',
      ],
      [
        { state: 'regressed' },
        'state',
        'state: "regressed" is not a state a change may ask for; use one of open, mitigated, risk_accepted, false_positive (regressed is set by the service when a mitigated weakness is detected again)',
      ],
    ];
    for (const [body, field, message] of cases) {
      const res = await patch(t, key, body);
      expect([res.status, res.body.error]).toEqual([400, { code: 'invalid_request', field, message }]);
    }
  });

  it('when the token lacks findings:triage, then PATCH is 403 missing_scope; reading needs findings:read only', async () => {
    const res = await patch(t, key, { state: 'open' }, t.reader);
    expect([res.status, res.body.error]).toEqual([
      403,
      {
        code: 'missing_scope',
        message: 'this API token lacks the findings:triage scope; mint a token with it',
        required_scope: 'findings:triage',
      },
    ]);
    expect((await h.request('GET', `/api/v2/weaknesses/${key}`, { token: t.reader })).status).toBe(200);
  });

  it('when another tenant names this tenant’s key, then it is 404 as a key that names nothing, and nothing changes', async () => {
    const other = await tenant('Elsewhere Co');
    const unknown = 'wk_AAAAAAAAAAAAAAAAAAAAAA';
    for (const [method, suffix, body] of [
      ['GET', '', undefined],
      ['GET', '/history', undefined],
      ['PATCH', '', { state: 'open' }],
    ] as const) {
      const theirs = await h.request(method, `/api/v2/weaknesses/${key}${suffix}`, { token: other.triage, body });
      const none = await h.request(method, `/api/v2/weaknesses/${unknown}${suffix}`, { token: other.triage, body });
      expect([theirs.status, theirs.body.error]).toEqual([
        404,
        { code: 'not_found', message: `weakness ${key} does not exist` },
      ]);
      expect([none.status, none.body.error.message]).toEqual([404, `weakness ${unknown} does not exist`]);
    }
    expect((await h.request('GET', '/api/v2/weaknesses', { token: other.triage })).body.data).toEqual([]);
    expect((await h.request('GET', `/api/v2/weaknesses/${key}`, { token: t.reader })).body.state).toBe(
      'false_positive',
    );
  });
});

describe('a mitigated weakness detected again', () => {
  it('when a finding detected after the mitigation day arrives through POST /findings, then the weakness is regressed by system, naming it, in the trail and the audit log', async () => {
    const t = await tenant('Regression Co');
    await post(t, [finding(t, 'leak:1', timeAgo(6), { category: 'system_prompt_leakage' })]);
    const key = keyOf(t, 'leak:1', 'system_prompt_leakage');
    expect(
      (await patch(t, key, { state: 'mitigated', evidence: 'Prompt moved server-side', mitigated_on: dayAgo(4) }))
        .status,
    ).toBe(200);

    // Detected on the mitigation day: it may predate the fix, so nothing changes.
    const sameDay = `${dayAgo(4)}T23:00:00.000Z`;
    await post(t, [finding(t, 'leak:1', sameDay, { category: 'system_prompt_leakage' })]);
    expect((await h.request('GET', `/api/v2/weaknesses/${key}`, { token: t.reader })).body.state).toBe('mitigated');

    const detectedAt = timeAgo(2);
    const again = await post(t, [finding(t, 'leak:1', detectedAt, { category: 'system_prompt_leakage' })]);
    const findingId = again.body.ids[0] as string;
    const res = await h.request('GET', `/api/v2/weaknesses/${key}`, { token: t.reader });
    expect(res.body).toMatchObject({
      state: 'regressed',
      findings: 3,
      last_seen: detectedAt,
      mitigation: { evidence: 'Prompt moved server-side', evidence_is_link: false, mitigated_on: dayAgo(4) },
      regression: { finding_id: findingId, detected_at: detectedAt },
    });
    const history = (await h.request('GET', `/api/v2/weaknesses/${key}/history`, { token: t.reader })).body.data;
    expect(history.at(-1)).toMatchObject({
      actor: 'system',
      from: 'mitigated',
      to: 'regressed',
      cause: 'redetected',
      fields: { finding_id: findingId, mitigated_on: dayAgo(4) },
    });
    // Regressed counts as open.
    const open = await h.request('GET', '/api/v2/weaknesses?state=open', { token: t.reader });
    expect(open.body.data.map((w: { key: string }) => w.key)).toEqual([key]);
    const audit = await h.request('GET', '/api/v2/audit-events?action=weakness.treated', { token: t.triage });
    expect(audit.body.data[0]).toMatchObject({
      actor: 'system',
      details: { weakness: key, from: 'mitigated', to: 'regressed', cause: 'redetected', finding_id: findingId },
    });
    expect(audit.body.data).toHaveLength(2);
  });

  it('when the findings arrive through a scanner import, then the weakness is regressed as well', async () => {
    const t = await tenant('Import Regression Co');
    const raw = await fs.readFile(path.resolve(__dirname, '../../fixtures/scanners/garak-0.14-report.jsonl'), 'utf8');
    const upload = (body: string) =>
      h.request('POST', `/api/v2/findings/imports?endpoint_id=${t.endpoint}&wait=60`, {
        token: t.triage,
        raw: body,
        headers: { 'content-type': 'application/octet-stream' },
      });
    const first = await upload(raw);
    expect(first.status).toBe(201);
    const listed = (await h.request('GET', '/api/v2/weaknesses?limit=100', { token: t.reader })).body.data;
    expect(listed.length).toBeGreaterThan(1);
    expect(listed.reduce((n: number, w: { findings: number }) => n + w.findings, 0)).toBe(first.body.created);
    const target = listed[0];
    expect(target.last_seen.slice(0, 10)).toBe('2025-11-18');
    expect(
      (await patch(t, target.key, { state: 'mitigated', evidence: 'Filter deployed', mitigated_on: '2025-11-20' }))
        .status,
    ).toBe(200);

    // Another run of the same probes, weeks later: other attempt ids, another start.
    const rerun = raw
      .replaceAll('b7d0e4c2-5a93-4f18-a6e1-0c9d8f2b3a74', '0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f')
      .replaceAll('2025-11-18T16:42:09.557120', '2026-01-05T16:42:09.557120');
    const second = await upload(rerun);
    expect([second.status, second.body.created]).toEqual([201, first.body.created]);

    const after = (await h.request('GET', `/api/v2/weaknesses/${target.key}`, { token: t.reader })).body;
    expect(after).toMatchObject({ state: 'regressed', findings: target.findings * 2 });
    expect(after.regression.detected_at.slice(0, 10)).toBe('2026-01-05');
    const theFinding = await h.request('GET', `/api/v2/findings?endpoint_id=${t.endpoint}&from=2026-01-05&limit=100`, {
      token: t.reader,
    });
    expect(theFinding.body.data.map((f: { id: string }) => f.id)).toContain(after.regression.finding_id);
    // The other weaknesses were open and stay so.
    const others = (await h.request('GET', '/api/v2/weaknesses?limit=100', { token: t.reader })).body.data.filter(
      (w: { key: string }) => w.key !== target.key,
    );
    expect(new Set(others.map((w: { state: string }) => w.state))).toEqual(new Set(['open']));
  });
});

describe('acceptance timers', () => {
  it('when a weakness was never accepted, then it has no timer', async () => {
    const t = await tenant('No Timer Co');
    await post(t, [finding(t, 'x:1', timeAgo(1))]);
    await expect(
      h.temporal.workflow.getHandle(acceptanceWorkflowId(t.tenantId, keyOf(t, 'x:1'))).describe(),
    ).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });
});
