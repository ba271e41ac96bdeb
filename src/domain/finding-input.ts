import { parseIsoTime } from './iso-time';
import { AppError } from './errors';
import type { Evidence, FindingSource, FrameworkRef } from './finding';
import { FRAMEWORK_SLUGS, isFrameworkSlug, normaliseControlId, type FrameworkSlug } from './frameworks';
import { isId } from './ids';
import { isSeverity, SEVERITIES, type Severity } from './severity';
import { invalid, isPlainObject, rejectUnknownFields, shown, refuseHiddenCharacters } from './validation';

/** Most findings one request may carry; larger sets go in several requests (or through an import). */
export const MAX_FINDINGS_PER_BATCH = 1_000;
/** Longest title, category, fingerprint and external id, in characters. */
const MAX_TITLE = 500;
const MAX_KEY = 200;
/** Longest prompt or response kept as evidence, in characters. */
export const MAX_EVIDENCE_CHARS = 64 * 1024;
const MAX_REFS = 50;
/** How far in the future a detection time may lie: clocks drift, reports do not come from tomorrow. */
const FUTURE_SLACK_MS = 5 * 60_000;
/** Errors listed in one answer: enough to fix a batch in one go, not a novel. */
const MAX_ERRORS_SHOWN = 50;

const FINDING_FIELDS = [
  'endpoint_id',
  'title',
  'category',
  'severity',
  'detected_at',
  'fingerprint',
  'framework_refs',
  'evidence',
  'external_id',
  'source',
  'run_id',
];
const SOURCE_FIELDS = ['tool', 'tool_version', 'run_id'];

/** A finding as a client sends it, validated and normalised, before it has a tenant and an id. `key` is what
 * makes re-sending it idempotent: the client's `external_id`, or else a digest of the content. */
export interface FindingInput {
  endpointId: string;
  title: string;
  category: string;
  severity: Severity;
  detectedAt: string;
  fingerprint: string;
  frameworkRefs: FrameworkRef[];
  evidence: Evidence;
  source?: FindingSource;
  externalId?: string;
  /** The run the finding came from (`run_…`, posted before or imported); its source is then the run's. */
  runRef?: string;
}

/** One problem in a batch, by item index and field. */
export interface BatchProblem {
  index: number;
  field: string;
  message: string;
}

function text(value: unknown, field: string, max: number, required = true): string | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string')
    throw invalid(field, required ? 'is required and must be a string' : 'must be a string');
  const trimmed = value.trim();
  if (trimmed.length === 0 || trimmed.length > max) throw invalid(field, `must be 1 to ${max} characters`);
  return trimmed;
}

/** A time written as ISO 8601 with a zone (`2026-05-02T10:00:00Z`; see iso-time.ts), or undefined. */
export function isoTime(value: unknown): Date | undefined {
  return typeof value === 'string' ? parseIsoTime(value) : undefined;
}

/** A detection time: ISO 8601 with a zone, not in the future; returned as a normalised ISO string. */
export function parseInstant(value: unknown, field: string, now: Date): string {
  const at = isoTime(value);
  if (!at) throw invalid(field, 'must be an ISO 8601 time with a zone, such as "2026-05-02T10:00:00Z"');
  if (at.getTime() > now.getTime() + FUTURE_SLACK_MS) throw invalid(field, 'lies in the future');
  return at.toISOString();
}

/** A framework reference in canonical form, or an error naming the reference exactly. Accepts the spellings
 * people write (`LLM06`, `OWASP LLM06`, `MS-2.7`, `Art.10`, …). */
export function parseFrameworkRef(value: unknown, field: string): FrameworkRef {
  if (!isPlainObject(value)) throw invalid(field, 'must be an object {framework, control}');
  rejectUnknownFields(value, ['framework', 'control'], field);
  const { framework, control } = value;
  if (!isFrameworkSlug(framework)) {
    throw new AppError(
      'framework_unknown',
      `${field}.framework: ${shown(framework)} is not a recognised framework; use any of ${FRAMEWORK_SLUGS.join(', ')}`,
      { field: `${field}.framework`, allowed: [...FRAMEWORK_SLUGS] },
    );
  }
  if (typeof control !== 'string' || control.trim() === '') throw invalid(`${field}.control`, 'must be a control id');
  const id = normaliseControlId(framework, control);
  if (!id) throw invalid(`${field}.control`, `${shown(control)} is not a control of ${framework} in the catalogue`);
  return { framework, control: id };
}

/** A reference written `FRAMEWORK:control` (as list filters take it), e.g. `OWASP_LLM:llm06`. */
export function parseRefFilter(value: unknown, field: string): FrameworkRef {
  const raw = typeof value === 'string' ? value : '';
  const at = raw.indexOf(':');
  if (at <= 0) throw invalid(field, 'must be FRAMEWORK:control, such as "OWASP_LLM:LLM06" or "EU_AI_ACT:Art. 10"');
  return parseFrameworkRef({ framework: raw.slice(0, at) as FrameworkSlug, control: raw.slice(at + 1) }, field);
}

function parseRefs(value: unknown, field: string): FrameworkRef[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > MAX_REFS)
    throw invalid(field, `must be an array of at most ${MAX_REFS} references`);
  const seen = new Set<string>();
  const refs: FrameworkRef[] = [];
  value.forEach((v, i) => {
    const ref = parseFrameworkRef(v, `${field}[${i}]`);
    const key = `${ref.framework} ${ref.control}`;
    if (!seen.has(key)) refs.push(ref);
    seen.add(key);
  });
  return refs;
}

function parseEvidence(value: unknown, field: string): Evidence {
  if (!isPlainObject(value)) throw invalid(field, 'is required: an object {prompt, response}');
  rejectUnknownFields(value, ['prompt', 'response'], field);
  const part = (name: 'prompt' | 'response'): string => {
    const v = value[name];
    if (typeof v !== 'string') throw invalid(`${field}.${name}`, 'must be a string (it may be empty)');
    if (v.length > MAX_EVIDENCE_CHARS)
      throw invalid(`${field}.${name}`, `must be at most ${MAX_EVIDENCE_CHARS} characters`);
    return v;
  };
  return { prompt: part('prompt'), response: part('response') };
}

function parseSource(value: unknown, field: string): FindingSource | undefined {
  if (value === undefined) return undefined;
  if (!isPlainObject(value)) throw invalid(field, 'must be an object {tool, tool_version?, run_id?}');
  rejectUnknownFields(value, SOURCE_FIELDS, field);
  const source: FindingSource = { tool: text(value.tool, `${field}.tool`, MAX_KEY)! };
  const version = text(value.tool_version, `${field}.tool_version`, MAX_KEY, false);
  const runId = text(value.run_id, `${field}.run_id`, MAX_KEY, false);
  if (version) source.toolVersion = version;
  if (runId) source.runId = runId;
  return source;
}

/** Validates one finding of a batch; `at` prefixes every field name (`findings[3]`). */
export function parseFindingInput(value: unknown, at: string, now: Date): FindingInput {
  if (!isPlainObject(value)) throw invalid(at, 'must be an object');
  rejectUnknownFields(value, FINDING_FIELDS, at);
  if (!isId(value.endpoint_id, 'ep'))
    throw invalid(`${at}.endpoint_id`, 'must be an endpoint id such as "ep_2026_abc123"');
  if (!isSeverity(value.severity)) {
    throw invalid(`${at}.severity`, `${shown(value.severity)} is not a severity; use one of ${SEVERITIES.join(', ')}`);
  }
  const title = text(value.title, `${at}.title`, MAX_TITLE)!;
  const input: FindingInput = {
    endpointId: value.endpoint_id,
    title,
    category: text(value.category, `${at}.category`, MAX_KEY)!,
    severity: value.severity,
    detectedAt: parseInstant(value.detected_at, `${at}.detected_at`, now),
    // Without a fingerprint, findings with the same title are taken as the same weakness.
    fingerprint: text(value.fingerprint, `${at}.fingerprint`, MAX_KEY, false) ?? title,
    frameworkRefs: parseRefs(value.framework_refs, `${at}.framework_refs`),
    evidence: parseEvidence(value.evidence, `${at}.evidence`),
  };
  const source = parseSource(value.source, `${at}.source`);
  const externalId = text(value.external_id, `${at}.external_id`, MAX_KEY, false);
  if (source) input.source = source;
  if (externalId) input.externalId = externalId;
  if (value.run_id !== undefined) {
    if (!isId(value.run_id, 'run')) throw invalid(`${at}.run_id`, 'must be a run id such as "run_…" from POST /runs');
    if (source) throw invalid(`${at}.run_id`, 'give run_id or source, not both: a run names the source itself');
    input.runRef = value.run_id;
  }
  return input;
}

/** Validates a whole batch `{findings: [...], run_id?}`. All or nothing: if any item is wrong the batch is refused
 * with every problem listed (up to fifty), by index and field, and nothing is stored. A batch's `run_id` is the run
 * of each of its findings that names neither its own nor a source. `checkItem`, when given, checks each item's
 * shape first (the API passes its schema's check), its problems listed as the domain's own are. */
export function parseFindingsBatch(
  body: unknown,
  now: Date,
  checkItem?: (value: unknown, at: string) => void,
): FindingInput[] {
  if (!isPlainObject(body)) throw invalid('body', 'must be an object {findings: [...], run_id?}');
  rejectUnknownFields(body, ['findings', 'run_id']);
  const batchRun = body.run_id;
  if (batchRun !== undefined && !isId(batchRun, 'run')) {
    throw invalid('run_id', 'must be a run id such as "run_…" from POST /runs');
  }
  const items = body.findings;
  if (!Array.isArray(items) || items.length === 0 || items.length > MAX_FINDINGS_PER_BATCH) {
    throw invalid('findings', `must be an array of 1 to ${MAX_FINDINGS_PER_BATCH} findings`);
  }
  const parsed: FindingInput[] = [];
  const problems: BatchProblem[] = [];
  items.forEach((item, index) => {
    try {
      checkItem?.(item, `findings[${index}]`);
      const f = parseFindingInput(item, `findings[${index}]`, now);
      if (batchRun !== undefined && f.runRef === undefined && f.source === undefined) f.runRef = batchRun;
      parsed.push(f);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      problems.push({ index, field: String(err.details?.field ?? `findings[${index}]`), message: err.message });
    }
  });
  if (problems.length > 0) throw batchRefused(problems, items.length);
  return parsed;
}

/** The error refusing a batch: the first problem as the message, all of them (up to fifty) in the details. */
export function batchRefused(problems: BatchProblem[], total: number): AppError {
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
  return new AppError('invalid_request', `${problems[0].message}${more}; nothing of the ${total} was stored`, {
    field: problems[0].field,
    errors: problems.slice(0, MAX_ERRORS_SHOWN),
    error_count: problems.length,
  });
}

/** Validates an endpoint registration `{name, description?}`. */
export function parseEndpointInput(body: unknown): { name: string; description: string } {
  if (!isPlainObject(body)) throw invalid('body', 'must be an object {name, description?}');
  rejectUnknownFields(body, ['name', 'description']);
  const name = text(body.name, 'name', MAX_KEY)!;
  refuseHiddenCharacters('name', name);
  const description = body.description === undefined ? '' : text(body.description, 'description', 2_000)!;
  return { name, description };
}
