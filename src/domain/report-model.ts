import {
  CROSSWALK_BASIS,
  CROSSWALK_GROUPS,
  CROSSWALK_VERSION,
  groupsFor,
  normaliseCategory,
  type CrosswalkGroup,
} from './crosswalk';
import {
  CATALOGUE_VERSION,
  FRAMEWORK_SLUGS,
  coverageKey,
  findControl,
  getFramework,
  isBaselineControl,
  normaliseControlId,
  type FrameworkSlug,
} from './frameworks';
import {
  sourceKey,
  type Endpoint,
  type Evidence,
  type Finding,
  type FindingSource,
  type FrameworkRef,
  type ScanEvidence,
} from './finding';
import type { ReportFormat, ReportScope } from './report';
import { SEVERITIES, severityRank, type Severity } from './severity';

/** Version of the JSON export's schema; bumped by semver rules whenever the document's shape changes. */
export const REPORT_SCHEMA_VERSION = '1.3.0';

/** How a row came to list a control through an overlap group. */
export interface Derivation {
  group: string;
  basis: string;
  reason: string;
}

/** A control listed in a report row: `explicit` when a finding referenced it, `via` the overlap groups that
 * derived it (both may hold). In a built model, rows listing a control the same way share one frozen object. */
export interface RowControl {
  id: string;
  title: string;
  explicit: boolean;
  via: Derivation[];
}

/** The controls a row satisfies in one requested framework (possibly none). */
export interface RowFramework {
  framework: FrameworkSlug;
  label: string;
  controls: RowControl[];
}

/** One distinct weakness: repeats of the same finding merged, with every control it bears on. */
export interface ReportRow {
  ref: string;
  severity: Severity;
  title: string;
  category: string;
  endpointId: string;
  endpointName: string;
  firstSeen: string;
  lastSeen: string;
  occurrences: number;
  findingIds: string[];
  /** Overlap groups the row falls in. */
  groups: string[];
  frameworks: RowFramework[];
  /** The evidence of the row's most recent finding, which finding that is, and how the scanner judged it. */
  evidence: RowEvidence;
}

/** What a row shows as its evidence. */
export interface RowEvidence extends Evidence {
  findingId: string;
  /** Absent for a finding sent through the API without it. */
  scan?: ScanEvidence;
}

/** Row counts for one requested framework. */
export interface FrameworkSummary {
  framework: FrameworkSlug;
  label: string;
  rows: number;
  controlsCovered: number;
}

/** Headline figures of a report. */
export interface ReportSummary {
  rows: number;
  findings: number;
  bySeverity: { severity: Severity; rows: number }[];
  byFramework: FrameworkSummary[];
  byEndpoint: { endpointId: string; endpointName: string; rows: number }[];
}

/** One control of a coverage matrix and the rows bearing on it (none: "no findings in scope"). */
export interface CoverageEntry {
  id: string;
  title: string;
  rows: string[];
}

/** The coverage matrix of one requested framework. */
export interface FrameworkCoverage {
  framework: FrameworkSlug;
  label: string;
  covered: number;
  controls: CoverageEntry[];
}

/** A framework reference the catalogue does not know, reported rather than dropped. */
export interface UnknownRef {
  findingId: string;
  framework: string;
  control: string;
}

/** Everything an artifact shows; both the PDF and the JSON are renderings of this. */
export interface ReportModel {
  schemaVersion: string;
  catalogueVersion: string;
  crosswalkVersion: string;
  report: {
    id: string;
    tenantId: string;
    tenantName: string;
    title: string;
    format: ReportFormat;
    frameworks: { slug: FrameworkSlug; label: string }[];
    scope: ReportScope;
    requestedAt: string;
    generatedAt: string;
  };
  summary: ReportSummary;
  rows: ReportRow[];
  coverage: FrameworkCoverage[];
  /** The overlap groups the rows fall in, and what each link basis means. */
  crosswalk: { groups: { id: string; name: string }[]; basis: Record<string, string> };
  /** Where the findings came from: one entry per tool, version, run and source file. */
  sources: ReportSource[];
  unknownRefs: UnknownRef[];
}

/** One origin of findings in a report: a scanner run imported from a file, or findings sent through the API
 * (tool `api` when they name none). */
export interface ReportSource {
  tool: string;
  toolVersion?: string;
  runId?: string;
  fileSha256?: string;
  findings: number;
}

/** The source of findings that name none: they came through the API. */
const NO_SOURCE: FindingSource = Object.freeze({ tool: 'api' });

/** Whether two findings came from the same source. */
function sameSource(a: FindingSource, b: FindingSource): boolean {
  return (
    a === b ||
    (a.tool === b.tool && a.runId === b.runId && a.fileSha256 === b.fileSha256 && a.toolVersion === b.toolVersion)
  );
}

/** The sources of a report's findings, counted, in a stable order (tool, run, file). */
export function sourcesOf(findings: Iterable<Finding>): ReportSource[] {
  // Sources by run (or file, or tool), each run's few versions side by side. Found by a string the finding
  // already holds rather than a key made per finding, which at 100k findings was a sixth of the model build;
  // and a finding from the same source as the one before is counted straight away.
  const byRun = new Map<string, { source: FindingSource; entry: ReportSource }[]>();
  let last: FindingSource | undefined;
  let entry: ReportSource | undefined;
  for (const f of findings) {
    const s = f.source ?? NO_SOURCE;
    if (!last || !entry || !sameSource(s, last)) {
      const run = s.runId ?? s.fileSha256 ?? s.tool;
      let known = byRun.get(run);
      if (!known) {
        known = [];
        byRun.set(run, known);
      }
      let hit = known.find((k) => sameSource(k.source, s));
      if (!hit) {
        const counted: ReportSource = { tool: s.tool, findings: 0 };
        if (s.toolVersion !== undefined) counted.toolVersion = s.toolVersion;
        if (s.runId !== undefined) counted.runId = s.runId;
        if (s.fileSha256 !== undefined) counted.fileSha256 = s.fileSha256;
        hit = { source: s, entry: counted };
        known.push(hit);
      }
      last = s;
      entry = hit.entry;
    }
    entry.findings++;
  }
  return [...byRun.values()]
    .flatMap((known) => known.map(({ entry: e }): [string, ReportSource] => [sourceKey(e), e]))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, source]) => source);
}

/** What the model is built from: the report's facts and the findings in its scope. */
export interface ReportModelInput {
  report: {
    id: string;
    tenantId: string;
    tenantName: string;
    title: string;
    format: ReportFormat;
    frameworks: FrameworkSlug[];
    scope: ReportScope;
    requestedAt: string;
  };
  findings: Finding[];
  endpoints: Endpoint[];
  generatedAt: string;
}

/** One collator for every sort: `Art. 9` before `Art. 10`, and far cheaper than a locale compare per call. */
const byNaturalOrder = new Intl.Collator('en', { numeric: true });

/** Code-unit order, for ids and ISO timestamps: exact, and cheaper than a locale-aware compare. */
const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

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
    links.push({ framework: link.framework, control: link.control, derivation, n });
  }
  GROUP_LINKS.set(group, links);
}

const NO_DERIVATIONS: readonly Derivation[] = Object.freeze([]);

/** Folds the spellings of a fingerprint (case, surrounding and repeated white space) into one key. */
export function normaliseFingerprint(fingerprint: string): string {
  return isFolded(fingerprint) ? fingerprint : fingerprint.trim().toLowerCase().replace(/\s+/g, ' ');
}

/** Whether a fingerprint is folded already: printable ASCII with no capitals, single spaces only between
 * words. Most are (scanners and importers write them so), and this look at each character costs a tenth of
 * folding it. Anything else, non-ASCII included, takes the full fold. */
function isFolded(s: string): boolean {
  const last = s.length - 1;
  for (let i = 0; i <= last; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7e || (c >= 0x41 && c <= 0x5a)) return false;
    if (c <= 0x20 && (c !== 0x20 || i === 0 || i === last || s.charCodeAt(i - 1) === 0x20)) return false;
  }
  return true;
}

/** What makes two findings repeats of one weakness: the same endpoint, category and fingerprint, the latter two
 * in their normalised forms. */
export interface WeaknessKey {
  endpointId: string;
  category: string;
  fingerprint: string;
}

/**
 * One value per weakness ({@link WeaknessKey}), for the model's rows and for whatever must group findings as the
 * model does. Nested maps rather than one map of composite keys: building and hashing a key string per finding
 * cost three times as much; categories are normalised once per spelling.
 */
export class WeaknessIndex<V> {
  private readonly byEndpoint = new Map<string, Map<string, Map<string, V>>>();
  private readonly categories = new Map<string, string>();

  /** A category in its normalised form. */
  category(raw: string): string {
    let key = this.categories.get(raw);
    if (key === undefined) {
      key = normaliseCategory(raw);
      this.categories.set(raw, key);
    }
    return key;
  }

  /** The value of the finding's weakness: made by `make` the first time the weakness is seen, handed to
   * `repeat` with the finding on every later time. */
  upsert<F extends WeaknessKey>(f: F, make: (f: F) => V, repeat: (held: V, f: F) => void): V {
    let byCategory = this.byEndpoint.get(f.endpointId);
    if (!byCategory) {
      byCategory = new Map();
      this.byEndpoint.set(f.endpointId, byCategory);
    }
    const category = this.category(f.category);
    let byFingerprint = byCategory.get(category);
    if (!byFingerprint) {
      byFingerprint = new Map();
      byCategory.set(category, byFingerprint);
    }
    const fingerprint = normaliseFingerprint(f.fingerprint);
    let value = byFingerprint.get(fingerprint);
    if (value === undefined) {
      value = make(f);
      byFingerprint.set(fingerprint, value);
    } else repeat(value, f);
    return value;
  }
}

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
    this.row = Object.freeze({ id, title: findControl(slug, id)!.title, explicit, via: via as Derivation[] });
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
}

/** A reference the catalogue knows, in canonical form, with its control's slot. */
interface KnownRef extends FrameworkRef {
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
      this.tally.controlsCovered++;
      slot.coverage = this.tally.key(coverageKey(this.slug, control.id));
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
class ModelMemo {
  /** A row's control lists, one per requested framework (the first, should one be requested twice). */
  readonly lists: ControlList[];
  private readonly listOf = new Map<FrameworkSlug, number>();
  private readonly refs = new Map<string, Map<string, KnownRef | null>>();
  /** The build's weaknesses, which also remember how each category spelling normalises. */
  readonly weaknesses = new WeaknessIndex<Weakness>();
  private readonly slots = new Map<FrameworkSlug, Map<string, ControlSlot>>(
    FRAMEWORK_SLUGS.map((slug) => [slug, new Map()]),
  );
  private readonly groupLinks = new Map<CrosswalkGroup, SlotLink[]>();

  constructor(private readonly frameworks: readonly FrameworkSlug[]) {
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
function rowFrameworks(
  memo: ModelMemo,
  frameworks: readonly { slug: FrameworkSlug; label: string }[],
  rowIndex: number,
  explicit: readonly KnownRef[],
  groups: readonly CrosswalkGroup[],
): RowFramework[] {
  // Numbered from 1, so that a slot no row has listed yet (row 0) belongs to none.
  const row = rowIndex + 1;
  const { lists } = memo;
  for (const list of lists) list.clear(rowIndex);
  for (const { slot } of explicit) {
    if (slot.list >= 0 && slot.row !== row) lists[slot.list].add(slot, slot.explicit, row);
  }
  for (const group of groups) {
    for (const { slot, link } of memo.links(group)) {
      if (slot.row === row) lists[slot.list].derive(slot, link);
      else lists[slot.list].add(slot, slot.derived.then(link), row);
    }
  }
  return frameworks.map(({ slug, label }) => ({ framework: slug, label, controls: memo.list(slug).sorted() }));
}

/** Detection time, then id: the order of a row's findings. */
const byDetection = (a: Finding, b: Finding): number =>
  byCodeUnit(a.detectedAt, b.detectedAt) || byCodeUnit(a.id, b.id);

/** Above this many repeats, {@link byDetection} sorts through `Array.prototype.sort`. */
const INSERTION_SORT_MAX = 32;

/** Sorts the repeats of one weakness {@link byDetection} and drops the copies of a finding delivered more than
 * once, which the sort puts side by side. A handful of repeats take an insertion sort, which allocates nothing
 * where `Array.prototype.sort` copies every array it sorts; a weakness repeated thousands of times takes the
 * library sort, whose time does not grow with the square of the repeats. */
function sortByDetection(repeats: Finding[]): Finding[] {
  if (repeats.length > INSERTION_SORT_MAX) repeats.sort(byDetection);
  else {
    for (let i = 1; i < repeats.length; i++) {
      const f = repeats[i];
      let j = i;
      for (; j > 0 && byDetection(repeats[j - 1], f) > 0; j--) repeats[j] = repeats[j - 1];
      repeats[j] = f;
    }
  }
  let kept = 1;
  for (let i = 1; i < repeats.length; i++) {
    if (repeats[i].id !== repeats[kept - 1].id) repeats[kept++] = repeats[i];
  }
  repeats.length = Math.min(kept, repeats.length);
  return repeats;
}

/**
 * One weakness as its findings come in: the repeats, their ids, their explicit references resolved, and the
 * worst severity among them. Everything a row needs of each finding is taken as the finding comes, in one pass
 * over the findings in the order they are laid out in memory; gathering it row by row instead, from findings
 * scattered across the input, cost a cache miss or more per finding touched, and at 100k findings it was a
 * quarter of the build.
 */
class Weakness {
  readonly repeats: Finding[];
  ids: string[];
  /** The explicit references of the repeats, in no particular order and possibly repeated: a row's controls
   * and overlap groups do not depend on either. */
  readonly explicit: KnownRef[] = [];
  worst: Severity;
  /** The worst severity's {@link severityRank}. */
  rank: number;
  /** The latest repeat's detection time in epoch milliseconds, for sorting rows; set by {@link settle}. */
  lastSeenMs = NaN;

  constructor(first: Finding) {
    this.repeats = [first];
    this.ids = [first.id];
    this.worst = first.severity;
    this.rank = severityRank(first.severity);
  }

  add(f: Finding): void {
    this.repeats.push(f);
    this.ids.push(f.id);
    const rank = severityRank(f.severity);
    if (rank < this.rank) {
      this.rank = rank;
      this.worst = f.severity;
    }
  }

  /** Once all repeats are in: puts them in detection order, unless they came so, dropping copies of a finding
   * delivered more than once, which the sort puts side by side. */
  settle(ordered: boolean): this {
    if (!ordered) {
      sortByDetection(this.repeats);
      this.ids = this.repeats.map((f) => f.id);
    }
    this.lastSeenMs = Date.parse(this.latest.detectedAt);
    return this;
  }

  get latest(): Finding {
    return this.repeats[this.repeats.length - 1];
  }
}

/** Whether findings are in detection order ({@link byDetection}), as the repository returns them. Looked at
 * once for all, neighbour by neighbour in the order they lie in memory, rather than weakness by weakness. */
function inDetectionOrder(findings: readonly Finding[]): boolean {
  for (let i = 1; i < findings.length; i++) if (byDetection(findings[i - 1], findings[i]) > 0) return false;
  return true;
}

/** The findings grouped into weaknesses ({@link WeaknessIndex}), in the order each is first seen, with their
 * references resolved; references the catalogue does not know go to `unknownRefs`. Findings in detection order
 * have any copies side by side, and the copies are dropped here; otherwise {@link Weakness.settle} sorts and
 * drops them. */
function gatherWeaknesses(
  findings: readonly Finding[],
  ordered: boolean,
  memo: ModelMemo,
  unknownRefs: UnknownRef[],
): Weakness[] {
  const index = memo.weaknesses;
  const weaknesses: Weakness[] = [];
  const make = (f: Finding): Weakness => {
    const weakness = new Weakness(f);
    weaknesses.push(weakness);
    return weakness;
  };
  const repeat = (weakness: Weakness, f: Finding): void => weakness.add(f);
  for (let i = 0; i < findings.length; i++) {
    const f = findings[i];
    if (ordered && i > 0 && f.id === findings[i - 1].id) continue;
    const weakness = index.upsert(f, make, repeat);
    for (const raw of f.frameworkRefs) {
      const ref = memo.ref(raw.framework, raw.control);
      if (ref) weakness.explicit.push(ref);
      else unknownRefs.push({ findingId: f.id, framework: raw.framework, control: raw.control });
    }
  }
  return weaknesses;
}

/** Report order: most severe first, then most recent, then title, then first finding. Times compare as numbers
 * first, which is cheaper than comparing their text; as text too, should two spellings name one millisecond. */
const byRowOrder = (a: Weakness, b: Weakness): number =>
  a.rank - b.rank ||
  b.lastSeenMs - a.lastSeenMs ||
  byCodeUnit(b.latest.detectedAt, a.latest.detectedAt) ||
  byNaturalOrder.compare(a.latest.title, b.latest.title) ||
  byCodeUnit(a.ids[0], b.ids[0]);

/** The same unknown reference twice over (a finding delivered twice, or naming a reference twice) once. */
function withoutRepeats(unknownRefs: UnknownRef[]): UnknownRef[] {
  unknownRefs.sort(
    (a, b) =>
      byCodeUnit(a.findingId, b.findingId) || byCodeUnit(a.control, b.control) || byCodeUnit(a.framework, b.framework),
  );
  return unknownRefs.filter(
    (u, i) =>
      i === 0 ||
      u.findingId !== unknownRefs[i - 1].findingId ||
      u.framework !== unknownRefs[i - 1].framework ||
      u.control !== unknownRefs[i - 1].control,
  );
}

/** Builds the report model. Repeats of one weakness (same endpoint, category and normalised fingerprint)
 * merge into a row; a finding delivered twice (the same id) counts once. Each row lists, per requested
 * framework, its findings' explicit references and the controls of every overlap group it falls in, saying
 * which is which. Rows sort by severity, then most recent, then title, so the same findings always give the
 * same report; the coverage matrix lists every baseline control of each framework with the rows bearing on it.
 * Weaknesses are put in report order before they are listed, so that the coverage matrix and the summary are
 * tallied as the rows are listed. Rows share their {@link RowControl}s, frozen. */
export function buildReportModel(input: ReportModelInput): ReportModel {
  const memo = new ModelMemo(input.report.frameworks);
  const endpointNames = new Map(input.endpoints.map((e) => [e.id, e.name]));
  const unknownRefs: UnknownRef[] = [];
  const ordered = inDetectionOrder(input.findings);
  const weaknesses = gatherWeaknesses(input.findings, ordered, memo, unknownRefs);
  for (const w of weaknesses) w.settle(ordered);
  weaknesses.sort(byRowOrder);

  const frameworks = input.report.frameworks.map((slug) => ({ slug, label: getFramework(slug).label }));
  const usedGroups = new Set<string>();
  let findings = 0;
  const rows = weaknesses.map(({ repeats, ids, explicit, worst, latest }, i): ReportRow => {
    findings += repeats.length;
    const overlap = groupsFor(latest.category, explicit);
    const groups = overlap.map((g) => g.id);
    for (const id of groups) usedGroups.add(id);
    return {
      ref: `R${String(i + 1).padStart(3, '0')}`,
      severity: worst,
      title: latest.title,
      category: memo.category(latest.category),
      endpointId: latest.endpointId,
      endpointName: endpointNames.get(latest.endpointId) ?? latest.endpointId,
      firstSeen: repeats[0].detectedAt,
      lastSeen: latest.detectedAt,
      occurrences: repeats.length,
      findingIds: ids,
      groups,
      frameworks: rowFrameworks(memo, frameworks, i, explicit, overlap),
      evidence: {
        ...latest.evidence,
        findingId: latest.id,
        ...(latest.scan ? { scan: latest.scan } : {}),
      },
    };
  });
  const tallies = memo.tallies();

  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    catalogueVersion: CATALOGUE_VERSION,
    crosswalkVersion: CROSSWALK_VERSION,
    report: {
      ...input.report,
      frameworks: input.report.frameworks.map((slug) => ({ slug, label: getFramework(slug).label })),
      generatedAt: input.generatedAt,
    },
    summary: summary(rows, findings, input.report.frameworks, tallies),
    rows,
    coverage: input.report.frameworks.map((slug, k) => coverageMatrix(slug, tallies[k], rows)),
    crosswalk: {
      groups: CROSSWALK_GROUPS.filter((g) => usedGroups.has(g.id)).map((g) => ({ id: g.id, name: g.name })),
      basis: { ...CROSSWALK_BASIS },
    },
    // In the order they came (time order, from the repository), where a source's findings sit together,
    // unless copies were dropped, which only the rows' lists are free of.
    sources: sourcesOf(findings === input.findings.length ? input.findings : weaknesses.flatMap((w) => w.repeats)),
    unknownRefs: withoutRepeats(unknownRefs),
  };
}

/** What a framework's coverage matrix and summary figures are counted from. */
interface FrameworkTally {
  /** Rows listing at least one control of the framework. */
  rowsWithControls: number;
  /** How many distinct controls the rows list. */
  controlsCovered: number;
  /** The rows under each coverage key, by index, in row order. */
  rowsByKey: Map<string, ArrayLike<number>>;
}

/**
 * Counts rows under coverage keys, rows coming in report order; a row counts once under a key however many of
 * its controls count there. Each (key, row) pair goes on the end of two typed arrays, and the pairs are dealt
 * into one list per key once at the end, by a counting sort. Appending to a list per key as rows came meant a
 * cache miss for each control a row lists, some 1.3M at 100k findings, and storing the row refs in those
 * long-lived lists a remembered-set entry each for the collector: together a fifth of the build.
 */
class CoverageTally {
  rowsWithControls = 0;
  controlsCovered = 0;
  private readonly keys: string[] = [];
  private readonly keyIndex = new Map<string, number>();
  /** The last row counted under each key. */
  private readonly lastRow: number[] = [];
  private pairKeys = new Int32Array(1024);
  private pairRows = new Int32Array(1024);
  private pairs = 0;

  /** A coverage key's number, given when the key is first seen. */
  key(key: string): number {
    let k = this.keyIndex.get(key);
    if (k === undefined) {
      k = this.keys.length;
      this.keys.push(key);
      this.keyIndex.set(key, k);
      this.lastRow.push(-1);
    }
    return k;
  }

  /** Counts a row under a key, once. */
  count(key: number, row: number): void {
    if (this.lastRow[key] === row) return;
    this.lastRow[key] = row;
    if (this.pairs === this.pairKeys.length) {
      const keys = new Int32Array(this.pairs * 2);
      const rows = new Int32Array(this.pairs * 2);
      keys.set(this.pairKeys);
      rows.set(this.pairRows);
      this.pairKeys = keys;
      this.pairRows = rows;
    }
    this.pairKeys[this.pairs] = key;
    this.pairRows[this.pairs++] = row;
  }

  /** The tally: each key's rows, in the order they were counted. */
  finish(): FrameworkTally {
    const { keys, pairKeys, pairRows, pairs } = this;
    const starts = new Int32Array(keys.length + 1);
    for (let i = 0; i < pairs; i++) starts[pairKeys[i] + 1]++;
    for (let k = 1; k <= keys.length; k++) starts[k] += starts[k - 1];
    const next = starts.slice(0, keys.length);
    const rows = new Int32Array(pairs);
    for (let i = 0; i < pairs; i++) rows[next[pairKeys[i]]++] = pairRows[i];
    const rowsByKey = new Map<string, ArrayLike<number>>();
    keys.forEach((key, k) => rowsByKey.set(key, rows.subarray(starts[k], starts[k + 1])));
    return { rowsWithControls: this.rowsWithControls, controlsCovered: this.controlsCovered, rowsByKey };
  }
}

/** Tallies one framework's controls over rows already listed: the plain way, from the rows alone, for
 * {@link coverageOf} and {@link summarise}; a model build tallies as it lists its rows ({@link ControlList}). */
function tallyFramework(slug: FrameworkSlug, rows: readonly ReportRow[]): FrameworkTally {
  const controlIds = new Set<string>();
  const tally = new CoverageTally();
  rows.forEach((row, r) => {
    const controls = row.frameworks.find((f) => f.framework === slug)?.controls ?? [];
    if (controls.length > 0) tally.rowsWithControls++;
    for (const c of controls) {
      controlIds.add(c.id);
      tally.count(tally.key(coverageKey(slug, c.id)), r);
    }
  });
  tally.controlsCovered = controlIds.size;
  return tally.finish();
}

/** The coverage matrix of one framework: every baseline control, plus any other a row touches, each with the
 * rows bearing on it (a row's controls count under their {@link coverageKey}). */
export function coverageOf(slug: FrameworkSlug, rows: readonly ReportRow[]): FrameworkCoverage {
  return coverageMatrix(slug, tallyFramework(slug, rows), rows);
}

/** {@link coverageOf} from a tally already made over the rows given. */
function coverageMatrix(
  slug: FrameworkSlug,
  { rowsByKey }: FrameworkTally,
  rows: readonly ReportRow[],
): FrameworkCoverage {
  const framework = getFramework(slug);
  const refsOf = (indexes: ArrayLike<number>): string[] => {
    // Sized up front, as ControlList.sorted does: these lists are long.
    const refs = new Array<string>(indexes.length);
    for (let i = 0; i < indexes.length; i++) refs[i] = rows[indexes[i]].ref;
    return refs;
  };
  const controls = framework.controls
    .filter((c) => isBaselineControl(slug, c) || rowsByKey.has(c.id))
    .map((c) => ({ id: c.id, title: c.title, rows: refsOf(rowsByKey.get(c.id) ?? []) }));
  return {
    framework: slug,
    label: framework.label,
    covered: controls.filter((c) => c.rows.length > 0).length,
    controls,
  };
}

/** Totals rows into the report summary: rows by severity, by requested framework (rows with a control in it,
 * distinct controls covered) and by endpoint. `findings` is the number of findings behind the rows. */
export function summarise(
  rows: readonly ReportRow[],
  findings: number,
  frameworks: readonly FrameworkSlug[],
): ReportSummary {
  return summary(
    rows,
    findings,
    frameworks,
    frameworks.map((slug) => tallyFramework(slug, rows)),
  );
}

/** {@link summarise} from tallies already made, one per framework. */
function summary(
  rows: readonly ReportRow[],
  findings: number,
  frameworks: readonly FrameworkSlug[],
  tallies: readonly FrameworkTally[],
): ReportSummary {
  const bySeverity = new Map<Severity, number>();
  const byEndpoint = new Map<string, { endpointId: string; endpointName: string; rows: number }>();
  for (const r of rows) {
    bySeverity.set(r.severity, (bySeverity.get(r.severity) ?? 0) + 1);
    const e = byEndpoint.get(r.endpointId) ?? { endpointId: r.endpointId, endpointName: r.endpointName, rows: 0 };
    e.rows++;
    byEndpoint.set(r.endpointId, e);
  }
  return {
    rows: rows.length,
    findings,
    bySeverity: SEVERITIES.map((severity) => ({ severity, rows: bySeverity.get(severity) ?? 0 })),
    byFramework: frameworks.map((slug, k) => ({
      framework: slug,
      label: getFramework(slug).label,
      rows: tallies[k].rowsWithControls,
      controlsCovered: tallies[k].controlsCovered,
    })),
    byEndpoint: [...byEndpoint.values()].sort((a, b) => byCodeUnit(a.endpointId, b.endpointId)),
  };
}
