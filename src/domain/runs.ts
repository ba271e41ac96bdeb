import type { FrameworkRef } from './finding';

/** One thing a run tested and how it went: a garak probe judged by one detector, or a promptfoo plugin delivered
 * by one strategy. Counted whether or not it failed, so that a clean result has a denominator. */
export interface ProbeResult {
  /** garak probe (`module.Class`) or promptfoo plugin id. */
  probe: string;
  /** garak detector that judged the attempts; absent where the tool counts the probe as a whole. */
  detector?: string;
  /** promptfoo strategy that delivered the attack (`basic` when none). */
  strategy?: string;
  /** Attempts evaluated, and how many of them the tool counted as a failure of the model (an attack that worked). */
  attempts: number;
  failures: number;
  /** What was tried but could not be judged, counted in neither of the above: garak outputs its detector scored
   * none (`nones`), promptfoo tests that errored (`failureReason` 2). Absent when none were. */
  errors?: number;
  /** The weakness category the probe's findings get (see catalogue/crosswalk.json); what a clean result is
   * evidence about. Absent when the service has no weakness for the probe. */
  category?: string;
  /** Controls the probe's findings reference explicitly (its tags, the plugin's mapping). */
  frameworkRefs: FrameworkRef[];
}

/** Where a run was recorded from. */
export type RunOrigin = 'import' | 'api';

/** A red-team run against one endpoint: what was tested, with what, and how it went, recorded whether or not it
 * found anything. Findings link to it by their source's tool and run id. */
export interface TestRun {
  /** The service's id for the run (`run_` and 20 characters). */
  id: string;
  tenantId: string;
  endpointId: string;
  tool: string;
  toolVersion?: string;
  /** The id the run's findings carry in their source: the tool's run id for an imported file (or `file:<sha256>`
   * for a file that names none), the run's own {@link id} for a run posted through the API. */
  runId: string;
  /** sha256 (hex) of the run's configuration as the tool wrote it, where it did. */
  configSha256?: string;
  /** The model or provider the run attacked, where the file names it. */
  target?: string;
  /** When the run started (ISO 8601); the run counts in a report whose period holds this day. */
  startedAt: string;
  finishedAt?: string;
  origin: RunOrigin;
  /** The scanner file the run was imported from, and the import job that did it. */
  fileSha256?: string;
  importId?: string;
  /** Whether {@link results} counts everything the run tested: false for a file that holds hits only (a garak
   * hitlog), whose run's passes cannot be known from it. */
  resultsComplete: boolean;
  results: ProbeResult[];
  recordedAt: string;
}

/** Most distinct results (probe × detector, plugin × strategy) one run may hold: far past what garak or promptfoo
 * run in one go (garak has a few hundred probes, each judged by a handful of detectors), and small enough that a
 * run is one stored document. A file past it is refused rather than cut, so a stored run never undercounts. */
export const MAX_RUN_RESULTS = 10_000;

/** What a scanner file says about its run beside its findings, before the run has a tenant, an endpoint and ids. */
export interface RunDraft {
  startedAt?: string;
  finishedAt?: string;
  target?: string;
  /** The tool's configuration in canonical form ({@link configJson}), whose sha256 is the run's configSha256;
   * absent where the file holds none, or one past {@link MAX_CONFIG_CHARS}. */
  configJson?: string;
  resultsComplete: boolean;
  results: ProbeResult[];
}

/** The counts of one result as a tally adds them up. */
export interface ResultCounts {
  attempts: number;
  failures: number;
  errors?: number;
}

/**
 * Adds up a run's results by probe, detector and strategy, holding at most {@link MAX_RUN_RESULTS} of them: an
 * entry past that is an error `tooMany` builds (the importers' `import_invalid` naming the line). Entries keep the
 * order they were first seen in.
 */
export class ResultTally {
  private readonly entries = new Map<string, ProbeResult>();

  constructor(private readonly tooMany: (max: number) => Error) {}

  get size(): number {
    return this.entries.size;
  }

  /** Adds counts to the entry of `key`, made by `create` the first time it is seen. */
  add(
    key: Pick<ProbeResult, 'probe' | 'detector' | 'strategy'>,
    counts: ResultCounts,
    create: () => ProbeResult,
  ): void {
    const id = JSON.stringify([key.probe, key.detector ?? null, key.strategy ?? null]);
    let entry = this.entries.get(id);
    if (!entry) {
      if (this.entries.size >= MAX_RUN_RESULTS) throw this.tooMany(MAX_RUN_RESULTS);
      entry = create();
      this.entries.set(id, entry);
    }
    entry.attempts += counts.attempts;
    entry.failures += counts.failures;
    if (counts.errors) entry.errors = (entry.errors ?? 0) + counts.errors;
  }

  /** The entries, each as its own copy. */
  results(): ProbeResult[] {
    return [...this.entries.values()].map((r) => ({ ...r, frameworkRefs: r.frameworkRefs.map((ref) => ({ ...ref })) }));
  }
}

/**
 * A JSON value in the canonical form of RFC 8785 (JCS): object keys sorted by their UTF-16 code units at every
 * level, no white space, numbers and strings as ECMAScript's JSON.stringify writes them. The same value always gives
 * the same text whatever order its keys were written in, so its sha256 identifies a configuration; any JCS
 * implementation gives the same text. `undefined` members are left out, as JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const record = value as Record<string, unknown>;
  const members = Object.keys(record)
    .filter((k) => record[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`);
  return `{${members.join(',')}}`;
}

/** Longest configuration whose digest a run keeps, in characters of its canonical form: a promptfoo config holds
 * every generated test case, and one this large is read (and held) for nothing else. */
export const MAX_CONFIG_CHARS = 16 * 1024 * 1024;

/** A configuration's canonical text ({@link canonicalJson}), or undefined when there is none or it is longer than
 * {@link MAX_CONFIG_CHARS}. */
export function configJson(config: unknown): string | undefined {
  if (config === undefined) return undefined;
  const text = canonicalJson(config);
  return text.length <= MAX_CONFIG_CHARS ? text : undefined;
}

/** What a run's results add up to: how many there are, their attempts, failures and errors. */
export interface RunTotals {
  results: number;
  attempts: number;
  failures: number;
  errors: number;
}

/** Sums a run's results. */
export function runTotals(results: readonly ProbeResult[]): RunTotals {
  const totals: RunTotals = { results: results.length, attempts: 0, failures: 0, errors: 0 };
  for (const r of results) {
    totals.attempts += r.attempts;
    totals.failures += r.failures;
    totals.errors += r.errors ?? 0;
  }
  return totals;
}
