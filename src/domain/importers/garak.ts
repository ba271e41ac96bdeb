import type { DetectorScore, ScanEvidence } from '../finding';
import { isPlainObject } from '../validation';
import { isPendingAttempt, lineText, withoutConversations } from './garak-lines';
import { GarakProbeFacts } from './garak-probe-facts';
import { DETECTOR_PREFIXES, stripPrefix } from './garak-probes';
export { MAX_LISTED_MODULES } from './garak-probe-facts';

/** Longest goal kept with a finding: it names what the attack was after, a sentence, not evidence. */
const MAX_GOAL = 500;
import { GarakRunRecorder } from './garak-run';
import {
  aggregated,
  bestScore,
  clipText,
  describe,
  isoTime,
  messageText,
  outputScore,
  promptText,
  quote,
} from './garak-values';
import type { RunDraft } from '../runs';
import { importError, type ImportedFinding, type RunFacts } from './types';
export {
  GARAK_PROBE_CLASS_WEAKNESSES,
  GARAK_PROBE_MODULE_WEAKNESSES,
  garakProbeWeaknessId,
  owaspRefFromTag,
} from './garak-probes';

/** The two garak files the reader takes: the run's `report.jsonl` and its `hitlog.jsonl`. */
export type GarakFormat = 'garak-report' | 'garak-hitlog';

/** How to read a garak file. */
export interface GarakReaderOptions {
  format: GarakFormat;
  /** ISO 8601 start of the run, used as the findings' time when the file records none: always for a hitlog
   * (garak writes no time into it), and for a report whose `start_run setup` and `init` entries are missing or
   * come after its first hit. A time in the report itself wins. */
  runStartedAt?: string;
  /** Most detectors one attempt may carry scores from ({@link GARAK_MAX_DETECTORS} by default): a line naming
   * more is refused rather than read, so one line cannot turn into an unbounded list. */
  maxDetectors?: number;
}

/** What the garak reader knows about a run once it has read the file. `itemsRead` counts evaluated attempts
 * (status 2) in a report and hit lines in a hitlog. */
export interface GarakRunFacts extends RunFacts {
  tool: 'garak';
  /** Probe modules whose findings fell back to a category of their own (`garak:<module>` fingerprints, no
   * weakness refs): modules this reader does not know, and the few it knows but no weakness fits (`glitch`,
   * `test`, `fileformats`). Sorted; at most {@link MAX_LISTED_MODULES}. */
  unmappedProbeModules: string[];
}

/** garak's default evaluation threshold: an output scoring at least this is a hit. A report whose setup entry
 * sets `run.eval_threshold` is judged by that instead, as garak judged it when it wrote the hitlog. */
export const GARAK_HIT_THRESHOLD = 0.5;

/** How many detectors an attempt may be scored by unless the caller says otherwise. garak runs a probe's primary
 * detector and, with extended detectors on, a handful more; dozens would already be unusual. */
export const GARAK_MAX_DETECTORS = 64;

/**
 * Reads a garak `report.jsonl` or `hitlog.jsonl` one line at a time and turns its hits into findings. Pure: it
 * is handed lines and returns findings, and it keeps only small facts about the run (version, run id, start
 * time, threshold, probe tags seen in a digest), never the lines, so a file of any length is read in bounded
 * memory. The caller strips a UTF-8 BOM and enforces a maximum line length; blank lines and a trailing `\r`
 * are handled here.
 *
 * report.jsonl: every `attempt` entry with status 2 (evaluated) is read; garak also writes each attempt with
 * status 1 when its outputs arrive, and those are skipped, as are `probe_summary` and other entries; `eval`,
 * `completion` and `start_run setup` entries give the run's results and facts ({@link run}). An attempt that any detector scored at or above the threshold is one finding, whatever the
 * number of detectors: it lists each detector that hit with its best score, carries the prompt's last user turn
 * and the output the best hit scored as evidence, and has the attempt's uuid as its item. A score is a number,
 * null, or (garak 0.14's multi-turn probes) a list of per-turn scores, of which the best counts. 0.10.x
 * attempts (prompt a string, outputs strings) and 0.14+ attempts (prompt a conversation, outputs message objects
 * or null) are both read.
 *
 * hitlog.jsonl: every line is one hit of one detector on one output of an attempt, with the attempt's uuid as
 * its item, so a hit found in a run's report and in its hitlog is the same finding. garak writes the lines of
 * one attempt apart (detector by detector), so merging them into one finding is the caller's work: findings of
 * one item are one finding whose detectors are the lines' detectors.
 *
 * Framework refs are the weakness's own refs (see {@link GARAK_PROBE_MODULE_WEAKNESSES}) plus the OWASP tags
 * the line carries (`tags` or `notes.tags`) or that a `plugin_cache` or digest entry read earlier gave its
 * probe. garak 0.15 writes a `plugin_cache` entry with every probe's tags before the attempts, so a probe this
 * reader has no row for still lands on the controls garak tags it with; the digest, written last, comes too
 * late for the findings before it.
 *
 * Time: findings carry the run's start (the `start_run setup` entry's `transient.starttime_iso` or the `init`
 * entry's `start_time`, whichever comes first: garak writes the same time in both), else `runStartedAt`. garak writes local time without an offset; such times are read as UTC, since nothing in
 * the file says which zone the scanning machine was in. A hit with no time to give it is an import error at its
 * line, so a hitlog needs `runStartedAt`; a file with no hits needs no time.
 *
 * A run is one file: a second run id (another `start_run setup`, or a hitlog line of another run) is an error,
 * and so is the output of garak's `aggregate_reports`, which gives every attempt of every run it merges the same
 * uuid.
 */
export class GarakReader {
  private readonly format: GarakFormat;
  private readonly fallbackTime: string | undefined;
  private toolVersion: string | undefined;
  private runId: string | undefined;
  private runTime: string | undefined;
  private threshold = GARAK_HIT_THRESHOLD;
  private readonly maxDetectors: number;
  private entries = 0;
  private itemsRead = 0;
  private findings = 0;
  private ended = false;
  private readonly probes = new GarakProbeFacts();
  private readonly recorder = new GarakRunRecorder();

  /** Throws an `import_invalid` error when `runStartedAt` is given but is not an ISO 8601 time. */
  constructor(options: GarakReaderOptions) {
    this.format = options.format;
    this.maxDetectors = options.maxDetectors ?? GARAK_MAX_DETECTORS;
    if (options.runStartedAt !== undefined) {
      const time = isoTime(options.runStartedAt);
      if (!time) throw importError(0, `runStartedAt ${quote(options.runStartedAt)} is not an ISO 8601 time`);
      this.fallbackTime = time;
    }
  }

  /** Whether a raw line is a status-1 attempt that {@link line} would pass over, judged from its first 200
   * characters (ASCII is enough for the keys tested) and its last: lets a caller skip decoding it at all. */
  static passesOver(head: string, last: string): boolean {
    return isPendingAttempt(head, last);
  }

  /** Reads one line (1-based `lineNo`, without its newline) and returns the findings it yields, often none.
   * Throws an `import_invalid` error naming the line when it is not what the format allows. */
  line(text: string, lineNo: number): ImportedFinding[] {
    if (this.ended) throw new Error('GarakReader.line called after end()');
    const t = lineText(text, lineNo);
    if (t === undefined) return [];
    if (this.format === 'garak-report' && isPendingAttempt(t.slice(0, 200), t[t.length - 1])) {
      this.entries++;
      return [];
    }
    let value: unknown;
    try {
      value = JSON.parse(this.format === 'garak-report' ? withoutConversations(t) : t);
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      const start = t.trim();
      const hint =
        start === '{' || start === '['
          ? '; garak files hold one JSON object per line, and this looks like a multi-line JSON document (a promptfoo results file?)'
          : '';
      throw importError(lineNo, `not valid JSON (${reason})${hint}`);
    }
    if (!isPlainObject(value)) throw importError(lineNo, `expected a JSON object, found ${describe(value)}`);
    if (value.evalId !== undefined || (isPlainObject(value.results) && value.results.version !== undefined)) {
      throw importError(lineNo, 'this is a promptfoo results file, not garak; import it as promptfoo');
    }
    this.entries++;
    return this.format === 'garak-report' ? this.reportEntry(value, lineNo) : this.hitlogLine(value, lineNo);
  }

  /** Ends the file and returns what was learnt about the run. Throws an `import_invalid` error (line 0) for a
   * report with no entries at all: garak always writes a `start_run setup` entry, so the file is not a report.
   * A report without attempts, or an empty hitlog (a run without hits), gives zero findings. */
  end(): GarakRunFacts {
    this.ended = true;
    if (this.format === 'garak-report' && this.entries === 0) {
      throw importError(0, 'the file has no entries; a garak report.jsonl starts with a "start_run setup" entry');
    }
    const facts: GarakRunFacts = {
      tool: 'garak',
      itemsRead: this.itemsRead,
      findings: this.findings,
      unmappedProbeModules: this.probes.unmappedModules(),
    };
    if (this.toolVersion !== undefined) facts.toolVersion = this.toolVersion;
    if (this.runId !== undefined) facts.runId = this.runId;
    return facts;
  }

  /** What the file says about its run beside the findings (see {@link GarakRunRecorder}), once {@link end} has
   * been called: started at the run's time (else `runStartedAt`), each probe's refs its weakness's and its tags'. */
  run(): RunDraft {
    if (!this.ended) throw new Error('GarakReader.run called before end()');
    return this.recorder.draft(
      this.format,
      this.runTime ?? this.fallbackTime,
      (probe) => this.probes.tagged(probe) ?? [],
    );
  }

  private reportEntry(entry: Record<string, unknown>, lineNo: number): ImportedFinding[] {
    const type = entry.entry_type;
    if (type === undefined) {
      if (entry.detector !== undefined && entry.probe !== undefined) {
        throw importError(
          lineNo,
          'has no entry_type but a probe and a detector: it looks like a garak hitlog line; import the file as garak-hitlog',
        );
      }
      throw importError(lineNo, 'has no entry_type; every line of a garak report.jsonl has one (attempt, init, …)');
    }
    if (typeof type !== 'string') throw importError(lineNo, `entry_type must be a string, found ${describe(type)}`);
    switch (type) {
      case 'attempt':
        return this.attempt(entry, lineNo);
      case 'start_run setup':
        if (entry.aggregation !== undefined) throw aggregated(lineNo);
        this.noteVersion(entry['_config.version']);
        this.noteRun(entry['transient.run_id'], 'transient.run_id', lineNo);
        this.noteTime(entry['transient.starttime_iso'], 'transient.starttime_iso', lineNo);
        this.noteThreshold(entry['run.eval_threshold']);
        this.recorder.setup(entry);
        return [];
      case 'init':
        if (entry.orig_uuid !== undefined) throw aggregated(lineNo);
        this.noteVersion(entry.garak_version);
        this.noteRun(entry.run, 'run', lineNo);
        this.noteTime(entry.start_time, 'start_time', lineNo);
        return [];
      case 'digest':
        this.digest(entry, lineNo);
        return [];
      case 'plugin_cache':
        this.pluginCache(entry);
        return [];
      case 'eval':
        this.recorder.evalEntry(entry, this.probes.name(entry.probe, 'eval: probe', lineNo), lineNo);
        return [];
      case 'completion':
        this.recorder.completion(entry);
        return [];
      default:
        return [];
    }
  }

  private attempt(a: Record<string, unknown>, lineNo: number): ImportedFinding[] {
    const uuid = a.uuid;
    if (typeof uuid !== 'string' || uuid === '') {
      throw importError(lineNo, `attempt: uuid must be a non-empty string, found ${describe(uuid)}`);
    }
    const probe = this.probes.name(a.probe_classname, 'attempt: probe_classname', lineNo);
    const results = a.detector_results;
    if (!isPlainObject(results)) {
      throw importError(
        lineNo,
        `attempt: detector_results must be an object of detector name → scores, found ${describe(results)}`,
      );
    }
    const status = a.status;
    if (status !== 0 && status !== 1 && status !== 2) {
      throw importError(lineNo, `attempt: status must be 0, 1 or 2, found ${describe(status)}`);
    }
    if (status !== 2) return [];
    this.itemsRead++;
    this.recorder.attempt(probe, lineNo);
    const keys = Object.keys(results);
    if (keys.length > this.maxDetectors) {
      throw importError(
        lineNo,
        `attempt: detector_results names ${keys.length} detectors; at most ${this.maxDetectors} per attempt are imported (IMPORT_MAX_DETECTORS)`,
      );
    }
    const hits: (DetectorScore & { output: number })[] = [];
    for (const key of keys) {
      const best = bestScore(results[key], `attempt: detector_results[${quote(key)}]`, lineNo);
      if (best && best.score >= this.threshold) {
        hits.push({ detector: stripPrefix(key, DETECTOR_PREFIXES), score: best.score, output: best.index });
      }
    }
    if (hits.length === 0) return [];
    const outputs = a.outputs;
    if (outputs !== undefined && outputs !== null && !Array.isArray(outputs)) {
      throw importError(lineNo, `attempt: outputs must be a list, found ${describe(outputs)}`);
    }
    const top = hits.reduce((a, b) => (b.score > a.score ? b : a));
    return [
      this.finding(lineNo, a, {
        probe,
        detectors: hits.map(({ detector, score }) => ({ detector, score })),
        threshold: this.threshold,
        item: uuid,
        prompt: promptText(a.prompt, 'attempt: prompt', lineNo),
        response: messageText(outputs?.[top.output], `attempt: outputs[${top.output}]`, lineNo),
      }),
    ];
  }

  private hitlogLine(hit: Record<string, unknown>, lineNo: number): ImportedFinding[] {
    if (hit.entry_type !== undefined) {
      throw importError(
        lineNo,
        'has an entry_type: it looks like a garak report.jsonl line; import the file as garak-report',
      );
    }
    const attemptId = hit.attempt_id;
    if (typeof attemptId !== 'string' || attemptId === '') {
      throw importError(lineNo, `hit: attempt_id must be a non-empty string, found ${describe(attemptId)}`);
    }
    const probe = this.probes.name(hit.probe, 'hit: probe', lineNo);
    const rawDetector = hit.detector;
    if (typeof rawDetector !== 'string' || rawDetector === '') {
      throw importError(lineNo, `hit: detector must be a non-empty string, found ${describe(rawDetector)}`);
    }
    const idx = hit.attempt_idx;
    if (typeof idx !== 'number' || !Number.isInteger(idx) || idx < 0) {
      throw importError(lineNo, `hit: attempt_idx must be a whole number ≥ 0, found ${describe(idx)}`);
    }
    const score = hit.score === null ? undefined : outputScore(hit.score, 'hit: score', lineNo);
    if (score === undefined) {
      throw importError(
        lineNo,
        `hit: score must be a number or a list of per-turn scores, found ${describe(hit.score)}`,
      );
    }
    this.noteRun(hit.run_id, 'run_id', lineNo);
    this.recorder.generator(hit.generator);
    this.itemsRead++;
    return [
      this.finding(lineNo, hit, {
        probe,
        detectors: [{ detector: stripPrefix(rawDetector, DETECTOR_PREFIXES), score }],
        item: attemptId,
        prompt: promptText(hit.prompt, 'hit: prompt', lineNo),
        response: messageText(hit.output, 'hit: output', lineNo),
      }),
    ];
  }

  private finding(
    lineNo: number,
    line: Record<string, unknown>,
    hit: {
      probe: string;
      detectors: DetectorScore[];
      threshold?: number;
      item: string;
      prompt: string;
      response: string;
    },
  ): ImportedFinding {
    const detectedAt = this.runTime ?? this.fallbackTime;
    if (detectedAt === undefined) {
      throw importError(
        lineNo,
        this.format === 'garak-hitlog'
          ? 'a hit needs the run’s start time, and a garak hitlog records none; give runStartedAt'
          : 'a hit needs the run’s start time, and no start_run setup or init entry came before it; give runStartedAt',
      );
    }
    const facts = this.probes.facts(hit.probe);
    const scan: ScanEvidence = { probe: hit.probe, detectors: hit.detectors };
    if (hit.threshold !== undefined) scan.threshold = hit.threshold;
    if (typeof line.goal === 'string' && line.goal.trim() !== '') scan.goal = clipText(line.goal.trim(), MAX_GOAL);
    const source: ImportedFinding['source'] = { tool: 'garak', item: hit.item, scan };
    if (this.toolVersion !== undefined) source.toolVersion = this.toolVersion;
    if (this.runId !== undefined) source.runId = this.runId;
    this.findings++;
    return {
      title: facts.title,
      category: facts.category,
      severity: facts.severity,
      detectedAt,
      fingerprint: facts.fingerprint,
      frameworkRefs: this.probes.refs(facts.refs, hit.probe, line),
      evidence: { prompt: hit.prompt, response: hit.response },
      source,
    };
  }

  private digest(entry: Record<string, unknown>, lineNo: number): void {
    const meta = entry.meta;
    if (isPlainObject(meta)) {
      this.noteVersion(meta.garak_version);
      this.noteRun(meta.run_uuid, 'meta.run_uuid', lineNo);
      this.recorder.digestMeta(meta);
    }
    const groups = entry.eval;
    if (!isPlainObject(groups)) return;
    for (const group of Object.values(groups)) {
      if (!isPlainObject(group)) continue;
      for (const [probe, result] of Object.entries(group)) {
        if (probe === '_summary' || !isPlainObject(result) || !isPlainObject(result._summary)) continue;
        this.probes.noteTags(probe, result._summary.probe_tags);
      }
    }
  }

  /** garak 0.15's snapshot of the plugins a run used, written before the attempts: each probe's tags. */
  private pluginCache(entry: Record<string, unknown>): void {
    const cache = entry.plugin_cache;
    const probes = isPlainObject(cache) ? cache.probes : undefined;
    if (!isPlainObject(probes)) return;
    for (const [probe, meta] of Object.entries(probes)) {
      if (isPlainObject(meta)) this.probes.noteTags(probe, meta.tags);
    }
  }

  private noteVersion(value: unknown): void {
    if (this.toolVersion === undefined && typeof value === 'string' && value !== '') this.toolVersion = value;
  }

  private noteRun(value: unknown, field: string, lineNo: number): void {
    if (typeof value !== 'string' || value === '') return;
    if (this.runId === undefined) this.runId = value;
    else if (value !== this.runId) {
      throw importError(
        lineNo,
        `${field} ${quote(value)} is another run than the file's first (${quote(this.runId)}); import one garak run per file`,
      );
    }
  }

  private noteTime(value: unknown, field: string, lineNo: number): void {
    if (this.runTime !== undefined || value === undefined || value === null) return;
    const time = typeof value === 'string' ? isoTime(value) : undefined;
    if (!time) throw importError(lineNo, `${field} must be an ISO 8601 time, found ${describe(value)}`);
    this.runTime = time;
  }

  private noteThreshold(value: unknown): void {
    if (typeof value === 'number' && value > 0 && value <= 1) this.threshold = value;
  }
}
