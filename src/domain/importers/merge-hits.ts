import type { DetectorScore } from '../finding';
import { importError, type ImportedFinding } from './types';

/** What is remembered of one attempt between the two passes: its detectors and where its best hit is. */
interface AttemptHits {
  detectors: DetectorScore[];
  bestLine: number;
  bestScore: number;
}

/**
 * Merges the hits a garak hitlog gives for one attempt into one finding. garak writes a line per detector and
 * hitting output, detector by detector, so the lines of one attempt lie apart in the file; a run's report holds
 * the same attempt on one line, and the two files must give the same finding. Used over two passes of the file:
 * {@link note} every hit in the first, then {@link take} every hit in the second, which answers the merged
 * finding at the line of the attempt's best hit (whose output is the evidence) and nothing at its other lines.
 * It keeps one small entry per attempt, never a line's text.
 */
export class HitMerger {
  private readonly attempts = new Map<string, AttemptHits>();

  /** `maxDetectors`: most distinct detectors one attempt may be hit by; past it the file is refused. */
  constructor(private readonly maxDetectors: number) {}

  /** How many attempts (merged findings) the file holds. */
  get size(): number {
    return this.attempts.size;
  }

  /** First pass: records a hit read at `lineNo`. */
  note(hit: ImportedFinding, lineNo: number): void {
    const scores = hit.source.scan.detectors ?? [];
    const best = Math.max(...scores.map((d) => d.score));
    const known = this.attempts.get(hit.source.item);
    if (!known) {
      this.attempts.set(hit.source.item, {
        detectors: scores.map((d) => ({ ...d })),
        bestLine: lineNo,
        bestScore: best,
      });
      return;
    }
    for (const d of scores) {
      const same = known.detectors.find((k) => k.detector === d.detector);
      if (same) same.score = Math.max(same.score, d.score);
      else if (known.detectors.length >= this.maxDetectors) {
        throw importError(
          lineNo,
          `attempt ${JSON.stringify(hit.source.item)} is hit by more than ${this.maxDetectors} detectors; at most ${this.maxDetectors} per attempt are imported (IMPORT_MAX_DETECTORS)`,
        );
      } else known.detectors.push({ ...d });
    }
    if (best > known.bestScore) {
      known.bestScore = best;
      known.bestLine = lineNo;
    }
  }

  /** Second pass: the merged finding when `lineNo` is its attempt's best hit, else undefined. */
  take(hit: ImportedFinding, lineNo: number): ImportedFinding | undefined {
    const known = this.attempts.get(hit.source.item);
    if (!known) throw new Error(`HitMerger.take: attempt ${hit.source.item} was not noted in the first pass`);
    if (known.bestLine !== lineNo) return undefined;
    return { ...hit, source: { ...hit.source, scan: { ...hit.source.scan, detectors: known.detectors } } };
  }
}
