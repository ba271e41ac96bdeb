import { BASIS_KINDS, CROSSWALK_BASIS, CROSSWALK_GROUPS, LINK_TYPE_DESCRIPTIONS } from '../crosswalk';
import type { ReportModel, ReportModelInput, ReportRelease } from './types';

/** The release of a model built without one: version 1, a draft, its treatment read as the snapshot says (or, with
 * no treatment recorded, as of the report's generation). */
export function draftRelease(input: ReportModelInput): ReportRelease {
  const at = input.generatedAt;
  return {
    version: 1,
    status: 'draft',
    statusAsOf: input.treatment?.asOf ?? at,
    approval: null,
    history: [{ version: 1, status: 'draft', at, sha256: null, approverName: null, changedWeaknesses: null }],
  };
}

/** What the model says of the crosswalk: the overlap groups its rows fall in, in the crosswalk's order, and the
 * legends of bases, basis kinds and link types. */
export function crosswalkSection(groups: ReadonlySet<string>): ReportModel['crosswalk'] {
  return {
    groups: CROSSWALK_GROUPS.filter((g) => groups.has(g.id)).map((g) => ({ id: g.id, name: g.name })),
    basis: { ...CROSSWALK_BASIS },
    basisKinds: { ...BASIS_KINDS },
    linkTypes: { ...LINK_TYPE_DESCRIPTIONS },
  };
}
