import type { PendingApproval, ReportVersion } from '../src/domain/approval';
import type { RatingOverride } from '../src/domain/evidence/rating';
import type { ApplicabilityProfile } from '../src/domain/applicability';
import type { Branding } from '../src/domain/branding';
import type { AuditEvent } from '../src/domain/audit';
import type { Endpoint, Evidence, FindingSummary } from '../src/domain/finding';
import type { ArtifactFacts, ReportRecord, ReportScope, ReportStage, ReportStatus } from '../src/domain/report';
import type { ScopeFacts } from '../src/domain/report-model/front-page';
import type { LegalHold } from '../src/domain/retention';
import type { TestRun } from '../src/domain/runs';
import type { HistoryEntry, WeaknessRecord } from '../src/domain/treatment';

/** Reports as the pipeline and the API need them. Every call is scoped to one tenant. */
export interface ReportsRepo {
  /** Stores a new report. Throws `AppError('already_exists')` when a report of the same id is stored already. */
  insert(report: ReportRecord): Promise<void>;
  get(tenantId: string, reportId: string): Promise<ReportRecord | undefined>;
  /** Removes a report that never started (its workflow could not be scheduled). */
  deleteQueued(tenantId: string, reportId: string): Promise<void>;
  list(tenantId: string, page: { limit: number; after?: { createdAt: Date; id: string } }): Promise<ReportRecord[]>;
  /** queued → running; a repeat (activity retry) leaves it running. Returns false if the report is gone or final. */
  markRunning(tenantId: string, reportId: string, at: Date): Promise<boolean>;
  setProgress(tenantId: string, reportId: string, stage: ReportStage, percent: number): Promise<void>;
  markReady(
    tenantId: string,
    reportId: string,
    facts: { artifact: ArtifactFacts; counts: { rows: number; findings: number }; at: Date; expiresAt: Date },
  ): Promise<void>;
  /** queued/running → failed at `at`; what it staged is kept until `keepUntil`, for a retry. */
  markFailed(
    tenantId: string,
    reportId: string,
    error: { code: string; message: string },
    at: Date,
    keepUntil?: Date,
  ): Promise<void>;
  /** Records that a failed report's staged objects were purged at `at` (it stays failed). */
  markStagingPurged(tenantId: string, reportId: string, at: Date): Promise<boolean>;
  /** Reports of any tenant still queued since before `before` (created, or requeued at), oldest first:
   * candidates whose workflow may never have started (the API crashed between its two writes). The one query
   * not scoped to a tenant: operations only. */
  listQueuedBefore(before: Date, limit: number): Promise<ReportRecord[]>;
  /** failed → queued for another attempt from `at`; the error stays until the new attempt starts. Returns false
   * unless the report was failed. */
  requeueFailed(tenantId: string, reportId: string, at: Date): Promise<boolean>;
  /** ready → purging, the first step of a purge; true also when the report is purging already (a repeat). */
  beginPurge(tenantId: string, reportId: string): Promise<boolean>;
  /** purging → ready: a legal hold placed as the purge began keeps the report. */
  abandonPurge(tenantId: string, reportId: string): Promise<void>;
  /** purging → expired once retention purged the artifact; the artifact facts stay as a record of what existed.
   * Returns false if the report was not purging (already expired, or gone): a repeat changes nothing. */
  markExpired(tenantId: string, reportId: string, purgedAt: Date): Promise<boolean>;
  /** Moves the purge deadline of a ready report. */
  setExpiry(tenantId: string, reportId: string, expiresAt: Date): Promise<void>;
  /** Places (hold) or releases (undefined) a legal hold; answers the report as it now is. A hold is placed only while
   * the report's purge has not begun (not purging, not expired). */
  setLegalHold(tenantId: string, reportId: string, hold: LegalHold | undefined): Promise<ReportRecord | undefined>;
  /** Takes back the hold placed, if it is still the one in place (same time and token): a hold that came too late. */
  withdrawLegalHold(tenantId: string, reportId: string, hold: LegalHold): Promise<void>;
  /** How many reports of all tenants are in each status (operations metrics). */
  countByStatus(): Promise<Record<ReportStatus, number>>;
  /** A tenant's ready reports in id order, a page at a time: those whose retention can still move. */
  listReady(tenantId: string, page: { limit: number; afterId?: string }): Promise<ReportRecord[]>;
  /** What the latest ready report of a scope (scopeKey, report-model/front-page.ts) left for the next one to compare against. */
  scopeFacts(tenantId: string, scopeKey: string): Promise<ScopeFacts | undefined>;
  /** Records a ready report's facts as its scope's latest, unless a report generated later already is. */
  recordScopeFacts(tenantId: string, scopeKey: string, facts: ScopeFacts): Promise<void>;
  /** Records an approval under way on a ready report, unless that same approval (version and request time) is
   * recorded already, perhaps failed since; false when the report is not ready. */
  beginApproval(tenantId: string, reportId: string, pending: PendingApproval): Promise<boolean>;
  /** Adds the next version to a ready report, making its artifact the report's, and ends the approval under way.
   * A repeat (an activity retry) finds the version in place and answers true; false when the report is not ready
   * or the version is not the next. */
  recordVersion(tenantId: string, reportId: string, version: ReportVersion): Promise<boolean>;
  /** Marks the approval of `version` failed with an error a user can read, if it is still the one under way. */
  failApproval(
    tenantId: string,
    reportId: string,
    version: number,
    error: { code: string; message: string },
  ): Promise<void>;
}

/** A finding without its evidence: what a scope query lists. */
export type { FindingSummary } from '../src/domain/finding';

/** The findings in one report's scope, and their evidence on request. Evidence is most of a finding's bytes
 * and a report shows one per row, so it is read only for the findings asked for. */
export interface FindingsInScope {
  /** Oldest first, ties by id; each finding once. */
  findings: FindingSummary[];
  /** The evidence of the given findings (ids of `findings`; others are left out of the answer). */
  evidence(ids: readonly string[]): Promise<Map<string, Evidence>>;
  /** The evidenceDigest (src/domain/evidence/population.ts) of the given findings' evidence, read a page at a time and not kept, so that a
   * report can digest its whole population without holding its evidence. */
  evidenceDigests(ids: readonly string[]): Promise<Map<string, string>>;
}

/** Findings and the endpoints they were found on. */
export interface FindingsRepo {
  /** The findings of one tenant that fall in a report's scope: endpoint among its endpoints, detected from the
   * start of `from` to the end of `to` (UTC days), severity among its severities. */
  findInScope(tenantId: string, scope: ReportScope): Promise<FindingsInScope>;
  endpoints(tenantId: string, ids: string[]): Promise<Endpoint[]>;
}

/** The treatment of a tenant's weaknesses as a report reads it (MongoWeaknessRegister): each weakness's record as it
 * stood at an instant, keyed by its weakness key (domain/treatment/key.ts, which a row's endpoint, category and
 * fingerprint give), and the changes made within a period. */
export interface WeaknessTreatments {
  /** The weaknesses of the given endpoints (all the tenant's without) as they stood at `at`; one first seen later
   * is left out. */
  treatmentAsOf(
    tenantId: string,
    at: Date,
    options?: { endpointIds?: readonly string[] },
  ): Promise<Map<string, WeaknessRecord>>;
  /** The changes made from `from` up to, not including, `to`, oldest first, each with its weakness. */
  historyBetween(
    tenantId: string,
    from: Date,
    to: Date,
    options?: { endpointIds?: readonly string[] },
  ): Promise<(HistoryEntry & { key: string; endpointId: string; category: string; fingerprint: string })[]>;
}

/** The test runs of a tenant's endpoints (MongoRunsRepo): what was tested and how it went, recorded whether or
 * not it found anything, so a report can give each clean result its denominator. */
export interface RunsRepo {
  /** The tenant's runs on the given endpoints whose `startedAt` day (UTC) lies from `from` to `to` (`YYYY-MM-DD`,
   * both inclusive), oldest first, ties by id. */
  runsInScope(tenantId: string, endpointIds: string[], from: string, to: string): Promise<TestRun[]>;
}

/** A tenant's settings. */
export interface TenantSettings {
  id: string;
  name: string;
  auditRetentionDays: number;
  updatedAt?: Date;
  /** What the tenant states about its EU AI Act role, its systems' classes and its ISO/IEC 42001 Statement of
   * Applicability; absent until it states it. */
  applicability?: ApplicabilityProfile;
  /** The tenant's own severity rating method, with who set it and why; absent while it uses the default. */
  ratingMethod?: RatingOverride;
}

/** Tenant settings. */
export interface TenantsRepo {
  get(tenantId: string): Promise<TenantSettings | undefined>;
  /** Changes the retention; answers the settings as they now are, undefined if there is no such tenant. */
  setRetention(tenantId: string, days: number, at: Date): Promise<TenantSettings | undefined>;
  /** Replaces the applicability profile (stamped with when and by whom); answers the settings as they now are,
   * undefined if there is no such tenant. */
  setApplicability(tenantId: string, profile: ApplicabilityProfile): Promise<TenantSettings | undefined>;
  /** Sets the tenant's rating method, or goes back to the default (null); answers the settings as they now are. */
  setRatingMethod(tenantId: string, override: RatingOverride | null): Promise<TenantSettings | undefined>;
  /** The tenant's branding, logo included; undefined while it uses the defaults or if there is no such tenant. Read
   * apart from {@link get} because the logo can be hundreds of kilobytes that nothing else needs. */
  branding(tenantId: string): Promise<Branding | undefined>;
  /** Replaces the tenant's branding, or goes back to the defaults (null); false if there is no such tenant. */
  setBranding(tenantId: string, branding: Branding | null): Promise<boolean>;
}

/** Remembers `Idempotency-Key`s of report creation, per tenant. */
export interface IdempotencyKeys {
  /** Binds the key to `candidateReportId` and the body's hash, or answers the report it is already bound to
   * (`replay`). Throws `AppError('idempotency_key_reused')` if the key was used with another body. */
  claim(
    tenantId: string,
    key: string,
    bodySha256: string,
    candidateReportId: string,
    now: Date,
  ): Promise<{ reportId: string; replay: boolean }>;
}

/** The append-only audit log. */
export interface AuditLog {
  record(event: AuditEvent): Promise<void>;
}

/** Tells a report's retention workflow that its deadline moved, starting the workflow if it is not running
 * (a report made ready before retention existed, or one whose workflow was lost). */
export interface RetentionSignals {
  deadlineMoved(ref: { tenantId: string; reportId: string }, expiresAt: Date): Promise<void>;
}

/** Object storage for intermediate results and artifacts, addressed by key. */
export interface ArtifactStore {
  put(key: string, body: Buffer, contentType: string): Promise<void>;
  /** The object's bytes; throws `AppError('artifact_missing')` if there is none. */
  get(key: string): Promise<Buffer>;
  /** Deletes every object under a prefix; returns how many there were. */
  deletePrefix(prefix: string): Promise<number>;
  /** A short-lived URL that fetches one object without credentials, answering with `Content-Disposition:
   * attachment; filename="<fileName>"` and the given content type. Only stores that can serve objects themselves
   * (S3-compatible ones) have it; without it, downloads go through the API. */
  presignGet?(
    key: string,
    options: { expiresInSeconds: number; fileName: string; contentType: string },
  ): Promise<string>;
}

/** Wall-clock time, injectable so tests can pin it. */
export interface Clock {
  now(): Date;
}

/** Renders report HTML to PDF in a sandboxed browser. */
export interface PdfRenderer {
  renderPdf(
    html: string,
    options: {
      headerTemplate: string;
      footerTemplate: string;
      timeoutMs: number;
      title: string;
      /** Aborts the render (the activity was cancelled). */
      signal?: AbortSignal;
    },
  ): Promise<Buffer>;
  close(): Promise<void>;
}

/** Facts a PDF signature embeds in the document metadata. */
export interface PdfSignatureFacts {
  reportId: string;
  tenantId: string;
  title: string;
  tenantName: string;
  schemaVersion: string;
  /** sha256 (hex) of the report's content (the staged model's bytes), as the integrity page prints it. */
  contentDigest: string;
  frameworks: string[];
  generatedAt: string;
  /** Section titles, in order, to bookmark: where the anchor named lands, or else where the title first appears
   * after the entries before it. */
  outline?: (string | { title: string; anchor: string })[];
}

/** Signs PDFs with an embedded CMS signature and the report facts in the metadata. */
export interface PdfSigning {
  readonly keyId: string;
  sign(unsignedPdf: Buffer, facts: PdfSignatureFacts): Promise<Buffer>;
}

/** Signs bytes with a detached JWS, and where a time-stamping authority is configured, stamps the signature:
 * `timestamp` is the base64 of the RFC 3161 token (DER) over the JWS signature's bytes. */
export interface DetachedSigning {
  sign(bytes: Buffer): Promise<{ kid: string; jws: string; timestamp?: string }>;
}

/** Signs a whole JSON document as a compact JWS that carries it. */
export interface DocumentSigning {
  sign(payload: Buffer): Promise<{ kid: string; jws: string }>;
}
