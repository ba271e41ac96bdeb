import type { FrameworkRef } from '../finding';
import { MAX_CONFIG_CHARS, ResultTally, configJson, type RunDraft } from '../runs';
import { importError } from './types';

/** Providers named in a run's target before the rest are summed up: a red team attacks one target, an eval
 * compares a few. */
const MAX_PROVIDERS = 8;
/** Longest provider name kept. */
const MAX_PROVIDER = 200;

/** The probe of a result no red-team plugin names: one a strategy delivered on its own (`(none)` × `jailbreak:tree`),
 * and a plain eval check (`eval`). */
export const NO_PLUGIN = '(none)';
export const PLAIN_EVAL = 'eval';

/** How one result counts in its run, as the reader decided it. */
export interface ResultOutcome {
  plugin?: string;
  strategy?: string;
  category?: string;
  frameworkRefs: readonly FrameworkRef[];
  /** The attack worked: the result is a finding. */
  failed: boolean;
  /** The test errored (`failureReason` 2): nothing was learnt, so it is not an attempt. */
  errored: boolean;
  provider?: string;
}

/**
 * What a promptfoo file says about its run beside the findings: per plugin × strategy, the results evaluated
 * (`attempts`: every result but those that errored) and those where the attack worked (`failures`, exactly the
 * results that are findings), errored ones as `errors`; the providers attacked; and the file's `config`, rebuilt from
 * the values a streaming reader passes by (or taken whole from a parsed document) for its digest. Holds at most
 * {@link MAX_RUN_RESULTS} results and a config of {@link MAX_CONFIG_CHARS}; a larger config is dropped, not refused.
 */
export class PromptfooRunRecorder {
  private readonly tally = new ResultTally((max) =>
    importError(
      0,
      `the run has more than ${max} distinct plugin × strategy results; at most ${max} are imported from one run`,
    ),
  );
  private readonly providers: string[] = [];
  private moreProviders = false;
  private config: unknown;
  private configStack: (Record<string, unknown> | unknown[])[] = [];
  private configChars = 0;
  private configDropped = false;

  /** Counts one result. */
  result(o: ResultOutcome): void {
    const probe = o.plugin ?? (o.strategy ? NO_PLUGIN : PLAIN_EVAL);
    const strategy = o.strategy ?? 'basic';
    const counts = { attempts: o.errored ? 0 : 1, failures: o.failed && !o.errored ? 1 : 0, errors: o.errored ? 1 : 0 };
    this.tally.add({ probe, strategy }, counts, () => ({
      probe,
      strategy,
      attempts: 0,
      failures: 0,
      ...(o.category !== undefined ? { category: o.category } : {}),
      frameworkRefs: o.frameworkRefs.map((r) => ({ framework: r.framework, control: r.control })),
    }));
    if (o.provider !== undefined && !this.providers.includes(o.provider)) {
      if (this.providers.length < MAX_PROVIDERS) this.providers.push(o.provider.slice(0, MAX_PROVIDER));
      else this.moreProviders = true;
    }
  }

  /** The config of a document parsed whole. */
  wholeConfig(config: unknown): void {
    this.config = config;
  }

  /** A value a streaming reader passes by at `path` (`*` for array elements): those under `config` are put back
   * together, `container` telling an object or array that opens from a string that reads "object" or "array". */
  see(path: readonly string[], value: unknown, container: boolean): void {
    if (path[0] !== 'config' || this.configDropped) return;
    const built = container ? (value === 'object' ? {} : []) : value;
    const depth = path.length - 1;
    if (depth === 0) {
      this.config = built;
      this.configStack = container ? [built as Record<string, unknown> | unknown[]] : [];
      return;
    }
    this.configStack.length = depth;
    const parent = this.configStack[depth - 1];
    const key = path[depth];
    if (Array.isArray(parent)) parent.push(built);
    // Defined, not assigned: a key "__proto__" is data here, as JSON.parse keeps it.
    else Object.defineProperty(parent, key, { value: built, enumerable: true, writable: true, configurable: true });
    if (container) this.configStack.push(built as Record<string, unknown> | unknown[]);
    // Counts less than the canonical text will be, so only a config sure to be past the bound is dropped early.
    this.configChars += key.length + (typeof value === 'string' ? value.length : 4);
    if (this.configChars > MAX_CONFIG_CHARS) {
      this.configDropped = true;
      this.config = undefined;
      this.configStack = [];
    }
  }

  /** The run as the file describes it: every result was counted, so its results are complete. */
  draft(startedAt: string | undefined): RunDraft {
    const draft: RunDraft = { resultsComplete: true, results: this.tally.results() };
    if (startedAt !== undefined) draft.startedAt = startedAt;
    if (this.providers.length > 0) draft.target = this.providers.join(', ') + (this.moreProviders ? ', …' : '');
    const config = configJson(this.configDropped ? undefined : this.config);
    if (config !== undefined) draft.configJson = config;
    return draft;
  }
}
