import { evidenceDigest, populationDigest } from '../evidence/population';
import type { Finding, FindingSummary } from '../finding';
import { SEVERITIES, severityRank, type Severity } from '../severity';
import { byCodeUnit } from './order';
import type { FindingRecord, Population, ReportModelInput, ReportRow, SeverityOrigin, SubsequentEvent } from './types';
import { WeaknessIndex } from './weakness-index';

/** What completeness adds to a model: its population, the records behind it and the events after the period. */
export interface Completeness {
  population: Population;
  records: FindingRecord[];
  subsequentEvents: SubsequentEvent[];
}

/** A weakness's detections over the whole history read, and what fell after the period. */
interface Detections {
  row?: ReportRow;
  first: string;
  last: string;
  after?: SubsequentEvent;
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
 * findings ({@link ReportModelInput.context}): the period's findings of severities not requested are counted as
 * excluded, each severity apart; earlier and later detections of a row's weakness move its first and last seen
 * to the true times (the period's stay on the row as `periodFirstSeen`/`periodLastSeen`); detections after the
 * period up to the report's date, of the requested severities, become subsequent events, one per weakness.
 * Sets each row's times in place. Findings are grouped into weaknesses as the rows are ({@link WeaknessIndex}).
 */
export function completeness(
  input: ReportModelInput,
  rows: readonly ReportRow[],
  endpointName: (id: string) => string,
): Completeness {
  const { from, to, includeSeverities } = input.report.scope;
  const requested = new Set<Severity>(includeSeverities);
  const digests = input.evidenceDigests ?? {};
  const rowOf = new Map<string, ReportRow>();
  for (const row of rows) for (const id of row.findingIds) rowOf.set(id, row);

  const weaknesses = new WeaknessIndex<Detections>();
  const seen = (d: Detections, f: FindingSummary): void => {
    if (f.detectedAt < d.first) d.first = f.detectedAt;
    if (f.detectedAt > d.last) d.last = f.detectedAt;
  };
  const records = new Map<string, FindingRecord>();
  const record = (f: FindingSummary, evidence: string, row?: ReportRow): FindingRecord => {
    const r: FindingRecord = {
      id: f.id,
      endpointId: f.endpointId,
      detectedAt: f.detectedAt,
      severity: f.severity,
      severityOrigin: severityOrigin(f),
      category: weaknesses.category(f.category),
      fingerprint: f.fingerprint,
      tool: f.source?.tool ?? 'api',
      evidenceSha256: evidence,
    };
    if (f.source?.toolVersion !== undefined) r.toolVersion = f.source.toolVersion;
    if (f.source?.runId !== undefined) r.runId = f.source.runId;
    if (row) r.row = row.ref;
    else r.excludedReason = 'severity_filter';
    return r;
  };

  const rowTimes = new Map<ReportRow, Detections>();
  for (const f of input.findings as readonly Finding[]) {
    const row = rowOf.get(f.id);
    const make = (): Detections => {
      const d: Detections = { row, first: f.detectedAt, last: f.detectedAt };
      if (row) rowTimes.set(row, d);
      return d;
    };
    weaknesses.upsert(f, make, seen);
    if (!records.has(f.id)) records.set(f.id, record(f, digests[f.id] ?? evidenceDigest(f.evidence), row));
  }

  const excluded = new Map<Severity, number>();
  const after: SubsequentEvent[] = [];
  let before = 0;
  for (const f of input.context ?? []) {
    if (rowOf.has(f.id) || f.detectedAt > input.generatedAt) continue;
    const day = dayOf(f.detectedAt);
    const held = weaknesses.upsert(f, () => ({ first: f.detectedAt, last: f.detectedAt }), seen);
    if (day < from) before++;
    else if (day <= to) {
      if (records.has(f.id)) continue;
      if (requested.has(f.severity)) throw new Error(`finding ${f.id} is in scope but behind no row`);
      const digest = digests[f.id];
      if (digest === undefined)
        throw new Error(`finding ${f.id} is in the population but its evidence digest is missing`);
      records.set(f.id, record(f, digest));
      excluded.set(f.severity, (excluded.get(f.severity) ?? 0) + 1);
    } else if (requested.has(f.severity)) {
      let event = held.after;
      if (!event) {
        event = {
          title: f.title,
          category: weaknesses.category(f.category),
          endpointId: f.endpointId,
          endpointName: endpointName(f.endpointId),
          severity: f.severity,
          findings: 0,
          firstDetectedAt: f.detectedAt,
          lastDetectedAt: f.detectedAt,
        };
        if (held.row) event.row = held.row.ref;
        held.after = event;
        after.push(event);
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

  // A row's first and last seen become its weakness's whole history; the period's stay beside them.
  for (const [row, d] of rowTimes) {
    if (d.first < row.firstSeen) row.firstSeen = d.first;
    if (d.last > row.lastSeen) row.lastSeen = d.last;
  }

  const list = [...records.values()].sort((a, b) => byCodeUnit(a.id, b.id));
  const inScope = list.length - [...excluded.values()].reduce((n, k) => n + k, 0);
  return {
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
