/**
 * A report that fails keeps what it staged for a while, for `/retry`, then its retention workflow purges it, on the
 * real stack: the report stays failed with `purged_at`, the audit log records the purge, and a retry afterwards
 * still makes it ready (it collects everything again). A report retried in time is not purged by the timer its
 * failure started: the ready report keeps its artifact until its own deadline.
 */
import type { Db } from 'mongodb';
import { parseReportRequest } from '../../../src/domain/report-request';
import { stagingKey } from '../../../src/domain/storage-keys';
import { createEndpoint, createTenant, insertFindings, mintToken } from '../../../src/infra/mongo/tenant-admin';
import { reportWorkflowId, retentionStateQuery, retentionWorkflowId } from '../../../workflows/contracts';
import { buildFinding } from '../../fixtures/findings';
import { queuedRecord } from '../../fixtures/reports';
import { documentedRequest } from '../../fixtures/requests';
import { startHarness, waitForReport, type Harness } from '../../support/harness';

jest.setTimeout(120_000);

const FAILED_RETENTION_MS = 5_000;

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ workers: true, label: 'failed-retention', failedRetentionMs: FAILED_RETENTION_MS });
});

afterAll(async () => {
  await h?.close();
});

/** A report that fails at its last step because its tenant's settings vanished mid-way (as the retry test makes
 * one); answers what puts the settings back. */
async function failedReport(): Promise<{ tenantId: string; id: string; token: string; restore: () => Promise<void> }> {
  const tenantId = await createTenant(h.db, { name: 'Fragile Co', auditRetentionDays: 365 });
  const endpoint = await createEndpoint(h.db, { tenantId, name: 'Bot', description: 'chat' });
  await insertFindings(h.db, [buildFinding({ tenantId, endpointId: endpoint })]);
  const { secret: token } = await mintToken(h.db, {
    tenantId,
    scopes: ['reports:generate', 'reports:read', 'audit:read'],
  });
  const tenants = (h.db as Db).collection<{ _id: string }>('tenants');
  const saved = await tenants.findOne({ _id: tenantId });
  await tenants.deleteOne({ _id: tenantId });
  const record = queuedRecord(tenantId, parseReportRequest(documentedRequest([endpoint], 'json')), new Date());
  await h.reports.insert(record);
  const run = await h.temporal.workflow.start('generateReportWorkflow', {
    workflowId: reportWorkflowId(record.id),
    taskQueue: h.taskQueue,
    args: [{ reportId: record.id, tenantId, format: 'json' }],
  });
  await run.result().catch(() => undefined);
  return { tenantId, id: record.id, token, restore: async () => void (await tenants.insertOne(saved!)) };
}

const snapshotStored = (tenantId: string, id: string) =>
  h.store
    .get(stagingKey(tenantId, id, 'findings.json'))
    .then(() => true)
    .catch(() => false);

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('a failed report’s staged objects', () => {
  it('when the time for a retry passes, then they are purged, the report stays failed, and a retry still works', async () => {
    const r = await failedReport();
    const failed = await h.reports.get(r.tenantId, r.id);
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'report_not_found' } });
    expect(failed!.expiresAt!.getTime() - failed!.failedAt!.getTime()).toBe(FAILED_RETENTION_MS);
    expect(await snapshotStored(r.tenantId, r.id)).toBe(true);

    await until('staging purged', async () => (await h.reports.get(r.tenantId, r.id))?.purgedAt !== undefined);
    expect(await snapshotStored(r.tenantId, r.id)).toBe(false);
    await r.restore();
    const shown = await h.request('GET', `/api/v2/reports/${r.id}`, { token: r.token });
    expect(shown.body).toMatchObject({ status: 'failed', links: { retry: `/api/v2/reports/${r.id}/retry` } });
    expect(shown.body.purged_at).not.toBeNull();
    const events = await h.request('GET', `/api/v2/audit-events?report_id=${r.id}`, { token: r.token });
    const purge = events.body.data.find((e: { action: string }) => e.action === 'report.staging_purged');
    expect(purge).toMatchObject({ actor: 'retention', details: { attempt: 1 } });
    expect(purge.details.objects_removed).toBeGreaterThan(0);

    expect((await h.request('POST', `/api/v2/reports/${r.id}/retry`, { token: r.token })).status).toBe(202);
    const ready = await waitForReport(h, r.id, r.token);
    expect(ready.body).toMatchObject({ status: 'ready', attempts: 2, purged_at: null });
  });

  it('when the report is retried in time, then the timer its failure started does not purge the ready report', async () => {
    const r = await failedReport();
    await r.restore();
    expect((await h.request('POST', `/api/v2/reports/${r.id}/retry`, { token: r.token })).status).toBe(202);
    const ready = await waitForReport(h, r.id, r.token);
    expect(ready.body.status).toBe('ready');
    await new Promise((resolve) => setTimeout(resolve, FAILED_RETENTION_MS + 3_000));
    const after = await h.request('GET', `/api/v2/reports/${r.id}`, { token: r.token });
    expect(after.body).toMatchObject({ status: 'ready', purged_at: null });
    expect(await snapshotStored(r.tenantId, r.id)).toBe(true);
    const state = await h.temporal.workflow.getHandle(retentionWorkflowId(r.id)).query(retentionStateQuery);
    expect(state.expiresAt).toBe(after.body.expires_at);
  });
});
