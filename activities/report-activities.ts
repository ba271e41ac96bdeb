import { createHash } from 'node:crypto';
import { log, metricMeter } from '@temporalio/activity';
import type { ApplicabilityProfile } from '../src/domain/applicability';
import type { Branding } from '../src/domain/branding';
import { AppError, isErrorCode, publicMessage } from '../src/domain/errors';
import type { RatingOverride } from '../src/domain/evidence/rating';
import type { TestRun } from '../src/domain/runs';
import type { WeaknessRecord } from '../src/domain/treatment';
import type { Endpoint, Evidence, Finding, FindingSummary } from '../src/domain/finding';
import { toJsonExport } from '../src/domain/json-export';
import {
  CONTENT_TYPES,
  type ArtifactFacts,
  type ArtifactSignature,
  type ReportFormat,
  type ReportRecord,
  type ReportStage,
} from '../src/domain/report';
import {
  buildReportModel as buildModel,
  scopeKey,
  WeaknessIndex,
  type ReportModel,
  type ReportRelease,
  type ScopeFacts,
  type TreatmentSnapshot,
} from '../src/domain/report-model';
import { retentionDeadline } from '../src/domain/retention';
import { SEVERITIES } from '../src/domain/severity';
import { artifactKey, stagingKey, stagingPrefix, versionedName } from '../src/domain/storage-keys';
import { reportTreatmentAsOf, weaknessKey } from '../src/domain/treatment';
import { withFailureTypes } from './failures';
import type {
  ArtifactStore,
  Clock,
  FindingsRepo,
  ReportsRepo,
  RunsRepo,
  TenantsRepo,
  WeaknessTreatments,
} from './ports';

/** What the report activities need from the outside world. */
export interface ReportActivityDeps {
  reports: ReportsRepo;
  findings: FindingsRepo;
  /** The runs recorded on the tenant's endpoints: what a report says was tested. */
  runs: RunsRepo;
  tenants: TenantsRepo;
  /** The treatment recorded of the tenant's weaknesses: what a report says was done about each. */
  weaknesses: WeaknessTreatments;
  /** The artifacts, and what only this worker reads: the findings snapshot, a JSON render, a signed PDF. */
  store: ArtifactStore;
  /** What the render worker reads or writes: the model it prints, the PDF it printed. Sealed under the staging key,
   * so the render worker never holds the master key; emptied for the report once it ends either way. */
  staging: ArtifactStore;
  clock: Clock;
  /** The tenant's quota of reports queued or running (TenantQuotas): a report that ends gives its slot back. */
  quotas: { releaseReport(tenantId: string, reportId: string): Promise<void> };
  /** How long a report that failed keeps what it staged (its findings snapshot, its render), in milliseconds: the
   * time `/retry` has before its retention workflow purges them (FAILED_REPORT_RETENTION_HOURS). */
  failedRetentionMs?: number;
}

/** {@link ReportActivityDeps.failedRetentionMs} unless configured: three days. */
export const DEFAULT_FAILED_RETENTION_MS = 72 * 3_600_000;

/** Names a report: every activity takes at least this. */
export interface ReportRef {
  tenantId: string;
  reportId: string;
}

/** The findings snapshot a report is built from, frozen at collection time so retries see the same data. Only
 * the latest finding of each row carries its evidence; the others carry {@link NOT_SHOWN}. */
export interface FindingsSnapshot {
  findings: Finding[];
  /** The scoped endpoints' other findings up to the report's start (see ReportModelInput.context). */
  context?: FindingSummary[];
  /** The evidence digest of every finding of the population (the period's, whatever their severity). */
  evidenceDigests?: Record<string, string>;
  endpoints: Endpoint[];
  /** The runs on the scoped endpoints that started in the period. */
  runs?: TestRun[];
  /** The tenant's applicability profile as it stood when the findings were collected. */
  applicability?: ApplicabilityProfile;
  /** The tenant's own rating method then, if it had one. */
  ratingMethod?: RatingOverride;
  /** What the latest ready report of the same scope left to compare against, when there was one. */
  previous?: ScopeFacts;
  /** The tenant's branding then, if it had one: frozen here so that a retry, or a render long after, prints the
   * report as it was asked for, whatever the tenant changes in between. */
  branding?: Branding;
  /** The treatment of the rows' weaknesses as of the report's date and its changes in the period: frozen here, as
   * the findings are, so that a retried step or a model built again gives the same report. */
  treatment?: TreatmentSnapshot;
}

/** The staged file of what a report leaves for the next report of its scope. */
const SCOPE_FACTS_FILE = 'scope-facts.json';

/** The earliest day a history read starts from: before any finding the service can hold. */
const HISTORY_START = '1970-01-01';

/** The evidence a snapshot gives a finding whose evidence no row shows. */
const NOT_SHOWN: Evidence = Object.freeze({ prompt: '', response: '' });

/** The ids of the findings whose evidence a report shows: the latest (by detection time, then id) of each
 * group that the report model merges into a row, grouped as the model groups them ({@link WeaknessIndex}).
 * test/unit/collect-findings.test.ts checks the model agrees. */
export function latestOfEachRow(found: readonly FindingSummary[]): string[] {
  const rows: { latest: FindingSummary }[] = [];
  const index = new WeaknessIndex<{ latest: FindingSummary }>();
  const make = (f: FindingSummary) => {
    const row = { latest: f };
    rows.push(row);
    return row;
  };
  const repeat = (row: { latest: FindingSummary }, f: FindingSummary) => {
    const held = row.latest;
    if (held.detectedAt < f.detectedAt || (held.detectedAt === f.detectedAt && held.id < f.id)) row.latest = f;
  };
  for (const f of found) index.upsert(f, make, repeat);
  return rows.map((r) => r.latest.id);
}

/** The treatment of the rows' weaknesses (those of the findings `shown`, one per row) and their changes in the
 * period, read from the register's records as of `asOf`: one read gives both, so the trail and the state cannot
 * disagree. Weaknesses of the scoped endpoints that are no row of the report are left out. Ordered by key so that
 * a retry writes the same bytes. */
export function treatmentSnapshot(
  tenantId: string,
  inScope: readonly FindingSummary[],
  shown: readonly string[],
  records: Map<string, WeaknessRecord>,
  from: string,
  asOf: Date,
): TreatmentSnapshot {
  const ids = new Set(shown);
  const keys = [...new Set(inScope.filter((f) => ids.has(f.id)).map((f) => weaknessKey(tenantId, f)))].sort();
  const snapshot: TreatmentSnapshot = { asOf: asOf.toISOString(), from, weaknesses: {}, history: [] };
  for (const key of keys) {
    const record = records.get(key);
    if (!record) continue;
    snapshot.weaknesses[key] = record.treatment;
    for (const h of record.history) if (h.at >= from) snapshot.history.push({ ...h, key });
  }
  snapshot.history.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return snapshot;
}

/** The longest a progress update may hold up the activity that makes it. */
const PROGRESS_WAIT_MS = 5_000;

/** Records where a report stands, for whoever is watching it, without letting that fail or stall the activity that
 * made it: the activity's real work is done and staged by then, and redoing it (a whole Chromium render) because
 * the database was away for a moment would cost far more than a stale percentage. A lost update is logged as a
 * warning; the next step's update, or the report's final status, puts the progress right. */
export async function recordProgress(
  reports: ReportsRepo,
  ref: ReportRef,
  stage: ReportStage,
  percent: number,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      reports.setProgress(ref.tenantId, ref.reportId, stage, percent),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${PROGRESS_WAIT_MS} ms`)), PROGRESS_WAIT_MS);
      }),
    ]);
  } catch (err) {
    log.warn('report progress not recorded; the report goes on', {
      tenantId: ref.tenantId,
      reportId: ref.reportId,
      stage,
      percent,
      error: err instanceof Error ? err.message : String(err),
    });
  } finally {
    clearTimeout(timer);
  }
}

/** Reads a JSON object written by an earlier activity. */
async function readJson<T>(store: ArtifactStore, key: string): Promise<T> {
  return JSON.parse((await store.get(key)).toString('utf8')) as T;
}

async function writeJson(store: ArtifactStore, key: string, value: unknown): Promise<void> {
  await store.put(key, Buffer.from(JSON.stringify(value), 'utf8'), 'application/json');
}

/** Builds the activities of the report pipeline that do not need a browser. Each is idempotent: a retry
 * writes the same keys and makes the same conditional updates. They exchange storage keys, never findings
 * or artifact bytes, because workflow history keeps every payload forever. */
export function createReportActivities(deps: ReportActivityDeps) {
  const { reports, findings, runs, tenants, weaknesses, store, staging, clock, quotas } = deps;
  const failedRetentionMs = deps.failedRetentionMs ?? DEFAULT_FAILED_RETENTION_MS;

  async function loadReport(ref: ReportRef): Promise<ReportRecord> {
    const report = await reports.get(ref.tenantId, ref.reportId);
    if (!report) throw new AppError('report_not_found', `report ${ref.reportId} does not exist`);
    return report;
  }

  /** Records a ready report's facts as the latest of its scope. A report whose model was built before this step
   * existed has none, and leaves none. */
  async function leaveScopeFacts(ref: ReportRef): Promise<void> {
    let facts: ScopeFacts;
    try {
      facts = await readJson<ScopeFacts>(store, stagingKey(ref.tenantId, ref.reportId, SCOPE_FACTS_FILE));
    } catch (err) {
      if (err instanceof AppError && err.code === 'artifact_missing') return;
      throw err;
    }
    const report = await loadReport(ref);
    await reports.recordScopeFacts(
      ref.tenantId,
      scopeKey(ref.tenantId, report.request.frameworks, report.request.scope),
      facts,
    );
  }

  return withFailureTypes({
    /** Moves the report to running; refuses to work on a report that is gone or already final. */
    async markRunning(ref: ReportRef): Promise<void> {
      const ok = await reports.markRunning(ref.tenantId, ref.reportId, clock.now());
      if (!ok) throw new AppError('report_not_found', `report ${ref.reportId} is missing or no longer pending`);
    },

    /** Reads the scoped endpoints' findings up to the report's start and snapshots them with their endpoints:
     * those in scope (period and severities) with the evidence of each row's latest finding (the only evidence a
     * report shows), the others as context without evidence, and a digest of the evidence of every finding of
     * the period, whatever its severity, for the population digest; and the treatment of the rows' weaknesses as
     * of the report's date ({@link reportTreatmentAsOf}). */
    async collectFindings(ref: ReportRef): Promise<{ snapshotKey: string; findings: number }> {
      const report = await loadReport(ref);
      const { scope } = report.request;
      const asOf = (report.startedAt ?? clock.now()).toISOString();
      const treatedAt = reportTreatmentAsOf(scope.to, report.createdAt);
      const [history, endpoints, periodRuns, tenant, branding, previous, treated] = await Promise.all([
        findings.findInScope(ref.tenantId, {
          endpointIds: scope.endpointIds,
          from: HISTORY_START,
          to: asOf.slice(0, 10),
          includeSeverities: [...SEVERITIES],
        }),
        findings.endpoints(ref.tenantId, scope.endpointIds),
        runs.runsInScope(ref.tenantId, scope.endpointIds, scope.from, scope.to),
        tenants.get(ref.tenantId),
        tenants.branding(ref.tenantId),
        reports.scopeFacts(ref.tenantId, scopeKey(ref.tenantId, report.request.frameworks, scope)),
        weaknesses.treatmentAsOf(ref.tenantId, treatedAt, { endpointIds: scope.endpointIds }),
      ]);
      const requested = new Set<string>(scope.includeSeverities);
      const inPeriod = (f: FindingSummary): boolean =>
        f.detectedAt.slice(0, 10) >= scope.from && f.detectedAt.slice(0, 10) <= scope.to;
      const inScope: FindingSummary[] = [];
      const context: FindingSummary[] = [];
      const population: string[] = [];
      for (const f of history.findings) {
        const period = inPeriod(f);
        if (period) population.push(f.id);
        if (period && requested.has(f.severity)) inScope.push(f);
        else if (f.detectedAt <= asOf) context.push(f);
      }
      const shown = latestOfEachRow(inScope);
      const [evidence, digests] = await Promise.all([history.evidence(shown), history.evidenceDigests(population)]);
      const missing = shown.find((id) => !evidence.has(id)) ?? population.find((id) => !digests.has(id));
      if (missing) throw new AppError('internal', `finding ${missing} is in scope but its evidence cannot be read`);
      const found: Finding[] = inScope.map((f) => ({ ...f, evidence: evidence.get(f.id) ?? NOT_SHOWN }));
      const snapshotKey = stagingKey(ref.tenantId, ref.reportId, 'findings.json');
      const snapshot: FindingsSnapshot = {
        findings: found,
        context,
        // In id order: the digests are read page by page concurrently, and a retry must write the same bytes.
        evidenceDigests: Object.fromEntries([...digests].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
        endpoints,
        runs: periodRuns,
      };
      if (tenant?.applicability) snapshot.applicability = tenant.applicability;
      if (tenant?.ratingMethod) snapshot.ratingMethod = tenant.ratingMethod;
      // Only a report made before this one is its previous; the model also refuses one that is not older.
      if (previous && previous.reportId !== report.id) snapshot.previous = previous;
      if (branding) snapshot.branding = branding;
      snapshot.treatment = treatmentSnapshot(
        ref.tenantId,
        inScope,
        shown,
        treated,
        `${scope.from}T00:00:00.000Z`,
        treatedAt,
      );
      await writeJson(store, snapshotKey, snapshot);
      await reports.setProgress(ref.tenantId, ref.reportId, 'modelling', 30);
      return { snapshotKey, findings: found.length };
    },

    /** Merges the snapshot into report rows with their controls and writes the model: version 1 (a draft) unless a
     * release names a later version, whose approval the model then carries. */
    async buildReportModel(
      ref: ReportRef & { snapshotKey: string; release?: ReportRelease },
    ): Promise<{ modelKey: string; rows: number }> {
      const [report, tenant, snapshot] = await Promise.all([
        loadReport(ref),
        tenants.get(ref.tenantId),
        readJson<FindingsSnapshot>(store, ref.snapshotKey),
      ]);
      const model = buildModel({
        report: {
          id: report.id,
          tenantId: report.tenantId,
          tenantName: tenant?.name ?? report.tenantId,
          title: report.request.title,
          format: report.request.format,
          frameworks: report.request.frameworks,
          scope: report.request.scope,
          requestedAt: report.createdAt.toISOString(),
        },
        findings: snapshot.findings,
        context: snapshot.context,
        evidenceDigests: snapshot.evidenceDigests,
        endpoints: snapshot.endpoints,
        runs: snapshot.runs,
        applicability: snapshot.applicability,
        ratingMethod: snapshot.ratingMethod,
        previous: snapshot.previous,
        branding: snapshot.branding,
        treatment: snapshot.treatment,
        generatedAt: (report.startedAt ?? clock.now()).toISOString(),
        ...(ref.release ? { release: ref.release } : {}),
      });
      const version = ref.release?.version;
      const modelKey = stagingKey(ref.tenantId, ref.reportId, versionedName('model.json', version));
      await writeJson(staging, modelKey, model);
      if (version !== undefined && version > 1) return { modelKey, rows: model.rows.length };
      // Kept by this worker for markReady, which leaves them to the next report of the scope.
      await writeJson(store, stagingKey(ref.tenantId, ref.reportId, SCOPE_FACTS_FILE), model.frontPage.facts);
      await reports.setProgress(ref.tenantId, ref.reportId, 'rendering', 50);
      return { modelKey, rows: model.rows.length };
    },

    /** Renders the JSON artifact from the model. */
    async renderJson(ref: ReportRef & { modelKey: string; version?: number }): Promise<{ renderedKey: string }> {
      const model = await readJson<ReportModel>(staging, ref.modelKey);
      const renderedKey = stagingKey(ref.tenantId, ref.reportId, versionedName('rendered.json', ref.version));
      const body = Buffer.from(`${JSON.stringify(toJsonExport(model), null, 2)}\n`, 'utf8');
      await store.put(renderedKey, body, 'application/json');
      await recordProgress(reports, ref, 'signing', 80);
      return { renderedKey };
    },

    /** Puts the signed artifact under its final key (the version's, for a version after the first) and returns its
     * facts. */
    async storeArtifact(
      ref: ReportRef & { format: ReportFormat; signedKey: string; signature: ArtifactSignature; version?: number },
    ): Promise<ArtifactFacts> {
      const body = await store.get(ref.signedKey);
      const key = artifactKey(ref.tenantId, ref.reportId, ref.format, ref.version);
      const contentType = CONTENT_TYPES[ref.format];
      await store.put(key, body, contentType);
      const sha256 = createHash('sha256').update(body).digest('hex');
      return { key, sha256, size: body.length, contentType, signature: ref.signature };
    },

    /** Marks the report ready with its artifact and sets its expiry from the tenant's audit retention. */
    async markReady(
      ref: ReportRef & { artifact: ArtifactFacts; rows: number; findings: number },
    ): Promise<{ expiresAt: string; held: boolean }> {
      const tenant = await tenants.get(ref.tenantId);
      if (!tenant) throw new AppError('report_not_found', `tenant ${ref.tenantId} does not exist`);
      const at = clock.now();
      const expiresAt = retentionDeadline(at, tenant.auditRetentionDays);
      await reports.markReady(ref.tenantId, ref.reportId, {
        artifact: ref.artifact,
        counts: { rows: ref.rows, findings: ref.findings },
        at,
        expiresAt,
      });
      await quotas.releaseReport(ref.tenantId, ref.reportId);
      await leaveScopeFacts(ref);
      // In flight no longer: what the render worker could open of this report goes, so that the staging key opens
      // only reports being made, and a rotation needs the previous key only for those.
      await staging.deletePrefix(stagingPrefix(ref.tenantId, ref.reportId));
      // A retry reads back what the first attempt stored, so the retention workflow gets one deadline.
      const report = await loadReport(ref);
      metricMeter
        .createHistogram('report_create_to_ready', 'float', 's', 'Time from a report being created to its being ready.')
        .record((at.getTime() - report.createdAt.getTime()) / 1000, { format: report.request.format });
      return { expiresAt: (report.expiresAt ?? expiresAt).toISOString(), held: report.legalHold !== undefined };
    },

    /** Marks the report failed with an error a user can read (internal details stay in the workflow history). */
    async markFailed(ref: ReportRef & { code: string; message: string }): Promise<{ expiresAt: string } | undefined> {
      const code = isErrorCode(ref.code) ? ref.code : 'internal';
      const at = clock.now();
      await reports.markFailed(
        ref.tenantId,
        ref.reportId,
        { code, message: publicMessage(code, ref.message) },
        at,
        new Date(at.getTime() + failedRetentionMs),
      );
      await quotas.releaseReport(ref.tenantId, ref.reportId);
      // A retry of the report stages everything again.
      await staging.deletePrefix(stagingPrefix(ref.tenantId, ref.reportId));
      metricMeter.createCounter('reports_failed', '1', 'Reports that ended failed, by error code.').add(1, { code });
      // A retry of this step reads back the deadline the first attempt stored, so the retention workflow gets one.
      const failed = await reports.get(ref.tenantId, ref.reportId);
      return failed?.status === 'failed' && failed.expiresAt
        ? { expiresAt: failed.expiresAt.toISOString() }
        : undefined;
    },
  });
}

/** The activity functions {@link createReportActivities} returns, for workflows to proxy by type. */
export type ReportActivities = ReturnType<typeof createReportActivities>;
