/**
 * Every activity the report workers register is idempotent: run twice with the same input against the real
 * parts (the test database, the encrypted filesystem store, Chromium, the PDF and JWS signers), the second run
 * answers what the first did and leaves the database and the store as the first left them. Temporal runs an
 * activity again whenever it cannot tell that an attempt finished, so this is what a retry after a lost
 * completion does.
 *
 * Where a repeat may differ, it is said at the assertion: Chromium stamps each PDF with the time it was printed
 * and the CMS signature carries its signing time, so the staged PDFs may differ in bytes (never in text, pages
 * or validity); ES256 signatures are randomised, so a JSON artifact's detached JWS differs on every signing
 * (both verify, under the same key).
 *
 * The tests of this file walk one pipeline in order, each feeding the next with what the previous one answered,
 * as workflows/generate-report.ts does.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Info } from '@temporalio/activity';
import type { Db, MongoClient } from 'mongodb';
import type { RetentionSignals } from '../../activities/ports';
import { createRenderActivities } from '../../activities/render-activities';
import { createReportActivities } from '../../activities/report-activities';
import { createRetentionActivities } from '../../activities/retention-activities';
import { createSignActivities } from '../../activities/sign-activities';
import type { ArtifactFacts, ArtifactSignature, ReportFormat } from '../../src/domain/report';
import { parseReportRequest } from '../../src/domain/report-request';
import { DAY_MS, retentionDeadline } from '../../src/domain/retention';
import { artifactKey, reportPrefix, stagingKey } from '../../src/domain/storage-keys';
import { newId } from '../../src/infra/ids';
import { MongoAuditLog } from '../../src/infra/mongo/audit-repo';
import { ensureIndexes } from '../../src/infra/mongo/database';
import { MongoRunsRepo } from '../../src/infra/mongo/runs-repo';
import { MongoFindingsRepo } from '../../src/infra/mongo/findings-repo';
import { MongoReportsRepo } from '../../src/infra/mongo/reports-repo';
import { MongoTenantsRepo } from '../../src/infra/mongo/tenants-repo';
import { MongoWeaknessRegister } from '../../src/infra/mongo/weakness-register';
import { ChromiumPdfRenderer } from '../../src/infra/render/chromium-pdf-renderer';
import { createHtmlRenderer, reportOutline } from '../../src/infra/render/html-renderer';
import { jwsSigner } from '../../src/infra/signing/artifact-signers';
import { loadOrCreateJwsKeys, type JwsKeyRing } from '../../src/infra/signing/jwks';
import { verifyDetached } from '../../src/infra/signing/jws-signer';
import { PdfSigner, verifyPdfSignature } from '../../src/infra/signing/pdf-signer';
import { loadOrCreateSigningIdentity } from '../../src/infra/signing/signing-identity';
import { FsArtifactStore, loadOrCreateMasterKey } from '../../src/infra/storage';
import { masterKeyFrom } from '../../src/infra/storage/envelope';
import { withArtifactStoreFallback } from '../../src/infra/storage/staging-store';
import { queuedRecord } from '../fixtures/reports';
import { loadScenario, scenarioRequest, type Scenario } from '../fixtures/scenario';
import { readPdf } from '../support/pdf';
import { freshDatabase, stackEnv, uniqueSuffix } from '../support/stack';

jest.setTimeout(180_000);

/** The one fake: records which reports' retention workflows were told of a new deadline, and which deadline. */
class RecordingRetentionSignals implements RetentionSignals {
  private calls: { tenantId: string; reportId: string; expiresAt: string }[] = [];

  async deadlineMoved(ref: { tenantId: string; reportId: string }, expiresAt: Date): Promise<void> {
    this.calls.push({ tenantId: ref.tenantId, reportId: ref.reportId, expiresAt: expiresAt.toISOString() });
  }

  /** The signals recorded since the last call, in the order they were sent. */
  take(): { tenantId: string; reportId: string; expiresAt: string }[] {
    return this.calls.splice(0);
  }
}

let mongo: MongoClient;
let db: Db;
let s: Scenario;
let artifactsDir: string;
let store: FsArtifactStore;
/** The staging store, in a folder of its own under a key of its own, as the workers have it. */
let stagingDir: string;
let staging: FsArtifactStore;
let reports: MongoReportsRepo;
let tenants: MongoTenantsRepo;
let pdf: ChromiumPdfRenderer;
let jwsKeys: JwsKeyRing;
const signals = new RecordingRetentionSignals();
/** Report slots are the quotas' business, not these activities'. */
const NO_QUOTAS = { releaseReport: () => Promise.resolve() };
let activities: ReturnType<typeof buildActivities>;

/** The activities exactly as src/infra/temporal/workers.ts registers them, on the real adapters: the steps
 * worker's reading the staging store through its fallback, the render worker's the staging store alone. */
function buildActivities(deps: {
  identity: Awaited<ReturnType<typeof loadOrCreateSigningIdentity>>['identity'];
  keys: JwsKeyRing;
}) {
  const clock = { now: () => new Date() };
  const findings = new MongoFindingsRepo(db);
  const audit = new MongoAuditLog(db);
  const staged = withArtifactStoreFallback(staging, store);
  return {
    ...createReportActivities({
      reports,
      findings,
      runs: new MongoRunsRepo(db),
      tenants,
      weaknesses: new MongoWeaknessRegister(db, audit),
      store,
      staging: staged,
      clock,
      quotas: NO_QUOTAS,
    }),
    ...createSignActivities({
      store,
      staging: staged,
      reports,
      pdf: new PdfSigner(deps.identity),
      json: jwsSigner(deps.keys),
      outlineOf: reportOutline,
    }),
    ...createRetentionActivities({ reports, tenants, store, staging: staged, audit, signals, clock }),
    ...createRenderActivities({
      staging,
      reports,
      html: createHtmlRenderer(path.resolve(__dirname, '../../templates')),
      pdf,
      signer: async () => ({
        subject: deps.identity.subject,
        keyId: deps.identity.keyId,
        jwksUrl: 'https://reports.example.test/.well-known/jwks.json',
      }),
    }),
  };
}

beforeAll(async () => {
  const env = stackEnv();
  ({ client: mongo, db } = await freshDatabase('activity_idem'));
  await ensureIndexes(db);
  s = await loadScenario(db);
  artifactsDir = path.join(env.dataDir, `activity-idem-${uniqueSuffix()}`);
  store = new FsArtifactStore(artifactsDir, (await loadOrCreateMasterKey({ dataDir: env.dataDir })).masterKey);
  stagingDir = path.join(env.dataDir, `activity-idem-staging-${uniqueSuffix()}`);
  staging = new FsArtifactStore(stagingDir, masterKeyFrom(randomBytes(32)));
  reports = new MongoReportsRepo(db);
  tenants = new MongoTenantsRepo(db);
  pdf = new ChromiumPdfRenderer({ executablePath: env.chromiumPath });
  const { identity } = await loadOrCreateSigningIdentity({ dataDir: env.dataDir });
  ({ keys: jwsKeys } = await loadOrCreateJwsKeys(path.join(env.dataDir, 'keys')));
  activities = buildActivities({ identity, keys: jwsKeys });
});

afterAll(async () => {
  await pdf?.close();
  await db?.dropDatabase().catch(() => undefined);
  await mongo?.close();
  if (artifactsDir) await fs.rm(artifactsDir, { recursive: true, force: true });
  if (stagingDir) await fs.rm(stagingDir, { recursive: true, force: true });
});

/** Every document of every collection, in id order: the whole database as a retry could change it. */
async function databaseState(): Promise<Record<string, unknown[]>> {
  const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort();
  const state: Record<string, unknown[]> = {};
  for (const name of names) state[name] = await db.collection(name).find().sort({ _id: 1 }).toArray();
  return state;
}

/** Every object in the two stores, by key (`staging:` and the key for the staging store's), with its decrypted bytes.
 * A leftover temporary file (a write that never got renamed into place) shows up under its own name. */
async function storeState(): Promise<Map<string, Buffer>> {
  const objects = new Map<string, Buffer>();
  async function walk(dir: string, root = artifactsDir, from: FsArtifactStore = store, label = ''): Promise<void> {
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        await walk(full, root, from, label);
        continue;
      }
      const key = path.relative(root, full).split(path.sep).join('/');
      objects.set(label + key, key.endsWith('.tmp') ? Buffer.from('partial write') : await from.get(key));
    }
  }
  await walk(artifactsDir);
  await walk(stagingDir, stagingDir, staging, 'staging:');
  return objects;
}

/** The store as sha256 digests by key, sorted, except the keys whose bytes may legitimately differ. */
function digests(objects: Map<string, Buffer>, except: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of [...objects.keys()].sort()) {
    out[key] = except.includes(key) ? '(may differ)' : createHash('sha256').update(objects.get(key)!).digest('hex');
  }
  return out;
}

/** What one run answered and the world it left behind. */
interface Run<R> {
  result: R;
  database: Record<string, unknown[]>;
  objects: Map<string, Buffer>;
  /** The details of every heartbeat the run sent, in order. */
  heartbeats: unknown[];
}

/** Runs an activity in a fresh activity context, as a worker would run one attempt, and records the state after. */
async function runOnce<A extends unknown[], R>(
  fn: (...args: A) => Promise<R>,
  args: A,
  info: Partial<Info> = {},
): Promise<Run<R>> {
  // The default start-to-close timeout of the mock (1 s) would cut a Chromium print short.
  const env = new MockActivityEnvironment({ startToCloseTimeoutMs: 120_000, ...info });
  const heartbeats: unknown[] = [];
  env.on('heartbeat', (d: unknown) => heartbeats.push(d));
  const result = await env.run<A, R, typeof fn>(fn, ...args);
  return { result, database: await databaseState(), objects: await storeState(), heartbeats };
}

/** Runs an activity twice with the same input. */
async function twice<A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<[Run<R>, Run<R>]> {
  const first = await runOnce(fn, args);
  const second = await runOnce(fn, args);
  return [first, second];
}

/** Asserts the second run left the database exactly as the first did and the store with the same objects;
 * `mayDiffer` names objects whose bytes a repeat may change (the caller checks them for equivalence). */
function expectSameWorld(first: Run<unknown>, second: Run<unknown>, mayDiffer: readonly string[] = []): void {
  expect(second.database).toEqual(first.database);
  expect(digests(second.objects, mayDiffer)).toEqual(digests(first.objects, mayDiffer));
}

/** A report as the API stores it before its workflow starts. */
async function queuedReport(format: ReportFormat): Promise<{ tenantId: string; reportId: string }> {
  const reportId = newId('rpt');
  await reports.insert(
    queuedRecord(s.a.tenantId, parseReportRequest(scenarioRequest(s, format)), new Date(), { id: reportId }),
  );
  return { tenantId: s.a.tenantId, reportId };
}

/** The report as stored, in its database shape. */
async function reportDoc(reportId: string) {
  return db.collection('reports').findOne({ _id: reportId as never });
}

/** The ready reports the pipeline tests leave behind, for the retention tests. */
const finished: Partial<Record<ReportFormat, { tenantId: string; reportId: string; expiresAt: string }>> = {};

describe.each(['pdf', 'json'] as const)('the %s report pipeline, each activity run twice', (format) => {
  let ref: { tenantId: string; reportId: string };
  let collected: { snapshotKey: string; findings: number };
  let model: { modelKey: string; rows: number };
  let rendered: { renderedKey: string };
  let signed: { signedKey: string; signature: ArtifactSignature };
  let artifact: ArtifactFacts;

  beforeAll(async () => {
    ref = await queuedReport(format);
  });

  it('when markRunning runs twice, then the report is running with one attempt and its first start time', async () => {
    const [first, second] = await twice(activities.markRunning, ref);

    expect(second.result).toEqual(first.result);
    expectSameWorld(first, second);
    const doc = await reportDoc(ref.reportId);
    expect(doc).toMatchObject({ status: 'running', attempts: 1, progress: { stage: 'collecting', percent: 5 } });
  });

  it('when collectFindings runs twice, then it answers the same snapshot and writes the same bytes', async () => {
    const [first, second] = await twice(activities.collectFindings, ref);

    expect(first.result).toEqual({
      snapshotKey: stagingKey(ref.tenantId, ref.reportId, 'findings.json'),
      findings: 4,
    });
    expect(second.result).toEqual(first.result);
    expectSameWorld(first, second);
    expect((await reportDoc(ref.reportId))?.progress).toEqual({ stage: 'modelling', percent: 30 });
    collected = second.result;
  });

  it('when buildReportModel runs twice, then it answers the same model, byte for byte', async () => {
    const [first, second] = await twice(activities.buildReportModel, { ...ref, snapshotKey: collected.snapshotKey });

    // The model's generatedAt comes from the stored start time, not the clock: a repeat writes the same bytes.
    expect(first.result).toEqual({ modelKey: stagingKey(ref.tenantId, ref.reportId, 'model.json'), rows: 3 });
    expect(second.result).toEqual(first.result);
    expectSameWorld(first, second);
    model = second.result;
  });

  if (format === 'pdf') {
    it('when renderPdf runs twice, then the staged PDF is replaced by one with the same text and pages', async () => {
      const [first, second] = await twice(activities.renderPdf, { ...ref, modelKey: model.modelKey });

      const key = stagingKey(ref.tenantId, ref.reportId, 'rendered.pdf');
      expect(first.result).toEqual({ renderedKey: key });
      expect(second.result).toEqual(first.result);
      // Chromium stamps each print with its own creation time, so the bytes may differ; what they show may not.
      // The print waits in the staging store, for the steps worker to sign.
      const staged = `staging:${key}`;
      expectSameWorld(first, second, [staged]);
      const [a, b] = await Promise.all([readPdf(first.objects.get(staged)!), readPdf(second.objects.get(staged)!)]);
      expect(b).toEqual(a);
      expect(a.text).toContain('Quokka agent deletes claims');
      rendered = second.result;
    });
  } else {
    it('when renderJson runs twice, then it writes the same JSON document, byte for byte', async () => {
      const [first, second] = await twice(activities.renderJson, { ...ref, modelKey: model.modelKey });

      expect(first.result).toEqual({ renderedKey: stagingKey(ref.tenantId, ref.reportId, 'rendered.json') });
      expect(second.result).toEqual(first.result);
      expectSameWorld(first, second);
      rendered = second.result;
    });
  }

  it('when signArtifact runs twice, then it answers the same key and an equally valid signature', async () => {
    const input = { ...ref, format, renderedKey: rendered.renderedKey, modelKey: model.modelKey };
    const [first, second] = await twice(activities.signArtifact, input);

    if (format === 'pdf') {
      const key = stagingKey(ref.tenantId, ref.reportId, 'signed.pdf');
      expect(first.result).toEqual({ signedKey: key, signature: { type: 'pdf-cms', keyId: expect.any(String) } });
      expect(second.result).toEqual(first.result);
      // The CMS signature carries its signing time: a repeat may differ in bytes, but it verifies all the same.
      expectSameWorld(first, second, [key]);
      for (const run of [first, second]) {
        expect(await verifyPdfSignature(run.objects.get(key)!)).toMatchObject({ valid: true });
      }
    } else {
      // JSON is signed beside the bytes, which stay as rendered: nothing is written, the key stays the render's.
      expect(second.result.signedKey).toBe(first.result.signedKey);
      expect(first.result.signedKey).toBe(rendered.renderedKey);
      expectSameWorld(first, second);
      // ES256 signatures are randomised: the JWS differs on every signing, both verify under the same key.
      const bytes = second.objects.get(rendered.renderedKey)!;
      for (const run of [first, second]) {
        expect(run.result.signature).toMatchObject({ type: 'jws-detached', keyId: jwsKeys.current.kid });
        expect(await verifyDetached(bytes, run.result.signature.jws!, jwsKeys.publicJwks())).toEqual({
          valid: true,
          kid: jwsKeys.current.kid,
        });
      }
    }
    expect((await reportDoc(ref.reportId))?.progress).toEqual(
      format === 'pdf' ? { stage: 'storing', percent: 90 } : { stage: 'signing', percent: 80 },
    );
    signed = second.result;
  });

  it('when storeArtifact runs twice, then it answers the same facts and keeps one artifact', async () => {
    const [first, second] = await twice(activities.storeArtifact, { ...ref, format, ...signed });

    const key = artifactKey(ref.tenantId, ref.reportId, format);
    const bytes = first.objects.get(key)!;
    expect(first.result).toEqual({
      key,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      size: bytes.length,
      contentType: format === 'pdf' ? 'application/pdf' : 'application/json',
      signature: signed.signature,
    });
    expect(second.result).toEqual(first.result);
    expectSameWorld(first, second);
    artifact = second.result;
  });

  it('when markReady runs twice, then the report is ready once, with the first completion time and deadline', async () => {
    const input = { ...ref, artifact, rows: model.rows, findings: collected.findings };
    const [first, second] = await twice(activities.markReady, input);

    // The second run computes a later deadline from its own clock, but the report keeps (and answers) the first.
    expect(second.result).toEqual(first.result);
    expectSameWorld(first, second);
    const doc = await reportDoc(ref.reportId);
    expect(doc).toMatchObject({
      status: 'ready',
      counts: { rows: 3, findings: 4 },
      artifact: { sha256: artifact.sha256 },
    });
    expect(first.result).toEqual({
      expiresAt: retentionDeadline(doc!.completed_at as Date, 365).toISOString(),
      held: false,
    });
    finished[format] = { ...ref, expiresAt: first.result.expiresAt };
  });
});

describe('a failed report, markFailed run twice', () => {
  it('when markFailed runs twice, then the report is failed once, with the first failure time and error', async () => {
    const ref = await queuedReport('pdf');
    await new MockActivityEnvironment().run(activities.markRunning, ref);

    const input = { ...ref, code: 'render_failed', message: 'PDF render failed: browser closed' };
    const [first, second] = await twice(activities.markFailed, input);

    expect(second.result).toEqual(first.result);
    expectSameWorld(first, second);
    expect(await reportDoc(ref.reportId)).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { code: 'render_failed' },
      progress: { stage: 'failed', percent: 100 },
    });
  });
});

describe('retention, each activity run twice', () => {
  const ready = () => [finished.pdf!, finished.json!].sort((x, y) => (x.reportId < y.reportId ? -1 : 1));

  it('when retargetTenantRetention runs twice, then the deadlines move once and the same reports get the same deadlines', async () => {
    expect(ready()).toHaveLength(2);
    await tenants.setRetention(s.a.tenantId, 30, new Date());
    signals.take();

    const first = await runOnce(activities.retargetTenantRetention, [{ tenantId: s.a.tenantId }]);
    const firstSignals = signals.take();
    const second = await runOnce(activities.retargetTenantRetention, [{ tenantId: s.a.tenantId }]);
    const secondSignals = signals.take();

    expect(first.result).toEqual({ reports: 2 });
    expect(second.result).toEqual(first.result);
    expectSameWorld(first, second);
    const expected = [];
    for (const r of ready()) {
      const doc = await reportDoc(r.reportId);
      const deadline = retentionDeadline(doc!.completed_at as Date, 30);
      expect(doc!.expires_at).toEqual(deadline);
      expected.push({ tenantId: r.tenantId, reportId: r.reportId, expiresAt: deadline.toISOString() });
    }
    expect(firstSignals).toEqual(expected);
    expect(secondSignals).toEqual(firstSignals);

    // A retry of an attempt whose completion was lost carries that attempt's last heartbeat (the last report
    // it reached, and how many it had done) and resumes after it: nothing left to move, nobody to signal again,
    // and the same answer as the attempt that finished.
    expect(first.heartbeats.at(-1)).toEqual({ afterId: expected.at(-1)!.reportId, count: 2 });
    const resumed = await runOnce(activities.retargetTenantRetention, [{ tenantId: s.a.tenantId }], {
      attempt: 2,
      heartbeatDetails: first.heartbeats.at(-1),
    });
    expectSameWorld(first, resumed);
    expect(signals.take()).toEqual([]);
    expect(resumed.result).toEqual(first.result);

    // The purge tests below work against the moved deadlines.
    for (const [i, r] of ready().entries()) r.expiresAt = expected[i].expiresAt;
  });

  it('when purgeIfDue runs twice before the deadline, then both answer not_due and the artifact stays', async () => {
    const r = finished.pdf!;
    const input = { tenantId: r.tenantId, reportId: r.reportId, asOf: new Date().toISOString() };
    const [first, second] = await twice(activities.purgeIfDue, input);

    expect(first.result).toEqual({ outcome: 'not_due', expiresAt: r.expiresAt });
    expect(second.result).toEqual(first.result);
    expectSameWorld(first, second);
    expect(second.objects.has(artifactKey(r.tenantId, r.reportId, 'pdf'))).toBe(true);
    expect((await reportDoc(r.reportId))?.status).toBe('ready');
  });

  it('when purgeIfDue runs twice after the deadline, then the report is purged and expired once, with one audit event', async () => {
    const r = finished.json!;
    const asOf = new Date(Date.parse(r.expiresAt) + DAY_MS).toISOString();
    const prefix = reportPrefix(r.tenantId, r.reportId);
    const before = await storeState();
    const objectsBefore = [...before.keys()].filter((k) => k.startsWith(prefix)).length;
    expect(objectsBefore).toBeGreaterThan(0);

    const [first, second] = await twice(activities.purgeIfDue, { tenantId: r.tenantId, reportId: r.reportId, asOf });

    // asOf is a month ahead of the wall clock, so it is the purge time; a repeat answers the stored one.
    expect(first.result).toEqual({ outcome: 'purged', expiresAt: r.expiresAt, purgedAt: asOf });
    expect(second.result).toEqual(first.result);
    expectSameWorld(first, second);
    expect([...second.objects.keys()].filter((k) => k.startsWith(prefix))).toEqual([]);
    expect(second.objects.has(artifactKey(finished.pdf!.tenantId, finished.pdf!.reportId, 'pdf'))).toBe(true);
    expect(await reportDoc(r.reportId)).toMatchObject({ status: 'expired', purged_at: new Date(asOf) });
    const events = await db.collection('audit_events').find({ report_id: r.reportId }).toArray();
    expect(events).toEqual([
      expect.objectContaining({
        action: 'report.purged',
        actor: 'retention',
        at: new Date(asOf),
        details: { objects_removed: objectsBefore, expires_at: r.expiresAt },
      }),
    ]);
  });
});
