import { createHash } from 'node:crypto';
import type { FrameworkSlug } from '../frameworks';
import type { ReportScope } from '../report';
import { SEVERITIES, severityRank, type Severity } from '../severity';
import { byCodeUnit } from './order';
import type { FrameworkCoverage, ReportRow } from './types';

/** At most this many top risks are listed on the front page; the rest are counted. */
export const TOP_RISK_LIMIT = 10;

/** At most this many new and no-longer-seen weaknesses are named in the change against the previous report. */
export const CHANGE_LIST_LIMIT = 10;

/** The severities a front page calls top risks when open. */
const TOP_SEVERITIES: readonly Severity[] = ['critical', 'high'];

/** Age buckets of open items, in days from first detection to the period's end, both ends inclusive. */
export const AGE_BUCKETS = [
  { id: '0-30', label: '0–30 days', max: 30 },
  { id: '31-90', label: '31–90 days', max: 90 },
  { id: '91-180', label: '91–180 days', max: 180 },
  { id: 'over-180', label: 'more than 180 days', max: Infinity },
] as const;

/** Treatment states in which a weakness still counts as open. */
export const OPEN_TREATMENT_STATES: readonly string[] = ['open', 'regressed'];

/** What the organisation recorded about one row's weakness as of the report's date. */
export interface RowTreatment {
  state: string;
  owner?: string;
  /** YYYY-MM-DD. */
  dueDate?: string;
}

/** The treatment part of a front page: each row's treatment by reference, and the counts by state. Absent until
 * treatment is recorded; the front page then says so and treats every row as open. */
export interface FrontPageTreatment {
  rows: Record<string, RowTreatment>;
  byState: { state: string; count: number }[];
}

/** One weakness as a later report of the same scope compares against it. */
export interface ScopeWeakness {
  /** {@link weaknessKey} of the weakness. */
  key: string;
  ref: string;
  severity: Severity;
  title: string;
  endpointName: string;
}

/** What a ready report leaves for the next report of the same scope to compare against. */
export interface ScopeFacts {
  reportId: string;
  generatedAt: string;
  from: string;
  to: string;
  bySeverity: Record<Severity, number>;
  weaknesses: ScopeWeakness[];
}

/** An open critical or high weakness on the front page. */
export interface TopRisk {
  ref: string;
  severity: Severity;
  title: string;
  endpointName: string;
  firstSeen: string;
  lastSeen: string;
  /** Whole days from first detection to the period's end. */
  ageDays: number;
  owner: string | null;
  dueDate: string | null;
}

/** The change against the previous ready report of the same scope. */
export interface ChangeSincePrevious {
  reportId: string;
  generatedAt: string;
  from: string;
  to: string;
  newCount: number;
  /** The first {@link CHANGE_LIST_LIMIT} new weaknesses, in row order. */
  newWeaknesses: ScopeWeakness[];
  goneCount: number;
  /** The first {@link CHANGE_LIST_LIMIT} weaknesses of the previous report not seen in this one, in its row order. */
  gone: ScopeWeakness[];
  bySeverity: { severity: Severity; then: number; now: number }[];
}

/** The first two pages of a report: what a committee reads. */
export interface FrontPage {
  /** The period's end, from which ages are counted. */
  asOf: string;
  /** The conclusion, sentence by sentence ({@link conclusionOf}). */
  conclusion: string[];
  openRows: number;
  openCriticalHigh: number;
  /** Endpoints with an open critical or high weakness. */
  endpointsAtRisk: number;
  topRisks: TopRisk[];
  controlsRequested: number;
  controlsCovered: number;
  ageing: { bucket: string; label: string; open: number; criticalHigh: number }[];
  change: ChangeSincePrevious | null;
  treatment: FrontPageTreatment | null;
  /** What this report leaves for the next one of the same scope. */
  facts: ScopeFacts;
}

/** What the front page is built from. */
export interface FrontPageInput {
  reportId: string;
  generatedAt: string;
  scope: ReportScope;
  rows: readonly ReportRow[];
  /** {@link weaknessKey} of each row, in row order. */
  keys: readonly string[];
  coverage: readonly FrameworkCoverage[];
  /** Test runs recorded in the period. */
  runs: number;
  previous?: ScopeFacts;
  treatment?: FrontPageTreatment;
}

/** A weakness's key across reports: its endpoint, normalised category and fingerprint, hashed so that a report's
 * facts stay small and say nothing of the fingerprints themselves. */
export function weaknessKey(endpointId: string, category: string, fingerprint: string): string {
  return createHash('sha256').update(`${endpointId}\n${category}\n${fingerprint}`).digest('hex').slice(0, 32);
}

/** The key of a report's scope: the same tenant, frameworks, endpoints and severities give the same key whatever
 * order they were requested in; the period is not part of it, so successive periods compare. */
export function scopeKey(tenantId: string, frameworks: readonly FrameworkSlug[], scope: ReportScope): string {
  const normalised = {
    tenant: tenantId,
    frameworks: [...new Set(frameworks)].sort(byCodeUnit),
    endpoints: [...new Set(scope.endpointIds)].sort(byCodeUnit),
    severities: SEVERITIES.filter((s) => scope.includeSeverities.includes(s)),
  };
  return createHash('sha256').update(JSON.stringify(normalised)).digest('hex');
}

const DAY_MS = 86_400_000;

/** Whole calendar days (UTC) from an instant's day to a YYYY-MM-DD day; never negative. */
export function ageInDays(firstSeen: string, asOf: string): number {
  const days = (Date.parse(`${asOf}T00:00:00Z`) - Date.parse(`${firstSeen.slice(0, 10)}T00:00:00Z`)) / DAY_MS;
  return Math.max(0, Math.round(days));
}

/** The bucket of {@link AGE_BUCKETS} an age falls in. */
export function ageBucket(days: number): (typeof AGE_BUCKETS)[number] {
  return AGE_BUCKETS.find((b) => days <= b.max) ?? AGE_BUCKETS[AGE_BUCKETS.length - 1];
}

const isTop = (s: Severity): boolean => TOP_SEVERITIES.includes(s);

/** Most severe first, then most recently seen, then by reference. */
function byRisk(a: TopRisk, b: TopRisk): number {
  return (
    severityRank(a.severity) - severityRank(b.severity) ||
    byCodeUnit(b.lastSeen, a.lastSeen) ||
    byCodeUnit(a.ref, b.ref)
  );
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/**
 * The conclusion, one sentence per rule:
 * - weaknesses: when the scope left out both critical and high, it says the report cannot tell; else the open
 *   critical or high weaknesses and the endpoints they are on; else, without any, the lower-severity ones open;
 *   else that nothing was found;
 * - testing: the controls with a status of exception or tested without exception out of those requested (every
 *   control of the matrices but those not applicable), and, without a test run, that only weaknesses count;
 * - ageing: the open items first seen more than 180 days before the period's end, when there are any;
 * - change: new and no longer seen weaknesses against the previous report, when there is one;
 * - treatment: counts by state, or that treatment is not recorded.
 */
export function conclusionOf(
  page: Omit<FrontPage, 'conclusion' | 'facts'>,
  scope: ReportScope,
  runs: number,
): string[] {
  const out: string[] = [];
  const topRequested = scope.includeSeverities.some(isTop);
  if (!topRequested) {
    out.push('The scope left out critical and high severities, so this report does not say whether any are open.');
  } else if (page.openCriticalHigh > 0) {
    out.push(
      `${plural(page.openCriticalHigh, 'open critical or high weakness', 'open critical or high weaknesses')} on ${plural(page.endpointsAtRisk, 'endpoint', 'endpoints')}.`,
    );
  } else if (page.openRows > 0) {
    out.push(
      `No open critical or high weakness; ${plural(page.openRows, 'lower-severity weakness is', 'lower-severity weaknesses are')} open.`,
    );
  } else {
    out.push('No open weakness was found in scope.');
  }
  const testing = `Testing covered ${page.controlsCovered} of ${plural(page.controlsRequested, 'control', 'controls')} requested`;
  out.push(
    runs > 0
      ? `${testing}.`
      : `${testing}; no test run is recorded in the period, so only controls with a weakness count as tested.`,
  );
  const old = page.ageing.find((b) => b.bucket === 'over-180')?.open ?? 0;
  if (old > 0) {
    out.push(
      `${plural(old, 'open item was', 'open items were')} first seen more than 180 days before the period's end.`,
    );
  }
  if (page.change) {
    out.push(
      `Since the previous report of the same scope (${page.change.reportId}, to ${page.change.to}): ${page.change.newCount} new, ${page.change.goneCount} no longer seen.`,
    );
  }
  if (page.treatment) {
    const states = page.treatment.byState
      .filter((s) => s.count > 0)
      .map((s) => `${s.count} ${s.state.replace(/_/g, ' ')}`);
    out.push(states.length ? `Treatment: ${states.join(', ')}.` : 'No treatment is recorded for these weaknesses.');
  } else {
    out.push('Treatment is not recorded in this report, so every weakness counts as open.');
  }
  return out;
}

/** Compares this report's weaknesses with the previous report's. */
export function changeSince(previous: ScopeFacts, current: ScopeFacts): ChangeSincePrevious {
  const before = new Set(previous.weaknesses.map((w) => w.key));
  const now = new Set(current.weaknesses.map((w) => w.key));
  const added = current.weaknesses.filter((w) => !before.has(w.key));
  const gone = previous.weaknesses.filter((w) => !now.has(w.key));
  return {
    reportId: previous.reportId,
    generatedAt: previous.generatedAt,
    from: previous.from,
    to: previous.to,
    newCount: added.length,
    newWeaknesses: added.slice(0, CHANGE_LIST_LIMIT),
    goneCount: gone.length,
    gone: gone.slice(0, CHANGE_LIST_LIMIT),
    bySeverity: SEVERITIES.map((severity) => ({
      severity,
      then: previous.bySeverity[severity] ?? 0,
      now: current.bySeverity[severity] ?? 0,
    })),
  };
}

/** Builds the front page from the rows, the coverage, and, where present, the previous report of the same scope
 * and the rows' treatment. A previous report that is not older than this one is ignored. */
export function buildFrontPage(input: FrontPageInput): FrontPage {
  const asOf = input.scope.to;
  const treatment = input.treatment ?? null;
  const isOpen = (ref: string): boolean => {
    const t = treatment?.rows[ref];
    return t === undefined || OPEN_TREATMENT_STATES.includes(t.state);
  };
  const ageing = AGE_BUCKETS.map((b) => ({ bucket: b.id, label: b.label, open: 0, criticalHigh: 0 }));
  const risks: TopRisk[] = [];
  const atRisk = new Set<string>();
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  let openRows = 0;
  for (const row of input.rows) {
    bySeverity[row.severity]++;
    if (!isOpen(row.ref)) continue;
    openRows++;
    const ageDays = ageInDays(row.firstSeen, asOf);
    const bucket = ageing[AGE_BUCKETS.indexOf(ageBucket(ageDays))];
    bucket.open++;
    if (!isTop(row.severity)) continue;
    bucket.criticalHigh++;
    atRisk.add(row.endpointId);
    const t = treatment?.rows[row.ref];
    risks.push({
      ref: row.ref,
      severity: row.severity,
      title: row.title,
      endpointName: row.endpointName,
      firstSeen: row.firstSeen,
      lastSeen: row.lastSeen,
      ageDays,
      owner: t?.owner ?? null,
      dueDate: t?.dueDate ?? null,
    });
  }
  risks.sort(byRisk);
  let controlsRequested = 0;
  let controlsCovered = 0;
  for (const c of input.coverage) {
    controlsCovered += c.counts.exception + c.counts.tested_no_exception;
    controlsRequested += c.counts.exception + c.counts.tested_no_exception + c.counts.not_tested;
  }
  const facts: ScopeFacts = {
    reportId: input.reportId,
    generatedAt: input.generatedAt,
    from: input.scope.from,
    to: input.scope.to,
    bySeverity,
    weaknesses: input.rows.map((row, i) => ({
      key: input.keys[i],
      ref: row.ref,
      severity: row.severity,
      title: row.title,
      endpointName: row.endpointName,
    })),
  };
  const previous = input.previous && input.previous.generatedAt < input.generatedAt ? input.previous : undefined;
  const page = {
    asOf,
    openRows,
    openCriticalHigh: risks.length,
    endpointsAtRisk: atRisk.size,
    topRisks: risks.slice(0, TOP_RISK_LIMIT),
    controlsRequested,
    controlsCovered,
    ageing,
    change: previous ? changeSince(previous, facts) : null,
    treatment,
  };
  return { ...page, conclusion: conclusionOf(page, input.scope, input.runs), facts };
}
