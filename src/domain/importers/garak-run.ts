import { normaliseCategory } from '../crosswalk';
import type { FrameworkRef } from '../finding';
import { MAX_RUN_RESULTS, ResultTally, configJson, type RunDraft } from '../runs';
import { DETECTOR_PREFIXES, garakProbeWeaknessId, moduleOf, stripPrefix } from './garak-probes';
import { describe, isoTime } from './garak-values';
import { importError } from './types';
import { weakness } from './weaknesses';

/** Longest target name kept: a model or generator name, not a document. */
const MAX_TARGET = 200;

/** The category and the weakness's own refs of a garak probe: what its findings get (see garak.ts). */
export function garakProbeCategory(probe: string): { category: string; refs: readonly FrameworkRef[] } {
  const id = garakProbeWeaknessId(probe);
  if (id === undefined) return { category: normaliseCategory(moduleOf(probe).toLowerCase()), refs: [] };
  const w = weakness(id);
  return { category: w.category, refs: w.refs };
}

/** A whole number ≥ 0 of an `eval` entry, or an error naming the field. */
function count(entry: Record<string, unknown>, field: string, lineNo: number): number {
  const v = entry[field];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw importError(lineNo, `eval: ${field} must be a whole number ≥ 0, found ${describe(v)}`);
  }
  return v;
}

/**
 * What a garak report says about its run beside the hits: the configuration (the `start_run setup` entry), the
 * target, when it ended, and per probe × detector what the `eval` entries count. Holds at most
 * {@link MAX_RUN_RESULTS} results and as many probes; the setup entry is one line.
 *
 * garak counts outputs, not attempts: an attempt with three generations is three outputs judged by each detector.
 * So a result's `attempts` are the outputs the detector judged and `failures` those it failed, whichever way the
 * version writes it: `passed` and `total` (0.9 to 0.13.0: every output), `passed`, `nones` and `total` (0.13.1 to
 * 0.13.3: `total` leaves out the outputs scored none), `passed`, `fails`, `nones`, `total_evaluated` and
 * `total_processed` (0.14 on). Outputs scored none are the result's `errors`.
 */
export class GarakRunRecorder {
  private config: Record<string, unknown> | undefined;
  private target: string | undefined;
  private finishedAt: string | undefined;
  private readonly tally: ResultTally;
  /** Probes with an evaluated attempt, and probes with an eval entry: a report whose every such probe was
   * evaluated holds the whole run's results. */
  private readonly attempted = new Set<string>();
  private readonly evaluated = new Set<string>();
  private lineNo = 0;

  constructor() {
    this.tally = new ResultTally((max) =>
      importError(
        this.lineNo,
        `the run has more than ${max} distinct probe × detector results; at most ${max} are imported from one run`,
      ),
    );
  }

  /** The `start_run setup` entry: the run's configuration, less what differs from run to run of the same
   * configuration (`transient.*`: run id, start time, file names), and its target. */
  setup(entry: Record<string, unknown>): void {
    if (this.config !== undefined) return;
    // Built with fromEntries, which defines every key: an assigned "__proto__" would replace the prototype instead.
    this.config = Object.fromEntries(Object.entries(entry).filter(([key]) => !key.startsWith('transient.')));
    this.noteTarget(entry['plugins.target_type'], entry['plugins.target_name']);
    this.noteTarget(entry['plugins.model_type'], entry['plugins.model_name']);
  }

  /** The digest's `meta` (garak 0.14+), naming the target again. */
  digestMeta(meta: Record<string, unknown>): void {
    this.noteTarget(meta.target_type, meta.target_name);
  }

  /** A hitlog line's `generator` (`<type> <name>`). */
  generator(value: unknown): void {
    this.noteTarget(value, undefined);
  }

  completion(entry: Record<string, unknown>): void {
    if (this.finishedAt === undefined && typeof entry.end_time === 'string') this.finishedAt = isoTime(entry.end_time);
  }

  /** An evaluated attempt of `probe` (status 2). */
  attempt(probe: string, lineNo: number): void {
    this.lineNo = lineNo;
    if (this.attempted.has(probe)) return;
    if (this.attempted.size >= MAX_RUN_RESULTS) {
      throw importError(
        lineNo,
        `the run attempts more than ${MAX_RUN_RESULTS} distinct probes; at most ${MAX_RUN_RESULTS} are imported from one run`,
      );
    }
    this.attempted.add(probe);
  }

  /** An `eval` entry of `probe` (its name already checked). */
  evalEntry(entry: Record<string, unknown>, probe: string, lineNo: number): void {
    this.lineNo = lineNo;
    const rawDetector = entry.detector;
    if (typeof rawDetector !== 'string' || rawDetector === '') {
      throw importError(lineNo, `eval: detector must be a non-empty string, found ${describe(rawDetector)}`);
    }
    const detector = stripPrefix(rawDetector, DETECTOR_PREFIXES);
    const passed = count(entry, 'passed', lineNo);
    const nones = entry.nones === undefined ? 0 : count(entry, 'nones', lineNo);
    let attempts: number;
    let failures: number;
    if (entry.fails !== undefined) {
      failures = count(entry, 'fails', lineNo);
      attempts = entry.total_evaluated === undefined ? passed + failures : count(entry, 'total_evaluated', lineNo);
      if (passed + failures !== attempts) {
        throw importError(
          lineNo,
          `eval: passed (${passed}) and fails (${failures}) do not add up to total_evaluated (${attempts})`,
        );
      }
    } else {
      attempts = count(entry, 'total', lineNo);
      if (passed > attempts) throw importError(lineNo, `eval: passed (${passed}) is more than total (${attempts})`);
      failures = attempts - passed;
    }
    this.evaluated.add(probe);
    this.tally.add({ probe, detector }, { attempts, failures, errors: nones }, () => ({
      probe,
      detector,
      attempts: 0,
      failures: 0,
      frameworkRefs: [],
    }));
  }

  /**
   * The run as the file describes it. A report's results are complete when every probe with an evaluated
   * attempt has its eval entries (a run cut short before garak evaluated its last probe is not). A hitlog holds
   * hits only: how many attempts each probe made, and how many passed, cannot be known from it, so its results
   * are left empty rather than guessed. `refsOf` gives a probe's refs beyond its weakness's (its tags), known
   * once the whole file is read: the digest that tags every probe comes last.
   */
  draft(
    format: 'garak-report' | 'garak-hitlog',
    startedAt: string | undefined,
    refsOf: (probe: string) => readonly FrameworkRef[],
  ): RunDraft {
    const report = format === 'garak-report';
    const results = report
      ? this.tally.results().map((r) => {
          const { category, refs } = garakProbeCategory(r.probe);
          const frameworkRefs: FrameworkRef[] = [];
          for (const ref of [...refs, ...refsOf(r.probe)]) {
            if (!frameworkRefs.some((x) => x.framework === ref.framework && x.control === ref.control)) {
              frameworkRefs.push({ framework: ref.framework, control: ref.control });
            }
          }
          return { ...r, category, frameworkRefs };
        })
      : [];
    const draft: RunDraft = {
      resultsComplete: report && [...this.attempted].every((p) => this.evaluated.has(p)),
      results,
    };
    if (startedAt !== undefined) draft.startedAt = startedAt;
    if (this.finishedAt !== undefined) draft.finishedAt = this.finishedAt;
    if (this.target !== undefined) draft.target = this.target;
    const config = configJson(this.config);
    if (config !== undefined) draft.configJson = config;
    return draft;
  }

  private noteTarget(type: unknown, name: unknown): void {
    if (this.target !== undefined) return;
    const parts = [type, name].filter((v): v is string => typeof v === 'string' && v.trim() !== '');
    if (parts.length === 0) return;
    const target = parts.map((p) => p.trim()).join(' ');
    this.target = target.length <= MAX_TARGET ? target : `${target.slice(0, MAX_TARGET - 1)}…`;
  }
}
