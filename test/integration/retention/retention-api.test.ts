/**
 * Retention through the API on the real stack (Temporal dev server, FerretDB, the pipeline's workers): a
 * tenant whose retention is a few seconds sees its report purged — download and signed URL then answer 410 —
 * and regenerates it; the tenant-settings call moves deadlines; a legal hold keeps an artifact past its day.
 */
import type { ReportRecord } from '../../../src/domain/report';
import { parseReportRequest } from '../../../src/domain/report-request';
import { DAY_MS } from '../../../src/domain/retention';
import { reportPrefix } from '../../../src/domain/storage-keys';
import { newId } from '../../../src/infra/ids';
import { createEndpoint, createTenant, insertFindings, mintToken } from '../../../src/infra/mongo/tenant-admin';
import { buildFinding } from '../../fixtures/findings';
import { documentedRequest } from '../../fixtures/requests';
import { startHarness, waitForReport, type ApiResponse, type Harness } from '../../support/harness';

jest.setTimeout(180_000);

const RETENTION_SECONDS = 8;

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ workers: true, label: 'retention' });
});

afterAll(async () => {
  await h?.close();
});

/** A tenant with one endpoint and finding, and tokens: `all` carries every scope, `reports` only the report
 * scopes. Retention may be fractional days: operators can set what the API does not allow. */
async function tenantWith(retentionDays: number) {
  const tenantId = await createTenant(h.db, { name: 'Short Memory Ltd', auditRetentionDays: retentionDays });
  const endpoint = await createEndpoint(h.db, { tenantId, name: 'Support bot', description: 'chat' });
  await insertFindings(h.db, [
    buildFinding({ tenantId, endpointId: endpoint, detectedAt: '2026-05-10T12:00:00.000Z' }),
  ]);
  const all = await mintToken(h.db, {
    tenantId,
    scopes: ['reports:generate', 'reports:read', 'reports:legal_hold', 'tenant:settings'],
  });
  const reports = await mintToken(h.db, { tenantId, scopes: ['reports:generate', 'reports:read'] });
  return { tenantId, endpoint, token: all.secret, reportsOnly: reports.secret };
}

async function readyJsonReport(t: { endpoint: string; token: string }): Promise<ApiResponse> {
  const created = await h.request('POST', '/api/v2/reports', {
    token: t.token,
    body: documentedRequest([t.endpoint], 'json'),
  });
  expect(created.status).toBe(202);
  const ready = await waitForReport(h, created.body.id, t.token);
  expect(ready.body.status).toBe('ready');
  return ready;
}

/** Polls until the report is past `ready` and the `purging` that follows it, or fails after `timeoutMs`. */
async function waitWhileReady(id: string, token: string, timeoutMs: number): Promise<ApiResponse> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await h.request('GET', `/api/v2/reports/${id}`, { token });
    if (res.body.status !== 'ready' && res.body.status !== 'purging') return res;
    if (Date.now() > deadline) throw new Error(`report ${id} still ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('a retention of seconds on the real stack', () => {
  it('when the deadline passes, then the artifact is purged, download and signed URL answer 410, and it can be regenerated', async () => {
    const t = await tenantWith(RETENTION_SECONDS / 86_400);
    const ready = await readyJsonReport(t);
    const id = ready.body.id;
    const keptMs = Date.parse(ready.body.expires_at) - Date.parse(ready.body.completed_at);
    expect(keptMs).toBe(RETENTION_SECONDS * 1000);

    const redirect = await h.request('GET', `/api/v2/reports/${id}/download`, { token: t.token });
    expect(redirect.status).toBe(302);
    const signedUrl = redirect.headers.get('location')!;
    const first = await fetch(signedUrl);
    expect(first.status).toBe(200);
    expect(((await first.json()) as { schema_version: string }).schema_version).toBeDefined();

    const expired = await waitWhileReady(id, t.token, 60_000);
    expect(expired.body.status).toBe('expired');
    expect(Date.parse(expired.body.purged_at)).toBeGreaterThanOrEqual(Date.parse(ready.body.expires_at));
    expect(expired.body.links.download).toBeNull();

    const download = await h.request('GET', `/api/v2/reports/${id}/download`, { token: t.token });
    expect(download.status).toBe(410);
    expect(download.body.error.code).toBe('report_expired');
    const again = await fetch(signedUrl);
    expect(again.status).toBe(410);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('report_expired');

    expect(await h.store.deletePrefix(reportPrefix(t.tenantId, id))).toBe(0);
    const actions = (await h.audit.forReport(t.tenantId, id)).map((e) => e.action);
    expect(actions).toEqual([
      'report.created',
      'report.download_link_issued',
      'report.artifact_fetched',
      'report.purged',
    ]);

    const regenerated = await h.request('POST', `/api/v2/reports/${id}/regenerate`, { token: t.token });
    expect(regenerated.status).toBe(202);
    expect(regenerated.body.regenerated_from).toBe(id);
    const fresh = await waitForReport(h, regenerated.body.id, t.token);
    expect(fresh.body).toMatchObject({ status: 'ready', regenerated_from: id, title: ready.body.title });
    expect(fresh.body.scope).toEqual(ready.body.scope);
  });

  it('when a legal hold is placed, then the artifact outlives its deadline until the hold is released', async () => {
    const t = await tenantWith(RETENTION_SECONDS / 86_400);
    const ready = await readyJsonReport(t);
    const id = ready.body.id;
    const held = await h.request('PUT', `/api/v2/reports/${id}/legal-hold`, {
      token: t.token,
      body: { reason: 'Matter 2026-114 litigation hold' },
    });
    expect(held.status).toBe(200);
    expect(held.body.legal_hold).toMatchObject({ reason: 'Matter 2026-114 litigation hold' });

    // Well past the deadline, the artifact is still there.
    const wait = Date.parse(ready.body.expires_at) + 4_000 - Date.now();
    await new Promise((r) => setTimeout(r, Math.max(0, wait)));
    const still = await h.request('GET', `/api/v2/reports/${id}`, { token: t.token });
    expect(still.body.status).toBe('ready');
    expect((await h.request('GET', `/api/v2/reports/${id}/download`, { token: t.token })).status).toBe(302);

    const released = await h.request('DELETE', `/api/v2/reports/${id}/legal-hold`, { token: t.token });
    expect(released.status).toBe(200);
    expect(released.body.legal_hold).toBeNull();
    const expired = await waitWhileReady(id, t.token, 30_000);
    expect(expired.body.status).toBe('expired');
    const actions = (await h.audit.forReport(t.tenantId, id)).map((e) => e.action);
    expect(actions).toContain('report.legal_hold_placed');
    expect(actions).toContain('report.legal_hold_released');
  });

  it('when a legal hold request is malformed or lacks its scope, then it is refused and nothing changes', async () => {
    const t = await tenantWith(365);
    const ready = await readyJsonReport(t);
    const id = ready.body.id;
    const noScope = await h.request('PUT', `/api/v2/reports/${id}/legal-hold`, {
      token: t.reportsOnly,
      body: { reason: 'x' },
    });
    expect(noScope.status).toBe(403);
    expect(noScope.body.error.code).toBe('missing_scope');
    const noReason = await h.request('PUT', `/api/v2/reports/${id}/legal-hold`, { token: t.token, body: {} });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.field).toBe('reason');
    const unknown = await h.request('PUT', `/api/v2/reports/${id}/legal-hold`, {
      token: t.token,
      body: { reason: 'x', until: 'forever' },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.field).toBe('until');
    const other = await tenantWith(365);
    const foreign = await h.request('PUT', `/api/v2/reports/${id}/legal-hold`, {
      token: other.token,
      body: { reason: 'x' },
    });
    expect(foreign.status).toBe(404);
    expect((await h.request('GET', `/api/v2/reports/${id}`, { token: t.token })).body.legal_hold).toBeNull();
  });
});

describe('tenant settings', () => {
  it('when retention is changed, then every ready report of the tenant gets the new deadline and the change is audited', async () => {
    const t = await tenantWith(365);
    const ready = await readyJsonReport(t);
    const id = ready.body.id;
    const before = await h.request('GET', '/api/v2/tenant/settings', { token: t.token });
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ tenant_id: t.tenantId, audit_retention_days: 365, updated_at: null });

    const patched = await h.request('PATCH', '/api/v2/tenant/settings', {
      token: t.token,
      body: { audit_retention_days: 30 },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ tenant_id: t.tenantId, audit_retention_days: 30 });
    expect(patched.body.retention_update.workflow_id).toMatch(/^retention-retarget-/);

    const expected = Date.parse(ready.body.completed_at) + 30 * DAY_MS;
    const deadline = Date.now() + 30_000;
    let report = await h.request('GET', `/api/v2/reports/${id}`, { token: t.token });
    while (Date.parse(report.body.expires_at) !== expected && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 300));
      report = await h.request('GET', `/api/v2/reports/${id}`, { token: t.token });
    }
    expect(report.body.expires_at).toBe(new Date(expected).toISOString());
    const state = await h.temporal.workflow.getHandle(`retention-${id}`).query('retentionState');
    expect(state).toMatchObject({ expiresAt: new Date(expected).toISOString(), held: false });
    const events = await h.audit.forTenant(t.tenantId);
    expect(events.map((e) => [e.action, e.details])).toEqual([
      ['tenant.retention_changed', { from_days: 365, to_days: 30 }],
    ]);
  });

  it('when the change is invalid or the token lacks tenant:settings, then it is refused and nothing changes', async () => {
    const t = await tenantWith(365);
    const cases: [unknown, string][] = [
      [{ audit_retention_days: 0 }, 'audit_retention_days'],
      [{ audit_retention_days: 3651 }, 'audit_retention_days'],
      [{ audit_retention_days: 30.5 }, 'audit_retention_days'],
      [{ audit_retention_days: '30' }, 'audit_retention_days'],
      [{}, 'audit_retention_days'],
      [{ audit_retention_days: 30, retention: 1 }, 'retention'],
      [[30], 'body'],
    ];
    for (const [body, field] of cases) {
      const res = await h.request('PATCH', '/api/v2/tenant/settings', { token: t.token, body });
      expect([res.status, res.body.error.code, res.body.error.field]).toEqual([400, 'invalid_request', field]);
    }
    const noScope = await h.request('PATCH', '/api/v2/tenant/settings', {
      token: t.reportsOnly,
      body: { audit_retention_days: 30 },
    });
    expect(noScope.status).toBe(403);
    expect(noScope.body.error.required_scope).toBe('tenant:settings');
    expect((await h.request('GET', '/api/v2/tenant/settings', { token: t.reportsOnly })).status).toBe(403);
    const after = await h.request('GET', '/api/v2/tenant/settings', { token: t.token });
    expect(after.body).toMatchObject({ audit_retention_days: 365, updated_at: null });
    expect(await h.audit.forTenant(t.tenantId)).toEqual([]);
  });
});

describe('regenerate', () => {
  it('when a report is still running or belongs to another tenant, then regenerate is refused', async () => {
    const t = await tenantWith(365);
    // A report mid-generation, written directly so no worker can finish it first.
    const running: ReportRecord = {
      id: newId('rpt'),
      tenantId: t.tenantId,
      request: parseReportRequest(documentedRequest([t.endpoint], 'json')),
      status: 'running',
      createdAt: new Date(),
      progress: { stage: 'rendering', percent: 50 },
      attempts: 1,
    };
    await h.reports.insert(running);
    const early = await h.request('POST', `/api/v2/reports/${running.id}/regenerate`, { token: t.token });
    expect(early.status).toBe(409);
    expect(early.body.error).toMatchObject({ code: 'report_not_ready', status: 'running' });

    const ready = await readyJsonReport(t);
    const other = await tenantWith(365);
    const foreign = await h.request('POST', `/api/v2/reports/${ready.body.id}/regenerate`, { token: other.token });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe('report_not_found');
    const listed = await h.request('GET', '/api/v2/reports', { token: t.token });
    expect(listed.body.data.map((r: { id: string }) => r.id).sort()).toEqual([running.id, ready.body.id].sort());
  });
});
