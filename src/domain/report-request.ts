import { AppError } from './errors';
import { FRAMEWORK_SLUGS, isFrameworkSlug, type FrameworkSlug } from './frameworks';
import { isId } from './ids';
import { REPORT_FORMATS, type ReportFormat, type ReportRequest } from './report';
import { SEVERITIES, isSeverity, type Severity } from './severity';
import { invalid, isPlainObject, rejectUnknownFields, shown, refuseHiddenCharacters } from './validation';

const MAX_TITLE = 200;
const MAX_ENDPOINTS = 100;
const TOP_LEVEL = ['title', 'frameworks', 'scope', 'format'];
const SCOPE_FIELDS = ['endpoint_ids', 'from', 'to', 'include_severities'];

/** Whether a string is a real calendar day written `YYYY-MM-DD`. */
export function isIsoDate(value: unknown): value is string {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

function parseTitle(value: unknown): string {
  if (typeof value !== 'string') throw invalid('title', 'is required and must be a string');
  const title = value.trim();
  if (title.length === 0 || title.length > MAX_TITLE) {
    throw invalid('title', `must be 1 to ${MAX_TITLE} characters`);
  }
  refuseHiddenCharacters('title', title);
  return title;
}

function parseFrameworks(value: unknown): FrameworkSlug[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw invalid('frameworks', `must be a non-empty array of framework slugs: ${FRAMEWORK_SLUGS.join(', ')}`);
  }
  const slugs = new Set<FrameworkSlug>();
  value.forEach((v, i) => {
    if (!isFrameworkSlug(v)) {
      throw new AppError(
        'framework_unknown',
        `frameworks[${i}]: ${shown(v)} is not a recognised framework; use any of ${FRAMEWORK_SLUGS.join(', ')}`,
        { field: `frameworks[${i}]`, allowed: [...FRAMEWORK_SLUGS] },
      );
    }
    slugs.add(v);
  });
  return [...slugs];
}

function parseEndpointIds(value: unknown): string[] {
  const field = 'scope.endpoint_ids';
  if (!Array.isArray(value) || value.length === 0) throw invalid(field, 'must be a non-empty array of endpoint ids');
  if (value.length > MAX_ENDPOINTS) throw invalid(field, `must list at most ${MAX_ENDPOINTS} endpoints`);
  value.forEach((v, i) => {
    if (!isId(v, 'ep')) throw invalid(`${field}[${i}]`, 'must be an endpoint id such as "ep_2026_abc123"');
  });
  return [...new Set(value as string[])];
}

function parseSeverities(value: unknown): Severity[] {
  const field = 'scope.include_severities';
  if (value === undefined) return [...SEVERITIES];
  if (!Array.isArray(value) || value.length === 0) {
    throw invalid(field, `must be a non-empty array of ${SEVERITIES.join(', ')}`);
  }
  value.forEach((v, i) => {
    if (!isSeverity(v)) {
      throw invalid(`${field}[${i}]`, `${shown(v)} is not a severity; use any of ${SEVERITIES.join(', ')}`);
    }
  });
  const chosen = new Set(value as Severity[]);
  return SEVERITIES.filter((s) => chosen.has(s));
}

function parseFormat(value: unknown): ReportFormat {
  if (value === undefined) return 'pdf';
  if (typeof value !== 'string' || !(REPORT_FORMATS as readonly string[]).includes(value)) {
    throw invalid('format', `${shown(value)} is not a format; use one of ${REPORT_FORMATS.join(', ')}`);
  }
  return value as ReportFormat;
}

/** Validates the body of `POST /reports` and returns the normalised request (repeated slugs and endpoints
 * collapsed, severities in canonical order; `format` defaults to pdf, severities to all). Throws an
 * {@link AppError} naming the first bad field and what it allows. */
export function parseReportRequest(body: unknown): ReportRequest {
  if (!isPlainObject(body)) throw invalid('body', 'must be a JSON object');
  rejectUnknownFields(body, TOP_LEVEL, '');
  const title = parseTitle(body.title);
  const frameworks = parseFrameworks(body.frameworks);
  if (!isPlainObject(body.scope)) throw invalid('scope', 'is required and must be an object');
  const scope = body.scope;
  rejectUnknownFields(scope, SCOPE_FIELDS, 'scope');
  const endpointIds = parseEndpointIds(scope.endpoint_ids);
  for (const end of ['from', 'to'] as const) {
    if (!isIsoDate(scope[end])) throw invalid(`scope.${end}`, 'must be a calendar date written YYYY-MM-DD');
  }
  const from = scope.from as string;
  const to = scope.to as string;
  if (from > to) throw invalid('scope.from', `must not be after scope.to (${from} > ${to})`);
  return {
    title,
    frameworks,
    scope: { endpointIds, from, to, includeSeverities: parseSeverities(scope.include_severities) },
    format: parseFormat(body.format),
  };
}
