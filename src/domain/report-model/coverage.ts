import { getFramework, type FrameworkSlug } from '../frameworks';
import { SEVERITIES, type Severity } from '../severity';
import { byCodeUnit } from './order';
import { controlStatuses, tallyKey } from './statuses';
import type { ProbeSummary } from './testing';
import type { TreatmentSummary } from './treatment';
import type { ApplicabilityView, FrameworkCoverage, Population, ReportRow, ReportSummary } from './types';

/** What a framework's coverage matrix and summary figures are counted from. */
export interface FrameworkTally {
  /** Rows listing at least one control of the framework. */
  rowsWithControls: number;
  /** How many distinct controls the rows list. */
  controlsListed: number;
  /** The rows under each key (statuses.ts tallyKey), by index, in row order. */
  rowsByKey: Map<string, ArrayLike<number>>;
}

/**
 * Counts rows under coverage keys, rows coming in report order; a row counts once under a key however many of
 * its controls count there. Each (key, row) pair goes on the end of two typed arrays, and the pairs are dealt
 * into one list per key once at the end, by a counting sort (why: bench/report-model-tuning.md).
 */
export class CoverageTally {
  rowsWithControls = 0;
  controlsListed = 0;
  private readonly keys: string[] = [];
  private readonly keyIndex = new Map<string, number>();
  /** The last row counted under each key. */
  private readonly lastRow: number[] = [];
  private pairKeys = new Int32Array(1024);
  private pairRows = new Int32Array(1024);
  private pairs = 0;

  /** A coverage key's number, given when the key is first seen. */
  key(key: string): number {
    let k = this.keyIndex.get(key);
    if (k === undefined) {
      k = this.keys.length;
      this.keys.push(key);
      this.keyIndex.set(key, k);
      this.lastRow.push(-1);
    }
    return k;
  }

  /** Counts a row under a key, once. */
  count(key: number, row: number): void {
    if (this.lastRow[key] === row) return;
    this.lastRow[key] = row;
    if (this.pairs === this.pairKeys.length) {
      const keys = new Int32Array(this.pairs * 2);
      const rows = new Int32Array(this.pairs * 2);
      keys.set(this.pairKeys);
      rows.set(this.pairRows);
      this.pairKeys = keys;
      this.pairRows = rows;
    }
    this.pairKeys[this.pairs] = key;
    this.pairRows[this.pairs++] = row;
  }

  /** The tally: each key's rows, in the order they were counted. */
  finish(): FrameworkTally {
    const { keys, pairKeys, pairRows, pairs } = this;
    const starts = new Int32Array(keys.length + 1);
    for (let i = 0; i < pairs; i++) starts[pairKeys[i] + 1]++;
    for (let k = 1; k <= keys.length; k++) starts[k] += starts[k - 1];
    const next = starts.slice(0, keys.length);
    const rows = new Int32Array(pairs);
    for (let i = 0; i < pairs; i++) rows[next[pairKeys[i]]++] = pairRows[i];
    const rowsByKey = new Map<string, ArrayLike<number>>();
    keys.forEach((key, k) => rowsByKey.set(key, rows.subarray(starts[k], starts[k + 1])));
    return { rowsWithControls: this.rowsWithControls, controlsListed: this.controlsListed, rowsByKey };
  }
}

/** Tallies one framework's controls over rows already listed: the plain way, from the rows alone, for
 * {@link coverageOf} and {@link summarise}; a model build tallies as it lists its rows ({@link ControlList}). */
function tallyFramework(slug: FrameworkSlug, rows: readonly ReportRow[]): FrameworkTally {
  const controlIds = new Set<string>();
  const tally = new CoverageTally();
  rows.forEach((row, r) => {
    const controls = row.frameworks.find((f) => f.framework === slug)?.controls ?? [];
    if (controls.length > 0) tally.rowsWithControls++;
    for (const c of controls) {
      controlIds.add(c.id);
      tally.count(tally.key(tallyKey(slug, c.id)), r);
    }
  });
  tally.controlsListed = controlIds.size;
  return tally.finish();
}

/** The coverage matrix of one framework from rows already listed, the probes of the period and the tenant's
 * applicability, tallied the plain way (a model build tallies as it lists its rows). */
export function coverageOf(
  slug: FrameworkSlug,
  rows: readonly ReportRow[],
  probes: readonly ProbeSummary[] = [],
  endpointIds: readonly string[] = [],
  applicability?: ApplicabilityView,
): FrameworkCoverage {
  return coverageMatrix(slug, tallyFramework(slug, rows), rows, probes, endpointIds, applicability);
}

/** The coverage matrix of one framework from a tally already made over the rows given, the probes of the
 * period and the tenant's applicability (see statuses.ts). */
export function coverageMatrix(
  slug: FrameworkSlug,
  { rowsByKey }: FrameworkTally,
  rows: readonly ReportRow[],
  probes: readonly ProbeSummary[],
  endpointIds: readonly string[],
  applicability?: ApplicabilityView,
): FrameworkCoverage {
  const rowsOf = (key: string): string[] => {
    const indexes = rowsByKey.get(key);
    if (!indexes) return [];
    const refs = new Array<string>(indexes.length);
    for (let i = 0; i < indexes.length; i++) refs[i] = rows[indexes[i]].ref;
    return refs;
  };
  return controlStatuses(slug, rowsOf, probes, endpointIds, applicability);
}

/** Totals rows into the report summary: rows by severity, by requested framework (rows with a control in it,
 * distinct controls listed) and by endpoint. `findings` is the number of findings behind the rows. */
export function summarise(
  rows: readonly ReportRow[],
  findings: number,
  frameworks: readonly FrameworkSlug[],
): ReportSummary {
  return summary(
    rows,
    findings,
    frameworks,
    frameworks.map((slug) => tallyFramework(slug, rows)),
  );
}

/** {@link summarise} from tallies already made, one per framework; with the population, each severity says whether
 * the scope requested it and how many findings of it were left out (without it, every severity counts as requested);
 * with the rows' treatment, its counts. */
export function summary(
  rows: readonly ReportRow[],
  findings: number,
  frameworks: readonly FrameworkSlug[],
  tallies: readonly FrameworkTally[],
  population?: Pick<Population, 'excluded'> & { requested: ReadonlySet<Severity> },
  treatment?: TreatmentSummary,
): ReportSummary {
  const bySeverity = new Map<Severity, number>();
  const byEndpoint = new Map<string, { endpointId: string; endpointName: string; rows: number }>();
  for (const r of rows) {
    bySeverity.set(r.severity, (bySeverity.get(r.severity) ?? 0) + 1);
    const e = byEndpoint.get(r.endpointId) ?? { endpointId: r.endpointId, endpointName: r.endpointName, rows: 0 };
    e.rows++;
    byEndpoint.set(r.endpointId, e);
  }
  const totals: ReportSummary = {
    rows: rows.length,
    findings,
    bySeverity: SEVERITIES.map((severity) => ({
      severity,
      rows: bySeverity.get(severity) ?? 0,
      requested: population?.requested.has(severity) ?? true,
      excludedFindings: population?.excluded.find((e) => e.severity === severity)?.findings ?? 0,
    })),
    byFramework: frameworks.map((slug, k) => ({
      framework: slug,
      label: getFramework(slug).label,
      rows: tallies[k].rowsWithControls,
      controlsListed: tallies[k].controlsListed,
    })),
    byEndpoint: [...byEndpoint.values()].sort((a, b) => byCodeUnit(a.endpointId, b.endpointId)),
  };
  if (treatment) totals.treatment = treatment;
  return totals;
}
