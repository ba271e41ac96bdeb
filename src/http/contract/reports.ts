import { Type } from '@sinclair/typebox';
import { FRAMEWORK_SLUGS } from '../../domain/frameworks';
import { REPORT_FORMATS, REPORT_STATUSES } from '../../domain/report';
import { SEVERITIES } from '../../domain/severity';
import { MAX_APPROVER, MAX_STATEMENT } from '../../domain/approval';
import { Day, EndpointId, Enum, Instant, Nullable, ReportId, PlainText, Sha256, Text } from './types';

export const Framework = Enum(FRAMEWORK_SLUGS, { description: `any of ${FRAMEWORK_SLUGS.join(', ')}` });
export const Severity = Enum(SEVERITIES, { title: 'severity', description: `one of ${SEVERITIES.join(', ')}` });
export const ReportFormat = Enum(REPORT_FORMATS, {
  title: 'format',
  description: `one of ${REPORT_FORMATS.join(', ')}`,
});
const ReportStatus = Enum(REPORT_STATUSES);
const STAGES = ['queued', 'collecting', 'modelling', 'rendering', 'signing', 'storing', 'done', 'failed'] as const;

/** The body of `POST /reports`. */
export const ReportRequest = Type.Object(
  {
    title: PlainText(200),
    frameworks: Type.Array(Framework, {
      minItems: 1,
      description: `a non-empty array of framework slugs: ${FRAMEWORK_SLUGS.join(', ')}`,
    }),
    scope: Type.Object(
      {
        endpoint_ids: Type.Array(EndpointId, {
          minItems: 1,
          maxItems: 100,
          description: 'a non-empty array of at most 100 endpoint ids',
        }),
        from: Day(),
        to: Day('a calendar date written YYYY-MM-DD, not before from'),
        include_severities: Type.Optional(
          Type.Array(Severity, {
            minItems: 1,
            description: `a non-empty array of ${SEVERITIES.join(', ')}; all of them when left out`,
          }),
        ),
      },
      { additionalProperties: false, description: 'an object {endpoint_ids, from, to, include_severities?}' },
    ),
    format: Type.Optional(ReportFormat),
  },
  {
    additionalProperties: false,
    description:
      'What a report covers. `scope.from` must not be after `scope.to`; both ends are included. Repeated slugs and ' +
      'endpoints count once; severities are put in canonical order.',
    examples: [
      {
        title: 'Q2 2026 AI security evidence pack',
        frameworks: ['OWASP_LLM', 'NIST_AI_600_1', 'EU_AI_ACT', 'ISO_42001'],
        scope: {
          endpoint_ids: ['ep_2026_abc123'],
          from: '2026-04-01',
          to: '2026-06-30',
          include_severities: ['critical', 'high', 'medium'],
        },
        format: 'pdf',
      },
    ],
  },
);

/** The answer to a create, regenerate or retry: where the report stands, to be polled at `Location`. */
export const ReportQueued = Type.Object(
  {
    id: ReportId,
    status: ReportStatus,
    format: ReportFormat,
    queued_at: Type.Optional(Instant),
    regenerated_from: Type.Optional(ReportId),
    attempt: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);

const Signature = Type.Object(
  {
    type: Enum(['pdf-cms', 'jws-detached'] as const),
    key_id: Type.String(),
    jws: Nullable(Type.String()),
    timestamp: Nullable(
      Type.String({
        description:
          "An RFC 3161 time-stamp token (base64 of its DER) over the JWS signature's bytes, from the service's " +
          'time-stamping authority; null for a PDF, whose token is inside its signature, and when no authority is set.',
      }),
    ),
  },
  { additionalProperties: false },
);

const Artifact = Type.Object(
  {
    file_name: Type.String(),
    content_type: Type.String(),
    size: Type.Integer({ minimum: 0 }),
    sha256: Sha256,
    signature: Nullable(Signature),
  },
  { additionalProperties: false },
);

const ApprovalStatement = Type.Object(
  {
    approver_name: Type.String(),
    approver_role: Type.String(),
    assertion: Type.String(),
    limitations: Type.String(),
    approved_at: Instant,
    approved_by: Type.String(),
  },
  { additionalProperties: false },
);

const ErrorSummary = Type.Object({ code: Type.String(), message: Type.String() }, { additionalProperties: false });

/** A report as `GET /reports/:id` and the list answer it: every key always present, null when it does not apply. */
export const Report = Type.Object(
  {
    id: ReportId,
    status: ReportStatus,
    format: ReportFormat,
    title: Type.String(),
    frameworks: Type.Array(Framework),
    scope: Type.Object(
      {
        endpoint_ids: Type.Array(Type.String()),
        from: Type.String({ format: 'date' }),
        to: Type.String({ format: 'date' }),
        include_severities: Type.Array(Severity),
      },
      { additionalProperties: false },
    ),
    progress: Type.Object(
      { stage: Enum(STAGES), percent: Type.Number({ minimum: 0, maximum: 100 }) },
      { additionalProperties: false },
    ),
    attempts: Type.Integer({ minimum: 0 }),
    queued_at: Instant,
    started_at: Nullable(Instant),
    completed_at: Nullable(Instant),
    failed_at: Nullable(Instant),
    expires_at: Nullable(Instant),
    purged_at: Nullable(Instant),
    legal_hold: Nullable(
      Type.Object(
        { reason: Type.String(), placed_at: Instant, placed_by: Type.String() },
        { additionalProperties: false },
      ),
    ),
    regenerated_from: Nullable(ReportId),
    error: Nullable(ErrorSummary),
    counts: Nullable(
      Type.Object(
        { rows: Type.Integer({ minimum: 0 }), findings: Type.Integer({ minimum: 0 }) },
        { additionalProperties: false },
      ),
    ),
    artifact: Nullable(Artifact),
    version: Nullable(Type.Integer({ minimum: 1 })),
    approval: Nullable(
      Type.Object(
        {
          status: Enum(['draft', 'approving', 'approved', 'failed'] as const),
          version: Type.Integer({ minimum: 1 }),
          requested_at: Nullable(Instant),
          requested_by: Nullable(Type.String()),
          error: Nullable(ErrorSummary),
        },
        { additionalProperties: false },
      ),
    ),
    versions: Type.Array(
      Type.Object(
        {
          version: Type.Integer({ minimum: 1 }),
          status: Enum(['draft', 'approved'] as const),
          created_at: Instant,
          status_as_of: Instant,
          approval: Nullable(ApprovalStatement),
          regenerated: Nullable(
            Type.Object({ changed_weaknesses: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }),
          ),
          artifact: Artifact,
          download: Nullable(Type.String()),
        },
        { additionalProperties: false },
      ),
    ),
    links: Type.Object(
      {
        self: Type.String(),
        download: Nullable(Type.String()),
        regenerate: Nullable(Type.String()),
        retry: Nullable(Type.String()),
        approve: Nullable(Type.String()),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

/** The body of `POST /reports/:id/approve`: every field required, none blank. */
export const ApprovalRequest = Type.Object(
  {
    approver_name: PlainText(MAX_APPROVER),
    approver_role: PlainText(MAX_APPROVER),
    assertion: Text(MAX_STATEMENT),
    limitations: Text(MAX_STATEMENT, `a text of 1 to ${MAX_STATEMENT} characters ("None identified." is one)`),
  },
  { additionalProperties: false },
);

/** The body of `PUT /reports/:id/legal-hold`. */
export const LegalHoldRequest = Type.Object(
  {
    reason: PlainText(
      500,
      'a text of 1 to 500 characters naming the matter the hold is for, with no control or bidirectional formatting characters',
    ),
  },
  { additionalProperties: false, examples: [{ reason: 'matter 2026-114' }] },
);
