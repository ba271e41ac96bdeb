import { CATALOGUE_VERSION, findControl, getFramework, normaliseControlId, type FrameworkSlug } from './frameworks';
import type { Endpoint, Evidence, Finding } from './finding';
import type { ReportFormat, ReportScope } from './report';
import { SEVERITIES, severityRank, type Severity } from './severity';

/** Version of the JSON export's schema; bumped by semver rules whenever the document's shape changes. */
export const REPORT_SCHEMA_VERSION = '1.0.0';

/** A control listed in a report row. */
export interface RowControl {
  id: string;
  title: string;
}

/** The controls a row satisfies in one requested framework (possibly none). */
export interface RowFramework {
  framework: FrameworkSlug;
  label: string;
  controls: RowControl[];
}

/** One distinct weakness: repeats of the same finding merged, with every control it bears on. */
export interface ReportRow {
  ref: string;
  severity: Severity;
  title: string;
  category: string;
  endpointId: string;
  endpointName: string;
  firstSeen: string;
  lastSeen: string;
  occurrences: number;
  findingIds: string[];
  frameworks: RowFramework[];
  evidence: Evidence;
}

/** Row counts for one requested framework. */
export interface FrameworkSummary {
  framework: FrameworkSlug;
  label: string;
  rows: number;
  controlsCovered: number;
}

/** Headline figures of a report. */
export interface ReportSummary {
  rows: number;
  findings: number;
  bySeverity: { severity: Severity; rows: number }[];
  byFramework: FrameworkSummary[];
  byEndpoint: { endpointId: string; endpointName: string; rows: number }[];
}

/** Everything an artifact shows; both the PDF and the JSON are renderings of this. */
export interface ReportModel {
  schemaVersion: string;
  catalogueVersion: string;
  report: {
    id: string;
    tenantId: string;
    tenantName: string;
    title: string;
    format: ReportFormat;
    frameworks: { slug: FrameworkSlug; label: string }[];
    scope: ReportScope;
    requestedAt: string;
    generatedAt: string;
  };
  summary: ReportSummary;
  rows: ReportRow[];
}

/** What the model is built from: the report's facts and the findings in its scope. */
export interface ReportModelInput {
  report: {
    id: string;
    tenantId: string;
    tenantName: string;
    title: string;
    format: ReportFormat;
    frameworks: FrameworkSlug[];
    scope: ReportScope;
    requestedAt: string;
  };
  findings: Finding[];
  endpoints: Endpoint[];
  generatedAt: string;
}

function mergeKey(f: Finding): string {
  return JSON.stringify([f.endpointId, f.category, f.fingerprint]);
}

function controlsFor(findings: Finding[], slug: FrameworkSlug): RowControl[] {
  const ids = new Set<string>();
  for (const f of findings) {
    for (const ref of f.frameworkRefs) {
      if (ref.framework !== slug) continue;
      const id = normaliseControlId(slug, ref.control);
      if (id) ids.add(id);
    }
  }
  return [...ids].sort().map((id) => ({ id, title: findControl(slug, id)!.title }));
}

/** Builds the report model: merges repeats of one weakness (same endpoint, category and fingerprint) into a
 * row, lists each row's controls in every requested framework, and totals the summary. Rows sort by
 * severity, then most recent, then title, so the same findings always give the same report. */
export function buildReportModel(input: ReportModelInput): ReportModel {
  const endpointNames = new Map(input.endpoints.map((e) => [e.id, e.name]));
  const groups = new Map<string, Finding[]>();
  for (const f of input.findings) {
    const key = mergeKey(f);
    const group = groups.get(key);
    if (group) group.push(f);
    else groups.set(key, [f]);
  }

  const rows = [...groups.values()].map((group) => {
    const byTime = [...group].sort((a, b) => a.detectedAt.localeCompare(b.detectedAt) || a.id.localeCompare(b.id));
    const latest = byTime[byTime.length - 1];
    const worst = group.reduce(
      (w, f) => (severityRank(f.severity) < severityRank(w) ? f.severity : w),
      latest.severity,
    );
    return {
      severity: worst,
      title: latest.title,
      category: latest.category,
      endpointId: latest.endpointId,
      endpointName: endpointNames.get(latest.endpointId) ?? latest.endpointId,
      firstSeen: byTime[0].detectedAt,
      lastSeen: latest.detectedAt,
      occurrences: group.length,
      findingIds: byTime.map((f) => f.id),
      frameworks: input.report.frameworks.map((slug) => ({
        framework: slug,
        label: getFramework(slug).label,
        controls: controlsFor(group, slug),
      })),
      evidence: latest.evidence,
    };
  });
  rows.sort(
    (a, b) =>
      severityRank(a.severity) - severityRank(b.severity) ||
      b.lastSeen.localeCompare(a.lastSeen) ||
      a.title.localeCompare(b.title) ||
      a.findingIds[0].localeCompare(b.findingIds[0]),
  );
  const numbered: ReportRow[] = rows.map((r, i) => ({ ref: `R${String(i + 1).padStart(3, '0')}`, ...r }));

  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    catalogueVersion: CATALOGUE_VERSION,
    report: {
      ...input.report,
      frameworks: input.report.frameworks.map((slug) => ({ slug, label: getFramework(slug).label })),
      generatedAt: input.generatedAt,
    },
    summary: summarise(numbered, input.findings.length, input.report.frameworks),
    rows: numbered,
  };
}

/** Totals rows into the report summary: rows by severity, by requested framework (rows with a control in it,
 * distinct controls covered) and by endpoint. `findings` is the number of findings behind the rows. */
export function summarise(
  rows: readonly ReportRow[],
  findings: number,
  frameworks: readonly FrameworkSlug[],
): ReportSummary {
  const byEndpoint = new Map<string, { endpointId: string; endpointName: string; rows: number }>();
  for (const r of rows) {
    const e = byEndpoint.get(r.endpointId) ?? { endpointId: r.endpointId, endpointName: r.endpointName, rows: 0 };
    e.rows++;
    byEndpoint.set(r.endpointId, e);
  }
  return {
    rows: rows.length,
    findings,
    bySeverity: SEVERITIES.map((severity) => ({ severity, rows: rows.filter((r) => r.severity === severity).length })),
    byFramework: frameworks.map((slug) => {
      const lists = rows.map((r) => r.frameworks.find((f) => f.framework === slug)?.controls ?? []);
      return {
        framework: slug,
        label: getFramework(slug).label,
        rows: lists.filter((controls) => controls.length > 0).length,
        controlsCovered: new Set(lists.flat().map((c) => c.id)).size,
      };
    }),
    byEndpoint: [...byEndpoint.values()].sort((a, b) => a.endpointId.localeCompare(b.endpointId)),
  };
}
