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
import type { Endpoint, Evidence, Finding, FindingSource, FrameworkRef } from './finding';
import type { ReportFormat, ReportScope } from './report';
import { SEVERITIES, severityRank, type Severity } from './severity';

/** Version of the JSON export's schema; bumped by semver rules whenever the document's shape changes. */
export const REPORT_SCHEMA_VERSION = '1.2.0';

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
  evidence: Evidence;
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

/** The sources of a report's findings, counted, in a stable order (tool, run, file). */
export function sourcesOf(findings: Iterable<Finding>): ReportSource[] {
  const bySource = new Map<string, ReportSource>();
  // Runs of findings share one source object (every API finding shares NO_SOURCE): its key is made once per
  // run rather than once per finding, which at 100k findings was a tenth of the model build.
  let last: FindingSource | undefined;
  let key = '';
  for (const f of findings) {
    const s = f.source ?? NO_SOURCE;
    if (s !== last) {
      last = s;
      key = JSON.stringify([s.tool, s.toolVersion ?? null, s.runId ?? null, s.fileSha256 ?? null]);
    }
    const entry = bySource.get(key);
    if (entry) entry.findings++;
    else {
      const source: ReportSource = { tool: s.tool, findings: 1 };
      if (s.toolVersion !== undefined) source.toolVersion = s.toolVersion;
      if (s.runId !== undefined) source.runId = s.runId;
      if (s.fileSha256 !== undefined) source.fileSha256 = s.fileSha256;
      bySource.set(key, source);
    }
  }
  return [...bySource.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, source]) => source);
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
  return fingerprint.trim().toLowerCase().replace(/\s+/g, ' ');
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
  /** The row that last listed the control ({@link ModelMemo.rows}), and at which index of its list. */
  row: number;
  index: number;
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

  /** Empties the list for the next row. */
  clear(): void {
    this.count = 0;
  }

  /** Adds a control that the row does not list yet. */
  add(slot: ControlSlot, control: SharedControl, row: number): void {
    slot.row = row;
    slot.index = this.count;
    this.listed[this.count] = control;
    this.places[this.count++] = slot.place;
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
  /** Rows listed so far: numbers each row for {@link ControlSlot.row}. */
  rows = 0;
  /** A row's control lists, one per requested framework (the first, should one be requested twice). */
  readonly lists: ControlList[];
  private readonly listOf = new Map<FrameworkSlug, number>();
  private readonly refs = new Map<string, Map<string, KnownRef | null>>();
  private readonly categories = new Map<string, string>();
  private readonly slots = new Map<FrameworkSlug, Map<string, ControlSlot>>(
    FRAMEWORK_SLUGS.map((slug) => [slug, new Map()]),
  );
  private readonly groupLinks = new Map<CrosswalkGroup, SlotLink[]>();

  constructor(frameworks: readonly FrameworkSlug[]) {
    frameworks.forEach((slug, k) => {
      if (!this.listOf.has(slug)) this.listOf.set(slug, k);
    });
    this.lists = frameworks.map(() => new ControlList());
  }

  /** The list a requested framework's controls go in. */
  list(slug: FrameworkSlug): ControlList {
    return this.lists[this.listOf.get(slug)!];
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
    let key = this.categories.get(raw);
    if (key === undefined) {
      key = normaliseCategory(raw);
      this.categories.set(raw, key);
    }
    return key;
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
  explicit: readonly KnownRef[],
  groups: readonly CrosswalkGroup[],
): RowFramework[] {
  const row = ++memo.rows;
  const { lists } = memo;
  for (const list of lists) list.clear();
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

/** Sorts the repeats of one weakness {@link byDetection}. There are a handful, often in order already (the
 * database returns findings in time order), so an insertion sort does it in a pass or two and allocates
 * nothing, where `Array.prototype.sort` copies every array it sorts. */
function sortByDetection(repeats: Finding[]): Finding[] {
  for (let i = 1; i < repeats.length; i++) {
    const f = repeats[i];
    let j = i;
    for (; j > 0 && byDetection(repeats[j - 1], f) > 0; j--) repeats[j] = repeats[j - 1];
    repeats[j] = f;
  }
  return repeats;
}

/** Findings grouped into the repeats of one weakness (same endpoint, category and normalised fingerprint), in
 * the order each weakness is first seen. Nested maps rather than one map of composite keys: building and
 * hashing a key string per finding cost three times as much. */
function groupRepeats(findings: readonly Finding[], memo: ModelMemo): Finding[][] {
  const byEndpoint = new Map<string, Map<string, Map<string, Finding[]>>>();
  const groups: Finding[][] = [];
  for (const f of findings) {
    let byCategory = byEndpoint.get(f.endpointId);
    if (!byCategory) {
      byCategory = new Map();
      byEndpoint.set(f.endpointId, byCategory);
    }
    const category = memo.category(f.category);
    let byFingerprint = byCategory.get(category);
    if (!byFingerprint) {
      byFingerprint = new Map();
      byCategory.set(category, byFingerprint);
    }
    const fingerprint = normaliseFingerprint(f.fingerprint);
    const group = byFingerprint.get(fingerprint);
    if (group) group.push(f);
    else {
      const repeats = [f];
      byFingerprint.set(fingerprint, repeats);
      groups.push(repeats);
    }
  }
  return groups;
}

/** Builds the report model. Repeats of one weakness (same endpoint, category and normalised fingerprint)
 * merge into a row; a finding id seen twice counts once. Each row lists, per requested framework, its
 * findings' explicit references and the controls of every overlap group it falls in, saying which is which.
 * Rows sort by severity, then most recent, then title, so the same findings always give the same report; the
 * coverage matrix lists every baseline control of each framework with the rows bearing on it. Rows share their
 * {@link RowControl}s, frozen. */
export function buildReportModel(input: ReportModelInput): ReportModel {
  const memo = new ModelMemo(input.report.frameworks);
  const endpointNames = new Map(input.endpoints.map((e) => [e.id, e.name]));
  const unique = new Map<string, Finding>();
  for (const f of input.findings) unique.set(f.id, f);
  const groups = groupRepeats([...unique.values()], memo);

  const frameworks = input.report.frameworks.map((slug) => ({ slug, label: getFramework(slug).label }));
  const unknownRefs: UnknownRef[] = [];
  const rows: ReportRow[] = [];
  for (const group of groups) {
    const byTime = sortByDetection(group);
    const latest = byTime[byTime.length - 1];
    let worst = latest.severity;
    for (const f of group) if (severityRank(f.severity) < severityRank(worst)) worst = f.severity;
    const explicit: KnownRef[] = [];
    for (const f of byTime) {
      for (const raw of f.frameworkRefs) {
        const ref = memo.ref(raw.framework, raw.control);
        if (ref) explicit.push(ref);
        else unknownRefs.push({ findingId: f.id, framework: raw.framework, control: raw.control });
      }
    }
    const overlap = groupsFor(latest.category, explicit);
    rows.push({
      // Numbered once sorted; set here so that `ref` comes first in the JSON.
      ref: '',
      severity: worst,
      title: latest.title,
      category: memo.category(latest.category),
      endpointId: latest.endpointId,
      endpointName: endpointNames.get(latest.endpointId) ?? latest.endpointId,
      firstSeen: byTime[0].detectedAt,
      lastSeen: latest.detectedAt,
      occurrences: group.length,
      findingIds: byTime.map((f) => f.id),
      groups: overlap.map((g) => g.id),
      frameworks: rowFrameworks(memo, frameworks, explicit, overlap),
      evidence: latest.evidence,
    });
  }
  rows.sort(
    (a, b) =>
      severityRank(a.severity) - severityRank(b.severity) ||
      byCodeUnit(b.lastSeen, a.lastSeen) ||
      byNaturalOrder.compare(a.title, b.title) ||
      byCodeUnit(a.findingIds[0], b.findingIds[0]),
  );
  const usedGroups = new Set<string>();
  rows.forEach((row, i) => {
    row.ref = `R${String(i + 1).padStart(3, '0')}`;
    for (const id of row.groups) usedGroups.add(id);
  });
  unknownRefs.sort((a, b) => byCodeUnit(a.findingId, b.findingId) || byCodeUnit(a.control, b.control));
  const tallies = tallyFrameworks(input.report.frameworks, rows);

  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    catalogueVersion: CATALOGUE_VERSION,
    crosswalkVersion: CROSSWALK_VERSION,
    report: {
      ...input.report,
      frameworks: input.report.frameworks.map((slug) => ({ slug, label: getFramework(slug).label })),
      generatedAt: input.generatedAt,
    },
    summary: summary(rows, unique.size, input.report.frameworks, tallies),
    rows,
    coverage: input.report.frameworks.map((slug, k) => coverageMatrix(slug, tallies[k])),
    crosswalk: {
      groups: CROSSWALK_GROUPS.filter((g) => usedGroups.has(g.id)).map((g) => ({ id: g.id, name: g.name })),
      basis: { ...CROSSWALK_BASIS },
    },
    sources: sourcesOf(unique.values()),
    unknownRefs,
  };
}

/** The rows listed under one coverage key, and the index of the last row listed: a row is listed once however many
 * of its controls count under the key, without a set of keys per row. */
interface CoverageRows {
  rows: string[];
  lastRow: number;
}

/** What a framework's coverage matrix and summary figures are counted from. */
interface FrameworkTally {
  /** Rows listing at least one control of the framework. */
  rowsWithControls: number;
  /** The distinct control ids the rows list. */
  controlIds: Set<string>;
  /** The rows under each coverage key, in row order. */
  rowsByKey: Map<string, CoverageRows>;
}

/** Tallies each framework's controls over the rows. At 100k findings rows list some 1.6M controls, so this is
 * one pass over the rows, each row's frameworks taken together while they are in the cache: a pass per
 * framework took about twice as long. */
function tallyFrameworks(slugs: readonly FrameworkSlug[], rows: readonly ReportRow[]): FrameworkTally[] {
  const tallies = slugs.map((): FrameworkTally => ({
    rowsWithControls: 0,
    controlIds: new Set(),
    rowsByKey: new Map(),
  }));
  // Rows share their controls, so each distinct one is looked at once rather than once per row listing it.
  const entries = slugs.map(() => new Map<RowControl, CoverageRows>());
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    for (let k = 0; k < slugs.length; k++) {
      const slug = slugs[k];
      const tally = tallies[k];
      const controls = row.frameworks.find((f) => f.framework === slug)?.controls ?? [];
      if (controls.length > 0) tally.rowsWithControls++;
      for (const c of controls) {
        let entry = entries[k].get(c);
        if (!entry) {
          tally.controlIds.add(c.id);
          const key = coverageKey(slug, c.id);
          entry = tally.rowsByKey.get(key);
          if (!entry) {
            entry = { rows: [], lastRow: -1 };
            tally.rowsByKey.set(key, entry);
          }
          entries[k].set(c, entry);
        }
        // Appended in place: copying the list per row made coverage quadratic in the rows.
        if (entry.lastRow !== r) {
          entry.rows.push(row.ref);
          entry.lastRow = r;
        }
      }
    }
  }
  return tallies;
}

/** The coverage matrix of one framework: every baseline control, plus any other a row touches, each with the
 * rows bearing on it (a row's controls count under their {@link coverageKey}). */
export function coverageOf(slug: FrameworkSlug, rows: readonly ReportRow[]): FrameworkCoverage {
  return coverageMatrix(slug, tallyFrameworks([slug], rows)[0]);
}

/** {@link coverageOf} from a tally already made. */
function coverageMatrix(slug: FrameworkSlug, { rowsByKey }: FrameworkTally): FrameworkCoverage {
  const framework = getFramework(slug);
  const controls = framework.controls
    .filter((c) => isBaselineControl(slug, c) || rowsByKey.has(c.id))
    .map((c) => ({ id: c.id, title: c.title, rows: rowsByKey.get(c.id)?.rows ?? [] }));
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
  return summary(rows, findings, frameworks, tallyFrameworks(frameworks, rows));
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
      controlsCovered: tallies[k].controlIds.size,
    })),
    byEndpoint: [...byEndpoint.values()].sort((a, b) => byCodeUnit(a.endpointId, b.endpointId)),
  };
}
