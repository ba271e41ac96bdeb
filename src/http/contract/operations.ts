import { Type, type TSchema } from '@sinclair/typebox';
import type { ErrorCode } from '../../domain/errors';
import { AUDIT_ACTIONS } from '../../domain/audit';
import { REPORT_SCHEMA_VERSION } from '../../domain/report-model/types';
import { TREATMENT_STATES } from '../../domain/treatment';
import * as f from './findings';
import * as r from './reports';
import * as t from './tenant';
import { Day, EndpointId, ISO_TIME_PATTERN, IsoTime, OpenObject, Page, ReportId } from './types';

/** Who may call an operation: a tenant's bearer token, an operator's, the holder of a signed URL, or anyone. */
export type Security = 'tenant' | 'operator' | 'signedUrl' | 'none';

/** A header an answer carries, by name (see HEADERS in document.ts). */
export type HeaderName =
  | 'Location'
  | 'Retry-After'
  | 'ETag'
  | 'Idempotent-Replayed'
  | 'X-Artifact-Signature'
  | 'X-Artifact-Signature-Key-Id'
  | 'Content-Disposition'
  | 'Repr-Digest';

/** One answer of an operation: its body by content type (none for a redirect or 204) and its headers. */
export interface Answer {
  description: string;
  content?: Record<string, TSchema>;
  headers?: HeaderName[];
  /** Operations the answer leads to, by link name: each takes the answer's `id` as its own `id` (OpenAPI links, which
   * a client or a stateful fuzzer follows from a create to the reads and actions on what it created). */
  links?: Record<string, string>;
}

/** A query or path parameter. */
export interface Parameter {
  schema: TSchema;
  required?: boolean;
  description?: string;
}

/** One operation of the API: what the document says of it and what the validation middleware checks. */
export interface Operation {
  id: string;
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** The Express path, `/api/v2/reports/:id`. */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  security: Security;
  scope?: string;
  params?: Record<string, Parameter>;
  query?: Record<string, Parameter>;
  /** Whether a query parameter the operation does not list is refused by name (the audit log's, where a misspelt
   * filter would otherwise widen what a request reads). */
  closedQuery?: boolean;
  /** A JSON body (`schema`), which the middleware checks before the domain code reads it, or a raw upload
   * (`upload`). */
  body?: { schema: TSchema } | { upload: true };
  /** An array property of the body whose items the domain code checks one by one (with {@link schemaCheck}), so
   * that a refused batch lists every bad item, the schema's problems and the domain's together. */
  itemsChecked?: string;
  responses: Record<number, Answer>;
  /** Error codes this operation may answer besides those every operation of its kind may. */
  errors?: ErrorCode[];
  /** What an error status may carry besides the error body: an import job that failed answers with the job. */
  errorAlternative?: TSchema;
}

const json = (schema: TSchema) => ({ 'application/json': schema });
const ok = (description: string, schema: TSchema, headers?: HeaderName[]): Answer => ({
  description,
  content: json(schema),
  ...(headers ? { headers } : {}),
});

const Limit = (max = 100): Parameter => ({
  schema: Type.Integer({ minimum: 1, maximum: max, description: `a whole number from 1 to ${max}` }),
  description: `Items per page, 1 to ${max}; 20 when left out.`,
});
const Cursor: Parameter = {
  schema: Type.String({ description: 'a cursor this API issued; use next_cursor from a list response' }),
  description: 'The `next_cursor` of the page before.',
};
const idParam = (description: string): Record<string, Parameter> => ({ id: { schema: Type.String(), description } });
const reportParam = idParam('The report id (`rpt_…`).');
const Wait: Parameter = {
  schema: Type.Integer({ minimum: 0, maximum: 300, description: 'a whole number of seconds from 0 to 300' }),
  description: 'Seconds to hold the request open while the import runs, 0 to 300; 0 answers at once.',
};
/** A list's time bound, as src/http/time-bounds.ts reads it: a day or a zone-bearing time; the calendar (30 February)
 * is the domain code's to check. */
const Bound = (name: string): Parameter => ({
  schema: Type.String({
    pattern: `^[0-9]{4}-[0-9]{2}-[0-9]{2}$|${ISO_TIME_PATTERN}`,
    description: 'a calendar day (YYYY-MM-DD) or an ISO 8601 time with a zone',
  }),
  description:
    name === 'to'
      ? 'Latest time, exclusive: a day is taken whole (`2026-06-30` includes that day).'
      : 'Earliest time, inclusive: a day (`2026-04-01`) or a time with a zone.',
});

const REPORT_ERRORS: ErrorCode[] = ['report_not_found'];

/** Where a queued report leads: reading it, and once it is ready (or failed) downloading, retrying, regenerating. */
const REPORT_LINKS = {
  GetReport: 'getReport',
  DownloadReport: 'downloadReport',
  RetryReport: 'retryReport',
  RegenerateReport: 'regenerateReport',
};

/** Every public operation of the API, in the order the document lists them. */
export const OPERATIONS: readonly Operation[] = [
  // Reports
  {
    id: 'createReport',
    method: 'post',
    path: '/api/v2/reports',
    summary: 'Create a report',
    description:
      'Queues a report over the findings in scope and answers `202` with where to poll. An `Idempotency-Key` header ' +
      'makes a retried create answer the first report (with `Idempotent-Replayed: true`); the same key with another ' +
      "body is `422 idempotency_key_reused`. Every endpoint in scope must be one of the tenant's (`invalid_request` " +
      'naming it otherwise).',
    tag: 'Reports',
    security: 'tenant',
    scope: 'reports:generate',
    body: { schema: r.ReportRequest },
    responses: {
      202: {
        ...ok('Queued; poll `Location` until `status` is `ready` or `failed`.', r.ReportQueued, [
          'Location',
          'Idempotent-Replayed',
        ]),
        links: REPORT_LINKS,
      },
    },
    errors: ['framework_unknown', 'idempotency_key_reused', 'quota_exceeded'],
  },
  {
    id: 'listReports',
    method: 'get',
    path: '/api/v2/reports',
    summary: 'List reports',
    description: "The tenant's reports, newest first.",
    tag: 'Reports',
    security: 'tenant',
    scope: 'reports:read',
    query: { limit: Limit(), cursor: Cursor },
    responses: { 200: ok('One page of reports.', Page(r.Report), ['ETag']) },
  },
  {
    id: 'getReport',
    method: 'get',
    path: '/api/v2/reports/:id',
    summary: 'Read a report',
    description: 'Where the report stands: status, progress (stage and percent), error, artifact and versions.',
    tag: 'Reports',
    security: 'tenant',
    scope: 'reports:read',
    params: reportParam,
    responses: {
      // From a read, the download: create → read (until ready) → download is the path every client takes.
      200: { ...ok('The report.', r.Report, ['ETag']), links: { DownloadReport: 'downloadReport' } },
      304: { description: 'Not modified (`If-None-Match`).' },
    },
    errors: REPORT_ERRORS,
  },
  {
    id: 'downloadReport',
    method: 'get',
    path: '/api/v2/reports/:id/download',
    summary: 'Download a report',
    description:
      'Redirects to a signed URL of the artifact, valid for minutes; `version` picks a version (the latest otherwise).',
    tag: 'Reports',
    security: 'tenant',
    scope: 'reports:read',
    params: reportParam,
    query: {
      version: {
        schema: Type.Integer({ minimum: 1, description: 'a version of this report; leave it out for the latest' }),
        description: 'The version to download, 1 to the latest.',
      },
    },
    responses: { 302: { description: 'Found: the signed URL is in `Location`.', headers: ['Location'] } },
    errors: [...REPORT_ERRORS, 'report_not_ready', 'report_expired'],
  },
  {
    id: 'regenerateReport',
    method: 'post',
    path: '/api/v2/reports/:id/regenerate',
    summary: 'Regenerate a report',
    description: 'A new report over the same request, linked to the one it replaces (the fix a `410` names).',
    tag: 'Reports',
    security: 'tenant',
    scope: 'reports:generate',
    params: reportParam,
    responses: { 202: { ...ok('Queued.', r.ReportQueued, ['Location', 'Idempotent-Replayed']), links: REPORT_LINKS } },
    errors: [...REPORT_ERRORS, 'report_not_retryable', 'quota_exceeded'],
  },
  {
    id: 'retryReport',
    method: 'post',
    path: '/api/v2/reports/:id/retry',
    summary: 'Retry a failed report',
    description: 'Another attempt at a failed report: the same id and request, attempt n+1.',
    tag: 'Reports',
    security: 'tenant',
    scope: 'reports:generate',
    params: reportParam,
    responses: { 202: ok('Queued again.', r.ReportQueued, ['Location']) },
    errors: [...REPORT_ERRORS, 'report_not_retryable', 'quota_exceeded'],
  },
  {
    id: 'approveReport',
    method: 'post',
    path: '/api/v2/reports/:id/approve',
    summary: 'Approve a report',
    description:
      "Signs a ready report off: the next version, with the approver's statement printed in it and signed again.",
    tag: 'Reports',
    security: 'tenant',
    scope: 'reports:approve',
    params: reportParam,
    body: { schema: r.ApprovalRequest },
    responses: { 202: ok('The approval is being made; the report as it stands.', r.Report, ['Location']) },
    errors: [...REPORT_ERRORS, 'report_not_ready', 'report_expired', 'approval_in_progress'],
  },
  {
    id: 'placeLegalHold',
    method: 'put',
    path: '/api/v2/reports/:id/legal-hold',
    summary: 'Place a legal hold',
    description: 'While a hold is in place, retention never purges the artifact.',
    tag: 'Reports',
    security: 'tenant',
    scope: 'reports:legal_hold',
    params: reportParam,
    body: { schema: r.LegalHoldRequest },
    responses: { 200: ok('The report with its hold.', r.Report) },
    errors: [...REPORT_ERRORS, 'report_not_ready', 'report_expired', 'report_purging'],
  },
  {
    id: 'releaseLegalHold',
    method: 'delete',
    path: '/api/v2/reports/:id/legal-hold',
    summary: 'Release a legal hold',
    tag: 'Reports',
    security: 'tenant',
    scope: 'reports:legal_hold',
    params: reportParam,
    responses: { 200: ok('The report without its hold.', r.Report) },
    errors: [...REPORT_ERRORS, 'report_not_ready', 'report_expired', 'report_purging'],
  },
  // Endpoints and findings
  {
    id: 'createEndpoint',
    method: 'post',
    path: '/api/v2/endpoints',
    summary: 'Register an endpoint',
    description: 'An endpoint under test (a model, an assistant). The same name again answers the endpoint stored.',
    tag: 'Findings',
    security: 'tenant',
    scope: 'findings:write',
    body: { schema: f.EndpointInput },
    responses: {
      201: { ...ok('Registered.', f.Endpoint, ['Location']), links: { GetEndpoint: 'getEndpoint' } },
      200: ok('Registered before under this name.', f.Endpoint, ['Location']),
    },
  },
  {
    id: 'listEndpoints',
    method: 'get',
    path: '/api/v2/endpoints',
    summary: 'List endpoints',
    tag: 'Findings',
    security: 'tenant',
    scope: 'findings:read',
    query: { limit: Limit(), cursor: Cursor },
    responses: { 200: ok('One page of endpoints.', Page(f.Endpoint)) },
  },
  {
    id: 'getEndpoint',
    method: 'get',
    path: '/api/v2/endpoints/:id',
    summary: 'Read an endpoint',
    tag: 'Findings',
    security: 'tenant',
    scope: 'findings:read',
    params: idParam('The endpoint id (`ep_…`).'),
    responses: { 200: ok('The endpoint.', f.Endpoint) },
  },
  {
    id: 'sendFindings',
    method: 'post',
    path: '/api/v2/findings',
    summary: 'Send findings',
    description:
      'Stores a batch of up to 1,000 findings, all or nothing. A finding sent again (by `external_id`, or else by its ' +
      'content) is a duplicate, not a second finding.',
    tag: 'Findings',
    security: 'tenant',
    scope: 'findings:write',
    body: { schema: f.FindingsBatch },
    itemsChecked: 'findings',
    responses: {
      201: ok('Stored; at least one was new.', f.FindingsStored),
      200: ok('Every finding was stored before.', f.FindingsStored),
    },
    errors: ['quota_exceeded'],
  },
  {
    id: 'listFindings',
    method: 'get',
    path: '/api/v2/findings',
    summary: 'List findings',
    description:
      'Newest first. Evidence is masked (personal data and secrets replaced, `redactions` saying what) unless the ' +
      'token has `evidence:read`.',
    tag: 'Findings',
    security: 'tenant',
    scope: 'findings:read',
    query: {
      endpoint_id: { schema: EndpointId, description: "An endpoint of the tenant's." },
      from: Bound('from'),
      to: Bound('to'),
      severity: {
        schema: Type.String({ description: 'a comma list of critical, high, medium, low, info' }),
        description: 'Severities, comma separated.',
      },
      ref: {
        schema: Type.String({ description: 'FRAMEWORK:control, such as "OWASP_LLM:LLM06"' }),
        description: 'Findings mapped to this control.',
      },
      limit: Limit(),
      cursor: Cursor,
    },
    responses: { 200: ok('One page of findings.', Page(f.Finding)) },
  },
  {
    id: 'importFindings',
    method: 'post',
    path: '/api/v2/findings/imports',
    summary: 'Import a scanner file',
    description:
      'Uploads a garak report or hitlog, or a promptfoo results file, as the raw body, and imports it as a job. ' +
      'With `wait`, holds the request until the job ends or the seconds pass. A job still going answers `202`; one ' +
      "that created findings `201`, else `200`; one that failed its error's status (`422 import_invalid` for a file " +
      'that cannot be read).',
    tag: 'Imports',
    security: 'tenant',
    scope: 'findings:write',
    query: {
      endpoint_id: { schema: EndpointId, required: true, description: "The endpoint the file's findings are of." },
      format: { schema: f.ScannerFormat, description: 'The file format; read from the file when left out.' },
      include_evals: {
        schema: Type.Boolean({ description: 'true or false' }),
        description: 'promptfoo: import eval-only results too.',
      },
      run_started_at: {
        schema: IsoTime(),
        description: 'The time a file that records none is dated with.',
      },
      wait: Wait,
    },
    body: { upload: true },
    responses: {
      202: {
        ...ok('Accepted: the job runs; follow `Location`.', f.ImportJob, ['Location']),
        links: { GetImport: 'getImport' },
      },
      201: ok('Imported, with new findings.', f.ImportJob, ['Location']),
      200: ok('Imported; nothing was new.', f.ImportJob, ['Location']),
    },
    errors: ['import_invalid', 'quota_exceeded'],
    errorAlternative: f.ImportJob,
  },
  {
    id: 'getImport',
    method: 'get',
    path: '/api/v2/findings/imports/:id',
    summary: 'Read an import',
    tag: 'Imports',
    security: 'tenant',
    scope: 'findings:read',
    params: idParam('The import id (`imp_…`).'),
    query: { wait: Wait },
    responses: { 200: ok('The import job.', f.ImportJob, ['Location']) },
  },
  // Runs
  {
    id: 'createRun',
    method: 'post',
    path: '/api/v2/runs',
    summary: 'Record a test run',
    description:
      'A run with its results per probe, so a report says what was tested and how often it held, not only what failed.',
    tag: 'Runs',
    security: 'tenant',
    scope: 'findings:write',
    body: { schema: f.RunInput },
    responses: {
      201: { ...ok('Recorded.', f.Run, ['Location']), links: { GetRun: 'getRun' } },
      200: ok('Recorded before (or replaced by this one).', f.Run, ['Location']),
    },
    errors: ['framework_unknown'],
  },
  {
    id: 'listRuns',
    method: 'get',
    path: '/api/v2/runs',
    summary: 'List test runs',
    description: 'Runs of one endpoint started in a period of at most 366 days (`from` ≤ `to`), newest first.',
    tag: 'Runs',
    security: 'tenant',
    scope: 'findings:read',
    query: {
      endpoint_id: { schema: EndpointId, required: true, description: "An endpoint of the tenant's." },
      from: { schema: Day('a calendar day (YYYY-MM-DD)'), required: true, description: 'First day.' },
      to: { schema: Day('a calendar day (YYYY-MM-DD)'), required: true, description: 'Last day, included.' },
      limit: Limit(),
      cursor: Cursor,
    },
    responses: { 200: ok('One page of runs, with totals instead of results.', Page(f.Run)) },
  },
  {
    id: 'getRun',
    method: 'get',
    path: '/api/v2/runs/:id',
    summary: 'Read a test run',
    tag: 'Runs',
    security: 'tenant',
    scope: 'findings:read',
    params: idParam('The run id (`run_…`).'),
    responses: { 200: ok('The run with its results.', f.Run) },
  },
  // Weaknesses
  {
    id: 'listWeaknesses',
    method: 'get',
    path: '/api/v2/weaknesses',
    summary: 'List weaknesses',
    description: 'One weakness per report row (endpoint, category, fingerprint), with its treatment.',
    tag: 'Weaknesses',
    security: 'tenant',
    scope: 'findings:read',
    query: {
      endpoint_id: { schema: EndpointId, description: "An endpoint of the tenant's." },
      state: {
        schema: Type.String({ description: `a comma list of ${TREATMENT_STATES.join(', ')}` }),
        description: 'States, comma separated; `open` takes in `regressed`.',
      },
      limit: Limit(),
      cursor: Cursor,
    },
    responses: { 200: ok('One page of weaknesses.', Page(t.Weakness)) },
  },
  {
    id: 'getWeakness',
    method: 'get',
    path: '/api/v2/weaknesses/:key',
    summary: 'Read a weakness',
    tag: 'Weaknesses',
    security: 'tenant',
    scope: 'findings:read',
    params: { key: { schema: Type.String(), description: 'The weakness key (`wk_…`).' } },
    responses: { 200: ok('The weakness.', t.Weakness) },
  },
  {
    id: 'treatWeakness',
    method: 'patch',
    path: '/api/v2/weaknesses/:key',
    summary: 'Change the treatment of a weakness',
    tag: 'Weaknesses',
    security: 'tenant',
    scope: 'findings:triage',
    params: { key: { schema: Type.String(), description: 'The weakness key (`wk_…`).' } },
    body: { schema: t.TreatmentChange },
    responses: { 200: ok('The weakness as changed.', t.Weakness) },
    errors: ['transition_refused'],
  },
  {
    id: 'getWeaknessHistory',
    method: 'get',
    path: '/api/v2/weaknesses/:key/history',
    summary: "Read a weakness's history",
    tag: 'Weaknesses',
    security: 'tenant',
    scope: 'findings:read',
    params: { key: { schema: Type.String(), description: 'The weakness key (`wk_…`).' } },
    responses: { 200: ok('Every change, oldest first.', t.WeaknessHistory) },
  },
  // Tenant
  {
    id: 'getTenantSettings',
    method: 'get',
    path: '/api/v2/tenant/settings',
    summary: 'Read tenant settings',
    tag: 'Tenant',
    security: 'tenant',
    scope: 'tenant:settings',
    responses: { 200: ok('The settings.', t.TenantSettings) },
  },
  {
    id: 'changeTenantSettings',
    method: 'patch',
    path: '/api/v2/tenant/settings',
    summary: 'Change tenant settings',
    description: 'Changing the retention moves the purge deadline of every ready report of the tenant.',
    tag: 'Tenant',
    security: 'tenant',
    scope: 'tenant:settings',
    body: { schema: t.TenantSettingsChange },
    responses: { 200: ok('The settings as changed.', t.TenantSettings) },
  },
  {
    id: 'getApplicability',
    method: 'get',
    path: '/api/v2/tenant/applicability',
    summary: 'Read the applicability profile',
    tag: 'Tenant',
    security: 'tenant',
    scope: 'tenant:settings',
    responses: { 200: ok('The profile, or `{profile: null}` with what that means.', t.Applicability) },
  },
  {
    id: 'setApplicability',
    method: 'put',
    path: '/api/v2/tenant/applicability',
    summary: 'State the applicability profile',
    tag: 'Tenant',
    security: 'tenant',
    scope: 'tenant:settings',
    body: { schema: t.ApplicabilityProfileInput },
    responses: { 200: ok('The profile as stated.', t.Applicability) },
  },
  {
    id: 'getRatingMethod',
    method: 'get',
    path: '/api/v2/tenant/rating-method',
    summary: 'Read the rating method',
    tag: 'Tenant',
    security: 'tenant',
    scope: 'tenant:settings',
    responses: { 200: ok('The method in use.', t.RatingInUse) },
  },
  {
    id: 'setRatingMethod',
    method: 'put',
    path: '/api/v2/tenant/rating-method',
    summary: 'Set the rating method',
    tag: 'Tenant',
    security: 'tenant',
    scope: 'tenant:settings',
    body: { schema: t.RatingChange },
    responses: { 200: ok('The method in use.', t.RatingInUse) },
  },
  {
    id: 'getBranding',
    method: 'get',
    path: '/api/v2/tenant/branding',
    summary: 'Read the branding',
    tag: 'Tenant',
    security: 'tenant',
    scope: 'tenant:settings',
    responses: { 200: ok('The branding, or `{branding: null}`.', t.Branding) },
  },
  {
    id: 'setBranding',
    method: 'put',
    path: '/api/v2/tenant/branding',
    summary: 'Set the branding',
    tag: 'Tenant',
    security: 'tenant',
    scope: 'tenant:settings',
    body: { schema: t.BrandingInput },
    responses: { 200: ok('The branding as set.', t.Branding) },
  },
  {
    id: 'clearBranding',
    method: 'delete',
    path: '/api/v2/tenant/branding',
    summary: 'Go back to the default branding',
    tag: 'Tenant',
    security: 'tenant',
    scope: 'tenant:settings',
    responses: { 200: ok('`{branding: null}`.', t.Branding) },
  },
  // Tokens and audit
  {
    id: 'mintToken',
    method: 'post',
    path: '/api/v2/tokens',
    summary: 'Mint a token',
    tag: 'Tokens',
    security: 'tenant',
    scope: 'tokens:manage',
    body: { schema: t.TokenMint },
    responses: {
      201: { ...ok('Minted: the secret appears this once.', t.MintedToken), links: { RevokeToken: 'revokeToken' } },
    },
    errors: ['tenant_offboarded'],
  },
  {
    id: 'listTokens',
    method: 'get',
    path: '/api/v2/tokens',
    summary: "List the tenant's tokens",
    tag: 'Tokens',
    security: 'tenant',
    scope: 'tokens:manage',
    query: { limit: Limit(), cursor: Cursor },
    responses: { 200: ok('One page of tokens, without secrets.', Page(t.Token)) },
  },
  {
    id: 'revokeToken',
    method: 'delete',
    path: '/api/v2/tokens/:id',
    summary: 'Revoke a token',
    tag: 'Tokens',
    security: 'tenant',
    scope: 'tokens:manage',
    params: idParam('The token id (`tok_…`).'),
    responses: { 204: { description: 'Revoked.' } },
  },
  {
    id: 'listAuditEvents',
    method: 'get',
    path: '/api/v2/audit-events',
    summary: 'Read the audit log',
    description:
      'Newest first, in a window of at most 366 days: `from` (inclusive) to `to` (exclusive), `from` before `to`; ' +
      'without `from`, the 366 days before `to` (or now). Unknown parameters are refused.',
    tag: 'Audit',
    security: 'tenant',
    scope: 'audit:read',
    query: {
      report_id: { schema: ReportId, description: 'Events of one report.' },
      action: {
        // Which of the list's actions is unknown is the domain code's to say: a pattern could refuse the list only
        // as a whole, without naming the action or the ones allowed.
        schema: Type.String({ description: `a comma list of ${AUDIT_ACTIONS.join(', ')}` }),
        description: 'Actions, comma separated.',
      },
      from: Bound('from'),
      to: Bound('to'),
      limit: Limit(200),
      cursor: Cursor,
    },
    closedQuery: true,
    responses: { 200: ok('One page of events.', Page(t.AuditEvent)) },
  },
  // Operator
  {
    id: 'createTenant',
    method: 'post',
    path: '/api/v2/admin/tenants',
    summary: 'Create a tenant',
    tag: 'Operator',
    security: 'operator',
    body: { schema: t.TenantCreate },
    responses: {
      201: {
        ...ok('Created.', t.Tenant),
        links: { GetTenant: 'getTenant', MintTenantToken: 'mintTenantToken', ListTenantTokens: 'listTenantTokens' },
      },
    },
  },
  {
    id: 'listTenants',
    method: 'get',
    path: '/api/v2/admin/tenants',
    summary: 'List tenants',
    tag: 'Operator',
    security: 'operator',
    query: { limit: Limit(), cursor: Cursor },
    responses: { 200: ok('One page of tenants.', Page(t.Tenant)) },
  },
  {
    id: 'getTenant',
    method: 'get',
    path: '/api/v2/admin/tenants/:id',
    summary: 'Read a tenant',
    tag: 'Operator',
    security: 'operator',
    params: idParam('The tenant id (`tnt_…`).'),
    responses: { 200: ok('The tenant.', t.Tenant) },
  },
  {
    id: 'offboardTenant',
    method: 'delete',
    path: '/api/v2/admin/tenants/:id',
    summary: 'Offboard a tenant',
    description:
      'Starts the offboarding: after a grace period everything of the tenant is purged, unless on legal hold.',
    tag: 'Operator',
    security: 'operator',
    params: idParam('The tenant id (`tnt_…`).'),
    responses: {
      202: ok('Accepted: the offboarding waits or purges.', t.Offboarding),
      200: ok('Offboarded.', t.Offboarding),
    },
    errors: ['legal_hold_active', 'tenant_offboarded'],
  },
  {
    id: 'suspendTenant',
    method: 'post',
    path: '/api/v2/admin/tenants/:id/suspend',
    summary: 'Suspend a tenant',
    tag: 'Operator',
    security: 'operator',
    params: idParam('The tenant id (`tnt_…`).'),
    responses: { 200: ok('The tenant, suspended.', t.Tenant) },
    errors: ['tenant_offboarded'],
  },
  {
    id: 'resumeTenant',
    method: 'post',
    path: '/api/v2/admin/tenants/:id/resume',
    summary: 'Resume a tenant',
    tag: 'Operator',
    security: 'operator',
    params: idParam('The tenant id (`tnt_…`).'),
    responses: { 200: ok('The tenant, active.', t.Tenant) },
    errors: ['tenant_offboarded'],
  },
  {
    id: 'mintTenantToken',
    method: 'post',
    path: '/api/v2/admin/tenants/:id/tokens',
    summary: "Mint a tenant's token",
    tag: 'Operator',
    security: 'operator',
    params: idParam('The tenant id (`tnt_…`).'),
    body: { schema: t.TokenMint },
    responses: { 201: ok('Minted: the secret appears this once.', t.MintedToken) },
    errors: ['tenant_offboarded'],
  },
  {
    id: 'listTenantTokens',
    method: 'get',
    path: '/api/v2/admin/tenants/:id/tokens',
    summary: "List a tenant's tokens",
    tag: 'Operator',
    security: 'operator',
    params: idParam('The tenant id (`tnt_…`).'),
    query: { limit: Limit(), cursor: Cursor },
    responses: { 200: ok('One page of tokens.', Page(t.Token)) },
  },
  {
    id: 'getDeletionReceipt',
    method: 'get',
    path: '/api/v2/admin/tenants/:id/deletion-receipt',
    summary: "Read a tenant's deletion receipt",
    description: 'The signed receipt of an offboarded tenant; `Accept: application/jose` gives the compact JWS alone.',
    tag: 'Operator',
    security: 'operator',
    params: idParam('The tenant id (`tnt_…`).'),
    responses: {
      200: {
        description: 'The receipt.',
        content: { 'application/json': t.DeletionReceipt, 'application/jose': Type.String() },
      },
    },
    errors: ['receipt_not_found'],
  },
  {
    id: 'listTenantEvents',
    method: 'get',
    path: '/api/v2/admin/tenants/:id/events',
    summary: "Read the operator's log of a tenant",
    tag: 'Operator',
    security: 'operator',
    params: idParam('The tenant id (`tnt_…`).'),
    responses: { 200: ok('The events.', t.OperatorEvents) },
  },
  {
    id: 'listOperatorTokens',
    method: 'get',
    path: '/api/v2/admin/operator-tokens',
    summary: 'List operator tokens',
    tag: 'Operator',
    security: 'operator',
    query: { limit: Limit(), cursor: Cursor },
    responses: { 200: ok('One page of tokens.', Page(t.Token)) },
  },
  {
    id: 'revokeAnyToken',
    method: 'delete',
    path: '/api/v2/admin/tokens/:id',
    summary: 'Revoke any token',
    tag: 'Operator',
    security: 'operator',
    params: idParam('The token id (`tok_…`).'),
    responses: { 204: { description: 'Revoked.' } },
  },
  // Public documents
  {
    id: 'getArtifact',
    method: 'get',
    path: '/api/v2/artifacts/:reportId/:fileName',
    summary: 'Fetch an artifact by its signed URL',
    description:
      'The URL a download redirects to, valid for minutes and for one artifact; no bearer token. A JSON artifact ' +
      'carries its detached JWS in `X-Artifact-Signature`. With presigned downloads, redirects to the store.',
    tag: 'Artifacts',
    security: 'signedUrl',
    params: {
      reportId: { schema: Type.String(), description: 'The report id.' },
      fileName: { schema: Type.String(), description: '`<id>.pdf`, `<id>.json`, or `<id>-v<n>.<ext>` for version n.' },
    },
    query: {
      tenant: { schema: Type.String(), required: true, description: 'Part of the signed URL.' },
      expires: { schema: Type.String(), required: true, description: 'Part of the signed URL.' },
      signature: { schema: Type.String(), required: true, description: 'Part of the signed URL.' },
    },
    responses: {
      200: {
        description: 'The artifact.',
        content: {
          'application/pdf': Type.String({ contentMediaType: 'application/pdf' }),
          'application/json': OpenObject('the JSON export, valid against its published schema'),
        },
        headers: ['ETag', 'Content-Disposition', 'Repr-Digest', 'X-Artifact-Signature', 'X-Artifact-Signature-Key-Id'],
      },
      302: { description: 'Found: a presigned URL of the store in `Location`.', headers: ['Location', 'ETag'] },
    },
    errors: ['download_link_invalid', 'download_link_expired', 'report_expired'],
  },
  {
    id: 'getJwks',
    method: 'get',
    path: '/.well-known/jwks.json',
    summary: 'The public signing keys',
    description: 'Every key still in use for verification, as a JWK set.',
    tag: 'Public',
    security: 'none',
    responses: {
      200: ok(
        'The key set.',
        Type.Object({ keys: Type.Array(OpenObject('a public JWK')) }, { additionalProperties: false }),
      ),
    },
  },
  {
    id: 'getPublishedSchema',
    method: 'get',
    path: '/api/v2/schemas/:name/:version',
    summary: 'A published JSON Schema',
    description: 'The JSON Schemas of the JSON export, e.g. `report/1.6.0`.',
    tag: 'Public',
    security: 'none',
    params: {
      name: { schema: Type.String({ examples: ['report'] }), description: 'The schema name, e.g. `report`.' },
      version: {
        schema: Type.String({ examples: [REPORT_SCHEMA_VERSION] }),
        description: `The version, e.g. \`${REPORT_SCHEMA_VERSION}\`.`,
      },
    },
    responses: {
      200: { description: 'The schema.', content: { 'application/schema+json': OpenObject('a JSON Schema') } },
    },
  },
  {
    id: 'getOpenApi',
    method: 'get',
    path: '/api/v2/openapi.json',
    summary: 'This document',
    tag: 'Public',
    security: 'none',
    responses: { 200: ok('The OpenAPI document.', OpenObject('an OpenAPI 3.1 document')) },
  },
  {
    id: 'getDocs',
    method: 'get',
    path: '/api/v2/docs',
    summary: 'This document, rendered',
    tag: 'Public',
    security: 'none',
    responses: { 200: { description: 'An HTML page.', content: { 'text/html': Type.String() } } },
  },
];

/** The operation of an id; throws for an unknown one, so a router naming a missing operation fails at start. */
export function operation(id: string): Operation {
  const found = OPERATIONS.find((o) => o.id === id);
  if (!found) throw new Error(`no operation ${id} in the contract`);
  return found;
}
