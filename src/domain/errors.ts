/** Every error code the service can produce. Nothing but {@link ERRORS} decides what a code means on the wire. */
export type ErrorCode =
  | 'invalid_request'
  | 'framework_unknown'
  | 'unauthenticated'
  | 'missing_scope'
  | 'tenant_suspended'
  | 'tenant_offboarded'
  | 'legal_hold_active'
  | 'receipt_not_found'
  | 'not_found'
  | 'method_not_allowed'
  | 'report_not_found'
  | 'download_link_invalid'
  | 'download_link_expired'
  | 'report_not_ready'
  | 'report_expired'
  | 'report_not_retryable'
  | 'approval_in_progress'
  | 'report_purging'
  | 'transition_refused'
  | 'idempotency_key_reused'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'import_invalid'
  | 'rate_limited'
  | 'quota_exceeded'
  | 'unavailable'
  | 'render_failed'
  | 'template_failed'
  | 'timestamp_unavailable'
  | 'artifact_missing'
  | 'artifact_corrupt'
  | 'already_exists'
  | 'internal';

/** How a code behaves: HTTP status, whether an activity failing with it should be retried, and whether its
 * message may be shown to the caller; when not, `shown` replaces it (or a generic text). */
export interface ErrorTraits {
  status: number;
  retryable: boolean;
  expose: boolean;
  shown?: string;
}

/** The single table of error traits. */
export const ERRORS: Readonly<Record<ErrorCode, ErrorTraits>> = Object.freeze({
  invalid_request: { status: 400, retryable: false, expose: true },
  framework_unknown: { status: 400, retryable: false, expose: true },
  unauthenticated: { status: 401, retryable: false, expose: true },
  missing_scope: { status: 403, retryable: false, expose: true },
  // An operator suspended the token's tenant: its reports already running finish and retention keeps running,
  // but none of its tokens is served until the tenant is resumed.
  tenant_suspended: { status: 403, retryable: false, expose: true },
  // The tenant is being offboarded, or was: its status no longer changes and no token of it is minted.
  tenant_offboarded: { status: 409, retryable: false, expose: true },
  // A report of the tenant is on legal hold, so the tenant cannot be offboarded (nothing of it may be purged).
  legal_hold_active: { status: 409, retryable: false, expose: true },
  // No deletion receipt exists (yet) for the tenant: it is not offboarded, or its purge has not finished.
  receipt_not_found: { status: 404, retryable: false, expose: true },
  download_link_invalid: { status: 403, retryable: false, expose: true },
  download_link_expired: { status: 403, retryable: false, expose: true },
  not_found: { status: 404, retryable: false, expose: true },
  // The path exists but does not take the method: the details (and the `Allow` header) name the methods it takes.
  method_not_allowed: { status: 405, retryable: false, expose: true },
  report_not_found: { status: 404, retryable: false, expose: true },
  report_not_ready: { status: 409, retryable: false, expose: true },
  report_expired: { status: 410, retryable: false, expose: true },
  report_not_retryable: { status: 409, retryable: false, expose: true },
  // An approval of the report is being made: its version is being built, and a second approval waits for it.
  approval_in_progress: { status: 409, retryable: false, expose: true },
  // The report's retention deadline passed and its purge has begun: a legal hold comes too late to keep it.
  report_purging: { status: 409, retryable: false, expose: true },
  // A weakness asked for a treatment state it cannot take from where it stands: the details name the states it can.
  transition_refused: { status: 409, retryable: false, expose: true },
  idempotency_key_reused: { status: 422, retryable: false, expose: true },
  payload_too_large: { status: 413, retryable: false, expose: true },
  unsupported_media_type: { status: 415, retryable: false, expose: true },
  // A scanner file that cannot be read as the format it claims: the message names the line and the problem.
  import_invalid: { status: 422, retryable: false, expose: true },
  rate_limited: { status: 429, retryable: true, expose: true },
  // A tenant's quota (imports in flight, reports queued or running, stored findings) is full. The details name the
  // quota, its limit and, where waiting helps, when to come back; retrying at once cannot help.
  quota_exceeded: { status: 429, retryable: false, expose: true },
  unavailable: { status: 503, retryable: true, expose: true },
  render_failed: {
    status: 500,
    retryable: true,
    expose: false,
    shown:
      'The artifact could not be rendered after several attempts. Retry the report; if it fails again, contact support with the report id.',
  },
  // The report's templates failed on this report's data: rendering again gives the same error, so the report
  // fails at once and `/retry` runs it again once the templates are fixed.
  template_failed: {
    status: 500,
    retryable: false,
    expose: false,
    shown:
      'The report template could not be applied to this report. Contact support with the report id; retry it once fixed.',
  },
  // The time-stamping authority could not be reached, or its answer did not stamp what was asked. Signing is retried;
  // when the retries run out the report fails rather than being issued without a third party's time.
  timestamp_unavailable: {
    status: 503,
    retryable: true,
    expose: false,
    shown:
      'The time-stamping authority could not be reached after several attempts, so no artifact was issued. Retry the report later; if it fails again, contact support with the report id.',
  },
  artifact_missing: {
    status: 500,
    retryable: false,
    expose: false,
    shown: 'A stored part of this report is missing. Regenerate the report.',
  },
  // A stored object that fails authentication was tampered with, copied from elsewhere or sealed under another
  // master key: reading it again gives the same answer, so retrying cannot help.
  artifact_corrupt: {
    status: 500,
    retryable: false,
    expose: false,
    shown:
      'A stored part of this report failed its integrity check. Regenerate the report, or contact support with the report id.',
  },
  // A repository refused a write because a record with the same identity is stored already, so that no driver's
  // error leaves the repositories. A use case that can meet the race (two creates under one Idempotency-Key) reads
  // what is stored instead; any other that meets it has a fault of its own, which reads to the caller as `internal`.
  already_exists: { status: 500, retryable: true, expose: false },
  internal: { status: 500, retryable: true, expose: false },
});

/** The one error type of the service: a code from {@link ERRORS}, a message for humans, optional details
 * (e.g. the offending field) that are safe to return to the caller. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;

  /** `cause` is for logs only; it never reaches a response. */
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }
}

/** Whether a string is one of our error codes (used when an error crosses Temporal as a typed failure). */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERRORS, value);
}

/** Codes whose failures are final: retrying cannot help. Workflows list them as non-retryable. */
export const NON_RETRYABLE_CODES: readonly ErrorCode[] = Object.freeze(
  (Object.keys(ERRORS) as ErrorCode[]).filter((code) => !ERRORS[code].retryable),
);

/** The message a caller may see for an error: its own when the table allows, a generic one otherwise. */
export function publicMessage(code: ErrorCode, message: string): string {
  const traits = ERRORS[code];
  if (traits.expose) return message;
  return traits.shown ?? 'An internal error occurred; it has been logged. Retry later.';
}
