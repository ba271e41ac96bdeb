import { CROSSWALK_GROUPS, linkTypeOf, type CrosswalkGroup } from '../crosswalk';
import { FRAMEWORK_SLUGS, findControl, getFramework, normaliseControlId, type FrameworkSlug } from '../frameworks';
import type { FrameworkRef } from '../finding';
import { CoverageTally, type FrameworkTally } from './coverage';
import { tallyKey } from './statuses';
import { byNaturalOrder } from './order';
import type { Derivation, RowControl, RowFramework } from './types';
import { WeaknessIndex } from './weakness-index';

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

/** The natural-order place of every catalogue control, per framework. Worked out once: calling the collator
 * per comparison, per framework of every row, was most of the model build's time. Row controls are catalogue
 * controls (explicit refs are checked against it, crosswalk links by `crosswalkProblems`), so each has one. */
const CONTROL_PLACES: ReadonlyMap<FrameworkSlug, ReadonlyMap<string, number>> = new Map(
  FRAMEWORK_SLUGS.map((slug) => [slug, naturalPlaces(getFramework(slug).controls.map((c) => c.id))]),
);

/** A crosswalk link as rows list it: its framework and control, the derivation (made once and shared by every
 * row the link applies to), and its number among the links into that control, by which {@link SharedControl}
 * finds it. */
interface DerivedLink {
  framework: FrameworkSlug;
  control: string;
  derivation: Derivation;
  n: number;
  /** The categories the link is kept for, when not all of its group's (crosswalk.ts linkApplies). */
  categories?: ReadonlySet<string>;
}

/** The links of each overlap group, in the group's order. */
const GROUP_LINKS = new Map<CrosswalkGroup, DerivedLink[]>();
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

const NO_DERIVATIONS: readonly Derivation[] = Object.freeze([]);

/**
 * One control of one framework as a row lists it: explicit or not, with one list of derivations. Rows at 100k
 * findings list about 1.6M controls but only some 14k distinct ones, so each distinct one is made once and
 * shared by every row listing it (frozen, so that no consumer can change one row through another): a copy per
 * row made the model several times larger than the findings it was built from. The derivation lists of a
 * control form a tree, one derivation per step, so a row reaches its shared control by following references
 * instead of building and hashing a key per control.
 */
class SharedControl {
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

/** A catalogue control during one model build: its shared forms, its natural-order place, which list of a
 * row it goes in, and where the row being listed holds it, so that listing a row's controls needs no map. */
interface ControlSlot {
  derived: SharedControl;
  explicit: SharedControl;
  place: number;
  /** The row's list for the control's framework ({@link ModelMemo.lists}), or -1 when it was not requested. */
  list: number;
  /** The row that last listed the control (its index in the report plus one), and at which index of its list. */
  row: number;
  index: number;
  /** The coverage key the control counts under ({@link CoverageTally.key}), or -1 until a row lists it. */
  coverage: number;
  /** Whether the control applies to a row's endpoint, where that depends on the endpoint (EU AI Act articles, by
   * the tenant's role and the class of the system); absent where it always does. */
  gate?: (endpointId: string) => boolean;
}

/** For a control whose applying depends on the endpoint, a test of it; undefined where it always applies. */
export type ControlGate = (slug: FrameworkSlug, id: string) => ((endpointId: string) => boolean) | undefined;

/** A reference the catalogue knows, in canonical form, with its control's slot. */
export interface KnownRef extends FrameworkRef {
  slot: ControlSlot;
}

/** A crosswalk link with the slot of the control it links to. */
interface SlotLink {
  slot: ControlSlot;
  link: DerivedLink;
}

/** The controls of one framework that the row being listed bears on, in the order they came; reused from row
 * to row so that listing a row allocates only the lists it keeps. */
class ControlList {
  private readonly listed: SharedControl[] = [];
  private readonly places: number[] = [];
  private count = 0;
  /** The index of the row being listed, which the coverage entries of its controls list. */
  private rowIndex = -1;
  /** The framework's figures over the rows listed so far; rows are listed in report order. */
  private readonly tally = new CoverageTally();

  constructor(private readonly slug: FrameworkSlug) {}

  /** Empties the list for the next row, whose index in the report is given. */
  clear(rowIndex: number): void {
    if (this.count > 0) this.tally.rowsWithControls++;
    this.count = 0;
    this.rowIndex = rowIndex;
  }

  /** Adds a control that the row does not list yet, and counts the row under the control's coverage entry:
   * tallied here, as rows are listed, rather than in a pass over the 1.6M controls that 100k findings list. */
  add(slot: ControlSlot, control: SharedControl, row: number): void {
    slot.row = row;
    slot.index = this.count;
    this.listed[this.count] = control;
    this.places[this.count++] = slot.place;
    if (slot.coverage < 0) {
      this.tally.controlsListed++;
      slot.coverage = this.tally.key(tallyKey(this.slug, control.id));
    }
    this.tally.count(slot.coverage, this.rowIndex);
  }

  /** The framework's figures once every row is listed. */
  finish(): FrameworkTally {
    this.clear(-1);
    return this.tally.finish();
  }

  /** Adds a derivation to a control that the row lists already. */
  derive(slot: ControlSlot, link: DerivedLink): void {
    this.listed[slot.index] = this.listed[slot.index].then(link);
  }

  /** The controls in natural order; among controls of the same place, in the order they came, as when a map of
   * them was sorted with the collator. A row lists a dozen or so per framework, few enough that an insertion
   * sort beats `Array.prototype.sort`. */
  sorted(): RowControl[] {
    const { listed, places, count } = this;
    for (let i = 1; i < count; i++) {
      const control = listed[i];
      const place = places[i];
      let j = i;
      for (; j > 0 && places[j - 1] > place; j--) {
        listed[j] = listed[j - 1];
        places[j] = places[j - 1];
      }
      listed[j] = control;
      places[j] = place;
    }
    // Sized up front: grown by pushes, a list leaves its outgrown backing stores to the collector.
    const controls = new Array<RowControl>(count);
    for (let i = 0; i < count; i++) controls[i] = listed[i].row;
    return controls;
  }
}

/** What one model build remembers so as to do each thing once rather than once per finding or per row: how
 * each spelling of a reference or a category resolves, and each distinct {@link RowControl}. Kept per build,
 * not per process, so that odd spellings from one tenant's scanners do not pile up in a long-running worker. */
export class ModelMemo<W> {
  /** A row's control lists, one per requested framework (the first, should one be requested twice). */
  readonly lists: ControlList[];
  private readonly listOf = new Map<FrameworkSlug, number>();
  private readonly refs = new Map<string, Map<string, KnownRef | null>>();
  /** The build's weaknesses, which also remember how each category spelling normalises. */
  readonly weaknesses = new WeaknessIndex<W>();
  private readonly slots = new Map<FrameworkSlug, Map<string, ControlSlot>>(
    FRAMEWORK_SLUGS.map((slug) => [slug, new Map()]),
  );
  private readonly groupLinks = new Map<CrosswalkGroup, SlotLink[]>();

  constructor(
    private readonly frameworks: readonly FrameworkSlug[],
    private readonly gateOf?: ControlGate,
  ) {
    frameworks.forEach((slug, k) => {
      if (!this.listOf.has(slug)) this.listOf.set(slug, k);
    });
    this.lists = frameworks.map((slug) => new ControlList(slug));
  }

  /** The list a requested framework's controls go in. */
  list(slug: FrameworkSlug): ControlList {
    return this.lists[this.listOf.get(slug)!];
  }

  /** Once every row is listed: the tally of each requested framework. */
  tallies(): FrameworkTally[] {
    const finished = this.lists.map((list) => list.finish());
    return this.frameworks.map((slug) => finished[this.listOf.get(slug)!]);
  }

  /** A reference in canonical form, or null when the catalogue does not know it. */
  ref(framework: FrameworkSlug, raw: string): KnownRef | null {
    let bySpelling = this.refs.get(framework);
    if (!bySpelling) {
      bySpelling = new Map();
      this.refs.set(framework, bySpelling);
    }
    let ref = bySpelling.get(raw);
    if (ref === undefined) {
      const id = normaliseControlId(framework, raw);
      ref = id ? { framework, control: id, slot: this.slot(framework, id) } : null;
      bySpelling.set(raw, ref);
    }
    return ref;
  }

  /** A category's {@link normaliseCategory} key. */
  category(raw: string): string {
    return this.weaknesses.category(raw);
  }

  /** The slot of a catalogue control. */
  slot(slug: FrameworkSlug, id: string): ControlSlot {
    const bySlug = this.slots.get(slug)!;
    let slot = bySlug.get(id);
    if (!slot) {
      slot = {
        derived: new SharedControl(slug, id, false, NO_DERIVATIONS),
        explicit: new SharedControl(slug, id, true, NO_DERIVATIONS),
        place: CONTROL_PLACES.get(slug)!.get(id)!,
        list: this.listOf.get(slug) ?? -1,
        row: 0,
        index: 0,
        coverage: -1,
      };
      const gate = this.gateOf?.(slug, id);
      if (gate) slot.gate = gate;
      bySlug.set(id, slot);
    }
    return slot;
  }

  /** The links of an overlap group into the requested frameworks, in the group's order, with their slots. */
  links(group: CrosswalkGroup): SlotLink[] {
    let links = this.groupLinks.get(group);
    if (!links) {
      links = this.slotLinks(group);
      this.groupLinks.set(group, links);
    }
    return links;
  }

  // Kept out of links(), which runs for every group of every row: a closure there would make each call
  // allocate a context for it, whether or not the cache missed.
  private slotLinks(group: CrosswalkGroup): SlotLink[] {
    return GROUP_LINKS.get(group)!
      .filter((link) => this.listOf.has(link.framework))
      .map((link) => ({ slot: this.slot(link.framework, link.control), link }));
  }
}

/** A row's controls in each requested framework: its findings' explicit refs, plus every link of the overlap
 * groups they fall in, in natural order. Refs and links are dealt to their framework's list as they come,
 * explicit refs first, then links group by group, so each is looked at once for the row rather than once per
 * framework; this runs for every row, and the rows of 100k findings list some 1.6M controls. */
export function rowFrameworks(
  memo: ModelMemo<unknown>,
  frameworks: readonly { slug: FrameworkSlug; label: string }[],
  rowIndex: number,
  explicit: readonly KnownRef[],
  groups: readonly CrosswalkGroup[],
  endpointId: string,
  category: string,
): RowFramework[] {
  // Numbered from 1, so that a slot no row has listed yet (row 0) belongs to none.
  const row = rowIndex + 1;
  const { lists } = memo;
  for (const list of lists) list.clear(rowIndex);
  for (const { slot } of explicit) {
    if (slot.gate && !slot.gate(endpointId)) continue;
    if (slot.list >= 0 && slot.row !== row) lists[slot.list].add(slot, slot.explicit, row);
  }
  for (const group of groups) {
    for (const { slot, link } of memo.links(group)) {
      if (link.categories && !link.categories.has(category)) continue;
      if (slot.gate && !slot.gate(endpointId)) continue;
      if (slot.row === row) lists[slot.list].derive(slot, link);
      else lists[slot.list].add(slot, slot.derived.then(link), row);
    }
  }
  return frameworks.map(({ slug, label }) => ({ framework: slug, label, controls: memo.list(slug).sorted() }));
}
