import type { CrosswalkGroup } from '../crosswalk';
import type { FrameworkSlug } from '../frameworks';
import type { KnownRef, ModelMemo } from './memo';
import type { RowFramework } from './types';

/** A row's controls in each requested framework: its findings' explicit refs, plus every link of the overlap
 * groups they fall in, in natural order. Refs and links are dealt to their framework's list as they come,
 * explicit refs first, then links group by group. */
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
