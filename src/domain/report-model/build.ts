import { CROSSWALK_VERSION } from '../crosswalk';
import { ratingInUse } from '../evidence/rating';
import { CATALOGUE_VERSION, getFramework } from '../frameworks';
import { applicabilityView } from './applicability-view';
import { coverageMatrix, summary } from './coverage';
import { buildFrontPage, weaknessKey } from './front-page';
import { applicabilityGate, ModelMemo } from './memo';
import { completeness } from './population';
import { listRows, rowRef } from './rows';
import { crosswalkSection, draftRelease } from './sections';
import { sourcesOf } from './sources';
import { testingPerformed } from './testing';
import { treatmentOfRows } from './treatment';
import { REPORT_SCHEMA_VERSION, type ReportModel, type ReportModelInput } from './types';
import { type Weakness, weaknessesInReportOrder } from './weaknesses';

/** Builds the report model. Repeats of one weakness (same endpoint, category and normalised fingerprint)
 * merge into a row; a finding delivered twice (the same id) counts once. Each row lists, per requested
 * framework, its findings' explicit references and the controls of every overlap group it falls in, saying
 * which is which. Rows sort by severity, then most recent, then title, so the same findings always give the
 * same report; the coverage matrix lists every baseline control of each framework with the rows bearing on it.
 * Each step below takes what it needs and returns what it makes; rows share their {@link RowControl}s, frozen. */
export function buildReportModel(input: ReportModelInput): ReportModel {
  const { report, generatedAt } = input;
  const { frameworks, scope } = report;
  const names = new Map(input.endpoints.map((e) => [e.id, e.name]));
  const endpointName = (id: string): string => names.get(id) ?? id;
  const applicability = applicabilityView(input.applicability, scope);
  const memo = new ModelMemo<Weakness>(frameworks, applicabilityGate(applicability));
  const { weaknesses, keys, rowOf, findings, unknownRefs } = weaknessesInReportOrder(input.findings, memo);
  const refs = weaknesses.map((_, i) => rowRef(i));
  const repeats = weaknesses.map((w) => w.repeats);
  const category = (raw: string): string => memo.category(raw);
  const { times, ...whole } = completeness(input, { refs, repeats, rowOf, category }, endpointName);
  const treatment = input.treatment
    ? treatmentOfRows(
        report.tenantId,
        keys.map((key, i) => ({ ref: refs[i], ...key })),
        input.treatment,
      )
    : undefined;
  const rowsInput = { weaknesses, refs, times, treatment: treatment?.rows, memo, frameworks, endpointName };
  const { rows, tallies, groups } = listRows(rowsInput);
  const testing = testingPerformed(input.runs ?? [], scope, endpointName);
  const coverage = frameworks.map((slug, k) =>
    coverageMatrix(slug, tallies[k], rows, testing.probes, scope.endpointIds, applicability),
  );
  const requested = new Set(scope.includeSeverities);
  const excluded = whole.population.excluded;
  const totals = summary(rows, findings, frameworks, tallies, { excluded, requested }, treatment?.summary);
  const frontPage = buildFrontPage({
    reportId: report.id,
    generatedAt,
    scope,
    rows,
    keys: keys.map((k) => weaknessKey(k.endpointId, k.category, k.fingerprint)),
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
      ...report,
      frameworks: frameworks.map((slug) => ({ slug, label: getFramework(slug).label })),
      generatedAt,
    },
    summary: totals,
    rows,
    testing,
    applicability: input.applicability ?? null,
    rating: ratingInUse(input.ratingMethod),
    branding: input.branding ?? null,
    coverage,
    crosswalk: crosswalkSection(groups),
    // In the order they came (time order, from the repository), where a source's findings sit together,
    // unless copies were dropped, which only the rows' lists are free of.
    sources: sourcesOf(findings === input.findings.length ? input.findings : repeats.flat()),
    unknownRefs,
    ...whole,
    frontPage,
    ...(treatment ? { treatmentHistory: treatment.history } : {}),
    release: input.release ?? draftRelease(input),
  };
}
