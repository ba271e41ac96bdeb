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

const byCategory = new Map<string, CrosswalkGroup[]>();
/** The groups linking each control, by framework then control: a model build asks once per reference of every
 * row, and a nested lookup needs no key string built per call. */
const groupsByControl = new Map<string, Map<string, CrosswalkGroup[]>>();
for (const group of CROSSWALK_GROUPS) {
  for (const c of group.categories) byCategory.set(c, [...(byCategory.get(c) ?? []), group]);
  for (const link of group.links) {
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
 * list one of its controls. A broad control that many groups share (`MEASURE 2.7`, `Art. 15`) says little
 * about what the weakness is, so it anchors no group; a specific one (`AML.T0051.000`) does. */
export function groupsFor(
  category: string,
  refs: readonly { framework: FrameworkSlug; control: string }[],
): CrosswalkGroup[] {
  const found = [...(byCategory.get(normaliseCategory(category)) ?? [])];
  for (const ref of refs) {
    const groups = groupsByControl.get(ref.framework)?.get(ref.control);
    if (groups?.length === 1 && !found.includes(groups[0])) found.push(groups[0]);
  }
  // A handful at most: an insertion sort (stable, as `Array.prototype.sort` is) allocates nothing.
  for (let i = 1; i < found.length; i++) {
    const group = found[i];
    let j = i;
    for (; j > 0 && idPlaces.get(found[j - 1])! > idPlaces.get(group)!; j--) found[j] = found[j - 1];
    found[j] = group;
  }
  return found;
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
