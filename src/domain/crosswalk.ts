import crosswalkData from './catalogue/crosswalk.json';
import { euApplicability } from './eu-ai-act';
import { findControl, isFrameworkSlug, type FrameworkSlug } from './frameworks';

/** How a finding bears on a linked control, in the order the report's legend lists them. */
export const LINK_TYPES = ['weakness_in', 'activity_evidence'] as const;

/** `weakness_in`: a finding of this kind shows the control at risk or failed. `activity_evidence`: running the
 * test is itself evidence that the control's activity (red-teaming, adversarial testing, V&V) happened; a failed
 * test is no failure of that control. A control has one type in every group ({@link crosswalkProblems}). */
export type LinkType = (typeof LINK_TYPES)[number];

/** Whether a basis is a source (the framework's own text or a framework body's published mapping) or judgement
 * (ours, or a vendor's mapping such as promptfoo's). */
export type BasisKind = 'source' | 'judgement';

/** One link of an overlap group: a control the group's weakness bears on, how, and why. */
export interface CrosswalkLink {
  framework: FrameworkSlug;
  control: string;
  type: LinkType;
  /** Key into {@link CROSSWALK_BASIS}: what the link rests on; {@link isJudgementBasis} says whether that is a
   * source or judgement. */
  basis: string;
  /** EU AI Act links only: which dated part of the article the link concerns, a scope key of that article in
   * eu-ai-act.json (the article's default part when absent). */
  scope?: string;
  /** Categories of the group the link is for, when it is not for all of them: a control specific to one kind of
   * the group's weakness (CBRN, CSAM) is linked only to findings of that kind, never to its siblings by way of
   * the group. */
  categories?: string[];
  reason: string;
}

/** A curated overlap group: one kind of weakness and the controls it bears on in every framework. */
export interface CrosswalkGroup {
  id: string;
  name: string;
  /** Finding categories that fall in this group. */
  categories: string[];
  links: CrosswalkLink[];
}

/** What a version of the crosswalk changed. */
export const CHANGE_KINDS = ['added', 'removed', 'replaced', 'scoped', 'category', 'reviewed'] as const;

/** `added` / `removed`: a link of a group; `replaced`: a link now to another control (an article narrowed to its
 * paragraph), its basis or reason revised; `scoped`: a link kept for some of the group's categories only;
 * `category`: a finding category joined the group; `reviewed`: a link an audit questioned, kept as it stands. */
export type CrosswalkChangeKind = (typeof CHANGE_KINDS)[number];

/** One change of the crosswalk, with the version that made it and what it rests on: a report records the version
 * it was built with, and the log says how that version differs from the one before. */
export interface CrosswalkChange {
  version: string;
  change: CrosswalkChangeKind;
  group: string;
  framework?: FrameworkSlug;
  control?: string;
  /** `replaced`: the control the link named before. */
  replaces?: string;
  /** `scoped`: the categories the link is now kept for. */
  categories?: string[];
  /** `category`: the category that joined the group. */
  category?: string;
  basis: string;
}

interface CrosswalkFile {
  version: string;
  basis: Record<string, string>;
  basis_kinds: Record<string, string>;
  link_types: Record<string, string>;
  groups: CrosswalkGroup[];
  changes: CrosswalkChange[];
}

const data = crosswalkData as CrosswalkFile;

/** Version of the crosswalk; every report records the one it was built with. */
export const CROSSWALK_VERSION: string = data.version;

/** What each link basis means. */
export const CROSSWALK_BASIS: Readonly<Record<string, string>> = Object.freeze({ ...data.basis });

/** Whether each basis is a source or judgement, for the legend and for a reader who wants sources only. */
export const BASIS_KINDS: Readonly<Record<string, BasisKind>> = Object.freeze(
  Object.fromEntries(Object.entries(data.basis_kinds).filter((e): e is [string, BasisKind] => isBasisKind(e[1]))),
);

/** What each link type means, worded for the report's legend. */
export const LINK_TYPE_DESCRIPTIONS: Readonly<Record<LinkType, string>> = Object.freeze(
  Object.fromEntries(LINK_TYPES.map((t) => [t, data.link_types[t] ?? ''])) as Record<LinkType, string>,
);

function isBasisKind(value: unknown): value is BasisKind {
  return value === 'source' || value === 'judgement';
}

/** Whether a value is a link type. */
export function isLinkType(value: unknown): value is LinkType {
  return typeof value === 'string' && (LINK_TYPES as readonly string[]).includes(value);
}

/** Whether a link basis is judgement (analyst's or a vendor's mapping) rather than a source. An unknown basis
 * counts as judgement: nothing unexplained is presented as sourced. */
export function isJudgementBasis(basis: string): boolean {
  return BASIS_KINDS[basis] !== 'source';
}

/** Every change of the crosswalk with its basis, oldest first. */
export const CROSSWALK_CHANGES: readonly Readonly<CrosswalkChange>[] = Object.freeze(
  data.changes.map((c) => Object.freeze({ ...c })),
);

/** The overlap groups, in id order. */
export const CROSSWALK_GROUPS: readonly CrosswalkGroup[] = Object.freeze(data.groups.map((g) => Object.freeze(g)));

/** The type of every control the crosswalk links, by framework then id: the crosswalk gives a control one type in
 * every group (crosswalkProblems). */
const linkTypes = new Map<string, Map<string, LinkType>>();
for (const group of CROSSWALK_GROUPS) {
  for (const link of group.links) {
    let byId = linkTypes.get(link.framework);
    if (!byId) {
      byId = new Map();
      linkTypes.set(link.framework, byId);
    }
    byId.set(link.control, link.type);
  }
}

/** How findings bear on a control: as a weakness in it, or as evidence of the activity it asks for. A control the
 * crosswalk does not link takes `weakness_in`: a finding that references it says it bears on it. */
export function linkTypeOf(framework: FrameworkSlug, control: string): LinkType {
  return linkTypes.get(framework)?.get(control) ?? 'weakness_in';
}

/** Folds the spellings of a category (`Prompt Injection`, `prompt-injection`) into one key. */
export function normaliseCategory(category: string): string {
  return category
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}

const byCategory = new Map<string, CrosswalkGroup[]>();
/** The groups linking each control as `weakness_in`, by framework then control: a model build asks once per
 * reference of every row, and a nested lookup needs no key string built per call. */
const groupsByControl = new Map<string, Map<string, CrosswalkGroup[]>>();
for (const group of CROSSWALK_GROUPS) {
  for (const c of group.categories) byCategory.set(c, [...(byCategory.get(c) ?? []), group]);
  for (const link of group.links) {
    // A control the test is evidence of doing (MS-2.7-007, A.6.2.4) says nothing about what the weakness is.
    if (link.type !== 'weakness_in') continue;
    let byId = groupsByControl.get(link.framework);
    if (!byId) {
      byId = new Map();
      groupsByControl.set(link.framework, byId);
    }
    byId.set(link.control, [...(byId.get(link.control) ?? []), group]);
  }
}

/** Each group's place in id order (`localeCompare`), worked out once rather than by comparing ids on every call;
 * ids that compare equal share a place, so a stable sort by place orders groups as sorting by id does. */
const idPlaces = new Map<CrosswalkGroup, number>();
[...CROSSWALK_GROUPS]
  .sort((a, b) => a.id.localeCompare(b.id))
  .forEach((group, i, sorted) => {
    idPlaces.set(group, i > 0 && sorted[i - 1].id.localeCompare(group.id) === 0 ? idPlaces.get(sorted[i - 1])! : i);
  });

/** The groups a finding falls in: every group listing its category, and every group that is the only one to
 * list one of its controls as `weakness_in`. A broad control that many groups share (`MEASURE 2.7`, `Art. 15`)
 * says little about what the weakness is, so it anchors no group; a specific one (`AML.T0051.000`) does; an
 * `activity_evidence` control (`MP-2.3-005`) never does, since testing says nothing about what was found. */
export function groupsFor(
  category: string,
  refs: readonly { framework: FrameworkSlug; control: string }[],
): CrosswalkGroup[] {
  const found = [...(byCategory.get(normaliseCategory(category)) ?? [])];
  for (const ref of refs) {
    const groups = groupsByControl.get(ref.framework)?.get(ref.control);
    if (groups?.length === 1 && !found.includes(groups[0])) found.push(groups[0]);
  }
  // A handful at most, sorted in place and stably (why: bench/report-model-tuning.md).
  for (let i = 1; i < found.length; i++) {
    const group = found[i];
    let j = i;
    for (; j > 0 && idPlaces.get(found[j - 1])! > idPlaces.get(group)!; j--) found[j] = found[j - 1];
    found[j] = group;
  }
  return found;
}

/** Checks the crosswalk against the catalogue: every link names a known framework and control, a type, a basis
 * whose kind is known, a reason and (EU AI Act) only a dated part its article has; no group links a control
 * twice, and a control has the same type in every group, so a row in several groups cannot read one control both
 * ways. Returns the problems found (none when the data is sound). */
export function crosswalkProblems(): string[] {
  const problems: string[] = [];
  for (const [key, kind] of Object.entries(data.basis_kinds)) {
    if (!CROSSWALK_BASIS[key]) problems.push(`basis_kinds: ${key} is not a basis`);
    if (!isBasisKind(kind)) problems.push(`basis_kinds: ${key} is "${kind}"; use source or judgement`);
  }
  for (const key of Object.keys(CROSSWALK_BASIS)) {
    if (!BASIS_KINDS[key]) problems.push(`basis ${key}: no kind in basis_kinds`);
  }
  for (const t of LINK_TYPES) if (!LINK_TYPE_DESCRIPTIONS[t]) problems.push(`link_types: ${t} not described`);
  const typeOf = new Map<string, { type: LinkType; group: string }>();
  for (const g of CROSSWALK_GROUPS) {
    if (g.categories.length === 0) problems.push(`${g.id}: no categories`);
    const seen = new Set<string>();
    for (const l of g.links) {
      const where = `${g.id} ${l.framework} ${l.control}`;
      if (!isFrameworkSlug(l.framework)) problems.push(`${where}: unknown framework`);
      else if (!findControl(l.framework, l.control)) problems.push(`${where}: not in the catalogue`);
      if (!isLinkType(l.type)) problems.push(`${where}: type ${String(l.type)}; use one of ${LINK_TYPES.join(', ')}`);
      if (!CROSSWALK_BASIS[l.basis]) problems.push(`${where}: unknown basis ${l.basis}`);
      if (!l.reason.trim()) problems.push(`${where}: no reason`);
      if (l.scope !== undefined) {
        if (l.framework !== 'EU_AI_ACT') problems.push(`${where}: a scope is for EU AI Act links only`);
        else if (!euApplicability(l.control)?.dates[l.scope]) problems.push(`${where}: no dated part ${l.scope}`);
      }
      for (const c of l.categories ?? []) {
        if (!g.categories.includes(c)) problems.push(`${where}: category ${c} is not one of the group's`);
      }
      if (l.categories?.length === 0) problems.push(`${where}: an empty category list links nothing`);
      if (seen.has(`${l.framework} ${l.control}`)) problems.push(`${where}: linked twice`);
      seen.add(`${l.framework} ${l.control}`);
      const first = typeOf.get(`${l.framework} ${l.control}`);
      if (!first) typeOf.set(`${l.framework} ${l.control}`, { type: l.type, group: g.id });
      else if (first.type !== l.type) problems.push(`${where}: ${l.type} here but ${first.type} in ${first.group}`);
    }
  }
  problems.push(...changeProblems());
  return problems;
}

/** Checks the change log against the groups: every change has a known kind, a version no later than the
 * crosswalk's and a basis, and the latest change to each link still holds (an added link is there, a removed one
 * is not, a scoped one has its categories), so the log cannot say one thing while the groups say another. */
function changeProblems(): string[] {
  const problems: string[] = [];
  const latest = new Map<string, CrosswalkChange>();
  for (const c of CROSSWALK_CHANGES) {
    const where =
      `change ${c.version} ${c.change} ${c.group} ${c.framework ?? ''} ${c.control ?? c.category ?? ''}`.trim();
    if (!(CHANGE_KINDS as readonly string[]).includes(c.change)) problems.push(`${where}: unknown kind of change`);
    if (compareVersions(c.version, CROSSWALK_VERSION) > 0) problems.push(`${where}: later than ${CROSSWALK_VERSION}`);
    if (!c.basis.trim()) problems.push(`${where}: no basis`);
    const group = CROSSWALK_GROUPS.find((g) => g.id === c.group);
    if (!group) {
      problems.push(`${where}: no such group`);
      continue;
    }
    if (c.change === 'category') {
      if (!c.category || !group.categories.includes(c.category)) problems.push(`${where}: not a category of the group`);
      continue;
    }
    if (!c.framework || !c.control) {
      problems.push(`${where}: names no link`);
      continue;
    }
    latest.set(`${c.group} ${c.framework} ${c.control}`, c);
    if (c.replaces) latest.set(`${c.group} ${c.framework} ${c.replaces}`, { ...c, change: 'removed' });
  }
  for (const [key, c] of latest) {
    const [groupId] = key.split(' ', 1);
    const control = key.slice(`${groupId} ${c.framework} `.length);
    const link = CROSSWALK_GROUPS.find((g) => g.id === groupId)!.links.find(
      (l) => l.framework === c.framework && l.control === control,
    );
    if (c.change === 'removed') {
      if (link) problems.push(`change ${c.version}: ${key} is logged as removed but is linked`);
    } else if (!link) {
      problems.push(`change ${c.version}: ${key} is logged as ${c.change} but is not linked`);
    } else if (c.change === 'scoped' && (link.categories ?? []).join() !== (c.categories ?? []).join()) {
      problems.push(`change ${c.version}: ${key} is logged as kept for ${c.categories?.join(', ')} only`);
    }
  }
  return problems;
}

/** Compares two `year.month.n` versions numerically. */
function compareVersions(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  }
  return 0;
}

/** Whether a link of a group applies to a finding of the given category (normalised): every link does, except
 * one kept for some of the group's categories only. */
export function linkApplies(link: CrosswalkLink, category: string): boolean {
  return link.categories === undefined || link.categories.includes(category);
}
