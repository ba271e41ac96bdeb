/**
 * The retention workflow on Temporal's time-skipping test server, with the real activities against the test
 * database and an encrypted artifact store: a year passes in seconds, so the tests can watch a purge happen
 * on its day and not before, move when the tenant's retention changes, and wait out a legal hold.
 */
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Db, MongoClient } from 'mongodb';
import { createRetentionActivities } from '../../../activities/retention-activities';
import { artifactKey, reportPrefix, stagingKey } from '../../../src/domain/storage-keys';
import { DAY_MS, retentionDeadline } from '../../../src/domain/retention';
import { parseReportRequest } from '../../../src/domain/report-request';
import { newId } from '../../../src/infra/ids';
import { MongoAuditLog } from '../../../src/infra/mongo/audit-repo';
import { ensureIndexes } from '../../../src/infra/mongo/database';
import { MongoReportsRepo } from '../../../src/infra/mongo/reports-repo';
import { createTenant } from '../../../src/infra/mongo/tenant-admin';
import { MongoTenantsRepo } from '../../../src/infra/mongo/tenants-repo';
import { FsArtifactStore } from '../../../src/infra/storage/fs-artifact-store';
import { masterKeyFrom } from '../../../src/infra/storage/envelope';
import { TemporalRetention } from '../../../src/infra/temporal/retention-workflows';
import { retentionStateQuery, retentionWorkflowId, type RetentionState } from '../../../workflows/contracts';
import { queuedRecord } from '../../fixtures/reports';
import { documentedRequest } from '../../fixtures/requests';
import { quietRuntime, workflowBundle } from '../../support/harness';
import { freshDatabase, stackEnv, uniqueSuffix } from '../../support/stack';

jest.setTimeout(120_000);

/** The time-skipping server the install step puts beside the dev server. */
const TEST_SERVER =
  process.env.TEST_TEMPORAL_TEST_SERVER ?? path.resolve(__dirname, '../../../.tools/bin/temporal-test-server');

let env: TestWorkflowEnvironment;
let mongo: MongoClient;
let db: Db;
let reports: MongoReportsRepo;
let tenants: MongoTenantsRepo;
let audit: MongoAuditLog;
let store: FsArtifactStore;
let staging: FsArtifactStore;
let retention: TemporalRetention;
const taskQueue = `retention-test-${uniqueSuffix()}`;

beforeAll(async () => {
  quietRuntime();
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: TEST_SERVER } },
  });
  ({ client: mongo, db } = await freshDatabase('retention'));
  await ensureIndexes(db);
  reports = new MongoReportsRepo(db);
  tenants = new MongoTenantsRepo(db);
  audit = new MongoAuditLog(db);
  store = new FsArtifactStore(
    path.join(stackEnv().dataDir, `retention-${uniqueSuffix()}`),
    masterKeyFrom(randomBytes(32)),
  );
  staging = new FsArtifactStore(
    path.join(stackEnv().dataDir, `retention-staging-${uniqueSuffix()}`),
    masterKeyFrom(randomBytes(32)),
  );
  retention = new TemporalRetention(env.client, taskQueue);
});

afterAll(async () => {
  await db?.dropDatabase().catch(() => undefined);
  await mongo?.close();
  await env?.teardown();
});

/** Runs `fn` with a worker of this file's queue; a worker runs once, so each test gets its own. */
async function withWorker(fn: () => Promise<void>): Promise<void> {
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createRetentionActivities({
      reports,
      tenants,
      store,
      staging,
      audit,
      signals: retention,
      clock: { now: () => new Date() },
    }),
  });
  await worker.runUntil(fn);
}

/** A tenant with `days` of retention and one report that became ready now, with its artifact stored. */
async function readyReport(days: number): Promise<{ tenantId: string; reportId: string; readyAt: Date }> {
  const tenantId = await createTenant(db, { name: 'Retention Co', auditRetentionDays: days });
  const reportId = newId('rpt');
  const readyAt = new Date(await env.currentTimeMs());
  const record = queuedRecord(tenantId, parseReportRequest(documentedRequest()), readyAt, {
    id: reportId,
    status: 'running',
    progress: { stage: 'storing', percent: 90 },
    attempts: 1,
  });
  await reports.insert(record);
  const key = artifactKey(tenantId, reportId, 'json');
  await store.put(key, Buffer.from('{"evidence":"kept until its day"}'), 'application/json');
  // A staged model the end of the report did not get to remove: the purge removes it too.
  await staging.put(stagingKey(tenantId, reportId, 'model.json'), Buffer.from('{"rows":[]}'), 'application/json');
  await reports.markReady(tenantId, reportId, {
    artifact: { key, sha256: '0'.repeat(64), size: 33, contentType: 'application/json' },
    counts: { rows: 1, findings: 1 },
    at: readyAt,
    expiresAt: retentionDeadline(readyAt, days),
  });
  return { tenantId, reportId, readyAt };
}

async function startRetention(r: { tenantId: string; reportId: string; readyAt: Date }, days: number) {
  return env.client.workflow.start('artifactRetentionWorkflow', {
    workflowId: retentionWorkflowId(r.reportId),
    taskQueue,
    args: [{ tenantId: r.tenantId, reportId: r.reportId, expiresAt: retentionDeadline(r.readyAt, days).toISOString() }],
  });
}

/** Runs the re-targeting of a tenant's retention to completion without letting the test server's clock move:
 * the environment's own client skips time while it waits for a result, which could carry the retention
 * workflow past its new deadline before the test looks. */
async function retarget(tenantId: string): Promise<void> {
  const frozen = new Client({ connection: env.connection });
  await frozen.workflow.execute('retargetRetentionWorkflow', {
    workflowId: `retarget-${uniqueSuffix()}`,
    taskQueue,
    args: [{ tenantId }],
  });
}

/** Advances the test server's clock to `day` days after the report became ready. */
async function sleepUntilDay(r: { readyAt: Date }, day: number): Promise<void> {
  const wait = r.readyAt.getTime() + day * DAY_MS - (await env.currentTimeMs());
  if (wait > 0) await env.sleep(wait);
}

async function expectKept(r: { tenantId: string; reportId: string }): Promise<void> {
  const report = await reports.get(r.tenantId, r.reportId);
  expect(report?.status).toBe('ready');
  expect(report?.purgedAt).toBeUndefined();
  await expect(store.get(artifactKey(r.tenantId, r.reportId, 'json'))).resolves.toBeInstanceOf(Buffer);
}

async function expectPurgedOnDay(r: { tenantId: string; reportId: string; readyAt: Date }, day: number) {
  const report = await reports.get(r.tenantId, r.reportId);
  expect(report?.status).toBe('expired');
  const purgedDay = (report!.purgedAt!.getTime() - r.readyAt.getTime()) / DAY_MS;
  expect(purgedDay).toBeGreaterThanOrEqual(day);
  expect(purgedDay).toBeLessThan(day + 1);
  await expect(store.get(artifactKey(r.tenantId, r.reportId, 'json'))).rejects.toMatchObject({
    code: 'artifact_missing',
  });
  expect(await store.deletePrefix(reportPrefix(r.tenantId, r.reportId))).toBe(0);
  expect(await staging.deletePrefix(reportPrefix(r.tenantId, r.reportId))).toBe(0);
  const events = await audit.forReport(r.tenantId, r.reportId);
  expect(events.filter((e) => e.action === 'report.purged')).toEqual([
    expect.objectContaining({ details: expect.objectContaining({ objects_removed: 2 }) }),
  ]);
}

describe('artifact retention on a durable timer', () => {
  it('when retention is 365 days, then the artifact is kept on day 364 and purged on day 365', async () => {
    const r = await readyReport(365);
    await withWorker(async () => {
      const handle = await startRetention(r, 365);
      await sleepUntilDay(r, 364);
      await expectKept(r);
      const result: RetentionState = await handle.result();
      expect(result.purgedAt).toBeDefined();
      await expectPurgedOnDay(r, 365);
    });
  });

  it('when the tenant shortens retention to 30 days on day 10, then the artifact is purged on day 30', async () => {
    const r = await readyReport(365);
    await withWorker(async () => {
      const handle = await startRetention(r, 365);
      await sleepUntilDay(r, 10);
      await tenants.setRetention(r.tenantId, 30, new Date());
      await retarget(r.tenantId);
      const state = await handle.query(retentionStateQuery);
      expect(state.expiresAt).toBe(retentionDeadline(r.readyAt, 30).toISOString());
      expect((await reports.get(r.tenantId, r.reportId))?.expiresAt).toEqual(retentionDeadline(r.readyAt, 30));
      await sleepUntilDay(r, 29);
      await expectKept(r);
      await handle.result();
      await expectPurgedOnDay(r, 30);
    });
  });

  it('when the tenant lengthens retention from 30 to 90 days, then day 30 passes and the purge comes on day 90', async () => {
    const r = await readyReport(30);
    await withWorker(async () => {
      const handle = await startRetention(r, 30);
      await sleepUntilDay(r, 10);
      await tenants.setRetention(r.tenantId, 90, new Date());
      await retarget(r.tenantId);
      await sleepUntilDay(r, 89);
      await expectKept(r);
      await handle.result();
      await expectPurgedOnDay(r, 90);
    });
  });

  it('when a legal hold is placed before the deadline, then nothing is purged until it is released', async () => {
    const r = await readyReport(30);
    await withWorker(async () => {
      const handle = await startRetention(r, 30);
      await sleepUntilDay(r, 10);
      await reports.setLegalHold(r.tenantId, r.reportId, { reason: 'matter 7', placedAt: new Date(), placedBy: 't' });
      await retention.holdChanged(r, true);
      await sleepUntilDay(r, 200);
      await expectKept(r);
      expect((await handle.query(retentionStateQuery)).held).toBe(true);
      await reports.setLegalHold(r.tenantId, r.reportId, undefined);
      await retention.holdChanged(r, false);
      await handle.result();
      await expectPurgedOnDay(r, 200);
    });
  });

  it('when signals are lost, then the stored report still decides: a hold blocks the purge, its release is found within a week', async () => {
    const r = await readyReport(30);
    await withWorker(async () => {
      const handle = await startRetention(r, 30);
      // Hold placed in the database only, as if the API crashed before signalling.
      await reports.setLegalHold(r.tenantId, r.reportId, { reason: 'matter 8', placedAt: new Date(), placedBy: 't' });
      await sleepUntilDay(r, 40);
      await expectKept(r);
      await reports.setLegalHold(r.tenantId, r.reportId, undefined);
      await handle.result();
      const purgedDay =
        ((await reports.get(r.tenantId, r.reportId))!.purgedAt!.getTime() - r.readyAt.getTime()) / DAY_MS;
      expect(purgedDay).toBeGreaterThan(40);
      expect(purgedDay).toBeLessThanOrEqual(30 + 7 * 3);
    });
  });
});
