import { groupsFor } from '../crosswalk';
import { maskEvidence } from '../evidence/masking';
import type { Finding } from '../finding';
import { getFramework, type FrameworkSlug } from '../frameworks';
import type { FrameworkTally } from './coverage';
import type { ModelMemo } from './memo';
import type { RowTimes } from './population';
import { rowFrameworks } from './row-controls';
import type { ReportRowTreatment } from './treatment';
import type { ReportRow } from './types';
import type { Weakness } from './weaknesses';

/** A row's reference: `R001` for the first. */
export const rowRef = (index: number): string => `R${String(index + 1).padStart(3, '0')}`;

/** What the rows are listed from: the weaknesses in report order with their references, their true first and last
 * detections, their treatment where the report has it, and the build's memo, whose control lists are filled here. */
export interface RowsInput {
  weaknesses: readonly Weakness[];
  refs: readonly string[];
  times: RowTimes;
  treatment?: readonly ReportRowTreatment[];
  memo: ModelMemo<Weakness>;
  frameworks: readonly FrameworkSlug[];
  endpointName: (id: string) => string;
}

/** The listed rows, the tally of each requested framework's controls over them, and the overlap groups they fall in. */
export interface ListedRows {
  rows: ReportRow[];
  tallies: FrameworkTally[];
  groups: ReadonlySet<string>;
}

/** A row's evidence: its most recent finding's, masked here so that the PDF and the JSON show the same text and
 * neither holds the stored one. Only the rows' findings are masked, one per weakness, not the population. */
function rowEvidence(latest: Finding): ReportRow['evidence'] {
  const masked = maskEvidence(latest.evidence, latest.scan);
  return {
    ...masked.evidence,
    findingId: latest.id,
    ...(masked.scan ? { scan: masked.scan } : {}),
    redactions: masked.redactions,
  };
}

/** Lists one row per weakness: its title and category as its latest repeat has them, its worst severity, and per
 * requested framework its findings' explicit references and the controls of every overlap group it falls in. The
 * controls are tallied for the coverage matrix and the summary as the rows are listed, which is why this lists
 * every row, in report order, and hands back the tallies with them. */
export function listRows(input: RowsInput): ListedRows {
  const { memo, refs, times, treatment, endpointName } = input;
  const frameworks = input.frameworks.map((slug) => ({ slug, label: getFramework(slug).label }));
  const groups = new Set<string>();
  const rows = input.weaknesses.map(({ repeats, ids, explicit, worst, latest }, i): ReportRow => {
    const overlap = groupsFor(latest.category, explicit);
    const rowGroups = overlap.map((g) => g.id);
    for (const id of rowGroups) groups.add(id);
    const category = memo.category(latest.category);
    const row: ReportRow = {
      ref: refs[i],
      severity: worst,
      title: latest.title,
      category,
      endpointId: latest.endpointId,
      endpointName: endpointName(latest.endpointId),
      firstSeen: times.firstSeen[i],
      lastSeen: times.lastSeen[i],
      periodFirstSeen: repeats[0].detectedAt,
      periodLastSeen: latest.detectedAt,
      occurrences: repeats.length,
      findingIds: ids,
      groups: rowGroups,
      frameworks: rowFrameworks(memo, frameworks, i, explicit, overlap, latest.endpointId, category),
      evidence: rowEvidence(latest),
    };
    if (treatment) row.treatment = treatment[i];
    return row;
  });
  return { rows, tallies: memo.tallies(), groups };
}
