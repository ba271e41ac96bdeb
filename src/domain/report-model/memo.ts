import type { CrosswalkGroup } from '../crosswalk';
import { FRAMEWORK_SLUGS, normaliseControlId, type FrameworkSlug } from '../frameworks';
import type { FrameworkRef } from '../finding';
import { ControlList, type ControlSlot } from './control-list';
import type { FrameworkTally } from './coverage';
import { CONTROL_PLACES, GROUP_LINKS, NO_DERIVATIONS, SharedControl, type DerivedLink } from './shared-control';
import type { ApplicabilityView } from './types';
import { WeaknessIndex } from './weakness-index';

/** For a control whose applying depends on the endpoint, a test of it; undefined where it always applies. */
export type ControlGate = (slug: FrameworkSlug, id: string) => ((endpointId: string) => boolean) | undefined;

/** The test of whether an EU AI Act article applies to a row's endpoint, as the tenant's applicability says
 * (asked once per article and endpoint); other frameworks' controls apply wherever a row bears on them. */
export function applicabilityGate(applicability: ApplicabilityView): ControlGate {
  return (slug, id) => {
    if (slug !== 'EU_AI_ACT') return undefined;
    const byEndpoint = new Map<string, boolean>();
    return (endpointId) => {
      let applies = byEndpoint.get(endpointId);
      if (applies === undefined) {
        applies = applicability.of(slug, id, [endpointId])?.applies !== false;
        byEndpoint.set(endpointId, applies);
      }
      return applies;
    };
  };
}

/** A reference the catalogue knows, in canonical form, with its control's slot. */
export interface KnownRef extends FrameworkRef {
  slot: ControlSlot;
}

/** A crosswalk link with the slot of the control it links to. */
export interface SlotLink {
  slot: ControlSlot;
  link: DerivedLink;
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

  private slotLinks(group: CrosswalkGroup): SlotLink[] {
    return GROUP_LINKS.get(group)!
      .filter((link) => this.listOf.has(link.framework))
      .map((link) => ({ slot: this.slot(link.framework, link.control), link }));
  }
}
