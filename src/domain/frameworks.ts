import catalogueData from './catalogue/catalogue.json';

/** Framework slugs accepted by the API, in the order the public docs list them. */
export const FRAMEWORK_SLUGS = [
  'OWASP_LLM',
  'OWASP_AGENTIC',
  'NIST_AI_600_1',
  'MITRE_ATLAS',
  'EU_AI_ACT',
  'ISO_42001',
] as const;

/** A framework slug. */
export type FrameworkSlug = (typeof FRAMEWORK_SLUGS)[number];

/** One control of a framework, keyed by its stable id (titles change between editions; ids do not). */
export interface Control {
  id: string;
  title: string;
  /** What the control is in its framework: `risk`, `technique`, `sub-technique`, `mitigation`, `article`, … */
  kind: string;
  edition?: string;
  /** Key into {@link CATALOGUE_SOURCES}: where the id and title were confirmed. */
  source: string;
  /** `verified` in the primary text, `secondary` where the standard is paywalled, `partial` where cut off. */
  status: string;
}

/** A framework as the catalogue describes it. */
export interface Framework {
  slug: FrameworkSlug;
  label: string;
  controls: readonly Control[];
}

/** One change of the catalogue, with the version that made it and what it rests on: a control's field (`kind`) or
 * a source's description set to a new value. */
export interface CatalogueChange {
  version: string;
  framework?: FrameworkSlug;
  control?: string;
  /** Key into {@link CATALOGUE_SOURCES}, for a change to a source's description. */
  source?: string;
  field: string;
  from: string;
  to: string;
  basis: string;
}

interface CatalogueFile {
  version: string;
  sources: Record<string, string>;
  frameworks: Record<FrameworkSlug, { label: string; controls: Control[] }>;
  changes: CatalogueChange[];
}

const data = catalogueData as CatalogueFile;

/** Version of the control catalogue; every report records the one it was built with. */
export const CATALOGUE_VERSION: string = data.version;

/** The documents the catalogue's ids and titles were confirmed in, by key. */
export const CATALOGUE_SOURCES: Readonly<Record<string, string>> = Object.freeze({ ...data.sources });

/** Every change of the catalogue with its basis, oldest first. */
export const CATALOGUE_CHANGES: readonly Readonly<CatalogueChange>[] = Object.freeze(
  data.changes.map((c) => Object.freeze({ ...c })),
);

const frameworks: ReadonlyMap<FrameworkSlug, Framework> = new Map(
  FRAMEWORK_SLUGS.map((slug) => [slug, Object.freeze({ slug, ...data.frameworks[slug] })]),
);

const controlIndex: ReadonlyMap<FrameworkSlug, ReadonlyMap<string, Control>> = new Map(
  FRAMEWORK_SLUGS.map((slug) => [slug, new Map(data.frameworks[slug].controls.map((c) => [c.id, c]))]),
);

/** Whether a value is a framework slug. */
export function isFrameworkSlug(value: unknown): value is FrameworkSlug {
  return typeof value === 'string' && (FRAMEWORK_SLUGS as readonly string[]).includes(value);
}

/** The catalogue entry of a framework. */
export function getFramework(slug: FrameworkSlug): Framework {
  return frameworks.get(slug)!;
}

/** A control by framework and canonical id, or undefined. */
export function findControl(slug: FrameworkSlug, id: string): Control | undefined {
  return controlIndex.get(slug)!.get(id);
}

const NIST_FUNCTIONS: Record<string, string> = {
  GV: 'GOVERN',
  GOVERN: 'GOVERN',
  MP: 'MAP',
  MAP: 'MAP',
  MS: 'MEASURE',
  MEASURE: 'MEASURE',
  MG: 'MANAGE',
  MANAGE: 'MANAGE',
};

const NIST_ACTION_PREFIX: Record<string, string> = { GOVERN: 'GV', MAP: 'MP', MEASURE: 'MS', MANAGE: 'MG' };

/** Rewrites the spellings people use for a control into the catalogue's canonical id, without checking that
 * the control exists: `llm06` → `LLM06:2025`, `MEASURE-2.7` → `MEASURE 2.7`, `Article 10` → `Art. 10`. */
export function canonicalControlId(slug: FrameworkSlug, raw: string): string {
  const text = raw.trim().replace(/\s+/g, ' ');
  switch (slug) {
    case 'OWASP_LLM': {
      const m = /^(?:OWASP[ _-]?)?LLM ?0?(\d{1,2})(?::(\d{4}))?$/i.exec(text);
      return m ? `LLM${m[1].padStart(2, '0')}:${m[2] ?? '2025'}` : text;
    }
    case 'OWASP_AGENTIC': {
      const m = /^(?:OWASP[ _-]?)?(ASI|T) ?0?(\d{1,2})(?::\d{4})?$/i.exec(text);
      if (!m) return text;
      const prefix = m[1].toUpperCase();
      return prefix === 'ASI' ? `ASI${m[2].padStart(2, '0')}` : `T${Number(m[2])}`;
    }
    case 'NIST_AI_600_1': {
      const action = /^(GV|MP|MS|MG|GOVERN|MAP|MEASURE|MANAGE)[ -]?(\d+\.\d+)-(\d{3})$/i.exec(text);
      if (action) return `${NIST_ACTION_PREFIX[NIST_FUNCTIONS[action[1].toUpperCase()]]}-${action[2]}-${action[3]}`;
      const sub = /^(GV|MP|MS|MG|GOVERN|MAP|MEASURE|MANAGE)[ -]?(\d+\.\d+)$/i.exec(text);
      if (sub) return `${NIST_FUNCTIONS[sub[1].toUpperCase()]} ${sub[2]}`;
      const risk = /^(?:(?:NIST )?(?:AI )?600-1 )?§ ?(2\.\d+)$/i.exec(text);
      return risk ? `600-1 §${risk[1]}` : text;
    }
    case 'MITRE_ATLAS':
      return /^AML\.(?:T\d{4}(?:\.\d{3})?|M\d{4})$/i.test(text) ? text.toUpperCase() : text;
    case 'EU_AI_ACT': {
      const m = /^(?:EU AI Act )?(?:Article|Art\.?) ?(\d+)((?:\(\w+\))*)$/i.exec(text);
      return m ? `Art. ${m[1]}${m[2].toLowerCase()}` : text;
    }
    case 'ISO_42001': {
      const m = /^(?:ISO(?:\/IEC)? ?42001(?::2023)? )?(A\.)?(\d+(?:\.\d+)*)$/i.exec(text);
      return m ? `${m[1] ? 'A.' : ''}${m[2]}` : text;
    }
  }
}

/** The kind an ATLAS id's form says it is: `AML.M…` ids are mitigations, `AML.T…` techniques and their
 * sub-techniques. */
const ATLAS_KINDS: readonly [RegExp, string][] = [
  [/^AML\.M\d{4}$/, 'mitigation'],
  [/^AML\.T\d{4}$/, 'technique'],
  [/^AML\.T\d{4}\.\d{3}$/, 'sub-technique'],
];

/** Checks the catalogue: every ATLAS control has the kind its id says, every control's source is described, and
 * the latest change to each control field or source still holds, so the change log cannot disagree with the
 * data. Returns the problems found (none when the data is sound). */
export function catalogueProblems(): string[] {
  const problems: string[] = [];
  for (const slug of FRAMEWORK_SLUGS) {
    for (const c of data.frameworks[slug].controls) {
      if (!CATALOGUE_SOURCES[c.source]) problems.push(`${slug} ${c.id}: source ${c.source} is not described`);
    }
  }
  for (const c of data.frameworks.MITRE_ATLAS.controls) {
    const kind = ATLAS_KINDS.find(([form]) => form.test(c.id))?.[1];
    if (kind === undefined) problems.push(`MITRE_ATLAS ${c.id}: not an ATLAS technique or mitigation id`);
    else if (c.kind !== kind) problems.push(`MITRE_ATLAS ${c.id}: kind ${c.kind}, but the id is a ${kind}`);
  }
  const latest = new Map<string, CatalogueChange>();
  for (const change of CATALOGUE_CHANGES) {
    const subject = change.source ?? `${change.framework} ${change.control}`;
    if (!change.basis.trim()) problems.push(`change ${change.version} ${subject}: no basis`);
    latest.set(`${subject} ${change.field}`, change);
  }
  for (const change of latest.values()) {
    const subject = change.source ?? `${change.framework} ${change.control}`;
    const now = change.source
      ? CATALOGUE_SOURCES[change.source]
      : change.framework && change.control
        ? (findControl(change.framework, change.control) as unknown as Record<string, unknown> | undefined)?.[
            change.field
          ]
        : undefined;
    if (now !== change.to) problems.push(`change ${change.version} ${subject}: ${change.field} is not "${change.to}"`);
  }
  return problems;
}

/** Canonical id of a control if the catalogue knows it under any accepted spelling, else undefined. */
export function normaliseControlId(slug: FrameworkSlug, raw: string): string | undefined {
  const id = canonicalControlId(slug, raw);
  return findControl(slug, id) ? id : undefined;
}

/** The control a coverage matrix counts a control under: NIST suggested actions roll up to their AI RMF
 * subcategory (`MS-2.7-007` → `MEASURE 2.7`), ATLAS sub-techniques to their technique, EU AI Act paragraphs
 * to their article; everything else stands for itself. */
export function coverageKey(slug: FrameworkSlug, id: string): string {
  let parent: string | undefined;
  if (slug === 'NIST_AI_600_1') {
    const m = /^(GV|MP|MS|MG)-(\d+\.\d+)-\d{3}$/.exec(id);
    if (m) parent = `${NIST_FUNCTIONS[m[1]]} ${m[2]}`;
  } else if (slug === 'MITRE_ATLAS') {
    parent = /^(AML\.T\d{4})\.\d{3}$/.exec(id)?.[1];
  } else if (slug === 'EU_AI_ACT') {
    parent = /^(Art\. \d+)\(/.exec(id)?.[1];
  }
  return parent && findControl(slug, parent) ? parent : id;
}

const EU_BASELINE = new Set([
  'Art. 9',
  'Art. 10',
  'Art. 11',
  'Art. 12',
  'Art. 13',
  'Art. 14',
  'Art. 15',
  'Art. 50',
  'Art. 55',
]);

/** Whether a control is always listed in a framework's coverage matrix, touched or not: the granularity an
 * auditor reads each framework at (OWASP LLM 2025 risks, ASI01–ASI10, NIST AI 600-1's twelve GAI risks, the
 * ATLAS LLM techniques, EU AI Act Articles 9–15, 50 and 55, ISO/IEC 42001 Annex A controls). Other controls
 * appear only when a finding touches them. */
export function isBaselineControl(slug: FrameworkSlug, control: Control): boolean {
  switch (slug) {
    case 'OWASP_LLM':
      return control.edition === '2025';
    case 'OWASP_AGENTIC':
      return control.kind === 'top10';
    case 'NIST_AI_600_1':
      return control.kind === 'gai-risk';
    case 'MITRE_ATLAS':
      return control.kind === 'technique' && /\bLLM\b/.test(control.title);
    case 'EU_AI_ACT':
      return EU_BASELINE.has(control.id);
    case 'ISO_42001':
      return control.kind === 'annex-a';
  }
}
