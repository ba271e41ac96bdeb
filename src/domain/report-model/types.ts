import type { FrameworkSlug } from '../frameworks';
import type { Endpoint, Evidence, Finding, ScanEvidence } from '../finding';
import type { ReportFormat, ReportScope } from '../report';
import type { Severity } from '../severity';

/** Version of the JSON export's schema; bumped by semver rules whenever the document's shape changes. */
export const REPORT_SCHEMA_VERSION = '1.3.0';

/** How a row came to list a control through an overlap group. */
export interface Derivation {
  group: string;
  basis: string;
  reason: string;
}

/** A control listed in a report row: `explicit` when a finding referenced it, `via` the overlap groups that
 * derived it (both may hold). In a built model, rows listing a control the same way share one frozen object. */
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
  /** The evidence of the row's most recent finding, which finding that is, and how the scanner judged it. */
  evidence: RowEvidence;
}

/** What a row shows as its evidence. */
export interface RowEvidence extends Evidence {
  findingId: string;
  /** Absent for a finding sent through the API without it. */
  scan?: ScanEvidence;
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
  /** Where the findings came from: one entry per tool, version, run and source file. */
  sources: ReportSource[];
  unknownRefs: UnknownRef[];
}

/** One origin of findings in a report: a scanner run imported from a file, or findings sent through the API
 * (tool `api` when they name none). */
export interface ReportSource {
  tool: string;
  toolVersion?: string;
  runId?: string;
  fileSha256?: string;
  findings: number;
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
