import {
  CROSSWALK_BASIS,
  CROSSWALK_GROUPS,
  CROSSWALK_VERSION,
  groupsFor,
  normaliseCategory,
  type CrosswalkGroup,
} from './crosswalk';
import {
  CATALOGUE_VERSION,
  coverageKey,
  findControl,
  getFramework,
  isBaselineControl,
  normaliseControlId,
  type FrameworkSlug,
} from './frameworks';
import type { Endpoint, Evidence, Finding, FrameworkRef } from './finding';
import type { ReportFormat, ReportScope } from './report';
import { SEVERITIES, severityRank, type Severity } from './severity';

/** Version of the JSON export's schema; bumped by semver rules whenever the document's shape changes. */
export const REPORT_SCHEMA_VERSION = '1.1.0';

/** How a row came to list a control through an overlap group. */
export interface Derivation {
  group: string;
  basis: string;
  reason: string;
}

/** A control listed in a report row: `explicit` when a finding referenced it, `via` the overlap groups that
 * derived it (both may hold). */
export interface RowControl {
  id: string;
  title: string;
  explicit: boolean;
  via: Derivation[];
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
  /** Overlap groups the row falls in. */
  groups: string[];
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

/** One control of a coverage matrix and the rows bearing on it (none: "no findings in scope"). */
export interface CoverageEntry {
  id: string;
  title: string;
  rows: string[];
}

/** The coverage matrix of one requested framework. */
export interface FrameworkCoverage {
  framework: FrameworkSlug;
  label: string;
  covered: number;
  controls: CoverageEntry[];
}

/** A framework reference the catalogue does not know, reported rather than dropped. */
export interface UnknownRef {
  findingId: string;
  framework: string;
  control: string;
}

/** Everything an artifact shows; both the PDF and the JSON are renderings of this. */
export interface ReportModel {
  schemaVersion: string;
  catalogueVersion: string;
  crosswalkVersion: string;
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
  coverage: FrameworkCoverage[];
  /** The overlap groups the rows fall in, and what each link basis means. */
  crosswalk: { groups: { id: string; name: string }[]; basis: Record<string, string> };
  unknownRefs: UnknownRef[];
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

/** One collator for every sort: `Art. 9` before `Art. 10`, and far cheaper than a locale compare per call. */
const byNaturalOrder = new Intl.Collator('en', { numeric: true });

/** Code-unit order, for ids and ISO timestamps: exact, and cheaper than a locale-aware compare. */
const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Folds the spellings of a fingerprint (case, surrounding and repeated white space) into one key. */
export function normaliseFingerprint(fingerprint: string): string {
  return fingerprint.trim().toLowerCase().replace(/\s+/g, ' ');
}

function mergeKey(f: Finding): string {
  return JSON.stringify([f.endpointId, normaliseCategory(f.category), normaliseFingerprint(f.fingerprint)]);
}

/** A finding's references in canonical form, and those the catalogue does not know. */
function resolveRefs(f: Finding): { known: FrameworkRef[]; unknown: UnknownRef[] } {
  const known: FrameworkRef[] = [];
  const unknown: UnknownRef[] = [];
  for (const ref of f.frameworkRefs) {
    const id = normaliseControlId(ref.framework, ref.control);
    if (id) known.push({ framework: ref.framework, control: id });
    else unknown.push({ findingId: f.id, framework: ref.framework, control: ref.control });
  }
  return { known, unknown };
}

/** The controls of one framework that a group of findings bears on: their explicit refs, plus every link of
 * the overlap groups they fall in. */
function rowControls(slug: FrameworkSlug, explicit: FrameworkRef[], groups: CrosswalkGroup[]): RowControl[] {
  const controls = new Map<string, RowControl>();
  const entry = (id: string): RowControl => {
    let c = controls.get(id);
    if (!c) {
      c = { id, title: findControl(slug, id)!.title, explicit: false, via: [] };
      controls.set(id, c);
    }
    return c;
  };
  for (const ref of explicit) if (ref.framework === slug) entry(ref.control).explicit = true;
  for (const group of groups) {
    for (const link of group.links) {
      if (link.framework === slug)
        entry(link.control).via.push({ group: group.id, basis: link.basis, reason: link.reason });
    }
  }
  return [...controls.values()].sort((a, b) => byNaturalOrder.compare(a.id, b.id));
}

/** Builds the report model. Repeats of one weakness (same endpoint, category and normalised fingerprint)
 * merge into a row; a finding id seen twice counts once. Each row lists, per requested framework, its
 * findings' explicit references and the controls of every overlap group it falls in, saying which is which.
 * Rows sort by severity, then most recent, then title, so the same findings always give the same report; the
 * coverage matrix lists every baseline control of each framework with the rows bearing on it. */
export function buildReportModel(input: ReportModelInput): ReportModel {
  const endpointNames = new Map(input.endpoints.map((e) => [e.id, e.name]));
  const unique = new Map(input.findings.map((f) => [f.id, f]));
  const groups = new Map<string, Finding[]>();
  for (const f of unique.values()) {
    const key = mergeKey(f);
    const group = groups.get(key);
    if (group) group.push(f);
    else groups.set(key, [f]);
  }

  const unknownRefs: UnknownRef[] = [];
  const rows = [...groups.values()].map((group) => {
    const byTime = [...group].sort((a, b) => byCodeUnit(a.detectedAt, b.detectedAt) || byCodeUnit(a.id, b.id));
    const latest = byTime[byTime.length - 1];
    const worst = group.reduce(
      (w, f) => (severityRank(f.severity) < severityRank(w) ? f.severity : w),
      latest.severity,
    );
    const explicit: FrameworkRef[] = [];
    for (const f of byTime) {
      const { known, unknown } = resolveRefs(f);
      explicit.push(...known);
      unknownRefs.push(...unknown);
    }
    const overlap = groupsFor(latest.category, explicit);
    return {
      severity: worst,
      title: latest.title,
      category: normaliseCategory(latest.category),
      endpointId: latest.endpointId,
      endpointName: endpointNames.get(latest.endpointId) ?? latest.endpointId,
      firstSeen: byTime[0].detectedAt,
      lastSeen: latest.detectedAt,
      occurrences: group.length,
      findingIds: byTime.map((f) => f.id),
      groups: overlap.map((g) => g.id),
      frameworks: input.report.frameworks.map((slug) => ({
        framework: slug,
        label: getFramework(slug).label,
        controls: rowControls(slug, explicit, overlap),
      })),
      evidence: latest.evidence,
    };
  });
  rows.sort(
    (a, b) =>
      severityRank(a.severity) - severityRank(b.severity) ||
      byCodeUnit(b.lastSeen, a.lastSeen) ||
      byNaturalOrder.compare(a.title, b.title) ||
      byCodeUnit(a.findingIds[0], b.findingIds[0]),
  );
  const numbered: ReportRow[] = rows.map((r, i) => ({ ref: `R${String(i + 1).padStart(3, '0')}`, ...r }));
  const usedGroups = new Set(numbered.flatMap((r) => r.groups));
  unknownRefs.sort((a, b) => byCodeUnit(a.findingId, b.findingId) || byCodeUnit(a.control, b.control));

  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    catalogueVersion: CATALOGUE_VERSION,
    crosswalkVersion: CROSSWALK_VERSION,
    report: {
      ...input.report,
      frameworks: input.report.frameworks.map((slug) => ({ slug, label: getFramework(slug).label })),
      generatedAt: input.generatedAt,
    },
    summary: summarise(numbered, unique.size, input.report.frameworks),
    rows: numbered,
    coverage: input.report.frameworks.map((slug) => coverageOf(slug, numbered)),
    crosswalk: {
      groups: CROSSWALK_GROUPS.filter((g) => usedGroups.has(g.id)).map((g) => ({ id: g.id, name: g.name })),
      basis: { ...CROSSWALK_BASIS },
    },
    unknownRefs,
  };
}

/** The coverage matrix of one framework: every baseline control, plus any other a row touches, each with the
 * rows bearing on it (a row's controls count under their {@link coverageKey}). */
export function coverageOf(slug: FrameworkSlug, rows: readonly ReportRow[]): FrameworkCoverage {
  const rowsByKey = new Map<string, string[]>();
  for (const row of rows) {
    const keys = new Set(
      (row.frameworks.find((f) => f.framework === slug)?.controls ?? []).map((c) => coverageKey(slug, c.id)),
    );
    for (const key of keys) {
      // Appended in place: copying the list per row made coverage quadratic in the rows.
      const list = rowsByKey.get(key);
      if (list) list.push(row.ref);
      else rowsByKey.set(key, [row.ref]);
    }
  }
  const framework = getFramework(slug);
  const controls = framework.controls
    .filter((c) => isBaselineControl(slug, c) || rowsByKey.has(c.id))
    .map((c) => ({ id: c.id, title: c.title, rows: rowsByKey.get(c.id) ?? [] }));
  return {
    framework: slug,
    label: framework.label,
    covered: controls.filter((c) => c.rows.length > 0).length,
    controls,
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
    byEndpoint: [...byEndpoint.values()].sort((a, b) => byCodeUnit(a.endpointId, b.endpointId)),
  };
}
