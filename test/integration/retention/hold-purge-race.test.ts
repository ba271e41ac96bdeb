/**
 * A legal hold against the purge at the retention deadline, on the real database and store, in each order. The purge
 * (the retention activity, called as its workflow calls it) is held at a latch inside the store's deletePrefix, or
 * between its first read and its first write, while the hold is asked for through the API:
 * - the purge is deleting: the hold is refused with `409 report_purging`, nothing of it stays, and the report ends
 *   expired with its objects gone;
 * - the hold came first: the purge finds it and deletes nothing;
 * - the purge read the report unheld, then the hold was placed before the purge's first write: the purge sees the hold
 *   when it reads again, steps back, and the hold stands (`200`); nothing is deleted.
 */
import { createRetentionActivities } from '../../../activities/retention-activities';
import type { ArtifactStore, ReportsRepo } from '../../../activities/ports';
import type { ReportRecord } from '../../../src/domain/report';
import { artifactKey } from '../../../src/domain/storage-keys';
import { createEndpoint, createTenant, mintToken } from '../../../src/infra/mongo/tenant-admin';
import { MongoTenantsRepo } from '../../../src/infra/mongo/tenants-repo';
import { queuedRecord } from '../../fixtures/reports';
import { documentedRequest } from '../../fixtures/requests';
import { parseReportRequest } from '../../../src/domain/report-request';
import { startHarness, type Harness } from '../../support/harness';

jest.setTimeout(60_000);

let h: Harness;
let tenantId: string;
let token: string;
let endpointId: string;

/** A gate a test opens: `reached` settles when the code under test arrives at it. */
function latch() {
  let open!: () => void;
  let arrived!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const reached = new Promise<void>((resolve) => (arrived = resolve));
  return { open, opened, reached, arrive: arrived };
}

/** The harness's store, whose deletePrefix waits at `gate` before deleting. */
function latchedStore(gate: ReturnType<typeof latch>): ArtifactStore {
  return {
    put: (key, body, type) => h.store.put(key, body, type),
    get: (key) => h.store.get(key),
    async deletePrefix(prefix) {
      gate.arrive();
      await gate.opened;
      return h.store.deletePrefix(prefix);
    },
  };
}

/** The retention activities over the test's database, with the given store and reports repo. */
function retention(store: ArtifactStore, reports: ReportsRepo = h.reports) {
  return createRetentionActivities({
    reports,
    tenants: new MongoTenantsRepo(h.db),
    store,
    staging: h.staging,
    audit: h.audit,
    signals: { deadlineMoved: async () => undefined },
    clock: { now: () => new Date() },
  });
}

/** A ready report whose retention deadline passed a minute ago, with its artifact stored. */
async function dueReport(): Promise<ReportRecord> {
  const now = Date.now();
  const request = parseReportRequest(documentedRequest([endpointId], 'json'));
  const record = queuedRecord(tenantId, request, new Date(now - 3_600_000));
  await h.reports.insert(record);
  const key = artifactKey(tenantId, record.id, 'json');
  await h.store.put(key, Buffer.from('{}'), 'application/json');
  await h.reports.markRunning(tenantId, record.id, new Date(now - 3_500_000));
  await h.reports.markReady(tenantId, record.id, {
    artifact: { key, sha256: '0'.repeat(64), size: 2, contentType: 'application/json' },
    counts: { rows: 0, findings: 0 },
    at: new Date(now - 3_400_000),
    expiresAt: new Date(now - 60_000),
  });
  return (await h.reports.get(tenantId, record.id))!;
}

const hold = (id: string) =>
  h.request('PUT', `/api/v2/reports/${id}/legal-hold`, { token, body: { reason: 'Matter 7' } });

async function stored(id: string): Promise<boolean> {
  return h.store
    .get(artifactKey(tenantId, id, 'json'))
    .then(() => true)
    .catch(() => false);
}

beforeAll(async () => {
  h = await startHarness({ label: 'hold-race' });
  tenantId = await createTenant(h.db, { name: 'Race Co', auditRetentionDays: 1 });
  endpointId = await createEndpoint(h.db, { tenantId, name: 'Bot', description: '' });
  token = (await mintToken(h.db, { tenantId, scopes: ['reports:legal_hold', 'reports:read'] })).secret;
});

afterAll(async () => {
  await h?.close();
});

describe('a legal hold and the purge at the deadline', () => {
  it('when the hold is asked for while the purge is deleting, then it is refused and the report ends purged', async () => {
    const report = await dueReport();
    const gate = latch();
    const purge = retention(latchedStore(gate)).purgeIfDue({
      tenantId,
      reportId: report.id,
      asOf: new Date().toISOString(),
    });
    await gate.reached;
    expect((await h.reports.get(tenantId, report.id))?.status).toBe('purging');

    const refused = await hold(report.id);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('report_purging');
    expect((await h.reports.get(tenantId, report.id))?.legalHold).toBeUndefined();

    gate.open();
    await expect(purge).resolves.toMatchObject({ outcome: 'purged' });
    const after = await h.reports.get(tenantId, report.id);
    expect(after?.status).toBe('expired');
    expect(after?.legalHold).toBeUndefined();
    expect(await stored(report.id)).toBe(false);
  });

  it('when the hold came before the purge, then the purge deletes nothing and the report stays ready', async () => {
    const report = await dueReport();
    expect((await hold(report.id)).status).toBe(200);
    const gate = latch();
    gate.open();
    await expect(
      retention(latchedStore(gate)).purgeIfDue({ tenantId, reportId: report.id, asOf: new Date().toISOString() }),
    ).resolves.toMatchObject({ outcome: 'held' });
    const after = await h.reports.get(tenantId, report.id);
    expect(after?.status).toBe('ready');
    expect(after?.legalHold?.reason).toBe('Matter 7');
    expect(await stored(report.id)).toBe(true);
  });

  it('when the hold is placed between the purge reading the report and turning it purging, then the purge steps back and the hold stands', async () => {
    const report = await dueReport();
    const gate = latch();
    // The purge's first write waits at the gate: its read of the report (ready, unheld) is behind it.
    const reports: ReportsRepo = Object.create(h.reports, {
      beginPurge: {
        value: async (t: string, r: string) => {
          gate.arrive();
          await gate.opened;
          return h.reports.beginPurge(t, r);
        },
      },
    });
    const purge = retention(h.store, reports).purgeIfDue({
      tenantId,
      reportId: report.id,
      asOf: new Date().toISOString(),
    });
    await gate.reached;
    const placed = await hold(report.id);
    expect(placed.status).toBe(200);
    expect(placed.body.legal_hold.reason).toBe('Matter 7');
    gate.open();
    await expect(purge).resolves.toMatchObject({ outcome: 'held' });
    const after = await h.reports.get(tenantId, report.id);
    expect(after?.status).toBe('ready');
    expect(after?.legalHold?.reason).toBe('Matter 7');
    expect(await stored(report.id)).toBe(true);
  });
});
