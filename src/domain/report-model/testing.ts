import { wilsonInterval } from '../evidence/wilson';
import type { FrameworkRef } from '../finding';
import type { ReportScope } from '../report';
import type { TestRun } from '../runs';
import { byCodeUnit, byNaturalOrder } from './order';

/** A share with its Wilson 95 % score interval: what a count of failures over attempts says about the rate. */
export interface Rate {
  value: number;
  low: number;
  high: number;
}

/** One probe (or plugin × strategy) over the runs of a report: how often the attack worked. */
export interface ProbeSummary {
  tool: string;
  probe: string;
  detector?: string;
  strategy?: string;
  category?: string;
  frameworkRefs: FrameworkRef[];
  runs: number;
  attempts: number;
  failures: number;
  /** Attack success rate: failures over attempts; absent when nothing was attempted. */
  successRate?: Rate;
}

/** One run of a report, with its totals. */
export interface RunSummary {
  id: string;
  tool: string;
  toolVersion?: string;
  runId: string;
  configSha256?: string;
  target?: string;
  endpointId: string;
  endpointName: string;
  startedAt: string;
  origin: TestRun['origin'];
  fileSha256?: string;
  resultsComplete: boolean;
  probes: number;
  attempts: number;
  failures: number;
  successRate?: Rate;
}

/** What was tested in a report's period and how it went: every run on the scoped endpoints, found anything or
 * not, and each probe over them. */
export interface TestingPerformed {
  runs: RunSummary[];
  probes: ProbeSummary[];
  attempts: number;
  failures: number;
  /** Runs whose files held hits only (a garak hitlog): what they tested without failing is not known. */
  incompleteRuns: number;
}

/** Failures over attempts with its 95 % interval; absent when nothing was attempted. */
export function rateOf(failures: number, attempts: number): Rate | undefined {
  if (attempts <= 0) return undefined;
  const { low, high } = wilsonInterval(failures, attempts);
  return { value: failures / attempts, low, high };
}

/** Whether a run falls in a report's scope: on one of its endpoints, started on a day of its period. */
export function runInScope(run: TestRun, scope: ReportScope): boolean {
  const day = run.startedAt.slice(0, 10);
  return scope.endpointIds.includes(run.endpointId) && day >= scope.from && day <= scope.to;
}

/** The testing performed in a report's scope, from the runs recorded for its endpoints. */
export function testingPerformed(
  runs: readonly TestRun[],
  scope: ReportScope,
  endpointName: (id: string) => string,
): TestingPerformed {
  const inScope = runs
    .filter((run) => runInScope(run, scope))
    .sort((a, b) => byCodeUnit(a.startedAt, b.startedAt) || byCodeUnit(a.id, b.id));
  const probes = new Map<string, ProbeSummary>();
  let attempts = 0;
  let failures = 0;
  const summaries = inScope.map((run): RunSummary => {
    let runAttempts = 0;
    let runFailures = 0;
    for (const r of run.results) {
      runAttempts += r.attempts;
      runFailures += r.failures;
      const key = JSON.stringify([run.tool, r.probe, r.detector ?? null, r.strategy ?? null]);
      let probe = probes.get(key);
      if (!probe) {
        probe = { tool: run.tool, probe: r.probe, frameworkRefs: [], runs: 0, attempts: 0, failures: 0 };
        if (r.detector !== undefined) probe.detector = r.detector;
        if (r.strategy !== undefined) probe.strategy = r.strategy;
        if (r.category !== undefined) probe.category = r.category;
        probes.set(key, probe);
      }
      probe.runs++;
      probe.attempts += r.attempts;
      probe.failures += r.failures;
      for (const ref of r.frameworkRefs) {
        if (!probe.frameworkRefs.some((p) => p.framework === ref.framework && p.control === ref.control)) {
          probe.frameworkRefs.push({ framework: ref.framework, control: ref.control });
        }
      }
    }
    attempts += runAttempts;
    failures += runFailures;
    const summary: RunSummary = {
      id: run.id,
      tool: run.tool,
      runId: run.runId,
      endpointId: run.endpointId,
      endpointName: endpointName(run.endpointId),
      startedAt: run.startedAt,
      origin: run.origin,
      resultsComplete: run.resultsComplete,
      probes: new Set(run.results.map((r) => r.probe)).size,
      attempts: runAttempts,
      failures: runFailures,
    };
    if (run.toolVersion !== undefined) summary.toolVersion = run.toolVersion;
    if (run.configSha256 !== undefined) summary.configSha256 = run.configSha256;
    if (run.target !== undefined) summary.target = run.target;
    if (run.fileSha256 !== undefined) summary.fileSha256 = run.fileSha256;
    const rate = rateOf(runFailures, runAttempts);
    if (rate) summary.successRate = rate;
    return summary;
  });
  const probeList = [...probes.values()]
    .map((p) => {
      const rate = rateOf(p.failures, p.attempts);
      return rate ? { ...p, successRate: rate } : p;
    })
    .sort(
      (a, b) =>
        b.failures - a.failures ||
        byCodeUnit(a.tool, b.tool) ||
        byNaturalOrder.compare(a.probe, b.probe) ||
        byCodeUnit(a.detector ?? a.strategy ?? '', b.detector ?? b.strategy ?? ''),
    );
  return {
    runs: summaries,
    probes: probeList,
    attempts,
    failures,
    incompleteRuns: summaries.filter((r) => !r.resultsComplete).length,
  };
}
