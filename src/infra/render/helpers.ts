import type Handlebars from 'handlebars';
import type { ReportModel } from '../../domain/report-model';
import { isSeverity } from '../../domain/severity';

/** How many characters of a prompt or response the evidence appendix prints before cutting. */
export const EXCERPT_LIMIT = 1500;

/** A piece of evidence cut to a printable length, with what an auditor needs to know about the cut. */
export interface Excerpt {
  text: string;
  truncated: boolean;
  shown: number;
  total: number;
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
  hbs.registerHelper('excerpt', (text: string) => excerpt(text));
  hbs.registerHelper('maxOf', (items: Record<string, unknown>[], key: string) => maxOf(items, key));
  hbs.registerHelper('scopeEndpoints', (model: ReportModel) => scopeEndpoints(model));
  hbs.registerHelper('plural', (count: number, singular: string, pluralForm: string) =>
    plural(count, singular, pluralForm),
  );
  hbs.registerHelper('truncate', (text: string, limit: number) => {
    const cut = excerpt(text, limit);
    return cut.truncated ? `${cut.text}…` : cut.text;
  });
}
