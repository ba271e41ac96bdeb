/**
 * The report repository's guarded writes, made both ways against the real server: as one filtered update (how
 * MongoDB runs them) and as a read and a write by `_id` (how they run on FerretDB, which scans for any other
 * filter). Both must allow and refuse the same transitions.
 */
import { MongoClient, type CommandStartedEvent, type Db } from 'mongodb';
import { AppError } from '../../src/domain/errors';
import { parseReportRequest } from '../../src/domain/report-request';
import { ensureIndexes, scansNonIdFilters } from '../../src/infra/mongo/database';
import { migrate } from '../../src/infra/mongo/migrations';
import { MongoReportsRepo, REPORT_KEYS, reportKey } from '../../src/infra/mongo/reports-repo';
import { queuedRecord } from '../fixtures/reports';
import { documentedRequest } from '../fixtures/requests';
import { freshDatabase, stackEnv } from '../support/stack';

jest.setTimeout(60_000);

let mongo: MongoClient;
let db: Db;

beforeAll(async () => {
  ({ client: mongo, db } = await freshDatabase('reports-repo'));
  await ensureIndexes(db);
});

afterAll(async () => {
  await db?.dropDatabase().catch(() => undefined);
  await mongo?.close();
});

const TENANT = 'tnt_2026_reposuitetenant1';
const OTHER = 'tnt_2026_reposuiteother01';
const artifact = { key: 'k', sha256: '0'.repeat(64), size: 1, contentType: 'application/json' };
const at = new Date('2026-07-01T00:00:00.000Z');

async function queued(repo: MongoReportsRepo): Promise<string> {
  const record = queuedRecord(TENANT, parseReportRequest(documentedRequest()), at);
  await repo.insert(record);
  return record.id;
}

it('knows which kind of server it talks to', async () => {
  // The test stack runs FerretDB, which reports its own version in buildInfo.
  expect(await scansNonIdFilters(db)).toBe(true);
});

describe.each(['filtered', 'checked'] as const)('guarded writes made %s', (writes) => {
  const repo = () => new MongoReportsRepo(db, { writes });

  it('moves a report queued → running → ready → purging → expired, and refuses every step out of turn', async () => {
    const r = repo();
    const id = await queued(r);
    expect(await r.requeueFailed(TENANT, id, at)).toBe(false);
    expect(await r.markExpired(TENANT, id, at)).toBe(false);
    expect(await r.markRunning(OTHER, id, at)).toBe(false);
    expect(await r.markRunning(TENANT, id, at)).toBe(true);
    // Run again (an activity retry), it finds the report running and says so without counting an attempt.
    expect(await r.markRunning(TENANT, id, at)).toBe(true);
    await r.setProgress(TENANT, id, 'rendering', 50);
    await r.setProgress(OTHER, id, 'signing', 80);
    expect((await r.get(TENANT, id))?.progress).toEqual({ stage: 'rendering', percent: 50 });
    await r.markReady(TENANT, id, { artifact, counts: { rows: 1, findings: 2 }, at, expiresAt: at });
    // Late writes of a run that is over change nothing.
    await r.setProgress(TENANT, id, 'signing', 80);
    await r.markFailed(TENANT, id, { code: 'internal', message: 'late' }, at);
    const ready = await r.get(TENANT, id);
    expect(ready).toMatchObject({ status: 'ready', attempts: 1, progress: { stage: 'done', percent: 100 } });
    expect(ready?.error).toBeUndefined();
    expect(await r.markRunning(TENANT, id, at)).toBe(false);
    // Expired only by way of purging, which a legal hold cannot join and which may step back to ready.
    expect(await r.markExpired(TENANT, id, at)).toBe(false);
    expect(await r.beginPurge(OTHER, id)).toBe(false);
    expect(await r.beginPurge(TENANT, id)).toBe(true);
    expect(await r.beginPurge(TENANT, id)).toBe(true);
    const hold = { reason: 'late', placedAt: at, placedBy: 'tok_1' };
    expect((await r.setLegalHold(TENANT, id, hold))?.legalHold).toBeUndefined();
    await r.abandonPurge(TENANT, id);
    expect((await r.get(TENANT, id))?.status).toBe('ready');
    expect(await r.beginPurge(TENANT, id)).toBe(true);
    expect(await r.markExpired(OTHER, id, at)).toBe(false);
    expect(await r.markExpired(TENANT, id, at)).toBe(true);
    expect((await r.get(TENANT, id))?.status).toBe('expired');
    expect(await r.markExpired(TENANT, id, at)).toBe(false);
    expect(await r.beginPurge(TENANT, id)).toBe(false);
  });

  it('fails a running report, requeues it once, and holds or releases it only for its tenant', async () => {
    const r = repo();
    const id = await queued(r);
    await r.markRunning(TENANT, id, at);
    await r.markFailed(TENANT, id, { code: 'render_failed', message: 'Chromium exited' }, at);
    expect(await r.get(TENANT, id)).toMatchObject({ status: 'failed', error: { code: 'render_failed' } });
    expect(await r.requeueFailed(OTHER, id, at)).toBe(false);
    expect(await r.requeueFailed(TENANT, id, at)).toBe(true);
    expect(await r.requeueFailed(TENANT, id, at)).toBe(false);
    expect((await r.get(TENANT, id))?.status).toBe('queued');
    const hold = { reason: 'litigation', placedAt: at, placedBy: 'tok_1' };
    expect(await r.setLegalHold(OTHER, id, hold)).toBeUndefined();
    expect((await r.get(TENANT, id))?.legalHold).toBeUndefined();
    expect((await r.setLegalHold(TENANT, id, hold))?.legalHold).toEqual(hold);
    expect((await r.setLegalHold(TENANT, id, undefined))?.legalHold).toBeUndefined();
  });

  it('deletes a report only while it is queued, and only for its tenant', async () => {
    const r = repo();
    const kept = await queued(r);
    await r.deleteQueued(OTHER, kept);
    expect(await r.get(TENANT, kept)).toBeDefined();
    await r.markRunning(TENANT, kept, at);
    await r.deleteQueued(TENANT, kept);
    expect(await r.get(TENANT, kept)).toBeDefined();
    const gone = await queued(r);
    await r.deleteQueued(TENANT, gone);
    expect(await r.get(TENANT, gone)).toBeUndefined();
    expect(await marked(gone)).toBe(false);
  });

  it('lists a report as waiting from when it is queued, or requeued, until its run starts', async () => {
    const r = repo();
    const id = await queued(r);
    const later = new Date(at.getTime() + 60_000);
    expect(await waitingBefore(r, at)).not.toContain(id);
    expect(await waitingBefore(r, new Date(at.getTime() + 1))).toContain(id);
    await r.markRunning(TENANT, id, at);
    expect(await waitingBefore(r, later)).not.toContain(id);
    expect(await marked(id)).toBe(false);
    await r.markFailed(TENANT, id, { code: 'render_failed', message: 'Chromium exited' }, at);
    expect(await r.requeueFailed(TENANT, id, later)).toBe(true);
    expect(await waitingBefore(r, later)).not.toContain(id);
    expect(await waitingBefore(r, new Date(later.getTime() + 1))).toContain(id);
  });

  it('forgets the waiting mark of a report that moved on without clearing it (a crash between the writes)', async () => {
    const r = repo();
    const id = await queued(r);
    await db.collection<{ _id: string }>('reports').updateOne({ _id: id }, { $set: { status: 'running' } });
    expect(await marked(id)).toBe(true);
    expect(await waitingBefore(r, new Date(at.getTime() + 1))).not.toContain(id);
    expect(await marked(id)).toBe(false);
  });
});

/** The ids `listQueuedBefore` answers for `before`. */
async function waitingBefore(r: MongoReportsRepo, before: Date): Promise<string[]> {
  return (await r.listQueuedBefore(before, 1_000)).map((report) => report.id);
}

/** Whether the report carries a waiting mark. */
async function marked(id: string): Promise<boolean> {
  return (await db.collection<{ _id: string }>('queued_reports').countDocuments({ _id: id })) === 1;
}

describe('looking a report up by id', () => {
  /** The finds a lookup asks the server, with the report and tenant ids written as placeholders. */
  async function asked(tenantId: string, reportId: string): Promise<{ found: boolean; finds: string[] }> {
    const client = new MongoClient(stackEnv().mongoUrl, { serverSelectionTimeoutMS: 5_000, monitorCommands: true });
    const finds: string[] = [];
    client.on('commandStarted', (e: CommandStartedEvent) => {
      if (e.commandName === 'find') finds.push(JSON.stringify({ find: e.command.find, filter: e.command.filter }));
    });
    try {
      await client.connect();
      const found = await new MongoReportsRepo(client.db(db.databaseName)).get(tenantId, reportId);
      const placeholders = (x: string) => x.replaceAll(reportId, '<report>').replaceAll(tenantId, '<tenant>');
      return { found: found !== undefined, finds: finds.map(placeholders) };
    } finally {
      await client.close();
    }
  }

  it('when a tenant asks for another tenant’s report, then the server is asked exactly what a missing id asks', async () => {
    const id = await queued(new MongoReportsRepo(db));
    const own = await asked(TENANT, id);
    const foreign = await asked(OTHER, id);
    const missing = await asked(OTHER, 'rpt_2026_missingmissing0000');
    expect(own.found).toBe(true);
    expect([foreign.found, missing.found]).toEqual([false, false]);
    expect(foreign.finds).toEqual(missing.finds);
    expect(foreign.finds).toEqual([JSON.stringify({ find: REPORT_KEYS, filter: { _id: '<tenant>/<report>' } })]);
  });

  it('when reports were stored before their keys, then the upgrade makes them found', async () => {
    const repo = new MongoReportsRepo(db);
    const id = await queued(repo);
    await db.collection<{ _id: string }>(REPORT_KEYS).deleteOne({ _id: reportKey(TENANT, id) });
    expect(await repo.get(TENANT, id)).toBeUndefined();
    await db.collection<{ _id: string }>('migrations').deleteOne({ _id: '2027-01-report-keys' });
    await migrate(db);
    expect((await repo.get(TENANT, id))?.id).toBe(id);
  });
});

describe('the latest ready report of a scope', () => {
  const facts = (reportId: string, generatedAt: string) => ({
    reportId,
    generatedAt,
    from: '2026-04-01',
    to: '2026-06-30',
    bySeverity: { critical: 1, high: 0, medium: 0, low: 0, info: 0 },
    weaknesses: [
      { key: 'k1', ref: 'R001', severity: 'critical' as const, title: 'Weakness', endpointName: 'Assistant' },
    ],
  });

  it('when reports of a scope become ready out of order, then the one generated last is kept, for its tenant only', async () => {
    const repo = new MongoReportsRepo(db);
    expect(await repo.scopeFacts(TENANT, 'scope-a')).toBeUndefined();
    await repo.recordScopeFacts(TENANT, 'scope-a', facts('rpt_2026_scopefirst00001', '2026-07-01T00:00:00.000Z'));
    await repo.recordScopeFacts(TENANT, 'scope-a', facts('rpt_2026_scopethird00001', '2026-09-01T00:00:00.000Z'));
    // A report made in between that becomes ready last does not replace the later one.
    await repo.recordScopeFacts(TENANT, 'scope-a', facts('rpt_2026_scopesecond0001', '2026-08-01T00:00:00.000Z'));
    // A retry records the same facts again and changes nothing.
    await repo.recordScopeFacts(TENANT, 'scope-a', facts('rpt_2026_scopethird00001', '2026-09-01T00:00:00.000Z'));
    expect(await repo.scopeFacts(TENANT, 'scope-a')).toEqual(
      facts('rpt_2026_scopethird00001', '2026-09-01T00:00:00.000Z'),
    );
    expect(await repo.scopeFacts(OTHER, 'scope-a')).toBeUndefined();
    expect(await repo.scopeFacts(TENANT, 'scope-b')).toBeUndefined();
  });
});

describe('the same report created several times at once', () => {
  it('when five inserts of one report race, then one stores it and each other one fails only once it is there', async () => {
    const repo = new MongoReportsRepo(db);
    for (let round = 0; round < 5; round++) {
      const record = queuedRecord(TENANT, parseReportRequest(documentedRequest()), at);
      // What creating a report does with a failed insert: already_exists means the report is there to answer.
      const outcomes = await Promise.all(
        Array.from({ length: 5 }, () =>
          repo.insert(record).then(
            () => 'stored',
            async (err: unknown) =>
              err instanceof AppError && err.code === 'already_exists' && (await repo.get(TENANT, record.id))
                ? 'found'
                : String(err),
          ),
        ),
      );
      expect(outcomes.sort()).toEqual(['found', 'found', 'found', 'found', 'stored']);
    }
  });
});
