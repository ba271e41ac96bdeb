import { evidenceDigest, populationDigest } from '../evidence/population';
import type { Finding, FindingSummary } from '../finding';
import { SEVERITIES, severityRank, type Severity } from '../severity';
import { byCodeUnit } from './order';
import type { FindingRecord, Population, ReportModelInput, SeverityOrigin, SubsequentEvent } from './types';
import { WeaknessIndex } from './weakness-index';

/** What completeness adds to a model: its population, the records behind it and the events after the period. */
export interface Completeness {
  population: Population;
  records: FindingRecord[];
  subsequentEvents: SubsequentEvent[];
}

/** The rows of a model build as completeness needs them: each row's reference and findings (each once, in
 * detection order), the row a finding's weakness has (its index, or -1), and how categories are normalised. */
export interface BuiltRows {
  refs: readonly string[];
  repeats: readonly (readonly Finding[])[];
  rowOf: (f: FindingSummary) => number;
  category: (raw: string) => string;
}

/** Each row's first and last detection, by row index: the period's, moved out to the true times by detections of
 * its weakness before and after the period. */
export interface RowTimes {
  firstSeen: string[];
  lastSeen: string[];
}

/** The UTC day of a stored time (stored times are `toISOString()`'s). */
const dayOf = (iso: string): string => iso.slice(0, 10);

/** How a finding's severity was set: imported findings carry their scanner file's digest and took the
 * importer's table; anything else was submitted as it stands. */
export function severityOrigin(f: FindingSummary): SeverityOrigin {
  return f.source?.fileSha256 !== undefined ? 'tool_mapping' : 'submitted';
}

/**
 * The population of a report and what lies around it, from its rows' findings and the scoped endpoints' other
 * findings ({@link ReportModelInput.context}, which holds none of the rows' findings): the period's findings of
 * severities not requested are counted as excluded, each severity apart; earlier and later detections of a row's
 * weakness move its first and last seen to the true times (the period's stay on the row as
 * `periodFirstSeen`/`periodLastSeen`); detections after the period up to the report's date, of the requested
 * severities, become subsequent events, one per weakness. Returns the rows' true times beside what it adds. A
 * context finding is put with a row by the build's own weakness index, so it is grouped exactly as the rows are.
 */
export function completeness(
  input: ReportModelInput,
  built: BuiltRows,
  endpointName: (id: string) => string,
): Completeness & { times: RowTimes } {
  const { refs, repeats, rowOf, category } = built;
  const times: RowTimes = {
    firstSeen: repeats.map((r) => r[0].detectedAt),
    lastSeen: repeats.map((r) => r[r.length - 1].detectedAt),
  };
  const { from, to, includeSeverities } = input.report.scope;
  const requested = new Set<Severity>(includeSeverities);
  const digests = input.evidenceDigests ?? {};
  const record = (f: FindingSummary, evidence: string, row?: string): FindingRecord => {
    const r: FindingRecord = {
      id: f.id,
      endpointId: f.endpointId,
      detectedAt: f.detectedAt,
      severity: f.severity,
      severityOrigin: severityOrigin(f),
      category: category(f.category),
      fingerprint: f.fingerprint,
      tool: f.source?.tool ?? 'api',
      evidenceSha256: evidence,
    };
    if (f.source?.toolVersion !== undefined) r.toolVersion = f.source.toolVersion;
    if (f.source?.runId !== undefined) r.runId = f.source.runId;
    if (row !== undefined) r.row = row;
    else r.excludedReason = 'severity_filter';
    return r;
  };

  const records: FindingRecord[] = [];
  refs.forEach((ref, i) => {
    for (const f of repeats[i]) records.push(record(f, digests[f.id] ?? evidenceDigest(f.evidence), ref));
  });

  const excluded = new Map<Severity, number>();
  const after: SubsequentEvent[] = [];
  /** Subsequent events by the row of their weakness, and for weaknesses the period has no row for, by weakness. */
  const afterOfRow = new Map<number, SubsequentEvent>();
  const afterOfNew = new WeaknessIndex<SubsequentEvent>();
  const newEvent = (f: FindingSummary, row?: string): SubsequentEvent => {
    const event: SubsequentEvent = {
      title: f.title,
      category: category(f.category),
      endpointId: f.endpointId,
      endpointName: endpointName(f.endpointId),
      severity: f.severity,
      findings: 0,
      firstDetectedAt: f.detectedAt,
      lastDetectedAt: f.detectedAt,
    };
    if (row !== undefined) event.row = row;
    after.push(event);
    return event;
  };
  const noRepeat = (): void => undefined;
  let before = 0;
  for (const f of input.context ?? []) {
    if (f.detectedAt > input.generatedAt) continue;
    const i = rowOf(f);
    const row = i >= 0 ? refs[i] : undefined;
    if (row !== undefined) {
      if (f.detectedAt < times.firstSeen[i]) times.firstSeen[i] = f.detectedAt;
      if (f.detectedAt > times.lastSeen[i]) times.lastSeen[i] = f.detectedAt;
    }
    const day = dayOf(f.detectedAt);
    if (day < from) before++;
    else if (day <= to) {
      if (requested.has(f.severity)) throw new Error(`finding ${f.id} is in scope but behind no row`);
      const digest = digests[f.id];
      if (digest === undefined)
        throw new Error(`finding ${f.id} is in the population but its evidence digest is missing`);
      records.push(record(f, digest));
      excluded.set(f.severity, (excluded.get(f.severity) ?? 0) + 1);
    } else if (requested.has(f.severity)) {
      let event = row !== undefined ? afterOfRow.get(i) : afterOfNew.upsert(f, (x) => newEvent(x), noRepeat);
      if (!event) {
        event = newEvent(f, row);
        afterOfRow.set(i, event);
      }
      event.findings++;
      if (severityRank(f.severity) < severityRank(event.severity)) event.severity = f.severity;
      if (f.detectedAt < event.firstDetectedAt) event.firstDetectedAt = f.detectedAt;
      if (f.detectedAt > event.lastDetectedAt) {
        event.lastDetectedAt = f.detectedAt;
        event.title = f.title;
      }
    }
  }

  const list = records.sort((a, b) => byCodeUnit(a.id, b.id));
  const inScope = list.length - [...excluded.values()].reduce((n, k) => n + k, 0);
  return {
    times,
    population: {
      from,
      to,
      findings: list.length,
      inScope,
      excluded: SEVERITIES.filter((s) => excluded.has(s)).map((severity) => ({
        severity,
        reason: 'severity_filter' as const,
        findings: excluded.get(severity)!,
      })),
      rerated: 0,
      before,
      digest: populationDigest(list),
    },
    records: list,
    subsequentEvents: after.sort(
      (a, b) =>
        severityRank(a.severity) - severityRank(b.severity) ||
        byCodeUnit(a.firstDetectedAt, b.firstDetectedAt) ||
        byCodeUnit(a.title, b.title),
    ),
  };
}
