import euData from './catalogue/eu-ai-act.json';
import { getFramework } from './frameworks';

/** The operator roles the EU AI Act's obligations bind that a tenant can hold. */
export const EU_ROLES = ['provider', 'deployer'] as const;

/** An operator role. */
export type EuRole = (typeof EU_ROLES)[number];

/** A tenant's role as its applicability profile states it: one role, or both for different systems. */
export type EuProfileRole = EuRole | 'both';

/** The roles a profile may state. */
export const EU_PROFILE_ROLES: readonly EuProfileRole[] = [...EU_ROLES, 'both'];

/** What a system or model is under the Act: an Art. 5 practice, high-risk (Art. 6), subject to Art. 50
 * transparency, a general-purpose AI model (Art. 53), one with systemic risk (Art. 55), or none of these. */
export const EU_RISK_CLASSES = ['prohibited', 'high_risk', 'limited_risk', 'gpai', 'gpai_systemic', 'minimal'] as const;

/** A risk class or system kind. */
export type EuRiskClass = (typeof EU_RISK_CLASSES)[number];

/** `in_force`: the date Art. 113 (or 111) sets and no amendment moved. `amended`: a date an amending act moved,
 * the date it replaced kept as `original`. `inserted`: a provision an amending act added, with the date it set. */
export type EuDateStatus = 'in_force' | 'amended' | 'inserted';

const DATE_STATUSES: readonly string[] = ['in_force', 'amended', 'inserted'];

/** When one part of an article applies, and on what authority. */
export interface EuApplicationDate {
  appliesFrom: string;
  status: EuDateStatus;
  /** Key into {@link EU_AI_ACT_SOURCES}. */
  source: string;
  original?: { appliesFrom: string; source: string };
  note?: string;
}

/** Who an article binds, what it concerns and from when, by scope (`annex_iii`, `annex_i`, `general`, …). */
export interface EuArticleApplicability {
  article: string;
  roles: readonly EuRole[];
  riskClasses: readonly EuRiskClass[];
  /** The scope a date is read from when the caller names none. */
  defaultScope: string;
  dates: Readonly<Record<string, EuApplicationDate>>;
  note?: string;
}

interface WireDate {
  applies_from: string;
  status: string;
  source: string;
  original?: { applies_from: string; source: string };
  note?: string;
}

interface EuFile {
  version: string;
  as_of: string;
  sources: Record<string, string>;
  amendments: { id: string; title: string; status: string; summary: string; finding: string; sources: string[] }[];
  articles: Record<
    string,
    { roles: string[]; risk_classes: string[]; default_scope: string; dates: Record<string, WireDate>; note?: string }
  >;
  paragraph_roles: Record<string, string[]>;
}

const data = euData as EuFile;

/** Version of the applicability data; a report records it beside the catalogue's. */
export const EU_AI_ACT_DATA_VERSION: string = data.version;

/** The day the dates were last checked against their sources. */
export const EU_AI_ACT_AS_OF: string = data.as_of;

/** The texts the dates rest on, by key. */
export const EU_AI_ACT_SOURCES: Readonly<Record<string, string>> = Object.freeze({ ...data.sources });

/** Amending acts looked for, with what was found about each and its status as of {@link EU_AI_ACT_AS_OF}. */
export const EU_AI_ACT_AMENDMENTS: readonly Readonly<EuFile['amendments'][number]>[] = Object.freeze(
  data.amendments.map((a) => Object.freeze({ ...a })),
);

const articles = new Map<string, EuArticleApplicability>(
  Object.entries(data.articles).map(([article, a]) => [
    article,
    Object.freeze({
      article,
      roles: a.roles as EuRole[],
      riskClasses: a.risk_classes as EuRiskClass[],
      defaultScope: a.default_scope,
      dates: Object.fromEntries(
        Object.entries(a.dates).map(([scope, d]) => [
          scope,
          {
            appliesFrom: d.applies_from,
            status: d.status as EuDateStatus,
            source: d.source,
            ...(d.original ? { original: { appliesFrom: d.original.applies_from, source: d.original.source } } : {}),
            ...(d.note ? { note: d.note } : {}),
          },
        ]),
      ),
      ...(a.note ? { note: a.note } : {}),
    }),
  ]),
);

/** The article a control id belongs to: `Art. 15(5)` → `Art. 15`. */
export function euArticleOf(controlId: string): string {
  return /^Art\. \d+/.exec(controlId)?.[0] ?? controlId;
}

/** Applicability data of the article an EU AI Act control (article or paragraph) belongs to, or undefined. */
export function euApplicability(controlId: string): EuArticleApplicability | undefined {
  return articles.get(euArticleOf(controlId));
}

function applicabilityOf(controlId: string): EuArticleApplicability {
  const found = euApplicability(controlId);
  if (!found) throw new Error(`no EU AI Act applicability data for "${controlId}" in eu-ai-act.json`);
  return found;
}

/** The roles an article or paragraph binds: a paragraph may bind fewer than its article (Art. 50(1): providers). */
export function euRolesOf(controlId: string): readonly EuRole[] {
  return (data.paragraph_roles[controlId] as EuRole[] | undefined) ?? applicabilityOf(controlId).roles;
}

/** Whether an article (or paragraph) binds a tenant of this role for a system of this class: Art. 26 binds
 * deployers of high-risk systems, Art. 55 providers of GPAI models with systemic risk, Art. 5 everyone. A tenant
 * that is `both` is bound by what binds either role. Throws for a control with no applicability data. */
export function euArticleApplies(articleId: string, profile: { role: EuProfileRole; riskClass: EuRiskClass }): boolean {
  const a = applicabilityOf(articleId);
  const roles = euRolesOf(articleId);
  const roleFits = profile.role === 'both' ? roles.length > 0 : roles.includes(profile.role);
  return roleFits && a.riskClasses.includes(profile.riskClass);
}

/** When an article applies, measured against a reporting period. */
export interface ApplicationStatus {
  appliesFrom: string;
  /** `applies`: from the period's first day on; `applies_during_period`: from a day inside it;
   * `not_yet_applicable`: only after the period. */
  status: 'applies' | 'applies_during_period' | 'not_yet_applicable';
  /** The text the date rests on. */
  source: string;
  note?: string;
}

/** Whether an article applied during a period (`YYYY-MM-DD`, both days included), for one dated part of it:
 * `scope` names the part (`annex_i` for a high-risk product under Annex I, `ncii_csam` for the Art. 5
 * prohibitions the 2026 amendment adds); the article's default part otherwise (`annex_iii` for high-risk
 * duties). The note says which part was read, and an amended date what it replaced. */
export function applicationStatus(
  articleId: string,
  period: { from: string; to: string },
  scope?: string,
): ApplicationStatus {
  const a = applicabilityOf(articleId);
  const part = scope ?? a.defaultScope;
  const date = a.dates[part];
  if (!date) {
    throw new Error(`${a.article} has no dated part "${part}"; it has ${Object.keys(a.dates).join(', ')}`);
  }
  const status =
    date.appliesFrom <= period.from
      ? 'applies'
      : date.appliesFrom <= period.to
        ? 'applies_during_period'
        : 'not_yet_applicable';
  const notes = [`${a.article}, ${part}${date.note ? `: ${date.note}` : ''}`];
  if (date.status !== 'in_force') {
    const by = EU_AI_ACT_AMENDMENTS.map((m) => `${m.title}: ${m.summary}`).join('; ');
    notes.push(`Date ${date.status === 'amended' ? 'moved' : 'set'} by ${by}`);
  }
  if (date.original) {
    const where = EU_AI_ACT_SOURCES[date.original.source].split(':')[0];
    notes.push(`Originally ${date.original.appliesFrom} under ${where}`);
  }
  const others = Object.entries(a.dates).filter(([s]) => s !== part);
  if (others.length > 0) notes.push(`Other parts: ${others.map(([s, d]) => `${s} from ${d.appliesFrom}`).join(', ')}`);
  return { appliesFrom: date.appliesFrom, status, source: EU_AI_ACT_SOURCES[date.source], note: notes.join('. ') };
}

function isIsoDay(value: unknown): boolean {
  return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value));
}

/** Checks the applicability data: every EU AI Act control of the catalogue has an article entry; roles, risk
 * classes and statuses are from the lists; every date is a real day with a known source; an amended date keeps
 * the one it replaced. Returns the problems found (none when the data is sound). */
export function euAiActProblems(): string[] {
  const problems: string[] = [];
  for (const control of getFramework('EU_AI_ACT').controls) {
    if (!euApplicability(control.id)) problems.push(`${control.id}: no applicability data`);
  }
  if (!isIsoDay(data.as_of)) problems.push(`as_of: "${data.as_of}" is not a day`);
  for (const m of data.amendments) {
    for (const s of m.sources) if (!data.sources[s]) problems.push(`amendment ${m.id}: unknown source ${s}`);
  }
  for (const [article, a] of Object.entries(data.articles)) {
    if (a.roles.length === 0) problems.push(`${article}: binds no role`);
    for (const r of a.roles) if (!(EU_ROLES as readonly string[]).includes(r)) problems.push(`${article}: role ${r}`);
    for (const c of a.risk_classes) {
      if (!(EU_RISK_CLASSES as readonly string[]).includes(c)) problems.push(`${article}: risk class ${c}`);
    }
    if (!a.dates[a.default_scope]) problems.push(`${article}: default scope ${a.default_scope} has no date`);
    for (const [scope, d] of Object.entries(a.dates)) {
      const where = `${article} ${scope}`;
      if (!isIsoDay(d.applies_from)) problems.push(`${where}: "${d.applies_from}" is not a day`);
      if (!data.sources[d.source]) problems.push(`${where}: unknown source ${d.source}`);
      if (!DATE_STATUSES.includes(d.status)) problems.push(`${where}: status ${d.status}`);
      if (d.status === 'amended' && !d.original) problems.push(`${where}: amended date without the one it replaced`);
      if (d.original && !data.sources[d.original.source])
        problems.push(`${where}: unknown source ${d.original.source}`);
    }
  }
  for (const [paragraph, roles] of Object.entries(data.paragraph_roles)) {
    const a = data.articles[euArticleOf(paragraph)];
    if (!a) problems.push(`${paragraph}: paragraph of an article with no data`);
    else if (roles.some((r) => !a.roles.includes(r))) problems.push(`${paragraph}: binds a role its article does not`);
  }
  return problems;
}
