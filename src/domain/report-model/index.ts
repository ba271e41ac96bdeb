import {
  BASIS_KINDS,
  CROSSWALK_BASIS,
  LINK_TYPE_DESCRIPTIONS,
  CROSSWALK_GROUPS,
  CROSSWALK_VERSION,
  groupsFor,
} from '../crosswalk';
import { maskEvidence } from '../evidence/masking';
import type { Finding } from '../finding';
import { CATALOGUE_VERSION, getFramework, type FrameworkSlug } from '../frameworks';
import { applicabilityView } from './applicability-view';
import { ratingInUse } from '../evidence/rating';
import { ModelMemo, rowFrameworks } from './controls';
import { coverageMatrix, summary } from './coverage';
import { normaliseFingerprint } from './weakness-index';
import { completeness } from './population';
import { buildFrontPage, weaknessKey } from './front-page';
import { sourcesOf } from './sources';
import { testingPerformed } from './testing';
import { treatmentOfRows } from './treatment';
import {
  REPORT_SCHEMA_VERSION,
  type ReportModel,
  type ReportModelInput,
  type ReportRelease,
  type ReportRow,
  type UnknownRef,
} from './types';
import { type Weakness, byRowOrder, gatherWeaknesses, inDetectionOrder, withoutRepeats } from './weaknesses';

export * from './types';
export { coverageOf, summarise } from './coverage';
export { severityOrigin } from './population';
export { sourcesOf } from './sources';
export { testingPerformed, type ProbeSummary, type Rate, type RunSummary, type TestingPerformed } from './testing';
export { applicabilityView } from './applicability-view';
export { WeaknessIndex, normaliseFingerprint, type WeaknessKey } from './weakness-index';
export * from './front-page';
export * from './treatment';

/** The release of a model built without one: version 1, a draft, its treatment read as the snapshot says (or, with
 * no treatment recorded, as of the report's generation). */
function draftRelease(input: ReportModelInput): ReportRelease {
  const at = input.generatedAt;
  return {
    version: 1,
    status: 'draft',
    statusAsOf: input.treatment?.asOf ?? at,
    approval: null,
    history: [{ version: 1, status: 'draft', at, sha256: null, approverName: null, changedWeaknesses: null }],
  };
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

/** Builds the report model. Repeats of one weakness (same endpoint, category and normalised fingerprint)
 * merge into a row; a finding delivered twice (the same id) counts once. Each row lists, per requested
 * framework, its findings' explicit references and the controls of every overlap group it falls in, saying
 * which is which. Rows sort by severity, then most recent, then title, so the same findings always give the
 * same report; the coverage matrix lists every baseline control of each framework with the rows bearing on it.
 * Weaknesses are put in report order before they are listed, so that the coverage matrix and the summary are
 * tallied as the rows are listed. Rows share their {@link RowControl}s, frozen. */
export function buildReportModel(input: ReportModelInput): ReportModel {
  const { scope } = input.report;
  const applicability = applicabilityView(input.applicability, scope);
  const gate = (slug: FrameworkSlug, id: string): ((endpointId: string) => boolean) | undefined => {
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
  const memo = new ModelMemo<Weakness>(input.report.frameworks, gate);
  const endpointNames = new Map(input.endpoints.map((e) => [e.id, e.name]));
  const unknownRefs: UnknownRef[] = [];
  const ordered = inDetectionOrder(input.findings);
  const weaknesses = gatherWeaknesses(input.findings, ordered, memo, unknownRefs);
  for (const w of weaknesses) w.settle(ordered);
  weaknesses.sort(byRowOrder);
  weaknesses.forEach((w, i) => {
    w.rowIndex = i;
  });

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
      periodFirstSeen: repeats[0].detectedAt,
      periodLastSeen: latest.detectedAt,
      occurrences: repeats.length,
      findingIds: ids,
      groups,
      frameworks: rowFrameworks(
        memo,
        frameworks,
        i,
        explicit,
        overlap,
        latest.endpointId,
        memo.category(latest.category),
      ),
      evidence: rowEvidence(latest),
    };
  });
  const tallies = memo.tallies();
  const testing = testingPerformed(input.runs ?? [], scope, (id) => endpointNames.get(id) ?? id);
  const whole = completeness(
    input,
    {
      rows,
      repeats: weaknesses.map((w) => w.repeats),
      rowOf: (f) => memo.weaknesses.find(f)?.rowIndex ?? -1,
      category: (raw) => memo.category(raw),
    },
    (id) => endpointNames.get(id) ?? id,
  );
  const coverage = input.report.frameworks.map((slug, k) =>
    coverageMatrix(slug, tallies[k], rows, testing.probes, scope.endpointIds, applicability),
  );
  const modelSummary = summary(rows, findings, input.report.frameworks, tallies, {
    excluded: whole.population.excluded,
    requested: new Set(input.report.scope.includeSeverities),
  });

  const treatment = input.treatment
    ? treatmentOfRows(
        input.report.tenantId,
        weaknesses.map(({ latest }, i) => ({
          ref: rows[i].ref,
          endpointId: latest.endpointId,
          category: memo.category(latest.category),
          fingerprint: normaliseFingerprint(latest.fingerprint),
        })),
        input.treatment,
      )
    : undefined;
  if (treatment) {
    rows.forEach((row, i) => {
      row.treatment = treatment.rows[i];
    });
    modelSummary.treatment = treatment.summary;
  }

  const frontPage = buildFrontPage({
    reportId: input.report.id,
    generatedAt: input.generatedAt,
    scope,
    rows,
    keys: weaknesses.map(({ latest }) =>
      weaknessKey(latest.endpointId, memo.category(latest.category), normaliseFingerprint(latest.fingerprint)),
    ),
    coverage,
    runs: testing.runs.length,
    previous: input.previous,
    treatment: treatment?.frontPage,
  });

  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    catalogueVersion: CATALOGUE_VERSION,
    crosswalkVersion: CROSSWALK_VERSION,
    report: {
      ...input.report,
      frameworks: input.report.frameworks.map((slug) => ({ slug, label: getFramework(slug).label })),
      generatedAt: input.generatedAt,
    },
    summary: modelSummary,
    rows,
    testing,
    applicability: input.applicability ?? null,
    rating: ratingInUse(input.ratingMethod),
    branding: input.branding ?? null,
    coverage,
    crosswalk: {
      groups: CROSSWALK_GROUPS.filter((g) => usedGroups.has(g.id)).map((g) => ({ id: g.id, name: g.name })),
      basis: { ...CROSSWALK_BASIS },
      basisKinds: { ...BASIS_KINDS },
      linkTypes: { ...LINK_TYPE_DESCRIPTIONS },
    },
    // In the order they came (time order, from the repository), where a source's findings sit together,
    // unless copies were dropped, which only the rows' lists are free of.
    sources: sourcesOf(findings === input.findings.length ? input.findings : weaknesses.flatMap((w) => w.repeats)),
    unknownRefs: withoutRepeats(unknownRefs),
    ...whole,
    frontPage,
    ...(treatment ? { treatmentHistory: treatment.history } : {}),
    release: input.release ?? draftRelease(input),
  };
}
