import { isPlainObject, shown } from '../validation';
import { importError } from './types';
import { parseIsoTime } from '../iso-time';

/** What kind of JSON value stood somewhere, and the value itself when it is a scalar. */
export interface Seen {
  kind: 'missing' | 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null';
  value?: string | number | boolean | null;
}

/** A value as a streaming reader reports it: a scalar, or the kind of container that opens. */
export type StreamedValue = string | number | boolean | null | 'object' | 'array';

/** Most top-level keys remembered: enough to tell one tool's file from another's, bounded whatever the file. */
const MAX_KEYS = 64;

/**
 * The facts of a promptfoo results file other than its results: the top level's keys and layout, the run's id,
 * the layout's version and time, the tool's version, and whether its config has a red-team section. Filled from a
 * document parsed whole ({@link headOfDocument}) or from the values a streaming reader passes by
 * ({@link PromptfooHead.see}), so both ways of reading check a file the same way ({@link summaryOf}).
 */
export class PromptfooHead {
  root: Seen = { kind: 'missing' };
  readonly keys = new Set<string>();
  schema?: string;
  evalId: Seen = { kind: 'missing' };
  /** The top level's `results`: an object (the layout promptfoo writes) or an array (the bare summary). */
  results: Seen = { kind: 'missing' };
  rootVersion: Seen = { kind: 'missing' };
  rootTimestamp: Seen = { kind: 'missing' };
  /** Keys of the `results` object. */
  readonly summaryKeys = new Set<string>();
  innerResults: Seen = { kind: 'missing' };
  innerVersion: Seen = { kind: 'missing' };
  innerTimestamp: Seen = { kind: 'missing' };
  promptfooVersion: Seen = { kind: 'missing' };
  redteamConfig = false;

  /** Takes a value at `path` (object keys; `*` for array elements) as a streaming reader passes it by. */
  see(path: readonly string[], value: StreamedValue): void {
    const seen = seenOf(value);
    const [a, b] = path;
    if (path.length === 0) this.root = seen;
    else if (path.length === 1) {
      if (this.keys.size < MAX_KEYS) this.keys.add(a);
      if (a === 'evalId') this.evalId = seen;
      else if (a === 'results') this.results = seen;
      else if (a === 'version') this.rootVersion = seen;
      else if (a === 'timestamp') this.rootTimestamp = seen;
      else if (a === '$schema' && typeof value === 'string') this.schema = value.slice(0, 200);
    } else if (path.length === 2 && a === 'results') {
      if (this.summaryKeys.size < MAX_KEYS) this.summaryKeys.add(b);
      if (b === 'results') this.innerResults = seen;
      else if (b === 'version') this.innerVersion = seen;
      else if (b === 'timestamp') this.innerTimestamp = seen;
    } else if (path.length === 2 && a === 'metadata' && b === 'promptfooVersion') this.promptfooVersion = seen;
    else if (path.length === 2 && a === 'config' && b === 'redteam') this.redteamConfig = value === 'object';
  }

  /** Whether the results of a file of this head are the array at `path`, so far as the head knows: the bare
   * summary's `results`, or `results.results`. */
  static isResults(path: readonly string[]): boolean {
    return (
      (path.length === 1 && path[0] === 'results') ||
      (path.length === 2 && path[0] === 'results' && path[1] === 'results')
    );
  }
}

function seenOf(value: unknown): Seen {
  if (value === 'object' || (isPlainObject(value) && value !== null)) return { kind: 'object' };
  if (value === 'array' || Array.isArray(value)) return { kind: 'array' };
  if (value === null) return { kind: 'null', value: null };
  if (typeof value === 'string') return { kind: 'string', value };
  if (typeof value === 'number') return { kind: 'number', value };
  if (typeof value === 'boolean') return { kind: 'boolean', value };
  return { kind: 'missing' };
}

/** The head of a document parsed whole. */
export function headOfDocument(doc: unknown): PromptfooHead {
  const head = new PromptfooHead();
  head.root = seenOf(doc);
  if (!isPlainObject(doc)) return head;
  for (const [key, value] of Object.entries(doc)) {
    head.see(
      [key],
      typeof value === 'object' && value !== null
        ? Array.isArray(value)
          ? 'array'
          : 'object'
        : (value as StreamedValue),
    );
    if (key === 'results' && isPlainObject(value)) {
      for (const [inner, v] of Object.entries(value)) {
        head.see(
          ['results', inner],
          typeof v === 'object' && v !== null ? (Array.isArray(v) ? 'array' : 'object') : (v as StreamedValue),
        );
      }
    }
  }
  const meta = doc.metadata;
  if (isPlainObject(meta) && meta.promptfooVersion !== undefined) {
    head.see(
      ['metadata', 'promptfooVersion'],
      typeof meta.promptfooVersion === 'object' ? 'object' : (meta.promptfooVersion as StreamedValue),
    );
  }
  if (isPlainObject(doc.config) && doc.config.redteam !== undefined) {
    head.see(['config', 'redteam'], isPlainObject(doc.config.redteam) ? 'object' : 'array');
  }
  return head;
}

/** What a promptfoo file's head says about its run, once checked. */
export interface PromptfooSummary {
  runId?: string;
  toolVersion?: string;
  detectedAt: string;
  /** JSON path of the results array, for messages: `results.results`, or `results` in a bare summary. */
  path: string;
  /** Whether the file's config has a `redteam` section. */
  redteamConfig: boolean;
}

/** A value as a message names it: `an object`, `a string "…"`, `null`. */
export function describeSeen(seen: Seen): string {
  switch (seen.kind) {
    case 'missing':
      return 'nothing';
    case 'null':
      return 'null';
    case 'object':
      return 'an object';
    case 'array':
      return 'an array';
    default:
      return `a ${seen.kind} ${short(seen.value)}`;
  }
}

/** A value quoted for a message, cut short (see {@link shown}): a file's value may be as large and as deep as a
 * request's. */
export function short(value: unknown): string {
  return shown(value);
}

/**
 * Checks a promptfoo file's head and says what it tells about the run; anything that is not promptfoo's version 3
 * layout (or the bare summary object) is an `import_invalid` error naming the JSON path. Another tool's file
 * (garak, SARIF) is named as such.
 */
export function summaryOf(head: PromptfooHead): PromptfooSummary {
  if (head.root.kind !== 'object') {
    throw importError(
      0,
      `not a promptfoo results file: the top level is ${describeSeen(head.root)}; expected an object with evalId and results`,
    );
  }
  if (head.keys.has('entry_type')) {
    throw importError(
      0,
      'this looks like a garak report (it has entry_type), not promptfoo results; import it as garak-report',
    );
  }
  if (head.keys.has('probe') && head.keys.has('detector')) {
    throw importError(
      0,
      'this looks like a garak hitlog (it has probe and detector), not promptfoo results; import it as garak-hitlog',
    );
  }
  if (head.keys.has('runs') || (head.schema !== undefined && /sarif/i.test(head.schema))) {
    throw importError(
      0,
      "this is a SARIF file; SARIF is not imported: give promptfoo's own JSON (promptfoo eval -o out.json)",
    );
  }
  // The summary on its own (what promptfoo's Node API returns) has the same fields, one level up.
  const bare = head.results.kind === 'array' && head.keys.has('timestamp') && head.keys.has('version');
  const prefix = bare ? '' : 'results.';
  if (!bare) {
    if (head.results.kind === 'missing') {
      throw importError(
        0,
        'results: missing; a promptfoo results file (promptfoo eval -o out.json) has evalId and results',
      );
    }
    if (head.results.kind !== 'object') {
      throw importError(
        0,
        `results: expected an object holding version, timestamp and results, found ${describeSeen(head.results)}`,
      );
    }
    if (head.summaryKeys.has('outputs') && !head.summaryKeys.has('results')) {
      throw importError(
        0,
        `${prefix}outputs: this is the layout promptfoo's documentation sketches, not what promptfoo writes; a file from promptfoo eval -o out.json has ${prefix}results (version 3)`,
      );
    }
  }
  checkVersion(bare ? head.rootVersion : head.innerVersion, prefix);
  const results = bare ? head.results : head.innerResults;
  if (results.kind === 'missing') throw importError(0, `${prefix}results: missing; expected the array of results`);
  if (results.kind !== 'array') {
    throw importError(0, `${prefix}results: expected an array of results, found ${describeSeen(results)}`);
  }
  const detectedAt = readTimestamp(bare ? head.rootTimestamp : head.innerTimestamp, `${prefix}timestamp`);
  let runId: string | undefined;
  if (!bare) {
    const id = head.evalId;
    if (id.kind !== 'missing' && id.kind !== 'null' && id.kind !== 'string') {
      throw importError(0, `evalId: expected a string or null, found ${describeSeen(id)}`);
    }
    runId = typeof id.value === 'string' && id.value.trim() !== '' ? id.value.trim() : undefined;
  }
  // `metadata.promptfooVersion` is the tool's version; `results.version` is the layout's, and is not it.
  const v = head.promptfooVersion.value;
  const toolVersion = typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
  return { runId, toolVersion, detectedAt, path: `${prefix}results`, redteamConfig: head.redteamConfig };
}

/** Checks the layout's version as soon as it is known: a file of another version is refused for that, not for
 * whatever of its results differs. `prefix` is `results.` or empty (bare summary). */
export function checkVersion(version: Seen, prefix: string): void {
  if (version.kind === 'missing') throw importError(0, `${prefix}version: missing; expected 3`);
  if (version.value !== 3) {
    throw importError(
      0,
      `${prefix}version: ${version.kind === 'object' || version.kind === 'array' ? describeSeen(version) : shown(version.value)} is not supported; only version 3 (written by current promptfoo) is imported: run the eval again, or export it again, with a current promptfoo`,
    );
  }
}

function readTimestamp(seen: Seen, path: string): string {
  if (seen.kind === 'missing' || seen.kind === 'null') {
    throw importError(0, `${path}: missing; expected the ISO 8601 time of the run`);
  }
  const value = seen.value;
  // A time the calendar does not have (30 February) is a corrupt file, not a date: the parser refuses it.
  const at = typeof value === 'string' ? parseIsoTime(value.trim()) : undefined;
  if (!at) {
    const found = seen.kind === 'object' || seen.kind === 'array' ? describeSeen(seen) : short(value);
    throw importError(0, `${path}: ${found} is not an ISO 8601 time such as "2026-03-04T09:12:44.512Z"`);
  }
  return at.toISOString();
}
