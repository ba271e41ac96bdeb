import type { LinkType } from '../crosswalk';
import type { FrontPage, ScopeFacts } from './front-page';
import type { TestingPerformed } from './testing';
import type { ReportRowTreatment, TreatmentHistory, TreatmentSnapshot, TreatmentSummary } from './treatment';
import type { FrameworkSlug } from '../frameworks';
import type { Endpoint, Evidence, Finding, FindingSummary, ScanEvidence } from '../finding';
import type { ApplicabilityProfile } from '../applicability';
import type { Branding } from '../branding';
import type { RatingInUse, RatingOverride } from '../evidence/rating';
import type { EvidenceRedactions } from '../evidence/masking';
import type { ReportFormat, ReportScope } from '../report';
import type { TestRun } from '../runs';
import type { Severity } from '../severity';

/** Version of the JSON export's schema; bumped by semver rules whenever the document's shape changes. */
export const REPORT_SCHEMA_VERSION = '1.6.0';

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
  /** How the row bears on it: as a weakness in it, or as evidence that the testing it asks for happened. */
  type: LinkType;
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
  /** The weakness's first and last detection on the endpoint, wherever they fall: before the period, in it, or
   * after it up to the report's date (see {@link ReportModel.population}). */
  firstSeen: string;
  lastSeen: string;
  /** Its first and last detection within the period, where its {@link occurrences} are counted. */
  periodFirstSeen: string;
  periodLastSeen: string;
  occurrences: number;
  findingIds: string[];
  /** Overlap groups the row falls in. */
  groups: string[];
  frameworks: RowFramework[];
  /** The evidence of the row's most recent finding, which finding that is, and how the scanner judged it. */
  evidence: RowEvidence;
  /** What the organisation recorded about the weakness as of the report's date; absent only from a model built
   * from findings collected before reports read treatment. */
  treatment?: ReportRowTreatment;
}

/** What a row shows as its evidence: the most recent finding's prompt and response, and the scanner's free text,
 * masked (see maskEvidence, evidence/masking.ts), so that neither rendering ever holds the stored text. */
export interface RowEvidence extends Evidence {
  findingId: string;
  /** Absent for a finding sent through the API without it. */
  scan?: ScanEvidence;
  /** What masking hid in each text. */
  redactions: EvidenceRedactions;
}

/** Row counts for one requested framework. */
export interface FrameworkSummary {
  framework: FrameworkSlug;
  label: string;
  /** Rows listing at least one control of the framework, either way. */
  rows: number;
  /** Distinct controls of the framework the rows list, at any level of detail. */
  controlsListed: number;
}

/** Headline figures of a report. */
export interface ReportSummary {
  rows: number;
  findings: number;
  /** Rows of each severity; a severity the scope left out has none by choice, not by result: `requested` is false
   * and `excludedFindings` counts the population's findings of it. */
  bySeverity: { severity: Severity; rows: number; requested: boolean; excludedFindings: number }[];
  byFramework: FrameworkSummary[];
  byEndpoint: { endpointId: string; endpointName: string; rows: number }[];
  /** Rows by treatment state and how many are overdue, as of the report's date; absent as the rows' is. */
  treatment?: TreatmentSummary;
}

/** What a report says of a control: a weakness in scope bears on it; probes that bear on it ran in the period
 * and none failed; nothing that bears on it ran; or the tenant's applicability profile takes it out of scope. */
export const CONTROL_STATUSES = ['exception', 'tested_no_exception', 'not_tested', 'not_applicable'] as const;

/** A control's status in a report. */
export type ControlStatus = (typeof CONTROL_STATUSES)[number];

/** Counts of controls by status. */
export type StatusCounts = Record<ControlStatus, number>;

/** Whether, and why, a control applies to the tenant, as its applicability profile says. */
export interface Applicability {
  applies: boolean;
  /** Why it does not apply, or a condition of its applying (an application date inside the period). */
  note?: string;
}

/** What the model asks of the tenant's applicability profile. */
export interface ApplicabilityView {
  /** Whether a control applies to the tenant for the given endpoints; undefined when the profile says nothing of
   * the framework, and every control then counts. */
  of(framework: FrameworkSlug, control: string, endpointIds: readonly string[]): Applicability | undefined;
  /** Controls the profile lists for the framework (an ISO/IEC 42001 Statement of Applicability), which the
   * matrix then lists whether or not anything bears on them. */
  listed(framework: FrameworkSlug): readonly string[];
}

/** One control of a coverage matrix: its status and what it rests on. */
export interface CoverageEntry {
  id: string;
  title: string;
  /** The catalogue's kind of control (`clause`, `annex-a`, `article`, …): ISO clauses and Annex A controls are
   * counted apart. */
  kind: string;
  status: ControlStatus;
  /** Rows whose weakness shows the control at risk or failed (`weakness_in` links and explicit references). */
  rows: string[];
  /** Rows linked to it only as evidence that the testing activity the control asks for happened. */
  activityRows: string[];
  /** Probes of the period that bear on it, with their attempts and failures over the period. */
  tested: { probes: string[]; attempts: number; failures: number };
  applicability?: Applicability;
}

/** A framework's coverage matrix with its counts. */
export interface FrameworkCoverage {
  framework: FrameworkSlug;
  label: string;
  counts: StatusCounts;
  /** The counts of each kind of control the matrix lists. */
  byKind: { kind: string; counts: StatusCounts }[];
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
  /** What was tested in the period and how it went. */
  testing: TestingPerformed;
  /** The tenant's applicability profile the report was measured against; null when it had none. */
  applicability: ApplicabilityProfile | null;
  /** How severities are defined: the method, whose it is, and who set it and why where the tenant did. */
  rating: RatingInUse;
  /** How the PDF presents the tenant, as its branding stood when the findings were collected; null for the
   * defaults. Printed only: the JSON export does not carry it. */
  branding: Branding | null;
  /** Per requested framework: every control of its matrix with its status. */
  coverage: FrameworkCoverage[];
  /** The overlap groups the rows fall in, and what each link basis means. */
  crosswalk: {
    groups: { id: string; name: string }[];
    basis: Record<string, string>;
    /** Whether each basis is a source or judgement (a vendor's mapping counts as judgement). */
    basisKinds: Record<string, string>;
    /** What each link type means. */
    linkTypes: Record<string, string>;
  };
  /** Where the findings came from: one entry per tool, version, run and source file. */
  sources: ReportSource[];
  unknownRefs: UnknownRef[];
  /** The population the rows were drawn from, what was left out and why, and how to recompute it. */
  population: Population;
  /** One record per finding of the population, in id order. */
  records: FindingRecord[];
  /** Detections after the period's end, up to the report's date, by weakness (ISA 560). */
  subsequentEvents: SubsequentEvent[];
  /** The first two pages: conclusion, top risks, ageing, change against the previous report of the same scope. */
  frontPage: FrontPage;
  /** The changes made to the rows' weaknesses' treatment in the period; absent as the rows' treatment is. */
  treatmentHistory?: TreatmentHistory;
  /** Which version this is and who approved it. */
  release: ReportRelease;
}

/** How a finding's severity was set: by the importer's documented table for the probe or plugin that found it,
 * or as the client submitted it through the API. */
export type SeverityOrigin = 'tool_mapping' | 'submitted';

/** Why a finding of the population is not behind a row. */
export type ExclusionReason = 'severity_filter';

/**
 * A report's population: every finding of the scoped endpoints detected in the period, whatever its severity.
 * The rows are drawn from the findings of the requested severities; the others are counted as excluded, by
 * severity, never shown as zero. {@link digest} lets a reader check the JSON's records are the whole population.
 */
export interface Population {
  from: string;
  to: string;
  findings: number;
  inScope: number;
  excluded: { severity: Severity; reason: ExclusionReason; findings: number }[];
  /** Findings whose severity was changed after detection (none until findings can be re-rated). */
  rerated: number;
  /** Findings of the scoped endpoints detected before the period, read for the rows' first detection only. */
  before: number;
  /** sha256 (hex) of the RFC 8785 canonical JSON of `[{"evidence_sha256":…,"id":…}, …]`, the population's
   * records in id order. */
  digest: string;
}

/** One finding of the population, with what an auditor needs to trace it: when, how severe and why, which
 * weakness (fingerprint) and run, and a digest of its evidence. */
export interface FindingRecord {
  id: string;
  endpointId: string;
  detectedAt: string;
  severity: Severity;
  severityOrigin: SeverityOrigin;
  category: string;
  fingerprint: string;
  tool: string;
  toolVersion?: string;
  runId?: string;
  /** evidenceDigest (evidence/population.ts) of the finding's evidence as stored, before any masking. */
  evidenceSha256: string;
  /** The row it is behind, or absent when excluded. */
  row?: string;
  excludedReason?: ExclusionReason;
}

/** A weakness detected again (or for the first time) between the period's end and the report's date. */
export interface SubsequentEvent {
  /** The row of the same weakness, when the period has one. */
  row?: string;
  title: string;
  category: string;
  endpointId: string;
  endpointName: string;
  severity: Severity;
  findings: number;
  firstDetectedAt: string;
  lastDetectedAt: string;
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
  /** The scoped endpoints' other findings up to the report's date: the period's findings of severities not
   * requested, and every finding before or after the period. Without them the population is the rows' findings
   * and the rows' first and last detection are the period's. */
  context?: FindingSummary[];
  /** The evidenceDigest (evidence/population.ts) of every finding of the population, by id; a finding missing
   * here is digested from the evidence it carries. */
  evidenceDigests?: Record<string, string>;
  endpoints: Endpoint[];
  generatedAt: string;
  /** The runs recorded on the scoped endpoints in the period; without them nothing counts as tested. */
  runs?: TestRun[];
  /** The tenant's applicability profile as the report was collected; without one no EU AI Act article is taken
   * to apply and ISO/IEC 42001 is measured against its baseline. */
  applicability?: ApplicabilityProfile;
  /** The tenant's own severity rating method, if it set one; the default otherwise. */
  ratingMethod?: RatingOverride;
  /** What the previous ready report of the same scope left to compare against, when there is one. */
  previous?: ScopeFacts;
  /** The treatment of the report's weaknesses as the findings were collected; without it the rows carry none and
   * the front page says treatment is not recorded. */
  treatment?: TreatmentSnapshot;
  /** The tenant's branding as the report was collected; the defaults without it. */
  branding?: Branding;
  /** Which version of the report this is, whether anyone approved it, and the versions before it; without it the
   * model is version 1, a draft. */
  release?: ReportRelease;
}

/** An approver's statement as a report prints it. */
export interface ReleaseApproval {
  approverName: string;
  approverRole: string;
  /** ISO 8601. */
  approvedAt: string;
  assertion: string;
  limitations: string;
}

/** One entry of a report's version history. */
export interface ReleaseHistoryEntry {
  version: number;
  status: 'draft' | 'approved';
  /** When the version was made (ISO 8601). */
  at: string;
  /** sha256 of the version's artifact; null for the version the entry is printed in (its own digest cannot be in
   * it). */
  sha256: string | null;
  approverName: string | null;
  /** How many weaknesses' treatment had changed since the version before, when the version was built again for
   * that; null when it was not. */
  changedWeaknesses: number | null;
}

/** Which version of a report a document is, and who stands behind it. A draft (version 1, as the pipeline makes it)
 * has no approval and says so on every page; an approved version carries the approver's statement. */
export interface ReportRelease {
  version: number;
  status: 'draft' | 'approved';
  /** The instant the treatment the report shows was read as of (ISO 8601). */
  statusAsOf: string;
  approval: ReleaseApproval | null;
  /** Every version up to and including this one, oldest first. */
  history: ReleaseHistoryEntry[];
}
