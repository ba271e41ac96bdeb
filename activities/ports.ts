import type { Endpoint, Finding } from '../src/domain/finding';
import type { ArtifactFacts, ReportRecord, ReportScope, ReportStage } from '../src/domain/report';

/** Reports as the pipeline and the API need them. Every call is scoped to one tenant. */
export interface ReportsRepo {
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
  markFailed(tenantId: string, reportId: string, error: { code: string; message: string }, at: Date): Promise<void>;
  /** Reports of any tenant still queued since before `before`: candidates whose workflow may never have
   * started (the API crashed between its two writes). The one query not scoped to a tenant: operations only. */
  listQueuedBefore(before: Date, limit: number): Promise<ReportRecord[]>;
}

/** Findings and the endpoints they were found on. */
export interface FindingsRepo {
  /** The findings of one tenant that fall in a report's scope, oldest first. */
  findInScope(tenantId: string, scope: ReportScope): Promise<Finding[]>;
  endpoints(tenantId: string, ids: string[]): Promise<Endpoint[]>;
}

/** Tenant settings the pipeline reads. */
export interface TenantsRepo {
  get(tenantId: string): Promise<{ id: string; name: string; auditRetentionDays: number } | undefined>;
}

/** Object storage for intermediate results and artifacts, addressed by key. */
export interface ArtifactStore {
  put(key: string, body: Buffer, contentType: string): Promise<void>;
  /** The object's bytes; throws `AppError('artifact_missing')` if there is none. */
  get(key: string): Promise<Buffer>;
  /** Deletes every object under a prefix; returns how many there were. */
  deletePrefix(prefix: string): Promise<number>;
}

/** Wall-clock time, injectable so tests can pin it. */
export interface Clock {
  now(): Date;
}

/** Renders report HTML to PDF in a sandboxed browser. */
export interface PdfRenderer {
  renderPdf(
    html: string,
    options: { headerTemplate: string; footerTemplate: string; timeoutMs: number; title: string },
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
  /** Section titles, in order, to bookmark where each first appears. */
  outline?: string[];
}

/** Signs PDFs with an embedded CMS signature and the report facts in the metadata. */
export interface PdfSigning {
  readonly keyId: string;
  sign(unsignedPdf: Buffer, facts: PdfSignatureFacts): Promise<Buffer>;
}

/** Signs bytes with a detached JWS. */
export interface DetachedSigning {
  sign(bytes: Buffer): Promise<{ kid: string; jws: string }>;
}
