import type { Collection, Db } from 'mongodb';
import type { FrameworkRef } from '../../domain/finding';
import type { ProbeResult, RunOrigin, RunTotals, TestRun } from '../../domain/runs';
import { runTotals } from '../../domain/runs';
import { isDuplicateKey } from './idempotency-repo';
import { AppendLogs } from './finding-store/append-log';
import { findByIds } from './keyed-docs';

/** A run as stored, under its service id. */
interface TestRunDoc {
  _id: string;
  tenant_id: string;
  endpoint_id: string;
  tool: string;
  tool_version?: string;
  run_id: string;
  config_sha256?: string;
  target?: string;
  started_at: string;
  finished_at?: string;
  origin: RunOrigin;
  file_sha256?: string;
  import_id?: string;
  results_complete: boolean;
  results: ResultDoc[];
  /** Sums over the results, so a list reads them without the results. */
  totals: RunTotals;
  recorded_at: Date;
}

interface ResultDoc {
  probe: string;
  detector?: string;
  strategy?: string;
  attempts: number;
  failures: number;
  errors?: number;
  category?: string;
  framework_refs: FrameworkRef[];
}

/** How a save went: the run as it now stands, and whether this save created it or replaced an incomplete one. */
export interface SavedRun {
  run: TestRun;
  outcome: 'created' | 'replaced' | 'kept';
}

/** Months a scope may span: ten years, past any report period or list the API allows. */
const MAX_MONTHS = 120;

/** The key of the month log of an endpoint: `<tenant>/<endpoint>/<yyyy-mm>`. */
export function runMonthKey(tenantId: string, endpointId: string, month: string): string {
  return `${tenantId}/${endpointId}/${month}`;
}

/** The months (`yyyy-mm`) from the month of day `from` to that of day `to`, both `YYYY-MM-DD`. */
export function monthsBetween(from: string, to: string): string[] {
  let year = Number(from.slice(0, 4));
  let month = Number(from.slice(5, 7));
  const last = to.slice(0, 7);
  const months: string[] = [];
  for (;;) {
    const m = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`;
    if (m > last) break;
    if (months.length >= MAX_MONTHS) throw new Error(`a scope of runs spans at most ${MAX_MONTHS} months`);
    months.push(m);
    if (++month > 12) {
      month = 1;
      year++;
    }
  }
  return months;
}

function toDoc(r: TestRun): TestRunDoc {
  return {
    _id: r.id,
    tenant_id: r.tenantId,
    endpoint_id: r.endpointId,
    tool: r.tool,
    ...(r.toolVersion !== undefined ? { tool_version: r.toolVersion } : {}),
    run_id: r.runId,
    ...(r.configSha256 !== undefined ? { config_sha256: r.configSha256 } : {}),
    ...(r.target !== undefined ? { target: r.target } : {}),
    started_at: r.startedAt,
    ...(r.finishedAt !== undefined ? { finished_at: r.finishedAt } : {}),
    origin: r.origin,
    ...(r.fileSha256 !== undefined ? { file_sha256: r.fileSha256 } : {}),
    ...(r.importId !== undefined ? { import_id: r.importId } : {}),
    results_complete: r.resultsComplete,
    results: r.results.map((p) => ({
      probe: p.probe,
      ...(p.detector !== undefined ? { detector: p.detector } : {}),
      ...(p.strategy !== undefined ? { strategy: p.strategy } : {}),
      attempts: p.attempts,
      failures: p.failures,
      ...(p.errors !== undefined ? { errors: p.errors } : {}),
      ...(p.category !== undefined ? { category: p.category } : {}),
      framework_refs: p.frameworkRefs.map((f) => ({ framework: f.framework, control: f.control })),
    })),
    totals: runTotals(r.results),
    recorded_at: new Date(r.recordedAt),
  };
}

function fromDoc(d: TestRunDoc): TestRun {
  const results: ProbeResult[] = d.results.map((p) => ({
    probe: p.probe,
    ...(p.detector !== undefined ? { detector: p.detector } : {}),
    ...(p.strategy !== undefined ? { strategy: p.strategy } : {}),
    attempts: p.attempts,
    failures: p.failures,
    ...(p.errors !== undefined ? { errors: p.errors } : {}),
    ...(p.category !== undefined ? { category: p.category } : {}),
    frameworkRefs: p.framework_refs.map((f) => ({ framework: f.framework, control: f.control })),
  }));
  return {
    id: d._id,
    tenantId: d.tenant_id,
    endpointId: d.endpoint_id,
    tool: d.tool,
    ...(d.tool_version !== undefined ? { toolVersion: d.tool_version } : {}),
    runId: d.run_id,
    ...(d.config_sha256 !== undefined ? { configSha256: d.config_sha256 } : {}),
    ...(d.target !== undefined ? { target: d.target } : {}),
    startedAt: d.started_at,
    ...(d.finished_at !== undefined ? { finishedAt: d.finished_at } : {}),
    origin: d.origin,
    ...(d.file_sha256 !== undefined ? { fileSha256: d.file_sha256 } : {}),
    ...(d.import_id !== undefined ? { importId: d.import_id } : {}),
    resultsComplete: d.results_complete,
    results,
    recordedAt: d.recorded_at.toISOString(),
  };
}

/**
 * The register of test runs: each run one document under its service id, read by that id alone, and a log per
 * endpoint and month (`<tenant>/<endpoint>/<yyyy-mm>`, {@link AppendLogs} sets) naming the runs that started in it,
 * so a report's period is found by reading its months' logs and then each run by id: exact `_id` lookups only,
 * which FerretDB answers from its index (see keyed-docs.ts), whatever other tenants store.
 *
 * A run keeps its id however often it is saved: an import's retry, the same file imported again, or the run's
 * other garak file. The first save stores it; a later one replaces it only when it brings the complete results
 * of a run stored with incomplete ones (a garak report after its hitlog), so a run never goes back from counted
 * results to hits only.
 */
export class MongoRunsRepo {
  private readonly docs: Collection<TestRunDoc>;
  private readonly months: AppendLogs<string[]>;

  constructor(db: Db) {
    this.docs = db.collection<TestRunDoc>('test_runs');
    this.months = new AppendLogs<string[]>(db, 'test_run_months');
  }

  /** Saves a run (see the class). The month's log names it first: a save cut short between the two leaves a name
   * that reads as nothing, never a run no scope finds; saving it again completes it. */
  async save(run: TestRun): Promise<SavedRun> {
    const month = run.startedAt.slice(0, 7);
    await this.months.addToSet(runMonthKey(run.tenantId, run.endpointId, month), [run.id], (missing) => missing);
    let existing = await this.docs.findOne({ _id: run.id });
    if (!existing) {
      try {
        await this.docs.insertOne(toDoc(run));
        return { run, outcome: 'created' };
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        existing = await this.docs.findOne({ _id: run.id });
        if (!existing) throw err;
      }
    }
    if (existing.tenant_id !== run.tenantId) throw new Error(`run ${run.id} belongs to another tenant`);
    if (!existing.results_complete && run.resultsComplete) {
      // Only ever incomplete → complete: two savers racing both write a complete run of the same file or the same
      // run's report, so whichever lands last, the run is not made incomplete again.
      await this.docs.replaceOne({ _id: run.id }, toDoc(run));
      return { run, outcome: 'replaced' };
    }
    return { run: fromDoc(existing), outcome: 'kept' };
  }

  /** A run of the tenant, or undefined (another tenant's run is not found either). */
  async get(tenantId: string, id: string): Promise<TestRun | undefined> {
    const d = await this.docs.findOne({ _id: id });
    return d && d.tenant_id === tenantId ? fromDoc(d) : undefined;
  }

  /** The tenant's runs on the given endpoints that started from day `from` to day `to` (`YYYY-MM-DD`, both
   * inclusive, UTC), oldest first, ties by id. */
  async runsInScope(tenantId: string, endpointIds: string[], from: string, to: string): Promise<TestRun[]> {
    return (await this.docsInScope(tenantId, endpointIds, from, to, false)).map(fromDoc);
  }

  /** {@link runsInScope} without each run's results (`results` empty), with what they add up to: what a list
   * shows, read without the results' bytes. */
  async summariesInScope(
    tenantId: string,
    endpointIds: string[],
    from: string,
    to: string,
  ): Promise<(TestRun & { totals: RunTotals })[]> {
    const docs = await this.docsInScope(tenantId, endpointIds, from, to, true);
    return docs.map((d) => ({ ...fromDoc({ ...d, results: [] }), totals: d.totals }));
  }

  private async docsInScope(
    tenantId: string,
    endpointIds: string[],
    from: string,
    to: string,
    withoutResults: boolean,
  ): Promise<TestRunDoc[]> {
    const months = monthsBetween(from, to);
    const ids = new Set<string>();
    for (const endpointId of new Set(endpointIds)) {
      for (const month of months) {
        for (const entry of await this.months.read(runMonthKey(tenantId, endpointId, month))) {
          for (const id of entry) ids.add(id);
        }
      }
    }
    const found = await findByIds(this.docs, [...ids], 16, withoutResults ? { results: 0 } : undefined);
    const wanted = new Set(endpointIds);
    const docs: TestRunDoc[] = [];
    for (const d of found.values()) {
      const day = d.started_at.slice(0, 10);
      // A run whose start moved (its hitlog dated at the import, its report later) is named by both months.
      if (d.tenant_id !== tenantId || !wanted.has(d.endpoint_id) || day < from || day > to) continue;
      docs.push(d);
    }
    return docs.sort((a, b) =>
      a.started_at < b.started_at ? -1 : a.started_at > b.started_at ? 1 : a._id < b._id ? -1 : a._id > b._id ? 1 : 0,
    );
  }
}
