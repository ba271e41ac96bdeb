/**
 * Imports as jobs on the real stack: an upload is staged in the tenant's storage and answered at once; a worker's
 * workflow reads and stores it; the caller follows it, or waits for it. A tenant's quotas (imports in flight,
 * reports queued or running, findings stored) refuse what would pass them, naming the quota.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { importPartKey } from '../../../src/domain/storage-keys';
import { createTenant, mintToken } from '../../../src/infra/mongo/tenant-admin';
import { startHarness, waitForReport, type Harness } from '../../support/harness';
import { countStored } from '../../support/stored-findings';
import { reportWorkflowId } from '../../../workflows/contracts';

jest.setTimeout(120_000);

const FIXTURES = path.resolve(__dirname, '../../fixtures/scanners');
const fixture = (name: string) => fs.readFile(path.join(FIXTURES, name), 'utf8');
const SCOPES = ['findings:write', 'findings:read', 'reports:generate', 'reports:read'] as const;

async function tenantOf(h: Harness, name: string): Promise<{ tenantId: string; token: string; endpoint: string }> {
  const tenantId = await createTenant(h.db, { name, auditRetentionDays: 365 });
  const token = (await mintToken(h.db, { tenantId, scopes: [...SCOPES] })).secret;
  const endpoint = (await h.request('POST', '/api/v2/endpoints', { token, body: { name: `${name} bot` } })).body.id;
  return { tenantId, token, endpoint };
}

function upload(h: Harness, as: { token: string; endpoint: string }, raw: string, qs = '') {
  return h.request('POST', `/api/v2/findings/imports?endpoint_id=${as.endpoint}${qs}`, {
    token: as.token,
    raw,
    headers: { 'content-type': 'application/octet-stream' },
  });
}

describe('an import job, with workers', () => {
  let h: Harness;
  let a: Awaited<ReturnType<typeof tenantOf>>;

  beforeAll(async () => {
    h = await startHarness({ label: 'import_jobs', workers: true, quotas: { storedFindings: 12 } });
    a = await tenantOf(h, 'Jobs');
  });

  afterAll(async () => {
    await h?.close();
  });

  it('when a file is uploaded, then 202 answers the job at once and following it shows it run to its result', async () => {
    const raw = await fixture('garak-0.14-report.jsonl');
    const started = await upload(h, a, raw);
    expect(started.status).toBe(202);
    expect(started.headers.get('location')).toBe(`/api/v2/findings/imports/${started.body.id}`);
    expect(started.body).toMatchObject({
      id: expect.stringMatching(/^imp_\d{4}_[0-9a-z]{16}$/),
      status: 'queued',
      endpoint_id: a.endpoint,
      file_bytes: Buffer.byteLength(raw),
      progress: { phase: 'queued', bytes_total: Buffer.byteLength(raw) },
      created: null,
      error: null,
    });
    const done = await h.request('GET', `/api/v2/findings/imports/${started.body.id}?wait=60`, { token: a.token });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({
      status: 'succeeded',
      format: 'garak-report',
      tool: 'garak',
      findings: 9,
      created: 9,
      duplicates: 0,
      progress: { phase: 'done', findings: 9 },
      started_at: expect.any(String),
      finished_at: expect.any(String),
    });
    // The staged upload is gone once the job has ended.
    await expect(h.store.get(importPartKey(a.tenantId, started.body.id, 0))).rejects.toMatchObject({
      code: 'artifact_missing',
    });
  });

  it('when a report and an import end, then each gives its tenant’s slot back', async () => {
    const created = await h.request('POST', '/api/v2/reports', {
      token: a.token,
      body: {
        title: 'Slots',
        frameworks: ['OWASP_LLM'],
        scope: { endpoint_ids: [a.endpoint], from: '2025-11-01', to: '2025-11-30' },
        format: 'json',
      },
    });
    expect((await waitForReport(h, created.body.id, a.token)).body.status).toBe('ready');
    // The report reads ready a moment before the step that made it so gives the slot back: its workflow's end is after.
    await h.temporal.workflow.getHandle(reportWorkflowId(created.body.id)).result();
    const slots = await h.db.collection('quota_slots').find({}).toArray();
    expect(slots.filter((s) => String(s._id).includes(a.tenantId))).toEqual([]);
  });

  it('when another tenant asks for the import, or the id is not one, then 404', async () => {
    const b = await tenantOf(h, 'Other');
    const started = await upload(
      h,
      a,
      await fixture('garak-0.10-hitlog.jsonl'),
      '&run_started_at=2026-01-01T00:00:00Z',
    );
    for (const [who, id] of [
      [b, started.body.id],
      [a, 'imp_2026_doesnotexist0000'],
      [a, 'rpt_2026_notanimport00000'],
    ] as const) {
      const res = await h.request('GET', `/api/v2/findings/imports/${id}`, { token: who.token });
      expect([res.status, res.body.error.code]).toEqual([404, 'not_found']);
    }
    const bad = await h.request('GET', `/api/v2/findings/imports/${started.body.id}?wait=1000`, { token: a.token });
    expect([bad.status, bad.body.error.field]).toEqual([400, 'wait']);
  });

  it('when an import would take the tenant past its stored findings, then the job fails naming the quota and stores nothing', async () => {
    const before = await countStored(h.db, { tenantId: a.tenantId });
    const res = await upload(h, a, await fixture('garak-0.10-report.jsonl'), '&wait=60');
    expect(res.status).toBe(429);
    expect(res.body).toMatchObject({
      status: 'failed',
      error: { code: 'quota_exceeded', message: expect.stringMatching(/^this tenant may store at most 12 findings/) },
    });
    expect(await countStored(h.db, { tenantId: a.tenantId })).toBe(before);
    const direct = await h.request('POST', '/api/v2/findings', {
      token: a.token,
      body: {
        findings: Array.from({ length: 13 - before }, (_, i) => ({
          endpoint_id: a.endpoint,
          title: `Finding ${i}`,
          category: 'prompt_injection',
          severity: 'high',
          detected_at: '2026-05-01T00:00:00Z',
          evidence: { prompt: 'p', response: 'r' },
        })),
      },
    });
    expect([direct.status, direct.body.error.code, direct.body.error.quota]).toEqual([
      429,
      'quota_exceeded',
      'stored_findings',
    ]);
    expect(direct.headers.get('retry-after')).toBeNull();
  });
});

describe('the bound on findings one file may give', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ label: 'import_cap', workers: true, importMaxFindings: 9 });
  });

  afterAll(async () => {
    await h?.close();
  });

  it('when a file gives more findings than IMPORT_MAX_FINDINGS, then the job fails with 422 naming the limit and stores nothing', async () => {
    const a = await tenantOf(h, 'Capped');
    const res = await upload(h, a, await fixture('promptfoo-redteam.json'), '&wait=60');
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({
      status: 'failed',
      error: {
        code: 'import_invalid',
        message: expect.stringMatching(/at most 9 are imported from one file \(IMPORT_MAX_FINDINGS\)/),
      },
    });
    expect(await countStored(h.db, { tenantId: a.tenantId })).toBe(0);
    // At the limit, a file is taken whole.
    expect((await upload(h, a, await fixture('garak-0.14-report.jsonl'), '&wait=60')).body).toMatchObject({
      status: 'succeeded',
      created: 9,
    });
  });
});

describe('quotas of things in flight, with no worker to finish them', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ label: 'import_quotas', quotas: { importsInFlight: 2, activeReports: 2 } });
  });

  afterAll(async () => {
    await h?.close();
  });

  it('when a tenant has two imports in flight, then a third is refused with 429 naming the quota, and nothing of it is kept', async () => {
    const a = await tenantOf(h, 'Busy');
    const other = await tenantOf(h, 'Unaffected');
    const raw = await fixture('garak-0.14-hitlog.jsonl');
    const first = await upload(h, a, raw);
    const second = await upload(h, a, raw);
    expect([first.status, second.status]).toEqual([202, 202]);
    const third = await upload(h, a, raw);
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('15');
    expect(third.body.error).toMatchObject({ code: 'quota_exceeded', quota: 'imports_in_flight', limit: 2 });
    const kept = (await h.db.collection('imports').find({}).toArray()).filter((d) => d.tenant_id === a.tenantId);
    expect(kept.map((d) => d._id).sort()).toEqual([first.body.id, second.body.id].sort());
    // Another tenant's imports are not held up by it.
    expect((await upload(h, other, raw)).status).toBe(202);
  });

  it('when a tenant has two reports queued, then a third is refused with 429 naming the quota', async () => {
    const a = await tenantOf(h, 'Reporter');
    const create = () =>
      h.request('POST', '/api/v2/reports', {
        token: a.token,
        body: {
          title: 'Quota',
          frameworks: ['OWASP_LLM'],
          scope: { endpoint_ids: [a.endpoint], from: '2026-01-01', to: '2026-03-31' },
          format: 'json',
        },
      });
    expect([(await create()).status, (await create()).status]).toEqual([202, 202]);
    const third = await create();
    expect(third.status).toBe(429);
    expect(third.body.error).toMatchObject({ code: 'quota_exceeded', quota: 'active_reports', limit: 2 });
    expect(third.headers.get('retry-after')).toBe('30');
  });
});
