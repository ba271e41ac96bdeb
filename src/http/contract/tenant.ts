import { Type } from '@sinclair/typebox';
import { AUDIT_ACTIONS } from '../../domain/audit';
import { EU_PROFILE_ROLES, EU_RISK_CLASSES } from '../../domain/eu-ai-act';
import {
  BASE64,
  MAX_CONFIDENTIALITY,
  MAX_COVER_TEXT,
  MAX_LOGO_BASE64,
  MAX_LOGO_BYTES,
  MAX_ORGANISATION_NAME,
} from '../../domain/branding';
import { MAX_SCALE, METHOD_ID } from '../../domain/evidence/rating';
import { LOGO_CONTENT_TYPES } from '../../domain/image-header';
import { MAX_RETENTION_DAYS, MIN_RETENTION_DAYS } from '../../domain/retention';
import { MAX_NAME as MAX_TOKEN_NAME, MAX_TOKEN_DAYS, SCOPES } from '../../domain/tokens';
import { MAX_NAME, MAX_TEXT, SETTABLE_STATES, TREATMENT_STATES } from '../../domain/treatment';
import { Framework, Severity } from './reports';
import { Day, EndpointId, Enum, Instant, Nullable, OpenObject, PLAIN_TEXT_PATTERN, Text } from './types';

const RetentionDays = Type.Integer({
  minimum: MIN_RETENTION_DAYS,
  maximum: MAX_RETENTION_DAYS,
  description: `a whole number of days from ${MIN_RETENTION_DAYS} to ${MAX_RETENTION_DAYS}`,
});

export const TenantSettings = Type.Object(
  {
    tenant_id: Type.String(),
    name: Type.String(),
    audit_retention_days: Type.Number(),
    updated_at: Nullable(Instant),
    retention_update: Type.Optional(Type.Object({ workflow_id: Type.String() }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

export const TenantSettingsChange = Type.Object(
  { audit_retention_days: RetentionDays },
  { additionalProperties: false, examples: [{ audit_retention_days: 365 }] },
);

const EuRiskClass = Enum(EU_RISK_CLASSES, { title: 'risk class' });
const ApplicabilityBody = {
  eu_ai_act: Type.Optional(
    Type.Object(
      {
        role: Enum(EU_PROFILE_ROLES as readonly string[], { title: 'role' }),
        systems: Type.Optional(
          Type.Array(
            Type.Object({ endpoint_id: EndpointId, risk_class: EuRiskClass }, { additionalProperties: false }),
            { maxItems: 1000, description: 'an array of at most 1000 {endpoint_id, risk_class}' },
          ),
        ),
        default_risk_class: Type.Optional(EuRiskClass),
      },
      { additionalProperties: false },
    ),
  ),
  iso_42001: Type.Optional(
    Type.Object(
      {
        statement_of_applicability: Type.Array(
          Type.Object(
            {
              control: Type.String({ description: 'an ISO/IEC 42001 Annex A control, such as "A.6.2.4"' }),
              applicable: Type.Boolean(),
              justification: Type.Optional(Type.String({ maxLength: 2000 })),
            },
            { additionalProperties: false },
          ),
          { minItems: 1, description: 'a non-empty array of {control, applicable, justification}' },
        ),
      },
      { additionalProperties: false },
    ),
  ),
  editions: Type.Optional(
    Type.Record(Type.String(), Type.String(), {
      description: 'a framework slug\'s catalogue edition, e.g. {"OWASP_LLM": "2025"}',
    }),
  ),
};

/** The body of `PUT /tenant/applicability`. */
export const ApplicabilityProfileInput = Type.Object(ApplicabilityBody, {
  additionalProperties: false,
  description:
    'Every `eu_ai_act.systems[].endpoint_id` must be an endpoint of the tenant; each system and each control is ' +
    'listed once; an Annex A control not applicable needs a justification; editions must be ones the catalogue holds.',
});

export const Applicability = Type.Object(
  {
    profile: Nullable(
      Type.Object(
        { ...ApplicabilityBody, updated_at: Type.Optional(Type.String()), updated_by: Type.Optional(Type.String()) },
        { additionalProperties: false },
      ),
    ),
    effect: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

/** A text of the rating method: not blank, at most `max` characters (counted untrimmed, as the method stores it). */
const MethodText = (max: number) => Text(max, `a string of 1 to ${max} characters`);

const ScaleLevel = Type.Object(
  { value: Type.Integer(), label: MethodText(40), meaning: MethodText(1000) },
  { additionalProperties: false },
);
const Scale = Type.Array(ScaleLevel, {
  minItems: 2,
  maxItems: MAX_SCALE,
  description: `an array of 2 to ${MAX_SCALE} levels {value, label, meaning}, numbered from 1, lowest first`,
});
const RatingMethod = Type.Object(
  {
    id: Type.String({
      minLength: 1,
      maxLength: 64,
      pattern: METHOD_ID.source,
      description: 'lowercase letters, digits, ".", "_" or "-", starting with a letter or digit, at most 64',
    }),
    version: MethodText(32),
    description: MethodText(4000),
    levels: Type.Array(
      Type.Object({ severity: Severity, meaning: MethodText(1000) }, { additionalProperties: false }),
      {
        description: 'an array of {severity, meaning}, one for every severity',
      },
    ),
    likelihood: Scale,
    impact: Scale,
    matrix: Type.Array(Type.Array(Severity), {
      description: 'the severity of each likelihood (row) and impact (column)',
    }),
  },
  { additionalProperties: false },
);

/** The body of `PUT /tenant/rating-method`. */
export const RatingChange = Type.Object(
  { rating_method: Nullable(RatingMethod), reason: MethodText(2000) },
  {
    additionalProperties: false,
    description:
      "A method (null: back to the service's default) and why. Levels name each severity once; the matrix has one " +
      'row per likelihood and one column per impact.',
  },
);

export const RatingInUse = Type.Object(
  {
    source: Enum(['default', 'tenant'] as const),
    rating_method: RatingMethod,
    override: Nullable(
      Type.Object(
        { reason: Type.String(), updated_by: Type.String(), updated_at: Type.String() },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/** A text of the branding: not blank; the domain code trims it, refuses control characters and counts its
 * characters once trimmed, so the limit here is on what is sent. */
const BrandingText = (max: number) =>
  Type.String({
    minLength: 1,
    maxLength: max,
    pattern: '\\S',
    description: `a printable text, not blank, of at most ${max} characters; leave the field out to use the default`,
  });

/** The body of `PUT /tenant/branding`. */
export const BrandingInput = Type.Object(
  {
    organisation_name: Type.Optional(BrandingText(MAX_ORGANISATION_NAME)),
    accent_colour: Type.Optional(
      Type.String({ pattern: '^#[0-9a-fA-F]{6}$', description: 'a colour: use #RRGGBB, such as "#1f3a5f"' }),
    ),
    confidentiality: Type.Optional(BrandingText(MAX_CONFIDENTIALITY)),
    cover_text: Type.Optional(BrandingText(MAX_COVER_TEXT)),
    logo: Type.Optional(
      Type.Object(
        {
          content_type: Enum(LOGO_CONTENT_TYPES as readonly string[], {
            description: `one of ${LOGO_CONTENT_TYPES.join(', ')} (SVG and other formats are refused)`,
          }),
          data_base64: Type.String({
            contentEncoding: 'base64',
            minLength: 1,
            maxLength: MAX_LOGO_BASE64,
            pattern: BASE64.source,
            description: `a PNG or JPEG that decodes to at most ${MAX_LOGO_BYTES} bytes (256 KiB), as base64`,
          }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  {
    additionalProperties: false,
    description:
      'Texts are trimmed and printable; the logo must read as an image of its declared type, at most 2000 pixels a side.',
  },
);

export const Branding = Type.Object(
  {
    branding: Nullable(
      Type.Object(
        {
          organisation_name: Type.Optional(Type.String()),
          accent_colour: Type.Optional(Type.String()),
          confidentiality: Type.Optional(Type.String()),
          cover_text: Type.Optional(Type.String()),
          logo: Nullable(
            Type.Object(
              {
                content_type: Type.String(),
                width: Type.Integer(),
                height: Type.Integer(),
                bytes: Type.Integer(),
                sha256: Type.String(),
              },
              { additionalProperties: false },
            ),
          ),
          updated_at: Type.Optional(Type.String()),
          updated_by: Type.Optional(Type.String()),
        },
        { additionalProperties: false },
      ),
    ),
    effect: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const Weakness = Type.Object(
  {
    key: Type.String(),
    endpoint_id: Type.String(),
    category: Type.String(),
    fingerprint: Type.String(),
    title: Type.String(),
    severity: Severity,
    state: Enum(TREATMENT_STATES),
    owner: Nullable(Type.String()),
    due_date: Nullable(Type.String()),
    management_response: Nullable(Type.String()),
    mitigation: Nullable(
      Type.Object(
        { evidence: Type.String(), evidence_is_link: Type.Boolean(), mitigated_on: Type.String() },
        { additionalProperties: false },
      ),
    ),
    acceptance: Nullable(
      Type.Object(
        {
          approver: Type.String(),
          approver_role: Type.String(),
          justification: Type.String(),
          expires_on: Type.String(),
        },
        { additionalProperties: false },
      ),
    ),
    false_positive: Nullable(
      Type.Object({ reason: Type.String(), reviewer: Type.String() }, { additionalProperties: false }),
    ),
    regression: Nullable(
      Type.Object({ finding_id: Type.String(), detected_at: Type.String() }, { additionalProperties: false }),
    ),
    findings: Type.Integer({ minimum: 0 }),
    first_seen: Type.String(),
    last_seen: Type.String(),
    changed_at: Nullable(Type.String()),
    links: Type.Object({ history: Type.String() }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);

export const WeaknessHistory = Type.Object(
  {
    key: Type.String(),
    data: Type.Array(
      Type.Object(
        {
          position: Type.Integer(),
          at: Type.String(),
          actor: Type.String(),
          from: Enum(TREATMENT_STATES),
          to: Enum(TREATMENT_STATES),
          cause: Enum(['triage', 'redetected', 'acceptance_expired'] as const),
          fields: Type.Record(Type.String(), Nullable(Type.String())),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const TreatmentDay = Day('a calendar day written YYYY-MM-DD');

/** The body of `PATCH /weaknesses/:key`. */
export const TreatmentChange = Type.Object(
  {
    state: Type.Optional(
      Enum(SETTABLE_STATES, {
        title: 'state a change may ask for',
        description: `one of ${SETTABLE_STATES.join(', ')} (regressed is set by the service when a mitigated weakness is detected again)`,
      }),
    ),
    evidence: Type.Optional(Text(MAX_TEXT, `a text, or an https link, of 1 to ${MAX_TEXT} characters`)),
    mitigated_on: Type.Optional(TreatmentDay),
    approver: Type.Optional(Text(MAX_NAME)),
    approver_role: Type.Optional(Text(MAX_NAME)),
    justification: Type.Optional(Text(MAX_TEXT)),
    expires_on: Type.Optional(TreatmentDay),
    reason: Type.Optional(Text(MAX_TEXT)),
    reviewer: Type.Optional(Text(MAX_NAME)),
    owner: Type.Optional(Nullable(Text(MAX_NAME))),
    due_date: Type.Optional(Nullable(TreatmentDay)),
    management_response: Type.Optional(Nullable(Text(MAX_TEXT))),
  },
  {
    additionalProperties: false,
    description:
      'A state and what it requires: `mitigated` evidence and mitigated_on (not in the future); `risk_accepted` ' +
      'approver, approver_role, justification and expires_on (after today, at most 365 days ahead); `false_positive` ' +
      'reason and reviewer; `open` nothing. A field the state does not take is refused. Without a state, any of ' +
      'owner, due_date and management_response (null clears one). Whether the weakness may take the state from ' +
      'where it stands is answered with `409 transition_refused`.',
    examples: [
      { state: 'false_positive', reason: 'The response quotes public documentation.', reviewer: 'A. Auditor' },
    ],
  },
);

export const AuditEvent = Type.Object(
  {
    id: Type.String(),
    action: Enum(AUDIT_ACTIONS),
    at: Instant,
    actor: Type.String(),
    report_id: Type.Optional(Nullable(Type.String())),
    details: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()])),
  },
  { additionalProperties: false },
);

const Scope = Enum(SCOPES, { title: 'scope', description: `any of ${SCOPES.join(', ')}` });
/** A token's or a tenant's name, in the words the API has always used for it. */
const Name = Type.String({
  minLength: 1,
  maxLength: MAX_TOKEN_NAME,
  pattern: '\\S',
  description: `a non-empty string of at most ${MAX_TOKEN_NAME} characters`,
});

/** The body of `POST /tokens` and `POST /admin/tenants/:id/tokens`. */
export const TokenMint = Type.Object(
  {
    scopes: Type.Array(Scope, { minItems: 1, description: `a non-empty array of any of ${SCOPES.join(', ')}` }),
    name: Type.Optional(Name),
    expires_in_days: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_TOKEN_DAYS,
        description: `a whole number of days from 1 to ${MAX_TOKEN_DAYS}`,
      }),
    ),
  },
  {
    additionalProperties: false,
    description: "A tenant's token grants only scopes the calling token holds itself.",
    examples: [{ scopes: ['reports:generate', 'reports:read'], name: 'ci-pipeline', expires_in_days: 90 }],
  },
);

export const MintedToken = Type.Object(
  {
    id: Type.String(),
    token: Type.String({ description: 'the secret, shown this once' }),
    scopes: Type.Array(Type.String()),
    expires_at: Nullable(Instant),
  },
  { additionalProperties: false },
);

export const Token = Type.Object(
  {
    id: Type.String(),
    name: Nullable(Type.String()),
    scopes: Type.Array(Type.String()),
    created_at: Instant,
    expires_at: Nullable(Instant),
    last_used_at: Nullable(Instant),
    revoked_at: Nullable(Instant),
  },
  { additionalProperties: false },
);

export const TenantCreate = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: MAX_TOKEN_NAME,
      pattern: PLAIN_TEXT_PATTERN,
      description: `a non-empty string of at most ${MAX_TOKEN_NAME} characters with no control or bidirectional formatting characters`,
    }),
    audit_retention_days: Type.Optional(RetentionDays),
  },
  { additionalProperties: false, examples: [{ name: 'Example Corp' }] },
);

const TENANT_STATUSES = ['active', 'suspended', 'offboarding', 'offboarded', 'offboarding_blocked'] as const;
const OffboardingFields = {
  started_at: Instant,
  started_by: Type.String(),
  purge_after: Instant,
  workflow_id: Type.String(),
  purged_at: Nullable(Instant),
  blocked_at: Nullable(Instant),
  held_report_ids: Nullable(Type.Array(Type.String())),
};

export const Tenant = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    audit_retention_days: Type.Number(),
    status: Enum(TENANT_STATUSES),
    created_at: Instant,
    offboarding: Type.Optional(Type.Object(OffboardingFields, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

export const Offboarding = Type.Object(
  { tenant_id: Type.String(), status: Enum(TENANT_STATUSES), ...OffboardingFields },
  { additionalProperties: false },
);

export const DeletionReceipt = Type.Object(
  {
    receipt: OpenObject('the signed statement of what was deleted, readable'),
    jws: Type.String({ description: 'the compact JWS over the receipt' }),
    kid: Type.String(),
    sha256: Type.String(),
  },
  { additionalProperties: false },
);

export const OperatorEvents = Type.Object(
  {
    data: Type.Array(
      Type.Object(
        {
          id: Type.String(),
          action: Enum(AUDIT_ACTIONS),
          at: Instant,
          actor: Type.String(),
          details: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()])),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export { Framework };
