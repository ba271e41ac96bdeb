/**
 * Retrying a failed report: same id, attempt n+1, after the cause is fixed; refused for any other status.
 */
import { createEndpoint, createTenant, insertFindings, mintToken } from '../../src/infra/mongo/tenant-admin';
import { buildFinding } from '../fixtures/findings';
import { documentedRequest } from '../fixtures/requests';
import { startHarness, waitForReport, type Harness } from '../support/harness';

jest.setTimeout(120_000);

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ workers: true, label: 'retry' });
});

afterAll(async () => {
  await h?.close();
});

describe('POST /reports/:id/retry', () => {
  it('when a report failed on a data fault, then after the fix a retry makes the same report ready as attempt 2', async () => {
    const tenantId = await createTenant(h.db, { name: 'Fragile Co', auditRetentionDays: 365 });
    const endpoint = await createEndpoint(h.db, { tenantId, name: 'Bot', description: 'chat' });
    await insertFindings(h.db, [buildFinding({ tenantId, endpointId: endpoint })]);
    const { secret: token } = await mintToken(h.db, { tenantId, scopes: ['reports:generate', 'reports:read'] });
    // The tenant's settings vanish mid-way (a botched migration, say): marking ready cannot find its retention.
    const tenants = h.db.collection<{ _id: string }>('tenants');
    const saved = await tenants.findOne({ _id: tenantId });
    await tenants.deleteOne({ _id: tenantId });

    const created = await h.request('POST', '/api/v2/reports', { token, body: documentedRequest([endpoint], 'json') });
    expect(created.status).toBe(202);
    const failed = await waitForReport(h, created.body.id, token);
    expect(failed.body).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'report_not_found' } });
    expect(failed.body.links.retry).toBe(`/api/v2/reports/${created.body.id}/retry`);

    await tenants.insertOne(saved!);
    const retried = await h.request('POST', `/api/v2/reports/${created.body.id}/retry`, { token });
    expect(retried.status).toBe(202);
    expect(retried.body).toEqual({ id: created.body.id, status: 'queued', format: 'json', attempt: 2 });
    const ready = await waitForReport(h, created.body.id, token);
    expect(ready.body).toMatchObject({ id: created.body.id, status: 'ready', attempts: 2, error: null });
    expect(ready.body.links.retry).toBeNull();

    const again = await h.request('POST', `/api/v2/reports/${created.body.id}/retry`, { token });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'report_not_retryable', status: 'ready' });
    const actions = (await h.audit.forReport(tenantId, created.body.id)).map((e) => e.action);
    expect(actions).toEqual(['report.created', 'report.retried']);
  });

  it("when the report is another tenant's or unknown, then 404; without reports:generate, then 403", async () => {
    const tenantId = await createTenant(h.db, { name: 'Other Co', auditRetentionDays: 365 });
    const { secret: readOnly } = await mintToken(h.db, { tenantId, scopes: ['reports:read'] });
    const { secret: token } = await mintToken(h.db, { tenantId, scopes: ['reports:generate'] });
    expect((await h.request('POST', '/api/v2/reports/rpt_2026_0000000000000000/retry', { token })).status).toBe(404);
    const noScope = await h.request('POST', '/api/v2/reports/rpt_2026_0000000000000000/retry', { token: readOnly });
    expect(noScope.status).toBe(403);
  });
});
