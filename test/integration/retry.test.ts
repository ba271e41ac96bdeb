/**
 * Retrying a failed report: same id, attempt n+1, after the cause is fixed; refused for any other status.
 */
import { parseReportRequest } from '../../src/domain/report-request';
import { createEndpoint, createTenant, insertFindings, mintToken } from '../../src/infra/mongo/tenant-admin';
import { reportWorkflowId } from '../../workflows/contracts';
import { buildFinding } from '../fixtures/findings';
import { queuedRecord } from '../fixtures/reports';
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
    // The tenant's settings vanish mid-way (a botched migration, say): marking ready cannot find its retention. The
    // report is queued and started as the API does it, since a token of a tenant that is gone no longer
    // authenticates.
    const tenants = h.db.collection<{ _id: string }>('tenants');
    const saved = await tenants.findOne({ _id: tenantId });
    await tenants.deleteOne({ _id: tenantId });
    const record = queuedRecord(tenantId, parseReportRequest(documentedRequest([endpoint], 'json')), new Date());
    await h.reports.insert(record);
    await h.temporal.workflow.start('generateReportWorkflow', {
      workflowId: reportWorkflowId(record.id),
      taskQueue: h.taskQueue,
      args: [{ reportId: record.id, tenantId, format: 'json' }],
    });
    const created = { body: { id: record.id } };
    for (let i = 0; i < 600 && (await h.reports.get(tenantId, record.id))?.status !== 'failed'; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await h.reports.get(tenantId, record.id)).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { code: 'report_not_found' },
    });

    await tenants.insertOne(saved!);
    const failed = await waitForReport(h, created.body.id, token);
    expect(failed.body.links.retry).toBe(`/api/v2/reports/${created.body.id}/retry`);
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
    expect(actions).toEqual(['report.retried']);
  });

  /** A failed report whose run has not closed yet: it waits on a task queue no worker polls, as a run does for
   * the moment between marking its report failed and closing. */
  async function failedWithOpenRun(): Promise<{ id: string; token: string }> {
    const tenantId = await createTenant(h.db, { name: 'Closing Co', auditRetentionDays: 365 });
    const endpoint = await createEndpoint(h.db, { tenantId, name: 'Bot', description: 'chat' });
    await insertFindings(h.db, [buildFinding({ tenantId, endpointId: endpoint })]);
    const { secret: token } = await mintToken(h.db, { tenantId, scopes: ['reports:generate', 'reports:read'] });
    const record = queuedRecord(tenantId, parseReportRequest(documentedRequest([endpoint], 'json')), new Date(), {
      status: 'failed',
      attempts: 1,
      failedAt: new Date(),
      error: { code: 'internal', message: 'the report failed' },
    });
    await h.reports.insert(record);
    await h.temporal.workflow.start('generateReportWorkflow', {
      workflowId: reportWorkflowId(record.id),
      taskQueue: `${h.taskQueue}-unpolled`,
      args: [{ reportId: record.id, tenantId, format: 'json' }],
    });
    return { id: record.id, token };
  }

  it('when the failed run is still closing, then the retry waits for it to close and starts attempt 2', async () => {
    const { id, token } = await failedWithOpenRun();
    const closes = new Promise((r) => setTimeout(r, 1_000)).then(() =>
      h.temporal.workflow.getHandle(reportWorkflowId(id)).terminate('the previous attempt closes'),
    );
    const retried = await h.request('POST', `/api/v2/reports/${id}/retry`, { token });
    await closes;
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({ id, status: 'queued', attempt: 2 });
    const ready = await waitForReport(h, id, token);
    expect(ready.body).toMatchObject({ id, status: 'ready', attempts: 2 });
  });

  it('when the failed run does not close within the start deadline, then 503 and the report stays failed', async () => {
    const { id, token } = await failedWithOpenRun();
    const retried = await h.request('POST', `/api/v2/reports/${id}/retry`, { token });
    expect(retried.status).toBe(503);
    expect(retried.body.error.code).toBe('unavailable');
    const after = await h.request('GET', `/api/v2/reports/${id}`, { token });
    expect(after.body).toMatchObject({ status: 'failed', error: { code: 'internal' } });
    await h.temporal.workflow.getHandle(reportWorkflowId(id)).terminate('test over');
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
