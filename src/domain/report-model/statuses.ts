import { groupsFor, linkApplies, linkTypeOf, normaliseCategory } from '../crosswalk';
import { coverageKey, getFramework, isBaselineControl, normaliseControlId, type FrameworkSlug } from '../frameworks';
import type { FrameworkRef } from '../finding';
import type { ProbeSummary } from './testing';
import type { ApplicabilityView, ControlStatus, CoverageEntry, FrameworkCoverage, StatusCounts } from './types';

/** The controls of a framework a probe bears on: its explicit references and the links of the overlap groups
 * its category and references put it in, as a finding of the probe would list them. */
export function probeControls(
  slug: FrameworkSlug,
  probe: { category?: string; frameworkRefs: FrameworkRef[] },
): string[] {
  const refs: FrameworkRef[] = [];
  for (const ref of probe.frameworkRefs) {
    const id = normaliseControlId(ref.framework, ref.control);
    if (id) refs.push({ framework: ref.framework, control: id });
  }
  const controls = new Set(refs.filter((r) => r.framework === slug).map((r) => r.control));
  const category = normaliseCategory(probe.category ?? '');
  for (const group of groupsFor(category, refs)) {
    for (const link of group.links) {
      if (link.framework === slug && linkApplies(link, category)) controls.add(link.control);
    }
  }
  return [...controls];
}

/** Rows bearing on each control of a matrix, by the control's {@link tallyKey}, in report order. */
export type RowsOfKey = (key: string) => readonly string[];

/** What marks the key of a control the crosswalk links as activity evidence. */
const ACTIVITY = ' (activity)';

/** The key a row counts under for a control: the control the matrix lists it under (coverageKey), marked when the
 * control is one a row bears on as evidence of its testing activity, so that one tally keeps weakness rows and
 * activity rows of the same matrix control apart (MS-2.7-007 rolls up to MEASURE 2.7, which findings bear on as
 * a weakness). */
export function tallyKey(slug: FrameworkSlug, control: string): string {
  const key = coverageKey(slug, control);
  return linkTypeOf(slug, control) === 'activity_evidence' ? key + ACTIVITY : key;
}

interface Tested {
  /** Each probe that bears on the control, with its attempts and failures: a probe judged by several detectors
   * counts its outputs once, under the detector that judged most and the one that failed most. */
  probes: Map<string, { attempts: number; failures: number }>;
  /** Failures of probes that bear on the control as a weakness: an exception even where the scope's severities
   * left their findings out of the rows. */
  weaknessFailures: number;
}

/** The probes of the period that ran with attempts, by the matrix control they bear on. */
function testedControls(slug: FrameworkSlug, probes: readonly ProbeSummary[]): Map<string, Tested> {
  const tested = new Map<string, Tested>();
  for (const p of probes) {
    if (p.attempts <= 0) continue;
    const name = `${p.tool} ${p.probe}`;
    for (const id of probeControls(slug, p)) {
      const key = coverageKey(slug, id);
      let t = tested.get(key);
      if (!t) {
        t = { probes: new Map(), weaknessFailures: 0 };
        tested.set(key, t);
      }
      const held = t.probes.get(name) ?? { attempts: 0, failures: 0 };
      t.probes.set(name, {
        attempts: Math.max(held.attempts, p.attempts),
        failures: Math.max(held.failures, p.failures),
      });
      if (linkTypeOf(slug, id) === 'weakness_in') t.weaknessFailures += p.failures;
    }
  }
  return tested;
}

const noCounts = (): StatusCounts => ({ exception: 0, tested_no_exception: 0, not_tested: 0, not_applicable: 0 });

/**
 * The coverage matrix of one framework with a status per control. Controls are listed at the matrix's level
 * (coverageKey): the framework's baseline, any control a row or a probe of the period bears on, and those the
 * applicability profile lists. A control is `not_applicable` when the profile takes it out of scope; otherwise an
 * `exception` when a row bears on it as a weakness or a probe that bears on it that way recorded failures;
 * `tested_no_exception` when probes that bear on it ran with attempts and none failed, or when rows bear on it as
 * evidence of its testing activity; `not_tested` otherwise.
 */
export function controlStatuses(
  slug: FrameworkSlug,
  rowsOf: RowsOfKey,
  probes: readonly ProbeSummary[],
  endpointIds: readonly string[],
  applicability?: ApplicabilityView,
): FrameworkCoverage {
  const framework = getFramework(slug);
  const tested = testedControls(slug, probes);
  const listed = new Set(applicability?.listed(slug) ?? []);
  const counts = noCounts();
  const byKind = new Map<string, StatusCounts>();
  const controls: CoverageEntry[] = [];
  for (const c of framework.controls) {
    const rows = rowsOf(c.id);
    const activityRows = rowsOf(c.id + ACTIVITY);
    const t = tested.get(c.id);
    if (!(isBaselineControl(slug, c) || rows.length > 0 || activityRows.length > 0 || t || listed.has(c.id))) continue;
    const applies = applicability?.of(slug, c.id, endpointIds);
    const status: ControlStatus =
      applies && !applies.applies
        ? 'not_applicable'
        : rows.length > 0 || (t?.weaknessFailures ?? 0) > 0
          ? 'exception'
          : t || activityRows.length > 0
            ? 'tested_no_exception'
            : 'not_tested';
    counts[status]++;
    const kind = byKind.get(c.kind) ?? noCounts();
    kind[status]++;
    byKind.set(c.kind, kind);
    const entry: CoverageEntry = {
      id: c.id,
      title: c.title,
      kind: c.kind,
      status,
      rows: [...rows],
      activityRows: [...activityRows],
      tested: testedSummary(t),
    };
    if (applies) entry.applicability = applies;
    controls.push(entry);
  }
  return {
    framework: slug,
    label: framework.label,
    counts,
    byKind: [...byKind].map(([kind, k]) => ({ kind, counts: k })),
    controls,
  };
}

/** What a matrix entry says of the probes that bear on its control. */
function testedSummary(t: Tested | undefined): CoverageEntry['tested'] {
  const probes = [...(t?.probes ?? [])].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    probes: probes.map(([name]) => name),
    attempts: probes.reduce((n, [, p]) => n + p.attempts, 0),
    failures: probes.reduce((n, [, p]) => n + p.failures, 0),
  };
}
