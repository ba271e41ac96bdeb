import crosswalkData from './catalogue/crosswalk.json';
import { findControl, isFrameworkSlug, type FrameworkSlug } from './frameworks';

/** One link of an overlap group: a control the group's weakness bears on, and why. */
export interface CrosswalkLink {
  framework: FrameworkSlug;
  control: string;
  /** Key into {@link CROSSWALK_BASIS}: the source behind the link, or `J` for judgement. */
  basis: string;
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

interface CrosswalkFile {
  version: string;
  basis: Record<string, string>;
  groups: CrosswalkGroup[];
}

const data = crosswalkData as CrosswalkFile;

/** Version of the crosswalk; every report records the one it was built with. */
export const CROSSWALK_VERSION: string = data.version;

/** What each link basis means. */
export const CROSSWALK_BASIS: Readonly<Record<string, string>> = Object.freeze({ ...data.basis });

/** The overlap groups, in id order. */
export const CROSSWALK_GROUPS: readonly CrosswalkGroup[] = Object.freeze(data.groups.map((g) => Object.freeze(g)));

/** Folds the spellings of a category (`Prompt Injection`, `prompt-injection`) into one key. */
export function normaliseCategory(category: string): string {
  return category
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}

const refKey = (framework: string, control: string): string => `${framework}\u0000${control}`;

const byCategory = new Map<string, CrosswalkGroup[]>();
const groupsByControl = new Map<string, CrosswalkGroup[]>();
for (const group of CROSSWALK_GROUPS) {
  for (const c of group.categories) byCategory.set(c, [...(byCategory.get(c) ?? []), group]);
  for (const link of group.links) {
    const key = refKey(link.framework, link.control);
    groupsByControl.set(key, [...(groupsByControl.get(key) ?? []), group]);
  }
}

/** The groups a finding falls in: every group listing its category, and every group that is the only one to
 * list one of its controls. A broad control that many groups share (`MEASURE 2.7`, `Art. 15`) says little
 * about what the weakness is, so it anchors no group; a specific one (`AML.T0051.000`) does. */
export function groupsFor(
  category: string,
  refs: readonly { framework: FrameworkSlug; control: string }[],
): CrosswalkGroup[] {
  const found = new Set<CrosswalkGroup>(byCategory.get(normaliseCategory(category)) ?? []);
  for (const ref of refs) {
    const groups = groupsByControl.get(refKey(ref.framework, ref.control));
    if (groups?.length === 1) found.add(groups[0]);
  }
  return [...found].sort((a, b) => a.id.localeCompare(b.id));
}

/** Checks the crosswalk against the catalogue: every link names a known framework and control and has a
 * basis and a reason. Returns the problems found (none when the data is sound). */
export function crosswalkProblems(): string[] {
  const problems: string[] = [];
  for (const g of CROSSWALK_GROUPS) {
    if (g.categories.length === 0) problems.push(`${g.id}: no categories`);
    for (const l of g.links) {
      const where = `${g.id} ${l.framework} ${l.control}`;
      if (!isFrameworkSlug(l.framework)) problems.push(`${where}: unknown framework`);
      else if (!findControl(l.framework, l.control)) problems.push(`${where}: not in the catalogue`);
      if (!CROSSWALK_BASIS[l.basis]) problems.push(`${where}: unknown basis ${l.basis}`);
      if (!l.reason.trim()) problems.push(`${where}: no reason`);
    }
  }
  return problems;
}
