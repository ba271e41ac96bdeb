import { normaliseCategory } from '../crosswalk';
import type { FrameworkRef, ScanEvidence } from '../finding';
import type { Severity } from '../severity';
import { isPlainObject, ownEntry } from '../validation';
import { PromptfooHead, checkVersion, headOfDocument, short, summaryOf, type PromptfooSummary } from './promptfoo-head';
import {
  HARM_CATEGORY_LABELS,
  INJECTION_STRATEGIES,
  JAILBREAK_STRATEGIES,
  promptfooPluginWeakness,
} from './promptfoo-plugins';
import type { RunDraft } from '../runs';
import { PromptfooRunRecorder } from './promptfoo-run';
import { importError, type ImportedFinding, type RunFacts } from './types';
import { weakness, weaknessFingerprint, type Weakness } from './weaknesses';

export { PROMPTFOO_PLUGIN_WEAKNESSES, promptfooPluginWeakness } from './promptfoo-plugins';

/** What the promptfoo parser knows about a run: the common facts, plus the results that are not findings
 * because the model held (`success: true`) or because the test itself errored (`failureReason: 2`: the target
 * timed out or the grader failed, so nothing was learnt about the weakness). */
export interface PromptfooRunFacts extends RunFacts {
  tool: 'promptfoo';
  held: number;
  errored: number;
}

const PROMPTFOO_SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low'];
const FALLBACK_SEVERITY: Severity = 'medium';
const EVAL_SEVERITY: Severity = 'low';
const MAX_DETAIL = 500;
const MAX_KEY = 100;
const MAX_TITLE = 500;
const REDTEAM_ASSERTION = 'promptfoo:redteam:';

type Obj = Record<string, unknown>;

/** How to read a promptfoo file. */
export interface PromptfooOptions {
  /** Import a plain eval (no red-team plugin or strategy anywhere) too, its failed checks as `failed_eval`
   * findings. Off by default: such failures are quality checks (latency, cost, wording), not security findings. */
  includeEvals?: boolean;
}

/** The refusal of a plain eval imported without `includeEvals`. */
export function plainEval() {
  return importError(
    0,
    'this is a plain promptfoo eval, not a red-team run: no result names a red-team plugin or strategy, so its failures are quality checks (latency, cost, assertions), not security findings; to import its failed checks as failed_eval findings anyway, pass include_evals=true',
  );
}

/** A result's fields once checked. */
interface Result {
  index: number;
  path: string;
  id?: string;
  promptIdx?: number;
  testIdx?: number;
  success: boolean;
  failureReason: 0 | 1 | 2;
  score?: number;
  description?: string;
  metadata: Obj;
  testCase: Obj;
  testMetadata: Obj;
  grading: Obj;
  response: Obj;
  prompt: Obj;
  vars: Obj;
  provider?: string;
}

/** What was attacked, as far as the result says. */
interface Target {
  weakness?: Weakness;
  /** Plugin id shown in the title and detail (the resolved one when found through `harmCategory`). */
  plugin?: string;
  strategy?: string;
}

/**
 * Reads promptfoo results (`promptfoo eval -o out.json` or `promptfoo redteam run -o out.json`) one result at a
 * time, for a caller that streams the file: pure, and holding nothing that grows with the file. Read a file twice:
 * first without a summary, to check it ({@link selects} the results array, {@link result} each result, and the
 * head's values through {@link head}; {@link end} then checks the head, throws the first bad result if any, and
 * says what the file holds), then with the summary the first read gave, to have each result's finding.
 *
 * A result is a finding when the attack worked (`success: false`), unless promptfoo says the test errored
 * (`failureReason: 2`). Red-team results map through their plugin id to a weakness of weaknesses.ts, so they
 * merge with garak's findings of the same weakness; an unknown plugin keeps its own category and the
 * fingerprint `promptfoo:<plugin>`. Results with no red-team plugin are plain eval checks: a failed
 * `moderation` assertion is harmful content, any other failed check becomes category `failed_eval`, severity
 * low, fingerprint `promptfoo:eval:<test description, or the failed assertion>`. A file with no red-team plugin
 * or strategy anywhere (and no red-team config) is a plain eval, refused unless `includeEvals`.
 *
 * Only the version 3 layout promptfoo writes (`results.results`) is read; the bare summary object (version,
 * timestamp, results) is accepted too. Anything else is an `import_invalid` error naming the JSON path.
 */
export class PromptfooReader {
  /** The file's head, as the caller's reader passes its values by (first read). */
  readonly head = new PromptfooHead();
  private resultsPath: string | undefined;
  private firstError: unknown;
  private itemsRead = 0;
  private findings = 0;
  private held = 0;
  private errored = 0;
  private redteam = false;
  private ended: PromptfooSummary | undefined;
  /** The run's results, providers and config (see {@link PromptfooRunRecorder}); a streaming caller passes it
   * the values under `config` as they go by. */
  readonly recorder = new PromptfooRunRecorder();

  constructor(
    private readonly options: PromptfooOptions = {},
    private readonly summary?: PromptfooSummary,
  ) {}

  /** Whether the array at `path` holds the results (the first such array; a second is an error). A layout
   * version already read that is not 3 is refused here, before any result is read. */
  selects(path: readonly string[]): boolean {
    if (!PromptfooHead.isResults(path)) return false;
    if (this.resultsPath !== undefined) throw importError(0, `${path.join('.')}: a second array of results`);
    this.resultsPath = path.join('.');
    const version = path.length === 1 ? this.head.rootVersion : this.head.innerVersion;
    if (!this.summary && version.kind !== 'missing') checkVersion(version, path.length === 1 ? '' : 'results.');
    return true;
  }

  /** Reads the result at `index` of the results array: its finding when the reader has a summary (undefined for
   * a result that is not one); checked and counted otherwise, a bad one kept to throw at {@link end}, after the
   * head is checked. */
  result(raw: unknown, index: number): ImportedFinding | undefined {
    // Past a bad result nothing more is learnt from the rest but the head, which the caller goes on reading.
    if (this.firstError !== undefined) return undefined;
    const path = `${this.resultsPath ?? this.summary?.path ?? 'results.results'}[${index}]`;
    let result: Result;
    try {
      result = readResult(raw, index, path);
    } catch (err) {
      if (this.summary) throw err;
      this.firstError ??= err;
      return undefined;
    }
    this.itemsRead++;
    const target = targetOf(result);
    if (target.plugin || target.strategy) this.redteam = true;
    const errored = !result.success && result.failureReason === 2;
    this.recorder.result({
      plugin: target.plugin,
      strategy: target.strategy,
      ...categoryOf(target),
      failed: !result.success,
      errored,
      ...(result.provider !== undefined ? { provider: result.provider } : {}),
    });
    if (result.success) this.held++;
    else if (errored) this.errored++;
    else {
      this.findings++;
      if (this.summary) return toFinding(result, target, this.summary);
    }
    return undefined;
  }

  /** Ends the read: checks the head (first read), throws the first bad result, refuses a plain eval unless asked
   * for, and says what the file holds. */
  end(): { summary: PromptfooSummary; facts: PromptfooRunFacts } {
    const summary = this.summary ?? summaryOf(this.head);
    if (this.firstError !== undefined) throw this.firstError;
    if (!this.redteam && !summary.redteamConfig && !this.options.includeEvals && this.itemsRead > 0) {
      throw plainEval();
    }
    const facts: PromptfooRunFacts = {
      tool: 'promptfoo',
      ...(summary.toolVersion ? { toolVersion: summary.toolVersion } : {}),
      ...(summary.runId ? { runId: summary.runId } : {}),
      itemsRead: this.itemsRead,
      findings: this.findings,
      held: this.held,
      errored: this.errored,
    };
    this.ended = summary;
    return { summary, facts };
  }

  /** What the file says about its run beside the findings, once {@link end} has been called: started at the
   * results' timestamp. */
  run(): RunDraft {
    if (!this.ended) throw new Error('PromptfooReader.run called before end()');
    return this.recorder.draft(this.ended.detectedAt);
  }
}

/** Reads a promptfoo results file already parsed whole (see {@link PromptfooReader}) and returns its findings
 * with facts about the run. Pure. */
export function parsePromptfooResults(
  doc: unknown,
  options: PromptfooOptions = {},
): { findings: ImportedFinding[]; facts: PromptfooRunFacts; run: RunDraft } {
  const summary = summaryOf(headOfDocument(doc));
  const reader = new PromptfooReader(options, summary);
  reader.recorder.wholeConfig((doc as Obj).config);
  const results = (
    summary.path === 'results' ? (doc as Obj).results : ((doc as Obj).results as Obj).results
  ) as unknown[];
  const findings: ImportedFinding[] = [];
  results.forEach((raw, index) => {
    const f = reader.result(raw, index);
    if (f) findings.push(f);
  });
  const { facts } = reader.end();
  return { findings, facts, run: reader.run() };
}

function readResult(raw: unknown, index: number, path: string): Result {
  if (!isPlainObject(raw)) throw importError(0, `${path}: expected an object, found ${kind(raw)}`);
  if (typeof raw.success !== 'boolean') {
    throw importError(
      0,
      `${path}.success: expected true or false, found ${raw.success === undefined ? 'nothing' : short(raw.success)}`,
    );
  }
  // promptfoo leaves out failureReason only in files older than the field; a failed result then failed its checks.
  let failureReason: 0 | 1 | 2 = raw.success ? 0 : 1;
  if (raw.failureReason !== undefined) {
    if (raw.failureReason !== 0 && raw.failureReason !== 1 && raw.failureReason !== 2) {
      throw importError(0, `${path}.failureReason: expected 0, 1 or 2, found ${short(raw.failureReason)}`);
    }
    failureReason = raw.failureReason;
  }
  let id: string | undefined;
  if (raw.id !== undefined && raw.id !== null) {
    if (typeof raw.id !== 'string' && typeof raw.id !== 'number') {
      throw importError(0, `${path}.id: expected a string, found ${kind(raw.id)}`);
    }
    id = String(raw.id).trim() || undefined;
  }
  const position = (field: 'promptIdx' | 'testIdx'): number | undefined => {
    const v = raw[field];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
      throw importError(0, `${path}.${field}: expected a whole number, found ${short(v)}`);
    }
    return v;
  };
  const testCase = object(raw, 'testCase', path);
  const metadata = object(raw, 'metadata', path);
  const testMetadata = object(testCase, 'metadata', `${path}.testCase`);
  const grading = object(raw, 'gradingResult', path);
  for (const [where, m] of [
    ['metadata', metadata],
    ['testCase.metadata', testMetadata],
  ] as const) {
    for (const field of ['pluginId', 'strategyId'] as const) {
      const v = m[field];
      if (v !== undefined && v !== null && typeof v !== 'string') {
        throw importError(0, `${path}.${where}.${field}: expected a string, found ${kind(v)}`);
      }
    }
  }
  let provider: string | undefined;
  if (typeof raw.provider === 'string') provider = nonEmpty(raw.provider);
  else if (isPlainObject(raw.provider)) provider = nonEmpty(raw.provider.id) ?? nonEmpty(raw.provider.label);
  return {
    index,
    path,
    id,
    promptIdx: position('promptIdx'),
    testIdx: position('testIdx'),
    success: raw.success,
    failureReason,
    score: typeof raw.score === 'number' && Number.isFinite(raw.score) ? raw.score : undefined,
    description: nonEmpty(testCase.description) ?? nonEmpty(raw.description),
    metadata,
    testCase,
    testMetadata,
    grading,
    response: object(raw, 'response', path),
    prompt: object(raw, 'prompt', path),
    vars: object(raw, 'vars', path),
    provider,
  };
}

/** An optional object field: `{}` when absent or null, an error naming the path when it is something else. */
function object(parent: Obj, field: string, path: string): Obj {
  const v = parent[field];
  if (v === undefined || v === null) return {};
  if (!isPlainObject(v)) throw importError(0, `${path}.${field}: expected an object, found ${kind(v)}`);
  return v;
}

function toFinding(r: Result, target: Target, summary: PromptfooSummary): ImportedFinding {
  const strategy = target.strategy;
  const scan: ScanEvidence = {};
  if (target.plugin) scan.plugin = target.plugin;
  if (strategy) scan.strategy = strategy;
  if (r.provider) scan.provider = clip(r.provider, MAX_KEY);
  if (r.score !== undefined) scan.score = r.score;
  const reason = nonEmpty(r.grading.reason);
  if (reason) scan.graderReason = clip(reason, MAX_DETAIL);
  const goal = nonEmpty(r.metadata.goal) ?? nonEmpty(r.testMetadata.goal);
  if (goal) scan.goal = clip(goal, MAX_DETAIL);

  const how = strategy && strategy !== 'basic' ? `, ${strategy}` : '';
  let title: string;
  let fingerprint: string;
  let severity: Severity;
  const { category, frameworkRefs } = categoryOf(target);
  if (target.weakness) {
    const w = target.weakness;
    const label = target.plugin ? `${target.plugin}${how}` : strategy ? `strategy ${strategy}` : 'eval';
    title = `${w.title} (promptfoo ${label})`;
    fingerprint = weaknessFingerprint(w.id);
    severity = severityOf(r) ?? w.severity;
    if (!target.plugin && !strategy) scan.check = evalDetail(r).check;
  } else if (target.plugin) {
    title = `Unclassified weakness (promptfoo ${target.plugin}${how})`;
    fingerprint = `promptfoo:${target.plugin}`;
    severity = severityOf(r) ?? FALLBACK_SEVERITY;
  } else {
    const check = evalDetail(r);
    title = `Evaluation check failed: ${check.check} (promptfoo eval)`;
    fingerprint = `promptfoo:eval:${check.check}`;
    severity = severityOf(r) ?? EVAL_SEVERITY;
    scan.check = check.check;
  }

  return {
    title: clip(title, MAX_TITLE),
    category,
    severity,
    detectedAt: summary.detectedAt,
    fingerprint,
    frameworkRefs,
    evidence: { prompt: promptOf(r), response: responseOf(r) },
    source: {
      tool: 'promptfoo',
      ...(summary.toolVersion ? { toolVersion: summary.toolVersion } : {}),
      ...(summary.runId ? { runId: summary.runId } : {}),
      item: r.id ?? `${r.promptIdx ?? '-'}:${r.testIdx ?? '-'}:${r.index}`,
      scan,
    },
  };
}

/** The category and refs a result's finding gets, and its run result: the weakness's; an unknown plugin's own
 * category; `failed_eval` for a plain eval check. */
function categoryOf(target: Target): { category: string; frameworkRefs: FrameworkRef[] } {
  if (target.weakness) return { category: target.weakness.category, frameworkRefs: uniqueRefs(target.weakness.refs) };
  if (target.plugin) {
    return { category: normaliseCategory(target.plugin).replace(/[^a-z0-9_]+/g, '_'), frameworkRefs: [] };
  }
  return { category: 'failed_eval', frameworkRefs: [] };
}

/**
 * The plugin, strategy and weakness of a result. The plugin id is looked for wherever promptfoo puts it (the
 * result's metadata, its test case's, the grading result's, a `promptfoo:redteam:<plugin>` assertion; an id that
 * names an injection strategy is taken as the strategy and the search goes on) before
 * falling back to `harmCategory`, a display label only promptfoo's harmful plugins set. With no plugin at all,
 * a result delivered by the prompt-injection strategy is prompt injection, and one delivered by a jailbreak
 * strategy is a jailbreak: the delivery working is then the only weakness the file shows. Anything else
 * without a plugin is a plain eval check.
 */
function targetOf(r: Result): Target {
  const grading = isPlainObject(r.grading.metadata) ? r.grading.metadata : {};
  let strategy = clipId(
    nonEmpty(r.metadata.strategyId) ?? nonEmpty(r.testMetadata.strategyId) ?? nonEmpty(grading.strategyId),
  );
  let plugin: string | undefined;
  for (const named of [r.metadata.pluginId, r.testMetadata.pluginId, grading.pluginId, redteamAssertionPlugin(r)]) {
    const id = clipId(nonEmpty(named));
    if (id && INJECTION_STRATEGIES.has(id)) strategy ??= id;
    else if (id) {
      plugin = id;
      break;
    }
  }
  if (!plugin) {
    const harm = nonEmpty(r.metadata.harmCategory) ?? nonEmpty(r.testMetadata.harmCategory);
    if (harm) {
      const key = harm.trim().toLowerCase();
      // An unknown label still came from a harmful plugin, so it is harmful content under a slug of its own.
      plugin = clipId(
        promptfooPluginWeakness(key)
          ? key
          : (ownEntry(HARM_CATEGORY_LABELS, key) ?? `harmful:${key.replace(/[^a-z0-9]+/g, '-')}`),
      );
    }
  }
  if (plugin) {
    const id = promptfooPluginWeakness(plugin);
    return { plugin, strategy, weakness: id ? weakness(id) : undefined };
  }
  if (strategy && INJECTION_STRATEGIES.has(strategy)) return { strategy, weakness: weakness('prompt-injection') };
  if (strategy && (strategy.startsWith('jailbreak') || JAILBREAK_STRATEGIES.has(strategy))) {
    return { strategy, weakness: weakness('jailbreak') };
  }
  if (failedAssertions(r).some((a) => a.type === 'moderation'))
    return { strategy, weakness: weakness('harmful-content') };
  return { strategy };
}

function redteamAssertionPlugin(r: Result): string | undefined {
  const types = [...assertionsOf(r.testCase.assert), ...failedAssertions(r)].map((a) => a.type);
  const hit = types.find((t) => t?.startsWith(REDTEAM_ASSERTION));
  return hit ? nonEmpty(hit.slice(REDTEAM_ASSERTION.length)) : undefined;
}

interface Assertion {
  type?: string;
  metric?: string;
  value?: string;
}

function assertionsOf(value: unknown): Assertion[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isPlainObject).map((a) => ({
    type: nonEmpty(a.type),
    metric: nonEmpty(a.metric),
    value: typeof a.value === 'string' ? a.value : undefined,
  }));
}

/** The assertions whose component results failed, in order. */
function failedAssertions(r: Result): Assertion[] {
  const components = Array.isArray(r.grading.componentResults) ? r.grading.componentResults : [];
  return assertionsOf(components.filter((c): c is Obj => isPlainObject(c) && c.pass === false).map((c) => c.assertion));
}

/** What names a plain eval check: the test's description, else the first failed assertion, else the first
 * assertion of the test, else the test's position. */
function evalDetail(r: Result): { check: string; assertion?: string } {
  const failed = failedAssertions(r)[0] ?? assertionsOf(r.testCase.assert)[0];
  const assertionLabel = failed
    ? (failed.metric ?? [failed.type ?? 'assertion', failed.value].filter((s) => s !== undefined).join(' '))
    : undefined;
  const check = clip(
    (r.description ?? assertionLabel ?? `test ${r.testIdx ?? r.index}`).replace(/\s+/g, ' ').trim(),
    MAX_KEY,
  );
  return { check, ...(failed?.type ? { assertion: failed.type } : {}) };
}

/** promptfoo's own severity for the result (critical, high, medium or low), or undefined to use the default. */
function severityOf(r: Result): Severity | undefined {
  for (const v of [r.metadata.severity, r.testMetadata.severity]) {
    const s = typeof v === 'string' ? v.trim().toLowerCase() : '';
    if ((PROMPTFOO_SEVERITIES as readonly string[]).includes(s)) return s as Severity;
  }
  return undefined;
}

/** What was sent: the final prompt an iterative or multi-turn strategy settled on when there is one (the
 * rendered prompt then holds only the starting point), else the rendered prompt, else the attack variable. */
function promptOf(r: Result): string {
  const responseMeta = isPlainObject(r.response.metadata) ? r.response.metadata : {};
  const candidates = [
    r.metadata.redteamFinalPrompt,
    responseMeta.redteamFinalPrompt,
    r.prompt.raw,
    r.vars.prompt,
    r.vars.query,
    isPlainObject(r.testCase.vars) ? r.testCase.vars.prompt : undefined,
    isPlainObject(r.testCase.vars) ? r.testCase.vars.query : undefined,
  ];
  for (const c of candidates) if (typeof c === 'string' && c.trim() !== '') return c;
  return '';
}

function responseOf(r: Result): string {
  const output = r.response.output;
  if (output === undefined || output === null) return '';
  if (typeof output === 'string') return output;
  if (typeof output === 'object') return JSON.stringify(output);
  return String(output);
}

function uniqueRefs(refs: readonly FrameworkRef[]): FrameworkRef[] {
  const seen = new Set<string>();
  return refs.filter((ref) => {
    const key = `${ref.framework} ${ref.control}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** A plugin or strategy id, lower-cased and bounded so it fits a category and a fingerprint. */
function clipId(id: string | undefined): string | undefined {
  return id === undefined ? undefined : clip(id.toLowerCase(), MAX_KEY);
}

/** Text cut to `max` characters (whole code points), ending in `…` when cut. */
function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const points = Array.from(text);
  return points.length <= max ? text : points.slice(0, max - 1).join('') + '…';
}

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `${typeof value === 'string' ? 'a string' : `a ${typeof value}`} ${short(value)}`;
}
