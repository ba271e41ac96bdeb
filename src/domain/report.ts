import type { PendingApproval, ReportVersion } from './approval';
import type { FrameworkSlug } from './frameworks';
import type { LegalHold } from './retention';
import type { Severity } from './severity';

/** Artifact formats a report can be exported as. */
export const REPORT_FORMATS = ['pdf', 'json'] as const;

/** An artifact format. */
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Report lifecycle. At its retention deadline a `ready` report turns `purging` (only while no legal hold is in place;
 * none can be placed then) and `expired` once its objects are gone. */
export const REPORT_STATUSES = ['queued', 'running', 'ready', 'failed', 'purging', 'expired'] as const;

/** A report status. */
export type ReportStatus = (typeof REPORT_STATUSES)[number];

/** Which findings a report covers. Dates are calendar days (UTC), both ends inclusive. */
export interface ReportScope {
  endpointIds: string[];
  from: string;
  to: string;
  includeSeverities: Severity[];
}

/** A scope as written outside the code: in the API, the stored report and the JSON artifact alike. */
export interface WireScope {
  endpoint_ids: string[];
  from: string;
  to: string;
  include_severities: Severity[];
}

/** A scope in its written (snake_case) form. */
export function toWireScope(scope: ReportScope): WireScope {
  return {
    endpoint_ids: scope.endpointIds,
    from: scope.from,
    to: scope.to,
    include_severities: scope.includeSeverities,
  };
}

/** A scope read back from its written form. */
export function fromWireScope(scope: WireScope): ReportScope {
  return {
    endpointIds: scope.endpoint_ids,
    from: scope.from,
    to: scope.to,
    includeSeverities: scope.include_severities,
  };
}

/** A validated request to generate a report. */
export interface ReportRequest {
  title: string;
  frameworks: FrameworkSlug[];
  scope: ReportScope;
  format: ReportFormat;
}

/** How an artifact is signed: a PDF carries an embedded CMS signature; a JSON document has a detached JWS
 * over its exact bytes, kept beside it. `keyId` names the key, so rotation keeps old artifacts verifiable. */
export interface ArtifactSignature {
  type: 'pdf-cms' | 'jws-detached';
  keyId: string;
  /** The compact detached JWS, for `jws-detached`. */
  jws?: string;
  /** For `jws-detached`, when a time-stamping authority is configured: base64 of its RFC 3161 token (DER) over the
   * JWS signature's bytes (the base64url-decoded third part). A PDF carries its token inside its signature. */
  timestamp?: string;
}

/** Facts about a stored artifact, kept on the report once it is ready. */
export interface ArtifactFacts {
  key: string;
  sha256: string;
  size: number;
  contentType: string;
  signature?: ArtifactSignature;
}

/** Content types by format. */
export const CONTENT_TYPES: Readonly<Record<ReportFormat, string>> = Object.freeze({
  pdf: 'application/pdf',
  json: 'application/json',
});

/** The file name an artifact is downloaded under: the report id and the format's extension, with `-v<n>` before
 * the extension for a version after the first (the draft keeps the name it always had). */
export function artifactFileName(reportId: string, format: ReportFormat, version = 1): string {
  return version > 1 ? `${reportId}-v${version}.${format}` : `${reportId}.${format}`;
}

/** Stages of the pipeline, as shown in a report's progress. */
export type ReportStage =
  'queued' | 'collecting' | 'modelling' | 'rendering' | 'signing' | 'storing' | 'done' | 'failed';

/** A report as stored: the request, where it is in its life, and its artifact once ready. */
export interface ReportRecord {
  id: string;
  tenantId: string;
  request: ReportRequest;
  status: ReportStatus;
  createdAt: Date;
  startedAt?: Date;
  completedAt?: Date;
  failedAt?: Date;
  expiresAt?: Date;
  purgedAt?: Date;
  progress: { stage: ReportStage; percent: number };
  attempts: number;
  error?: { code: string; message: string };
  artifact?: ArtifactFacts;
  counts?: { rows: number; findings: number };
  /** In place while the artifact must be kept whatever the retention says. */
  legalHold?: LegalHold;
  /** The report this one was regenerated from (same request), when it was. */
  regeneratedFrom?: string;
  /** Every version once a second exists (see versionsOf); `artifact` is the latest's. */
  versions?: ReportVersion[];
  /** The approval under way, or the last one that failed. */
  pendingApproval?: PendingApproval;
}
