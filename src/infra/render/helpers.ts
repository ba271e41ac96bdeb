import { createHash } from 'node:crypto';
import type Handlebars from 'handlebars';
import { isJudgementBasis } from '../../domain/crosswalk';
import { excerpt as focusedExcerpt } from '../../domain/evidence/excerpt';
import type { Mask } from '../../domain/evidence/masking';
import type { RedactionKind } from '../../domain/evidence/redaction';
import type { ScanEvidence } from '../../domain/finding';
import { showHiddenCharacters } from '../../domain/hidden-characters';
import {
  CONTROL_STATUSES,
  type ControlStatus,
  type Derivation,
  type FrameworkCoverage,
  type Rate,
  type ReportModel,
  type ReportRow,
  type RowEvidence,
} from '../../domain/report-model';
import { isSeverity } from '../../domain/severity';

/** How many characters of a prompt or response the evidence appendix prints before cutting. */
export const EXCERPT_LIMIT = 1500;

/** How many characters of a control title the findings table prints: NIST suggested actions run to a paragraph,
 * and a dozen of them in full would stretch one row over a page. */
export const CONTROL_TITLE_LIMIT = 80;

/** How many characters of a control title the coverage matrix prints: about two lines of its title column. */
export const MATRIX_TITLE_LIMIT = 160;

/** A piece of evidence cut to a printable length, with what an auditor needs to know about the cut. */
export interface Excerpt {
  text: string;
  truncated: boolean;
  shown: number;
  total: number;
}

/** The mark of a derivation that rests on judgement (an analyst's, or a vendor's mapping) rather than a source. */
export const JUDGEMENT_BASIS = 'J';

/** An overlap group by id and name. */
export interface NamedGroup {
  id: string;
  name: string;
}

/** One crosswalk link a row applied: the control a group derived, in which framework, on what basis and why. */
export interface AppliedLink {
  framework: string;
  label: string;
  control: string;
  basis: string;
  judgement: boolean;
  reason: string;
}

/** An overlap group used by the rows, with every link of it that some row applied. */
export interface AppliedGroup extends NamedGroup {
  links: AppliedLink[];
}

/** One entry of the crosswalk's basis legend. */
export interface BasisEntry {
  key: string;
  meaning: string;
  judgement: boolean;
}

/** One endpoint of the report's scope, with its display name when any row names it. */
export interface ScopeEndpoint {
  id: string;
  name: string;
  rows: number;
}

const SHORT_FRAMEWORK_LABELS: Readonly<Record<string, string>> = {
  OWASP_LLM: 'OWASP LLM Top 10',
  OWASP_AGENTIC: 'OWASP Agentic AI',
  NIST_AI_600_1: 'NIST AI 600-1',
  MITRE_ATLAS: 'MITRE ATLAS',
  EU_AI_ACT: 'EU AI Act',
  ISO_42001: 'ISO/IEC 42001',
};

function parseInstant(value: string): Date | undefined {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Formats an ISO date or timestamp as its UTC calendar day (`2026-06-30`). Unparsable input comes back as
 * given, so a bad value shows up in the report instead of failing the whole render. */
export function formatUtcDate(value: string): string {
  const date = parseInstant(value);
  return date ? date.toISOString().slice(0, 10) : value;
}

/** Formats an ISO timestamp as UTC to the minute (`2026-06-30 14:05 UTC`); unparsable input comes back as given. */
export function formatUtcDateTime(value: string): string {
  const date = parseInstant(value);
  if (!date) return value;
  const iso = date.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** Width of a chart bar as a percentage of the track (0–100, one decimal). A non-zero value never drops below
 * a sliver, so a count of 1 next to a count of 500 is still visible. */
export function barPercent(value: number, max: number): number {
  if (!(value > 0) || !(max > 0)) return 0;
  const percent = Math.min(100, (value / max) * 100);
  return Math.max(1, Math.round(percent * 10) / 10);
}

/** A value's share of a total as a whole percentage, for the summary tables. */
export function sharePercent(value: number, total: number): number {
  return total > 0 ? Math.round((value / total) * 100) : 0;
}

/** CSS class of a severity badge. Anything that is not a known severity gets a neutral class, so a class
 * name is never built from unchecked text. */
export function severityClass(severity: unknown): string {
  return isSeverity(severity) ? `sev-${severity}` : 'sev-unknown';
}

/** Display label of a severity: `critical` → `Critical`. */
export function severityLabel(severity: string): string {
  return severity.charAt(0).toUpperCase() + severity.slice(1);
}

/** A compact framework name for table captions, falling back to the catalogue's label. */
export function frameworkShortLabel(slug: string, label: string): string {
  return Object.prototype.hasOwnProperty.call(SHORT_FRAMEWORK_LABELS, slug) ? SHORT_FRAMEWORK_LABELS[slug] : label;
}

/** Cuts text to at most `limit` UTF-16 units without splitting a surrogate pair. */
export function excerpt(text: string, limit: number = EXCERPT_LIMIT): Excerpt {
  if (text.length <= limit) return { text, truncated: false, shown: text.length, total: text.length };
  let end = limit;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return { text: text.slice(0, end), truncated: true, shown: end, total: text.length };
}

/** A count with thousands separators, `1,234`, whatever the process's locale. */
export function groupDigits(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

const MASK_NOUNS: Readonly<Record<RedactionKind, readonly [string, string]>> = {
  private_key: ['private key', 'private keys'],
  jwt: ['JSON web token', 'JSON web tokens'],
  aws_access_key: ['AWS access key', 'AWS access keys'],
  github_token: ['GitHub token', 'GitHub tokens'],
  slack_token: ['Slack token', 'Slack tokens'],
  google_api_key: ['Google API key', 'Google API keys'],
  api_key: ['API key', 'API keys'],
  bearer_token: ['bearer token', 'bearer tokens'],
  credential: ['password or secret', 'passwords or secrets'],
  access_code: ['access or override code', 'access or override codes'],
  street_address: ['street address', 'street addresses'],
  email: ['e-mail address', 'e-mail addresses'],
  iban: ['IBAN', 'IBANs'],
  payment_card: ['payment card number', 'payment card numbers'],
  phone: ['phone number', 'phone numbers'],
};

/** What masking hid in a text, as a reader takes it in: `2 e-mail addresses, 1 phone number`; '' when nothing.
 * A kind this code does not know is named as given (and escaped by the template like everything else). */
export function masksLabel(masks: readonly Mask[]): string {
  return masks
    .map(({ kind, count }) => {
      const nouns = Object.prototype.hasOwnProperty.call(MASK_NOUNS, kind) ? MASK_NOUNS[kind] : [kind, kind];
      return `${groupDigits(count)} ${count === 1 ? nouns[0] : nouns[1]}`;
    })
    .join(', ');
}

/** One evidence text as the appendix prints it: a window of the (masked) text that keeps the part showing the
 * failure, what was cut on each side (formatted, '' when nothing), how the window was placed, and the length and
 * digest of the whole masked text it was cut from. Every field is always there, as strict templates need. */
export interface EvidenceExcerpt {
  text: string;
  truncated: boolean;
  shown: string;
  total: string;
  cutBefore: string;
  cutAfter: string;
  /** How the window was placed, for the note under a cut excerpt. */
  placement: string;
  /** sha256 of the whole masked text, '' when nothing was cut. */
  sha256: string;
  /** {@link masksLabel} of the text's masks. */
  masked: string;
}

const PLACEMENTS = {
  match: 'centred on the detector’s match',
  goal: 'centred on the longest run of the attack goal’s words found in it',
  start: 'from the start, no words of the attack goal being found in it',
} as const;

/** A mask as `redact` writes it; the longest kind has 14 characters. */
const MASK_TOKEN = /\[redacted:[a-z_]{1,20}\]/g;
const MASK_REACH = 32;

/** The window [start, end) narrowed so that it neither starts nor ends inside a mask: a reader should see
 * `[redacted:email]` whole or not at all, never `acted:email]`. */
function wholeMasks(full: string, start: number, end: number): { start: number; end: number } {
  const straddling = (at: number): { index: number; stop: number } | undefined => {
    const from = Math.max(0, at - MASK_REACH);
    for (const m of full.slice(from, at + MASK_REACH).matchAll(MASK_TOKEN)) {
      const index = from + m.index;
      if (index < at && index + m[0].length > at) return { index, stop: index + m[0].length };
    }
    return undefined;
  };
  const first = start > 0 ? straddling(start) : undefined;
  const last = end < full.length ? straddling(end) : undefined;
  return { start: first ? Math.min(first.stop, end) : start, end: last ? Math.max(last.index, start) : end };
}

/** The control characters evidence is laid out by, printed as they are: tab, line feed and carriage return. */
const EVIDENCE_LAYOUT = '\t\n\r';

/** The prompt or the response of a row's evidence, cut to `limit` around the longest run of the attack goal's
 * words (the scanner evidence records no matched strings to centre on), or from the start without one. The text
 * is already masked by the model, so no personal data is cut in half and left unrecognised; a mask at either end
 * of the window is kept whole or left out. */
export function evidenceExcerpt(
  evidence: RowEvidence,
  field: 'prompt' | 'response',
  limit: number = EXCERPT_LIMIT,
): EvidenceExcerpt {
  const full = evidence[field];
  const goal = evidence.scan?.goal;
  const cut = focusedExcerpt(full, limit, goal !== undefined ? { goal } : {});
  const { start, end } = wholeMasks(full, cut.cutBefore, full.length - cut.cutAfter);
  const text = full.slice(start, end);
  const truncated = start > 0 || end < full.length;
  return {
    // Evidence keeps its bytes; what would print as nothing, or reorder the text around it, is printed visibly.
    text: showHiddenCharacters(text, EVIDENCE_LAYOUT),
    truncated,
    shown: groupDigits(text.length),
    total: groupDigits(full.length),
    cutBefore: start > 0 ? groupDigits(start) : '',
    cutAfter: end < full.length ? groupDigits(full.length - end) : '',
    placement: goal === undefined && cut.centredOn === 'start' ? 'from the start' : PLACEMENTS[cut.centredOn],
    sha256: truncated ? sha256Hex(full) : '',
    masked: masksLabel(evidence.redactions[field]),
  };
}

/** SHA-256 of a text's UTF-8 bytes, as lowercase hex: what an auditor recomputes from the source record to
 * match a truncated excerpt with the full text it was cut from. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Shortens a title to at most `limit` characters, cutting at a word boundary where there is one and ending
 * with an ellipsis; a title that fits comes back unchanged. */
export function shortTitle(text: string, limit: number = CONTROL_TITLE_LIMIT): string {
  if (text.length <= limit) return text;
  const cut = excerpt(text, limit - 1).text;
  const space = cut.lastIndexOf(' ');
  const head = space > limit / 2 ? cut.slice(0, space) : cut;
  return `${head.replace(/[\s,;:.–—-]+$/, '')}…`;
}

/** The largest value of a numeric property over a list, for scaling a chart; 0 for an empty list. */
export function maxOf(items: readonly Record<string, unknown>[], key: string): number {
  return items.reduce((max, item) => {
    const value = item[key];
    return typeof value === 'number' && value > max ? value : max;
  }, 0);
}

/** The report's endpoints in scope order, named from the rows that mention them. When the scope lists no
 * endpoint ids (every endpoint), the endpoints seen in the rows are listed instead. */
export function scopeEndpoints(model: ReportModel): ScopeEndpoint[] {
  const seen = new Map(model.summary.byEndpoint.map((e) => [e.endpointId, e]));
  if (model.report.scope.endpointIds.length === 0) {
    return model.summary.byEndpoint.map((e) => ({ id: e.endpointId, name: e.endpointName, rows: e.rows }));
  }
  return model.report.scope.endpointIds.map((id) => {
    const e = seen.get(id);
    return { id, name: e ? e.endpointName : '', rows: e ? e.rows : 0 };
  });
}

/** Picks the singular or plural noun for a count: `1 finding`, `3 findings`. */
export function plural(count: number, singular: string, pluralForm: string): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

/** Names the overlap groups that derived a control: `X01`, `X01, X13`. A group whose link to the control rests
 * on analyst judgement is marked `X01 (J)`, so the reader sees it without turning to the appendix. */
export function derivationLabel(via: readonly Derivation[]): string {
  const judged = new Map<string, boolean>();
  for (const d of via) judged.set(d.group, (judged.get(d.group) ?? false) || isJudgementBasis(d.basis));
  return [...judged].map(([group, judgement]) => (judgement ? `${group} (${JUDGEMENT_BASIS})` : group)).join(', ');
}

/** Row refs as a compact list, consecutive runs folded into ranges: `R001–R004, R007`. Refs of another shape
 * are listed as given, so nothing is lost to the folding. */
/** One part of a list of row references: a single reference or a run of consecutive ones, and whether the rows are
 * the report's own (R001, …), which the document can link to. */
export interface RefRange {
  first: string;
  /** The run's last reference; absent for a single one. */
  last?: string;
  linked: boolean;
}

/** Row references folded into runs of consecutive ones; references of another shape are kept as given. */
export function refRangeParts(refs: readonly string[]): RefRange[] {
  const parts: RefRange[] = [];
  let run: { first: string; last: string; n: number; width: number } | undefined;
  const flush = () => {
    if (run) parts.push(run.first === run.last ? { first: run.first, linked: true } : { ...run, linked: true });
    run = undefined;
  };
  for (const ref of refs) {
    const m = /^R(\d+)$/.exec(ref);
    if (!m) {
      flush();
      parts.push({ first: ref, linked: false });
      continue;
    }
    const n = Number(m[1]);
    if (run && n === run.n + 1 && m[1].length === run.width) {
      run.last = ref;
      run.n = n;
    } else {
      flush();
      run = { first: ref, last: ref, n, width: m[1].length };
    }
  }
  flush();
  return parts.map(({ first, last, linked }) => (last === undefined ? { first, linked } : { first, last, linked }));
}

/** Row references as text, consecutive ones as a range: `R001–R004, R007`. */
export function refRanges(refs: readonly string[]): string {
  return refRangeParts(refs)
    .map((p) => (p.last === undefined ? p.first : `${p.first}–${p.last}`))
    .join(', ');
}

/** The overlap groups of a row with their names, in the row's order; a group the model does not name keeps
 * its id and an empty name. */
export function namedGroups(ids: readonly string[], groups: readonly NamedGroup[]): NamedGroup[] {
  return ids.map((id) => ({ id, name: groups.find((g) => g.id === id)?.name ?? '' }));
}

/** The coverage matrix of one framework, or undefined when the model holds none for it. */
export function coverageFor(slug: string, coverage: readonly FrameworkCoverage[]): FrameworkCoverage | undefined {
  return coverage.find((c) => c.framework === slug);
}

/** The report row holding a finding, by its ref, or an empty string when no row does. */
export function rowRefOf(findingId: string, rows: readonly ReportRow[]): string {
  return rows.find((r) => r.findingIds.includes(findingId))?.ref ?? '';
}

/** The basis legend in the model's order, each entry saying whether it is the judgement basis. */
export function basisEntries(basis: Readonly<Record<string, string>>): BasisEntry[] {
  return Object.entries(basis).map(([key, meaning]) => ({ key, meaning, judgement: isJudgementBasis(key) }));
}

/** The crosswalk links the rows applied, grouped by overlap group in the model's group order: each distinct
 * link once, by requested framework, then control. Built from the rows, so the appendix shows exactly the
 * derivations the findings table relies on and no others. */
export function appliedLinks(model: ReportModel): AppliedGroup[] {
  const order = new Map(model.report.frameworks.map((f, i) => [f.slug as string, i]));
  const byGroup = new Map<string, Map<string, AppliedLink>>();
  for (const row of model.rows) {
    for (const fw of row.frameworks) {
      for (const c of fw.controls) {
        for (const d of c.via) {
          const links = byGroup.get(d.group) ?? new Map<string, AppliedLink>();
          byGroup.set(d.group, links);
          const key = JSON.stringify([fw.framework, c.id, d.basis, d.reason]);
          if (!links.has(key)) {
            links.set(key, {
              framework: fw.framework,
              label: fw.label,
              control: c.id,
              basis: d.basis,
              judgement: isJudgementBasis(d.basis),
              reason: d.reason,
            });
          }
        }
      }
    }
  }
  const named = [...model.crosswalk.groups];
  for (const id of [...byGroup.keys()].sort()) if (!named.some((g) => g.id === id)) named.push({ id, name: '' });
  return named.map((g) => ({
    id: g.id,
    name: g.name,
    links: [...(byGroup.get(g.id)?.values() ?? [])].sort(
      (a, b) =>
        (order.get(a.framework) ?? order.size) - (order.get(b.framework) ?? order.size) ||
        a.control.localeCompare(b.control, 'en', { numeric: true }),
    ),
  }));
}

/** One fact of a scanner's verdict as the evidence appendix prints it. */
export interface ScanFact {
  label: string;
  value: string;
  /** An identifier (probe, plugin, detector), printed in a fixed-width face. */
  mono: boolean;
}

/** A score as printed: at most three decimals, no trailing zeros. */
function formatScore(score: number): string {
  return String(Number(score.toFixed(3)));
}

/** The facts of a scanner's verdict on a finding, in the order an auditor reads them: what attacked (probe or
 * plugin, and how it was delivered), what it was after, who called it a hit and at what score, and why. */
export function scanFacts(scan: ScanEvidence | undefined): ScanFact[] {
  if (!scan) return [];
  const facts: ScanFact[] = [];
  const add = (label: string, value: string | undefined, mono = false) => {
    if (value !== undefined && value !== '') facts.push({ label, value, mono });
  };
  add('Probe', scan.probe, true);
  add('Plugin', scan.plugin, true);
  add('Strategy', scan.strategy, true);
  add('Target', scan.provider, true);
  add('Goal', scan.goal);
  if (scan.detectors && scan.detectors.length > 0) {
    const listed = scan.detectors.map((d) => `${d.detector} ${formatScore(d.score)}`).join(', ');
    const bar = scan.threshold !== undefined ? ` (a hit at ${formatScore(scan.threshold)} or more)` : '';
    add(scan.detectors.length === 1 ? 'Detector' : 'Detectors', `${listed}${bar}`, true);
  }
  if (scan.score !== undefined) add('Score', formatScore(scan.score), true);
  add('Failed check', scan.check);
  add('Grader’s reason', scan.graderReason);
  return facts;
}

/** A rate as a reader takes it in: the share in per cent with its 95 % interval, `40.0 % (16.8–68.7 %)`; a dash
 * where nothing was attempted. */
export function formatRate(rate: Rate | undefined): string {
  if (!rate) return '–';
  const pct = (x: number): string => (x * 100).toFixed(1);
  return `${pct(rate.value)} % (${pct(rate.low)}–${pct(rate.high)} %)`;
}

const STATUS_LABELS: Readonly<Record<ControlStatus, string>> = Object.freeze({
  exception: 'Exception',
  tested_no_exception: 'Tested, no exception',
  not_tested: 'Not tested',
  not_applicable: 'Not applicable',
});

/** A control status as the report prints it; anything else as a dash, so no label is built from unchecked text. */
export function statusLabel(status: unknown): string {
  return (CONTROL_STATUSES as readonly unknown[]).includes(status) ? STATUS_LABELS[status as ControlStatus] : '–';
}

/** CSS class of a status badge, from the known statuses only. */
export function statusClass(status: unknown): string {
  return (CONTROL_STATUSES as readonly unknown[]).includes(status)
    ? `st-${String(status).replace(/_/g, '-')}`
    : 'st-unknown';
}

/** A digest shortened for a table cell (its first 12 hex digits and an ellipsis); the JSON export has it whole. */
export function shortDigest(hex: unknown): string {
  return typeof hex === 'string' && hex.length > 12 ? `${hex.slice(0, 12)}…` : String(hex ?? '');
}

/** Registers the report helpers on a Handlebars environment. Every helper returns plain strings, numbers or
 * objects, never `SafeString`, so whatever it returns is still escaped when printed. */
export function registerHelpers(hbs: typeof Handlebars): void {
  hbs.registerHelper('formatDate', (value: string) => formatUtcDate(value));
  hbs.registerHelper('formatDateTime', (value: string) => formatUtcDateTime(value));
  hbs.registerHelper('barPercent', (value: number, max: number) => barPercent(value, max));
  hbs.registerHelper('sharePercent', (value: number, total: number) => sharePercent(value, total));
  hbs.registerHelper('severityClass', (severity: unknown) => severityClass(severity));
  hbs.registerHelper('severityLabel', (severity: string) => severityLabel(severity));
  hbs.registerHelper('frameworkShort', (slug: string, label: string) => frameworkShortLabel(slug, label));
  hbs.registerHelper('evidenceExcerpt', (evidence: RowEvidence, field: unknown) => {
    if (field !== 'prompt' && field !== 'response')
      throw new Error(`evidenceExcerpt: no evidence field ${String(field)}`);
    return evidenceExcerpt(evidence, field);
  });
  hbs.registerHelper('masksLabel', (masks: Mask[]) => masksLabel(masks));
  hbs.registerHelper('maxOf', (items: Record<string, unknown>[], key: string) => maxOf(items, key));
  hbs.registerHelper('scopeEndpoints', (model: ReportModel) => scopeEndpoints(model));
  hbs.registerHelper('plural', (count: number, singular: string, pluralForm: string) =>
    plural(count, singular, pluralForm),
  );
  // Handlebars passes its options object last, so a limit left out arrives as that object, not a number.
  hbs.registerHelper('shortTitle', (text: string, limit: unknown) =>
    shortTitle(text, typeof limit === 'number' ? limit : CONTROL_TITLE_LIMIT),
  );
  hbs.registerHelper('derivationLabel', (via: Derivation[]) => derivationLabel(via));
  hbs.registerHelper('refRanges', (refs: string[]) => refRanges(refs));
  hbs.registerHelper('refRangeParts', (refs: string[]) => refRangeParts(refs));
  hbs.registerHelper('namedGroups', (ids: string[], groups: NamedGroup[]) => namedGroups(ids, groups));
  hbs.registerHelper('coverageFor', (slug: string, coverage: FrameworkCoverage[]) => coverageFor(slug, coverage));
  hbs.registerHelper('rowRefOf', (findingId: string, rows: ReportRow[]) => rowRefOf(findingId, rows));
  hbs.registerHelper('basisEntries', (basis: Record<string, string>) => basisEntries(basis));
  hbs.registerHelper('appliedLinks', (model: ReportModel) => appliedLinks(model));
  hbs.registerHelper('scanFacts', (scan: ScanEvidence | undefined) => scanFacts(scan));
  hbs.registerHelper('formatRate', (rate: Rate | undefined) => formatRate(rate));
  hbs.registerHelper('statusLabel', (status: unknown) => statusLabel(status));
  hbs.registerHelper('statusClass', (status: unknown) => statusClass(status));
  hbs.registerHelper('shortDigest', (hex: unknown) => shortDigest(hex));
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hbs.registerHelper('gt', (a: number, b: number) => a > b);
  hbs.registerHelper('truncate', (text: string, limit: number) => {
    const cut = excerpt(text, limit);
    return cut.truncated ? `${cut.text}…` : cut.text;
  });
}
