import { CROSSWALK_GROUPS, normaliseCategory } from '../../src/domain/crosswalk';
import type { Finding } from '../../src/domain/finding';
import { findControl, normaliseControlId, type FrameworkSlug } from '../../src/domain/frameworks';
import {
  applicabilityView,
  type ReportModelInput,
  type ReportRow,
  type UnknownRef,
} from '../../src/domain/report-model';
import { SEVERITIES, severityRank, type Severity } from '../../src/domain/severity';

/**
 * A plain model of the report's rows, written from the rules the report states rather than from the fast build:
 * maps, a loop and a sort, no caches and no tallies kept along the way. The property test of the model checks
 * that the fast build gives the same rows, summary counts and unknown references on random inputs.
 */

/** A row's control as the reference model lists it. */
export interface ReferenceControl {
  id: string;
  title: string;
  explicit: boolean;
  via: { group: string; basis: string; reason: string }[];
}

/** A row as the reference model computes it: the fields of a report row it works out, its controls as it lists them. */
export type ReferenceRow = Omit<ReportRow, 'frameworks' | 'evidence' | 'treatment'> & {
  frameworks: { framework: FrameworkSlug; controls: ReferenceControl[] }[];
};

/** The parts of a model the reference computes. */
export interface ReferenceModel {
  rows: ReferenceRow[];
  summary: {
    rows: number;
    findings: number;
    bySeverity: { severity: Severity; rows: number; requested: boolean; excludedFindings: number }[];
    byFramework: { framework: FrameworkSlug; rows: number; controlsListed: number }[];
    byEndpoint: { endpointId: string; endpointName: string; rows: number }[];
  };
  unknownRefs: UnknownRef[];
}

const natural = new Intl.Collator('en', { numeric: true });
const codeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A fingerprint folded as the report documents: case, surrounding and repeated white space do not count. */
const foldFingerprint = (fingerprint: string): string => fingerprint.trim().toLowerCase().replace(/\s+/g, ' ');

/** Builds the reference model of an input. */
export function referenceReportModel(input: ReportModelInput): ReferenceModel {
  const { frameworks, scope } = input.report;
  const applicability = applicabilityView(input.applicability, scope);
  const endpointName = (id: string): string => input.endpoints.find((e) => e.id === id)?.name ?? id;
  const keyOf = (f: { endpointId: string; category: string; fingerprint: string }): string =>
    JSON.stringify([f.endpointId, normaliseCategory(f.category), foldFingerprint(f.fingerprint)]);

  // A finding delivered twice is one finding; repeats of one weakness are one row.
  const byId = new Map<string, Finding>();
  for (const f of input.findings) if (!byId.has(f.id)) byId.set(f.id, f);
  const byWeakness = new Map<string, Finding[]>();
  for (const f of byId.values()) byWeakness.set(keyOf(f), [...(byWeakness.get(keyOf(f)) ?? []), f]);

  const unknownRefs = new Map<string, ReferenceModel['unknownRefs'][number]>();
  const weaknesses = [...byWeakness.entries()].map(([key, found]) => {
    const repeats = [...found].sort((a, b) => codeUnit(a.detectedAt, b.detectedAt) || codeUnit(a.id, b.id));
    const latest = repeats[repeats.length - 1];
    const worst = repeats.map((f) => f.severity).sort((a, b) => severityRank(a) - severityRank(b))[0];
    const explicit: { framework: FrameworkSlug; control: string }[] = [];
    for (const f of repeats) {
      for (const ref of f.frameworkRefs) {
        const control = normaliseControlId(ref.framework, ref.control);
        if (control) explicit.push({ framework: ref.framework, control });
        else unknownRefs.set(JSON.stringify([f.id, ref.framework, ref.control]), { findingId: f.id, ...ref });
      }
    }
    return { key, repeats, latest, worst, explicit };
  });

  // Most severe first, then most recent, then title; the first finding's id settles the rest.
  weaknesses.sort(
    (a, b) =>
      severityRank(a.worst) - severityRank(b.worst) ||
      Date.parse(b.latest.detectedAt) - Date.parse(a.latest.detectedAt) ||
      codeUnit(b.latest.detectedAt, a.latest.detectedAt) ||
      natural.compare(a.latest.title, b.latest.title) ||
      codeUnit(a.repeats[0].id, b.repeats[0].id),
  );

  const rows = weaknesses.map(({ key, repeats, latest, worst, explicit }, i): ReferenceRow => {
    const category = normaliseCategory(latest.category);
    let firstSeen = repeats[0].detectedAt;
    let lastSeen = latest.detectedAt;
    for (const f of input.context ?? []) {
      if (f.detectedAt > input.generatedAt || keyOf(f) !== key) continue;
      if (f.detectedAt < firstSeen) firstSeen = f.detectedAt;
      if (f.detectedAt > lastSeen) lastSeen = f.detectedAt;
    }
    const groups = overlapGroups(category, explicit);
    const applies = (framework: FrameworkSlug, control: string): boolean =>
      framework !== 'EU_AI_ACT' || applicability.of(framework, control, [latest.endpointId])?.applies !== false;
    return {
      ref: `R${String(i + 1).padStart(3, '0')}`,
      severity: worst,
      title: latest.title,
      category,
      endpointId: latest.endpointId,
      endpointName: endpointName(latest.endpointId),
      firstSeen,
      lastSeen,
      periodFirstSeen: repeats[0].detectedAt,
      periodLastSeen: latest.detectedAt,
      occurrences: repeats.length,
      findingIds: repeats.map((f) => f.id),
      groups: groups.map((g) => g.id),
      frameworks: frameworks.map((framework) => {
        const controls = new Map<string, ReferenceControl>();
        const listed = (control: string, explicitly: boolean): ReferenceControl => {
          let c = controls.get(control);
          if (!c) {
            c = { id: control, title: findControl(framework, control)!.title, explicit: explicitly, via: [] };
            controls.set(control, c);
          }
          return c;
        };
        for (const ref of explicit) {
          if (ref.framework === framework && applies(framework, ref.control)) listed(ref.control, true);
        }
        for (const group of groups) {
          for (const link of group.links) {
            if (link.framework !== framework || !applies(framework, link.control)) continue;
            if (link.categories && !link.categories.includes(category)) continue;
            listed(link.control, false).via.push({ group: group.id, basis: link.basis, reason: link.reason });
          }
        }
        return { framework, controls: [...controls.values()].sort((a, b) => natural.compare(a.id, b.id)) };
      }),
    };
  });

  const excluded = (severity: Severity): number =>
    (input.context ?? []).filter((f) => {
      const day = f.detectedAt.slice(0, 10);
      return f.severity === severity && day >= scope.from && day <= scope.to && f.detectedAt <= input.generatedAt;
    }).length;
  const endpoints = new Map<string, { endpointId: string; endpointName: string; rows: number }>();
  for (const row of rows) {
    const e = endpoints.get(row.endpointId) ?? { endpointId: row.endpointId, endpointName: row.endpointName, rows: 0 };
    e.rows++;
    endpoints.set(row.endpointId, e);
  }
  return {
    rows,
    summary: {
      rows: rows.length,
      findings: rows.reduce((n, r) => n + r.occurrences, 0),
      bySeverity: SEVERITIES.map((severity) => {
        const requested = scope.includeSeverities.includes(severity);
        return {
          severity,
          rows: rows.filter((r) => r.severity === severity).length,
          requested,
          excludedFindings: requested ? 0 : excluded(severity),
        };
      }),
      byFramework: frameworks.map((framework) => {
        const lists = rows.map((r) => r.frameworks.find((f) => f.framework === framework)!.controls);
        return {
          framework,
          rows: lists.filter((controls) => controls.length > 0).length,
          controlsListed: new Set(lists.flat().map((c) => c.id)).size,
        };
      }),
      byEndpoint: [...endpoints.values()].sort((a, b) => codeUnit(a.endpointId, b.endpointId)),
    },
    unknownRefs: [...unknownRefs.values()].sort(
      (a, b) =>
        codeUnit(a.findingId, b.findingId) || codeUnit(a.control, b.control) || codeUnit(a.framework, b.framework),
    ),
  };
}

/** The overlap groups a weakness falls in: each group listing its category, and each group that is the only one to
 * link one of its explicit controls as `weakness_in`; in id order. */
function overlapGroups(category: string, explicit: readonly { framework: FrameworkSlug; control: string }[]) {
  const found = CROSSWALK_GROUPS.filter((g) => g.categories.includes(category));
  for (const ref of explicit) {
    const anchoring = CROSSWALK_GROUPS.filter((g) =>
      g.links.some((l) => l.type === 'weakness_in' && l.framework === ref.framework && l.control === ref.control),
    );
    if (anchoring.length === 1 && !found.includes(anchoring[0])) found.push(anchoring[0]);
  }
  return found.sort((a, b) => a.id.localeCompare(b.id));
}
