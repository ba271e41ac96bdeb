import { CROSSWALK_GROUPS, linkTypeOf, type CrosswalkGroup } from '../crosswalk';
import { FRAMEWORK_SLUGS, findControl, getFramework, type FrameworkSlug } from '../frameworks';
import { byNaturalOrder } from './order';
import type { Derivation, RowControl } from './types';

/** Each id's place in {@link byNaturalOrder}; ids the collator holds equal share a place, so a stable sort by
 * place keeps them in arrival order, exactly as a stable sort with the collator does. */
function naturalPlaces(ids: readonly string[]): Map<string, number> {
  const sorted = [...ids].sort(byNaturalOrder.compare);
  const places = new Map<string, number>();
  let place = 0;
  sorted.forEach((id, i) => {
    if (i > 0 && byNaturalOrder.compare(sorted[i - 1], id) !== 0) place = i;
    places.set(id, place);
  });
  return places;
}

/** The natural-order place of every catalogue control, per framework, worked out once. Row controls are catalogue
 * controls (explicit refs are checked against it, crosswalk links by `crosswalkProblems`), so each has one. */
export const CONTROL_PLACES: ReadonlyMap<FrameworkSlug, ReadonlyMap<string, number>> = new Map(
  FRAMEWORK_SLUGS.map((slug) => [slug, naturalPlaces(getFramework(slug).controls.map((c) => c.id))]),
);

/** A crosswalk link as rows list it: its framework and control, the derivation (made once and shared by every
 * row the link applies to), and its number among the links into that control, by which {@link SharedControl}
 * finds it. */
export interface DerivedLink {
  framework: FrameworkSlug;
  control: string;
  derivation: Derivation;
  n: number;
  /** The categories the link is kept for, when not all of its group's (crosswalk.ts linkApplies). */
  categories?: ReadonlySet<string>;
}

/** The links of each overlap group, in the group's order. */
export const GROUP_LINKS = new Map<CrosswalkGroup, DerivedLink[]>();
/** How many links into each control have been numbered so far, by framework and id. */
const LINKS_INTO = new Map<FrameworkSlug, Map<string, number>>(FRAMEWORK_SLUGS.map((slug) => [slug, new Map()]));
for (const group of CROSSWALK_GROUPS) {
  const links: DerivedLink[] = [];
  for (const link of group.links) {
    const linksInto = LINKS_INTO.get(link.framework);
    if (!linksInto) continue; // not a framework: crosswalkProblems() reports it, and no row could list it
    const n = linksInto.get(link.control) ?? 0;
    linksInto.set(link.control, n + 1);
    const derivation = Object.freeze({ group: group.id, basis: link.basis, reason: link.reason });
    const derived: DerivedLink = { framework: link.framework, control: link.control, derivation, n };
    if (link.categories) derived.categories = new Set(link.categories);
    links.push(derived);
  }
  GROUP_LINKS.set(group, links);
}

export const NO_DERIVATIONS: readonly Derivation[] = Object.freeze([]);

/**
 * One control of one framework as a row lists it: explicit or not, with one list of derivations. Each distinct
 * one is made once and shared by every row listing it, frozen, so that no consumer can change one row through
 * another (why shared: bench/report-model-tuning.md). The derivation lists of a control form a tree, one
 * derivation per step, so a row reaches its shared control by following references.
 */
export class SharedControl {
  readonly row: RowControl;
  /** This control with one more derivation, by the link's {@link DerivedLink.n}, each made when first needed. */
  private readonly longer: (SharedControl | undefined)[] = [];

  constructor(
    private readonly slug: FrameworkSlug,
    readonly id: string,
    explicit: boolean,
    via: readonly Derivation[],
  ) {
    this.row = Object.freeze({
      id,
      title: findControl(slug, id)!.title,
      type: linkTypeOf(slug, id),
      explicit,
      via: via as Derivation[],
    });
  }

  /** The same control with one more derivation. */
  then(link: DerivedLink): SharedControl {
    return (this.longer[link.n] ??= new SharedControl(
      this.slug,
      this.id,
      this.row.explicit,
      Object.freeze([...this.row.via, link.derivation]),
    ));
  }
}
