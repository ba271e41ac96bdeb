/**
 * Benchmark of the report model step: how long building the model takes (normalise, expand through the
 * crosswalk, merge, coverage) and how long the whole step takes including reading the findings out of the
 * database, at 1k, 10k and 100k findings in scope. The database part is what collectFindings asks of the
 * repository: the findings in scope from their digest pages, then the evidence of each row's latest finding.
 * Prints medians, maxima and peak RSS, and checks the model built from the database equals the one built from
 * the findings as generated (test/fixtures/generators/scanner-findings.ts, in the shapes it describes); run it
 * through scripts/bench-model.sh, which starts a database of its own. Why the model is built as it is, with what
 * this measured: bench/report-model-tuning.md.
 */
import { loadavg } from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import { MongoClient } from 'mongodb';
import { latestOfEachRow } from '../activities/report-activities';
import { FRAMEWORK_SLUGS } from '../src/domain/frameworks';
import type { Finding } from '../src/domain/finding';
import { evidenceDigest } from '../src/domain/evidence/population';
import { buildReportModel } from '../src/domain/report-model';
import { SEVERITIES } from '../src/domain/severity';
import { ensureIndexes } from '../src/infra/mongo/database';
import { DAY_PAGES } from '../src/infra/mongo/finding-store/layout';
import { MongoFindingsRepo } from '../src/infra/mongo/findings-repo';
import { insertFindings } from '../src/infra/mongo/tenant-admin';
import { ENDPOINTS, SHAPES, TENANT, makeFindings, type Shape } from '../test/fixtures/generators/scanner-findings';
import { elapsedMs, stats } from './lib/measure';

/** Findings in scope per round; BENCH_SIZES (comma-separated) picks others. */
const SIZES = (process.env.BENCH_SIZES ?? '1000,10000,100000').split(',').map(Number);
const MODEL_RUNS = 7;
const DB_RUNS = 5;

/** The shapes to run; BENCH_SHAPES (comma-separated) picks some. */
const SHAPE_LIST = (process.env.BENCH_SHAPES ?? SHAPES.join(',')).split(',').map((name) => {
  if (!(SHAPES as readonly string[]).includes(name))
    throw new Error(`BENCH_SHAPES: ${name} is not one of ${SHAPES.join(', ')}`);
  return name as Shape;
});

const request = {
  id: 'rpt_2026_benchreport0001',
  tenantId: TENANT,
  tenantName: 'Bench Corp',
  title: 'Benchmark',
  format: 'json' as const,
  frameworks: [...FRAMEWORK_SLUGS],
  scope: { endpointIds: ENDPOINTS, from: '2026-04-01', to: '2026-06-30', includeSeverities: [...SEVERITIES] },
  requestedAt: '2026-07-01T00:00:00.000Z',
};
const endpoints = ENDPOINTS.map((id) => ({ id, tenantId: TENANT, name: id, description: '' }));

/** The model of the findings, with their evidence digests given as the pipeline gives them (collection digests
 * the stored evidence), so that findings read back with only each row's evidence build the same model. */
export function build(findings: Finding[], evidenceDigests?: Record<string, string>) {
  return buildReportModel({
    report: request,
    findings,
    endpoints,
    generatedAt: '2026-07-01T00:00:00.000Z',
    evidenceDigests,
  });
}

const ms = elapsedMs;
const mb = (kb: number): string => `${(kb / 1024).toFixed(0)} MB`;

async function main(): Promise<void> {
  const url = process.env.MONGO_URL;
  const modelOnly = process.env.BENCH_MODEL_ONLY === '1';
  if (!url && !modelOnly) throw new Error('MONGO_URL is not set: run scripts/bench-model.sh');
  const client = new MongoClient(url ?? 'mongodb://unused');
  if (!modelOnly) await client.connect();
  const lines: string[] = [];
  try {
    for (const [shape, n] of SHAPE_LIST.flatMap((sh) => SIZES.map((size) => [sh, size] as const))) {
      const findings = makeFindings(n, shape);
      const digests = Object.fromEntries(findings.map((f) => [f.id, evidenceDigest(f.evidence)]));
      const modelTimes: number[] = [];
      let rows = 0;
      for (let i = 0; i < MODEL_RUNS; i++) {
        const start = process.hrtime.bigint();
        rows = build(findings, digests).rows.length;
        modelTimes.push(ms(start));
      }

      const model = stats(modelTimes);
      if (modelOnly) {
        lines.push(
          `${shape.padEnd(7)} ${String(n).padStart(7)} findings, ${String(rows).padStart(6)} rows | model median ${model.median.toFixed(0)} ms, max ${model.max.toFixed(0)} ms | machine load ${loadavg()[0].toFixed(1)} | peak RSS so far ${mb(process.resourceUsage().maxRSS)}`,
        );
        process.stdout.write(`${lines[lines.length - 1]}\n`);
        continue;
      }
      const db = client.db(`bench_${shape}_${n}`);
      await db.dropDatabase();
      await ensureIndexes(db);
      const loadStart = process.hrtime.bigint();
      for (let i = 0; i < findings.length; i += 5_000) await insertFindings(db, findings.slice(i, i + 5_000));
      const loadMs = ms(loadStart);
      const pages = await db.collection(DAY_PAGES).countDocuments();
      const repo = new MongoFindingsRepo(db);
      const queryTimes: number[] = [];
      const stepTimes: number[] = [];
      let fetched: Finding[] = [];
      for (let i = 0; i < DB_RUNS; i++) {
        const start = process.hrtime.bigint();
        const inScope = await repo.findInScope(TENANT, request.scope);
        const evidence = await inScope.evidence(latestOfEachRow(inScope.findings));
        queryTimes.push(ms(start));
        fetched = inScope.findings.map((f) => ({ ...f, evidence: evidence.get(f.id) ?? { prompt: '', response: '' } }));
        if (fetched.length !== n) throw new Error(`expected ${n} findings in scope, read ${fetched.length}`);
        build(fetched, digests);
        stepTimes.push(ms(start));
      }
      await db.dropDatabase();
      if (!isDeepStrictEqual(build(fetched, digests), build(findings, digests))) {
        throw new Error(`the model built from the database differs from the one built from the findings (${n})`);
      }

      const query = stats(queryTimes);
      const step = stats(stepTimes);
      lines.push(
        `${shape.padEnd(7)} ${String(n).padStart(7)} findings, ${String(rows).padStart(6)} rows | model median ${model.median.toFixed(0)} ms, max ${model.max.toFixed(0)} ms | ` +
          `whole step median ${step.median.toFixed(0)} ms, max ${step.max.toFixed(0)} ms (database part median ${query.median.toFixed(0)} ms) | ` +
          `load ${(loadMs / 1000).toFixed(1)} s into ${pages} pages | machine load ${loadavg()[0].toFixed(1)} | peak RSS so far ${mb(process.resourceUsage().maxRSS)}`,
      );
      process.stdout.write(`${lines[lines.length - 1]}\n`);
    }
  } finally {
    if (!modelOnly) await client.close();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
