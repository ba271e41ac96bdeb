import type { Finding } from '../finding';
import { severityRank, type Severity } from '../severity';
import type { KnownRef, ModelMemo } from './memo';
import { byCodeUnit, byNaturalOrder } from './order';
import type { UnknownRef } from './types';
import { normaliseFingerprint, type WeaknessKey } from './weakness-index';

/** Detection time, then id: the order of a row's findings. */
const byDetection = (a: Finding, b: Finding): number =>
  byCodeUnit(a.detectedAt, b.detectedAt) || byCodeUnit(a.id, b.id);

/** Above this many repeats, {@link byDetection} sorts through `Array.prototype.sort`. */
const INSERTION_SORT_MAX = 32;

/** Sorts the repeats of one weakness {@link byDetection} and drops the copies of a finding delivered more than
 * once, which the sort puts side by side. A handful of repeats take an insertion sort, many the library sort
 * (why: bench/report-model-tuning.md). */
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
 * over the findings.
 */
export class Weakness {
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
  /** The weakness's row, by index in report order, once the rows are ordered. */
  rowIndex = -1;

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

/** A report's weaknesses in report order, each knowing its row ({@link Weakness.rowIndex}). */
export interface OrderedWeaknesses {
  weaknesses: Weakness[];
  /** Each row's weakness as treatment and the front page key it: endpoint, and category and fingerprint normalised. */
  keys: WeaknessKey[];
  /** The row of a finding's weakness, by index, or -1 when no row has its weakness. */
  rowOf: (f: WeaknessKey) => number;
  /** The findings behind the rows, each counted once. */
  findings: number;
  /** References the catalogue does not know, each once. */
  unknownRefs: UnknownRef[];
}

/** The findings merged into weaknesses (same endpoint, category and normalised fingerprint; a finding delivered
 * twice counts once), each with its repeats in detection order, the weaknesses in report order ({@link byRowOrder}). */
export function weaknessesInReportOrder(findings: readonly Finding[], memo: ModelMemo<Weakness>): OrderedWeaknesses {
  const unknownRefs: UnknownRef[] = [];
  const ordered = inDetectionOrder(findings);
  const weaknesses = gatherWeaknesses(findings, ordered, memo, unknownRefs);
  for (const w of weaknesses) w.settle(ordered);
  weaknesses.sort(byRowOrder);
  let count = 0;
  weaknesses.forEach((w, i) => {
    w.rowIndex = i;
    count += w.repeats.length;
  });
  return {
    weaknesses,
    keys: weaknesses.map(({ latest }) => ({
      endpointId: latest.endpointId,
      category: memo.category(latest.category),
      fingerprint: normaliseFingerprint(latest.fingerprint),
    })),
    rowOf: (f) => memo.weaknesses.find(f)?.rowIndex ?? -1,
    findings: count,
    unknownRefs: withoutRepeats(unknownRefs),
  };
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
  memo: ModelMemo<Weakness>,
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
 * first, then as text, should two spellings name one millisecond. */
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
