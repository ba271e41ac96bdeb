import { AppError } from './errors';
import { EU_PROFILE_ROLES, EU_RISK_CLASSES, type EuProfileRole, type EuRiskClass } from './eu-ai-act';
import {
  FRAMEWORK_SLUGS,
  canonicalControlId,
  findControl,
  getFramework,
  isFrameworkSlug,
  type FrameworkSlug,
} from './frameworks';
import { isId } from './ids';
import { invalid, isPlainObject, rejectUnknownFields, shown } from './validation';

/** The class a tenant gives one of its systems (an endpoint) under the EU AI Act. */
export interface EuSystemClass {
  endpointId: string;
  riskClass: EuRiskClass;
}

/** One line of an ISO/IEC 42001 Statement of Applicability: an Annex A control in or out of scope, and why. */
export interface SoaEntry {
  control: string;
  applicable: boolean;
  justification?: string;
}

/** What a tenant states about itself so a report links only what applies: its EU AI Act role and the class of
 * each system, its ISO/IEC 42001 Statement of Applicability, and the framework editions it reports against. */
export interface ApplicabilityProfile {
  euAiAct?: { role: EuProfileRole; systems: EuSystemClass[]; defaultRiskClass?: EuRiskClass };
  iso42001?: { soa: SoaEntry[] };
  editions?: Partial<Record<FrameworkSlug, string>>;
  updatedAt?: string;
  updatedBy?: string;
}

/** The profile as the API sends and receives it (`PUT /tenant/applicability`, snake_case). */
export interface WireApplicability {
  eu_ai_act?: {
    role: EuProfileRole;
    systems: { endpoint_id: string; risk_class: EuRiskClass }[];
    default_risk_class?: EuRiskClass;
  };
  iso_42001?: { statement_of_applicability: { control: string; applicable: boolean; justification?: string }[] };
  editions?: Partial<Record<FrameworkSlug, string>>;
  updated_at?: string;
  updated_by?: string;
}

const BODY_FIELDS = ['eu_ai_act', 'iso_42001', 'editions'];
const STORED_FIELDS = [...BODY_FIELDS, 'updated_at', 'updated_by'];
const EU_FIELDS = ['role', 'systems', 'default_risk_class'];
const SYSTEM_FIELDS = ['endpoint_id', 'risk_class'];
const SOA_ENTRY_FIELDS = ['control', 'applicable', 'justification'];
const MAX_SYSTEMS = 1000;
const MAX_JUSTIFICATION = 2000;
const MAX_UPDATED_BY = 200;

/** Whether an ISO/IEC 42001 control id is an Annex A control (a Statement of Applicability entry). */
export function isIsoAnnexA(controlId: string): boolean {
  return findControl('ISO_42001', controlId)?.kind === 'annex-a';
}

/** Whether an ISO/IEC 42001 control id is a clause (4–10): a requirement of every AI management system, never
 * an SoA entry. Clauses the catalogue does not list (`4.1`) are clauses all the same. */
export function isIsoClause(controlId: string): boolean {
  return findControl('ISO_42001', controlId)?.kind === 'clause' || /^(?:[4-9]|10)(?:\.\d+)*$/.test(controlId);
}

/** The editions the catalogue holds of a framework (`2025`, `2026` for OWASP LLM); empty for a framework the
 * catalogue holds in one edition only. */
export function catalogueEditions(slug: FrameworkSlug): string[] {
  const found = new Set<string>();
  for (const c of getFramework(slug).controls) if (c.edition) found.add(c.edition);
  return [...found].sort();
}

function parseRiskClass(value: unknown, field: string): EuRiskClass {
  if (typeof value !== 'string' || !(EU_RISK_CLASSES as readonly string[]).includes(value)) {
    throw invalid(field, `${shown(value)} is not an EU AI Act risk class; use one of ${EU_RISK_CLASSES.join(', ')}`);
  }
  return value as EuRiskClass;
}

function parseEuAiAct(value: unknown): NonNullable<ApplicabilityProfile['euAiAct']> {
  if (!isPlainObject(value)) throw invalid('eu_ai_act', `must be an object with ${EU_FIELDS.join(', ')}`);
  rejectUnknownFields(value, EU_FIELDS, 'eu_ai_act');
  if (typeof value.role !== 'string' || !(EU_PROFILE_ROLES as readonly string[]).includes(value.role)) {
    throw invalid(
      'eu_ai_act.role',
      `${value.role === undefined ? 'is required' : `${shown(value.role)} is not a role`}; use one of ${EU_PROFILE_ROLES.join(', ')}`,
    );
  }
  const systems = value.systems ?? [];
  if (!Array.isArray(systems)) throw invalid('eu_ai_act.systems', 'must be an array of {endpoint_id, risk_class}');
  if (systems.length > MAX_SYSTEMS) throw invalid('eu_ai_act.systems', `must list at most ${MAX_SYSTEMS} systems`);
  const seen = new Set<string>();
  const parsed = systems.map((s: unknown, i): EuSystemClass => {
    const field = `eu_ai_act.systems[${i}]`;
    if (!isPlainObject(s)) throw invalid(field, 'must be an object with endpoint_id and risk_class');
    rejectUnknownFields(s, SYSTEM_FIELDS, field);
    if (!isId(s.endpoint_id, 'ep')) {
      throw invalid(`${field}.endpoint_id`, 'must be an endpoint id such as "ep_2026_abc123"');
    }
    if (seen.has(s.endpoint_id)) throw invalid(`${field}.endpoint_id`, `"${s.endpoint_id}" is listed twice`);
    seen.add(s.endpoint_id);
    return { endpointId: s.endpoint_id, riskClass: parseRiskClass(s.risk_class, `${field}.risk_class`) };
  });
  return {
    role: value.role as EuProfileRole,
    systems: parsed,
    ...(value.default_risk_class === undefined
      ? {}
      : { defaultRiskClass: parseRiskClass(value.default_risk_class, 'eu_ai_act.default_risk_class') }),
  };
}

function parseSoaEntry(value: unknown, field: string): SoaEntry {
  if (!isPlainObject(value)) throw invalid(field, 'must be an object with control, applicable and justification');
  rejectUnknownFields(value, SOA_ENTRY_FIELDS, field);
  if (typeof value.control !== 'string')
    throw invalid(`${field}.control`, 'must be an Annex A control id such as "A.6.2.4"');
  const control = canonicalControlId('ISO_42001', value.control);
  if (isIsoClause(control)) {
    throw invalid(
      `${field}.control`,
      `${shown(value.control)} is a clause of ISO/IEC 42001 (4–10), required of every AI management system; only Annex A controls are Statement of Applicability entries`,
    );
  }
  if (!isIsoAnnexA(control)) {
    throw invalid(
      `${field}.control`,
      `${shown(value.control)} is not an ISO/IEC 42001 Annex A control; use one such as "A.6.2.4"`,
    );
  }
  if (typeof value.applicable !== 'boolean') throw invalid(`${field}.applicable`, 'must be true or false');
  const justification = value.justification;
  if (justification !== undefined && typeof justification !== 'string') {
    throw invalid(`${field}.justification`, 'must be a string');
  }
  const text = justification?.trim();
  if (text !== undefined && text.length > MAX_JUSTIFICATION) {
    throw invalid(`${field}.justification`, `must be at most ${MAX_JUSTIFICATION} characters`);
  }
  if (!value.applicable && !text) {
    throw invalid(`${field}.justification`, 'is required when a control is excluded (ISO/IEC 42001 6.1.3 d)');
  }
  return { control, applicable: value.applicable, ...(text ? { justification: text } : {}) };
}

function parseIso42001(value: unknown): NonNullable<ApplicabilityProfile['iso42001']> {
  if (!isPlainObject(value)) throw invalid('iso_42001', 'must be an object with statement_of_applicability');
  rejectUnknownFields(value, ['statement_of_applicability'], 'iso_42001');
  const entries = value.statement_of_applicability;
  const field = 'iso_42001.statement_of_applicability';
  if (!Array.isArray(entries) || entries.length === 0) {
    throw invalid(field, 'must be a non-empty array of {control, applicable, justification}');
  }
  const seen = new Set<string>();
  const soa = entries.map((e: unknown, i) => {
    const entry = parseSoaEntry(e, `${field}[${i}]`);
    if (seen.has(entry.control)) throw invalid(`${field}[${i}].control`, `"${entry.control}" is listed twice`);
    seen.add(entry.control);
    return entry;
  });
  return { soa };
}

function parseEditions(value: unknown): Partial<Record<FrameworkSlug, string>> {
  if (!isPlainObject(value)) throw invalid('editions', 'must be an object of framework slug to edition');
  const editions: Partial<Record<FrameworkSlug, string>> = {};
  for (const [slug, edition] of Object.entries(value)) {
    const field = `editions.${slug}`;
    if (!isFrameworkSlug(slug)) {
      throw new AppError(
        'framework_unknown',
        `${field}: ${shown(slug)} is not a recognised framework; use any of ${FRAMEWORK_SLUGS.join(', ')}`,
        { field, allowed: [...FRAMEWORK_SLUGS] },
      );
    }
    const known = catalogueEditions(slug);
    if (known.length === 0) throw invalid(field, `the catalogue holds one edition of ${slug}; leave it out`);
    if (typeof edition !== 'string' || !known.includes(edition)) {
      throw invalid(field, `${shown(edition)} is not an edition of ${slug}; use one of ${known.join(', ')}`);
    }
    editions[slug] = edition;
  }
  return editions;
}

function parse(body: unknown, fields: readonly string[]): ApplicabilityProfile {
  if (!isPlainObject(body)) throw invalid('body', 'must be a JSON object');
  rejectUnknownFields(body, fields, '');
  const profile: ApplicabilityProfile = {};
  if (body.eu_ai_act !== undefined) profile.euAiAct = parseEuAiAct(body.eu_ai_act);
  if (body.iso_42001 !== undefined) profile.iso42001 = parseIso42001(body.iso_42001);
  if (body.editions !== undefined) profile.editions = parseEditions(body.editions);
  if (body.updated_at !== undefined) {
    if (typeof body.updated_at !== 'string' || Number.isNaN(Date.parse(body.updated_at))) {
      throw invalid('updated_at', 'must be an ISO 8601 timestamp');
    }
    profile.updatedAt = body.updated_at;
  }
  if (body.updated_by !== undefined) {
    if (typeof body.updated_by !== 'string' || !body.updated_by.trim() || body.updated_by.length > MAX_UPDATED_BY) {
      throw invalid('updated_by', `must be a non-empty string of at most ${MAX_UPDATED_BY} characters`);
    }
    profile.updatedBy = body.updated_by;
  }
  return profile;
}

/** Validates the body of `PUT /tenant/applicability` and returns the profile (ISO control spellings made
 * canonical, justifications trimmed). `updated_at` and `updated_by` are the server's to set, so the body may not
 * carry them. Throws an {@link AppError} naming the first bad field and what it allows. */
export function validateApplicabilityProfile(body: unknown): ApplicabilityProfile {
  return parse(body, BODY_FIELDS);
}

/** Reads a profile in its wire form, `updated_at` and `updated_by` included (a stored or returned profile). */
export function fromWireApplicability(wire: unknown): ApplicabilityProfile {
  return parse(wire, STORED_FIELDS);
}

/** The profile in its wire form, as `GET /tenant/applicability` returns it. */
export function toWireApplicability(profile: ApplicabilityProfile): WireApplicability {
  const wire: WireApplicability = {};
  if (profile.euAiAct) {
    wire.eu_ai_act = {
      role: profile.euAiAct.role,
      systems: profile.euAiAct.systems.map((s) => ({ endpoint_id: s.endpointId, risk_class: s.riskClass })),
      ...(profile.euAiAct.defaultRiskClass ? { default_risk_class: profile.euAiAct.defaultRiskClass } : {}),
    };
  }
  if (profile.iso42001) {
    wire.iso_42001 = {
      statement_of_applicability: profile.iso42001.soa.map((e) => ({
        control: e.control,
        applicable: e.applicable,
        ...(e.justification ? { justification: e.justification } : {}),
      })),
    };
  }
  if (profile.editions) wire.editions = { ...profile.editions };
  if (profile.updatedAt) wire.updated_at = profile.updatedAt;
  if (profile.updatedBy) wire.updated_by = profile.updatedBy;
  return wire;
}

/** Whether an ISO/IEC 42001 control is in scope for the tenant: an Annex A control as its Statement of
 * Applicability says, undefined when no SoA was given or the SoA does not list the control (the report must
 * then say so, not count it as uncovered); a clause (4–10) always, since every AI management system must meet
 * it; undefined for an id the catalogue does not hold. */
export function isoInScope(profile: ApplicabilityProfile, controlId: string): boolean | undefined {
  if (isIsoClause(controlId)) return true;
  if (!isIsoAnnexA(controlId)) return undefined;
  return profile.iso42001?.soa.find((e) => e.control === controlId)?.applicable;
}

/** The EU AI Act class of the system behind an endpoint: its own entry, else the profile's default, else
 * undefined (not stated: no EU article can be said to apply to it). */
export function euRiskClassFor(profile: ApplicabilityProfile, endpointId: string): EuRiskClass | undefined {
  const eu = profile.euAiAct;
  return eu?.systems.find((s) => s.endpointId === endpointId)?.riskClass ?? eu?.defaultRiskClass;
}
