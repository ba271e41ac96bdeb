import { AppError } from './errors';
import type { FrameworkRef } from './finding';
import { isoTime, parseFrameworkRef } from './finding-input';
import { isId } from './ids';
import { MAX_RUN_RESULTS, type ProbeResult } from './runs';
import { isPlainObject, shown } from './validation';

/** Longest tool, version, target, probe, detector, strategy, category and external id, in characters. */
const MAX_KEY = 200;
const MAX_REFS = 50;
/** Most attempts one result may count: past any real run, small enough that sums stay exact. */
const MAX_ATTEMPTS = 1_000_000_000;
/** How far in the future a run may start: clocks drift, runs do not come from tomorrow. */
const FUTURE_SLACK_MS = 5 * 60_000;

const RUN_FIELDS = [
  'endpoint_id',
  'tool',
  'tool_version',
  'started_at',
  'finished_at',
  'config_sha256',
  'target',
  'external_id',
  'results',
];
const RESULT_FIELDS = ['probe', 'detector', 'strategy', 'attempts', 'failures', 'errors', 'category', 'framework_refs'];

/** A run as a client posts it (`POST /runs`), checked, before it has a tenant and an id. */
export interface RunInput {
  endpointId: string;
  tool: string;
  toolVersion?: string;
  startedAt: string;
  finishedAt?: string;
  configSha256?: string;
  target?: string;
  /** The client's own id for the run: the same one posted again is the same run. */
  externalId?: string;
  results: ProbeResult[];
}

/** An `invalid_request` error (400) naming the field, as every refused body is. */
function refused(field: string, message: string): AppError {
  return new AppError('invalid_request', `${field}: ${message}`, { field });
}

function text(value: unknown, field: string, required: boolean): string | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string') {
    throw refused(field, `${required ? 'is required and ' : ''}must be a string of 1 to ${MAX_KEY} characters`);
  }
  const trimmed = value.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_KEY) throw refused(field, `must be 1 to ${MAX_KEY} characters`);
  return trimmed;
}

function whole(value: unknown, field: string, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    throw refused(field, `${shown(value ?? null)} is not a whole number from 0 to ${max}`);
  }
  return value;
}

function refs(value: unknown, field: string): FrameworkRef[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > MAX_REFS) {
    throw refused(field, `must be an array of at most ${MAX_REFS} {framework, control} references`);
  }
  const out: FrameworkRef[] = [];
  value.forEach((v, i) => {
    // The same check and message as a finding's reference gets (an unknown framework is `framework_unknown`).
    const ref = parseFrameworkRef(v, `${field}[${i}]`);
    if (!out.some((r) => r.framework === ref.framework && r.control === ref.control)) out.push(ref);
  });
  return out;
}

function onlyFields(value: Record<string, unknown>, allowed: readonly string[], where: string): void {
  const unknown = Object.keys(value).find((k) => !allowed.includes(k));
  if (unknown !== undefined) {
    throw refused(where ? `${where}.${unknown}` : unknown, `is not a recognised field; allowed: ${allowed.join(', ')}`);
  }
}

function result(value: unknown, at: string): ProbeResult {
  if (!isPlainObject(value)) throw refused(at, 'must be an object {probe, attempts, failures, …}');
  onlyFields(value, RESULT_FIELDS, at);
  const attempts = whole(value.attempts, `${at}.attempts`, MAX_ATTEMPTS);
  const failures = whole(value.failures, `${at}.failures`, MAX_ATTEMPTS);
  if (failures > attempts) throw refused(`${at}.failures`, `${failures} is more than attempts (${attempts})`);
  const r: ProbeResult = {
    probe: text(value.probe, `${at}.probe`, true)!,
    attempts,
    failures,
    frameworkRefs: refs(value.framework_refs, `${at}.framework_refs`),
  };
  const detector = text(value.detector, `${at}.detector`, false);
  const strategy = text(value.strategy, `${at}.strategy`, false);
  const category = text(value.category, `${at}.category`, false);
  if (detector !== undefined) r.detector = detector;
  if (strategy !== undefined) r.strategy = strategy;
  if (value.errors !== undefined) r.errors = whole(value.errors, `${at}.errors`, MAX_ATTEMPTS);
  if (category !== undefined) r.category = category;
  return r;
}

/**
 * Checks a posted run `{endpoint_id, tool, tool_version?, started_at, finished_at?, config_sha256?, target?,
 * external_id?, results: [{probe, detector?, strategy?, attempts, failures, errors?, category?, framework_refs?}]}`.
 * Anything wrong is an `invalid_request` error naming the field and what it allows, e.g.
 * `results[3].failures: 12 is more than attempts (10)`; unknown fields are refused, so a typo never drops a count.
 */
export function parseRunInput(body: unknown, now: Date): RunInput {
  if (!isPlainObject(body)) throw refused('body', 'must be an object {endpoint_id, tool, started_at, results}');
  onlyFields(body, RUN_FIELDS, '');
  if (!isId(body.endpoint_id, 'ep')) throw refused('endpoint_id', 'must be an endpoint id such as "ep_2026_abc123"');
  const startedAt = isoTime(body.started_at);
  if (!startedAt) throw refused('started_at', 'must be an ISO 8601 time with a zone, such as "2026-05-02T10:00:00Z"');
  if (startedAt.getTime() > now.getTime() + FUTURE_SLACK_MS) throw refused('started_at', 'lies in the future');
  const input: RunInput = {
    endpointId: body.endpoint_id,
    tool: text(body.tool, 'tool', true)!,
    startedAt: startedAt.toISOString(),
    results: [],
  };
  if (body.finished_at !== undefined) {
    const finishedAt = isoTime(body.finished_at);
    if (!finishedAt) throw refused('finished_at', 'must be an ISO 8601 time with a zone');
    if (finishedAt < startedAt) throw refused('finished_at', 'is before started_at');
    input.finishedAt = finishedAt.toISOString();
  }
  if (body.config_sha256 !== undefined) {
    if (typeof body.config_sha256 !== 'string' || !/^[0-9a-fA-F]{64}$/.test(body.config_sha256)) {
      throw refused('config_sha256', 'must be a sha256 digest: 64 hexadecimal characters');
    }
    input.configSha256 = body.config_sha256.toLowerCase();
  }
  const toolVersion = text(body.tool_version, 'tool_version', false);
  const target = text(body.target, 'target', false);
  const externalId = text(body.external_id, 'external_id', false);
  if (toolVersion !== undefined) input.toolVersion = toolVersion;
  if (target !== undefined) input.target = target;
  if (externalId !== undefined) input.externalId = externalId;
  const results = body.results;
  if (!Array.isArray(results) || results.length === 0 || results.length > MAX_RUN_RESULTS) {
    throw refused('results', `must be an array of 1 to ${MAX_RUN_RESULTS} results`);
  }
  const seen = new Map<string, number>();
  results.forEach((raw, i) => {
    const r = result(raw, `results[${i}]`);
    const key = JSON.stringify([r.probe, r.detector ?? null, r.strategy ?? null]);
    const first = seen.get(key);
    if (first !== undefined) {
      throw refused(
        `results[${i}]`,
        `repeats results[${first}] (the same probe, detector and strategy); send each once, its counts summed`,
      );
    }
    seen.set(key, i);
    input.results.push(r);
  });
  return input;
}
