/**
 * Benchmark of importing a large garak report.jsonl: how fast the file is parsed with no database (attempts/s and
 * MB/s, held to the target of 20,000 attempts/s), how fast a whole import into a fresh database runs
 * (importScannerFile: hash, check pass, store pass, with the database writes timed apart, since they are the
 * database's speed rather than the importer's), and the peak RSS of each, which shows whether the import streams.
 *
 * The report is generated first, deterministically (seeded PRNG), in garak 0.14's shape, by
 * test/fixtures/generators/garak-report.ts, whose header describes it.
 *
 * Each measurement runs in a child process of its own (this file run again with a phase name), so that one
 * phase's peak RSS (process.resourceUsage().maxRSS) cannot hide another's and each starts cold, as an import
 * does. Phases: `baseline` (modules loaded, nothing read: the RSS floor), `lines` (read and split into lines,
 * UTF-8 decoded), `json` (and JSON.parse of each line), `parse` (readLines + GarakReader, which is the import's
 * check pass) and `import` (importScannerFile through MongoFindingsRepo.store into a database of its own, then
 * the same file again). Parse phases take turns run by run, so a change in the machine's load hits all of them.
 *
 * Then the job path (bench/lib/import-job.ts): the import phase's file uploaded as a pipeline does it, `POST
 * /api/v2/findings/imports?endpoint_id=…&wait=…`, through the built API server and worker started as processes
 * (one of each), with the upload, the answer, the job end to end, its staging, queue wait and run timed, and the
 * peak RSS of each process during the job (its VmHWM, reset to its RSS right before the upload), held to the
 * target by what the job added to it (the worker rests at about twice the target with its PDF renderer loaded,
 * which is not the import's); then the same file again.
 *
 * Checks: every parse finds exactly the attempts and findings generated; every import stores exactly the
 * findings generated (its result and a count of the collection), and the second import creates none; every job
 * succeeds with exactly the findings generated, all created (and counted in the database), and the same file
 * again creates none. A failed check exits 1; a missed throughput or memory target is reported, not failed.
 * Prints a table, then a one-line JSON summary; run it through scripts/bench-import.sh, which starts and stops a
 * stack of its own.
 *
 * Environment: MONGO_URL (required unless BENCH_IMPORT_PARSE_ONLY=1); TEMPORAL_ADDRESS (required for the job
 * path); BENCH_IMPORT_MB (100), the report's size in MB of 10^6 bytes; BENCH_IMPORT_DB_MB (default
 * BENCH_IMPORT_MB), the size of the report the import phase and the job path use; BENCH_IMPORT_RUNS (5) runs of
 * each parse phase; BENCH_IMPORT_DB_RUNS (3) imports; BENCH_IMPORT_JOB_RUNS (1) uploads through the job path, each
 * into a tenant of its own, 0 for none; BENCH_IMPORT_JOB_WAIT (300), the `wait` of the upload's POST in seconds
 * (0 answers as soon as the upload is staged); BENCH_IMPORT_SEED (2026); BENCH_IMPORT_NODE_ARGS, extra Node options
 * for the child processes, the API server and the worker (e.g. `--cpu-prof --cpu-prof-dir=.data/prof`). The artifact
 * store's variables (ARTIFACT_STORE, default fs under the run's folder; S3_*) pass through to the API server and
 * worker. To profile one phase by hand: `node dist/bench/import.bench.js generate <file> <MB>`, then `node
 * --cpu-prof dist/bench/import.bench.js parse <file>`.
 */
import { spawn } from 'node:child_process';
import { createReadStream, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { GarakReader } from '../src/domain/importers/garak';
import { readLines } from '../src/infra/import/line-reader';
import { fileSource } from '../src/infra/import/byte-source';
import { importScannerFile, MAX_LINE_BYTES } from '../src/infra/import/scanner-import';
import { ensureIndexes } from '../src/infra/mongo/database';
import { MongoFindingsRepo } from '../src/infra/mongo/findings-repo';
import { generateGarakReport, type GeneratedReport } from '../test/fixtures/generators/garak-report';
import { runJobPath, type JobRun, type ProcessUse } from './lib/import-job';
import { elapsedMs, stats } from './lib/measure';

// Compiled to dist/bench, two levels below the repository root.
const REPO_ROOT = path.resolve(__dirname, '..', '..');
const FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'scanners', 'garak-0.14-report.jsonl');
const WORK_ROOT = path.join(REPO_ROOT, '.data', 'bench-import');

const MB = 1e6;
const TARGET_ATTEMPTS_PER_SECOND = 20_000;
/** Peak RSS an import may reach at 100 MB: what a phase process reaches, and what the job adds to the API server
 * and to the worker on the job path. */
const TARGET_PEAK_RSS_MIB = 150;
const TENANT = 'tnt_2026_benchimport00001';
const ENDPOINT = 'ep_2026_benchimport000001';

const env = process.env;
const SIZE_MB = Number(env.BENCH_IMPORT_MB ?? 100);
const DB_SIZE_MB = Number(env.BENCH_IMPORT_DB_MB ?? SIZE_MB);
const RUNS = Number(env.BENCH_IMPORT_RUNS ?? 5);
const DB_RUNS = Number(env.BENCH_IMPORT_DB_RUNS ?? 3);
const JOB_RUNS = Number(env.BENCH_IMPORT_JOB_RUNS ?? 1);
const JOB_WAIT = Number(env.BENCH_IMPORT_JOB_WAIT ?? 300);
const SEED = Number(env.BENCH_IMPORT_SEED ?? 2026);
const NODE_ARGS = (env.BENCH_IMPORT_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');

/** What a phase's child process reports. */
interface PhaseResult {
  ms: number;
  /** CPU time (user + system) of the child over the same span: on a shared machine, wall time also counts the
   * time other processes held the CPU. */
  cpuMs: number;
  lines: number;
  attempts: number;
  findings: number;
  /** Peak resident set size of the child, in KiB. */
  maxRssKb: number;
}

interface ImportPhaseResult extends PhaseResult {
  /** From the start to the end of the check pass: size, format, SHA-256 of the file, then the check pass. */
  hashAndCheckMs: number;
  storePassMs: number;
  /** Time spent inside the store function (the database writes) during the store pass. */
  dbMs: number;
  created: number;
  duplicates: number;
  storedInDb: number;
  again: { ms: number; created: number; duplicates: number };
  /** Peak RSS after the second import; `maxRssKb` is the peak after the first. */
  maxRssAfterAgainKb: number;
}

const cpuMsSince = (start: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};

function fileChunks(file: string): AsyncIterable<Buffer> {
  // The import reads with the same chunk size.
  return createReadStream(file, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>;
}

async function linesPhase(file: string, withJson: boolean): Promise<PhaseResult> {
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  let lines = 0;
  let objects = 0;
  for await (const { text } of readLines(fileChunks(file), MAX_LINE_BYTES)) {
    lines++;
    // Counting the parsed values keeps the parse from looking unused.
    if (withJson && typeof JSON.parse(text) === 'object') objects++;
  }
  const ms = elapsedMs(start);
  const cpuMs = cpuMsSince(cpu);
  if (withJson && objects !== lines) throw new Error(`${lines - objects} lines are not JSON objects`);
  return { ms, cpuMs, lines, attempts: 0, findings: 0, maxRssKb: process.resourceUsage().maxRSS };
}

async function parsePhase(file: string): Promise<PhaseResult> {
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const reader = new GarakReader({ format: 'garak-report' });
  let lines = 0;
  let findings = 0;
  // As the import's check pass reads it: status-1 attempt copies are passed over undecoded.
  for await (const { text, lineNo } of readLines(fileChunks(file), MAX_LINE_BYTES, GarakReader.passesOver)) {
    lines = lineNo;
    findings += reader.line(text, lineNo).length;
  }
  const facts = reader.end();
  const ms = elapsedMs(start);
  const cpuMs = cpuMsSince(cpu);
  if (facts.findings !== findings) {
    throw new Error(`the reader counted ${facts.findings} findings, returned ${findings}`);
  }
  return { ms, cpuMs, lines, attempts: facts.itemsRead, findings, maxRssKb: process.resourceUsage().maxRSS };
}

async function importPhase(file: string, dbName: string): Promise<ImportPhaseResult> {
  const url = env.MONGO_URL;
  if (!url) throw new Error('MONGO_URL is not set: run scripts/bench-import.sh');
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 5_000 });
  await client.connect();
  try {
    const db = client.db(dbName);
    await db.dropDatabase();
    await ensureIndexes(db);
    const repo = new MongoFindingsRepo(db);
    let dbNs = 0n;
    const store = async (batch: Parameters<MongoFindingsRepo['store']>[0]) => {
      const t0 = process.hrtime.bigint();
      const stored = await repo.store(batch, new Date());
      dbNs += process.hrtime.bigint() - t0;
      return stored;
    };
    const opts = { tenantId: TENANT, endpointId: ENDPOINT };

    const start = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    let checkedAt = start;
    const result = await importScannerFile(
      await fileSource(file),
      { store },
      {
        ...opts,
        // The last progress report of the check pass comes right after it ends, before the store pass begins.
        onProgress: (p) => {
          if (p.phase === 'checking') checkedAt = process.hrtime.bigint();
        },
      },
    );
    const end = process.hrtime.bigint();
    const cpuMs = cpuMsSince(cpu);
    const maxRssKb = process.resourceUsage().maxRSS;
    const dbMs = Number(dbNs) / 1e6;
    const storedInDb = await repo.countStored(TENANT);

    const againStart = process.hrtime.bigint();
    const again = await importScannerFile(
      await fileSource(file),
      { store: (batch) => repo.store(batch, new Date()) },
      opts,
    );
    const againMs = elapsedMs(againStart);
    const maxRssAfterAgainKb = process.resourceUsage().maxRSS;
    await db.dropDatabase();

    return {
      ms: Number(end - start) / 1e6,
      cpuMs,
      lines: 0,
      attempts: result.itemsRead,
      findings: result.findings,
      maxRssKb,
      hashAndCheckMs: Number(checkedAt - start) / 1e6,
      storePassMs: Number(end - checkedAt) / 1e6,
      dbMs,
      created: result.created,
      duplicates: result.duplicates,
      storedInDb,
      again: { ms: againMs, created: again.created, duplicates: again.duplicates },
      maxRssAfterAgainKb,
    };
  } finally {
    await client.close();
  }
}

/** Runs this file again as a child process for one phase and returns what it printed. */
function runChild<T>(phase: string, args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...NODE_ARGS, __filename, phase, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`the ${phase} phase exited with ${code}`));
      const last = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(last) as T);
      } catch {
        reject(new Error(`the ${phase} phase printed no result: ${JSON.stringify(out.slice(-500))}`));
      }
    });
  });
}

const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
const fmtS = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const fmtMb = (kb: number): string => `${(kb / 1024).toFixed(0)} MiB`;
const fmtLoad = (l: number[]): string => l.map((x) => x.toFixed(2)).join(' ');

interface Row {
  label: string;
  runs: number;
  times: number[];
  /** CPU time of the child process per run, where measured. */
  cpuTimes?: number[];
  /** What a rate counts, and how many of them the phase handled. */
  count?: { what: string; n: number };
  bytes?: number;
  rssKb?: number;
  note?: string;
}

function printTable(rows: Row[]): void {
  const header = `${'phase'.padEnd(36)} ${'runs'.padStart(4)} ${'median'.padStart(9)} ${'max'.padStart(9)}  ${'rate at median (at max)'.padEnd(38)} ${'MB/s'.padStart(6)} ${'CPU s'.padStart(6)} ${'per CPU-s'.padStart(10)} ${'peak RSS'.padStart(9)}`;
  const out = [header, '-'.repeat(header.length)];
  for (const r of rows) {
    if (r.times.length === 0) {
      out.push(
        `${r.label.padEnd(36)} ${''.padStart(4 + 9 + 9 + 2 + 2)} ${''.padEnd(38)} ${''.padStart(6 + 1 + 6 + 1 + 10)} ${(r.rssKb ? fmtMb(r.rssKb) : '').padStart(9)}${r.note ? `  ${r.note}` : ''}`,
      );
      continue;
    }
    const s = stats(r.times);
    const rate = r.count
      ? `${fmtInt((r.count.n / s.median) * 1000)} (${fmtInt((r.count.n / s.max) * 1000)}) ${r.count.what}/s`
      : '';
    const mbs = r.bytes ? (r.bytes / MB / (s.median / 1000)).toFixed(0) : '';
    const cpu = r.cpuTimes ? stats(r.cpuTimes).median : undefined;
    const cpuS = cpu === undefined ? '' : (cpu / 1000).toFixed(2);
    const perCpu = cpu === undefined || !r.count ? '' : fmtInt((r.count.n / cpu) * 1000);
    out.push(
      `${r.label.padEnd(36)} ${String(r.runs).padStart(4)} ${fmtS(s.median).padStart(9)} ${fmtS(s.max).padStart(9)}  ${rate.padEnd(38)} ${mbs.padStart(6)} ${cpuS.padStart(6)} ${perCpu.padStart(10)} ${(r.rssKb ? fmtMb(r.rssKb) : '').padStart(9)}${r.note ? `  ${r.note}` : ''}`,
    );
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

const rssMet = (kb: number): boolean => kb / 1024 <= TARGET_PEAK_RSS_MIB;

/** A job-path process's peak RSS row: its peak over the uploads and where it started from (before the first run).
 * The target is held to what the job added to the process: the API server and the worker are the whole service
 * (the worker also renders PDFs, its Chromium libraries and workflow bundle loaded at start), so their resting
 * size is not the import's. */
function processRow(label: string, uses: ProcessUse[]): Row {
  const peak = Math.max(...uses.map((u) => u.peakAfterAgainKb));
  const u = uses[0];
  const added = peak - u.startKb;
  const children =
    u.children.count > 0 ? `; its ${u.children.count} child processes peaked at ${fmtMb(u.children.peakKb)} more` : '';
  return {
    label,
    runs: uses.length,
    times: [],
    rssKb: peak,
    note:
      `the job added ${fmtMb(added)}, target ≤ ${TARGET_PEAK_RSS_MIB} MiB: ${rssMet(added) ? 'met' : 'NOT met'} ` +
      `(first upload ${fmtMb(Math.max(...uses.map((x) => x.peakKb)))}, ` +
      `RSS at job start ${fmtMb(u.startKb)}, ` +
      (u.reset ? `peak since process start ${fmtMb(u.lifetimePeakKb)}` : 'peak NOT reset: includes start-up') +
      `${children})`,
  };
}

/** The table's rows of the job path. */
function jobRows(jobs: JobRun[], report: GeneratedReport): Row[] {
  const runs = jobs.length;
  const attempts = { what: 'attempts', n: report.attempts };
  const times = (f: (j: JobRun) => number): number[] => jobs.map(f);
  const statuses = [...new Set(jobs.map((j) => j.first.status))].join(', ');
  const retried = Math.max(...jobs.map((j) => j.first.runAttempts));
  return [
    {
      label: `job: POST &wait=${JOB_WAIT} until answer`,
      runs,
      times: times((j) => j.first.postMs),
      count: attempts,
      bytes: report.bytes,
      note: `answered ${statuses}`,
    },
    {
      label: '  upload sent (body written)',
      runs,
      times: times((j) => j.first.sentMs),
      // The API server's CPU over the whole job, which is its staging of the upload.
      cpuTimes: times((j) => j.api.cpuMs),
      bytes: report.bytes,
      note: 'CPU: the API server over the job',
    },
    {
      label: 'job: end to end (upload → succeeded)',
      runs,
      times: times((j) => j.first.endToEndMs),
      count: attempts,
      bytes: report.bytes,
    },
    {
      label: '  created → started (job times)',
      runs,
      times: times((j) => j.first.createdToStartedMs),
      note: 'the upload staged, then the queue',
    },
    {
      label: '    of which staged (→ wf start)',
      runs,
      times: times((j) => j.first.stagedMs),
      bytes: report.bytes,
      note: 'from the workflow history',
    },
    {
      label: '    of which queue (→ runImport)',
      runs,
      times: times((j) => j.first.queueWaitMs),
      note:
        `workflow start → a worker took runImport: workflow task ${fmtS(stats(times((j) => j.first.workflowTaskMs)).median)}, ` +
        `then the import queue ${fmtS(stats(times((j) => j.first.queueWaitMs - j.first.workflowTaskMs)).median)} (medians)`,
    },
    {
      label: '  run (started → finished)',
      runs,
      times: times((j) => j.first.runMs),
      cpuTimes: times((j) => j.worker.cpuMs),
      count: attempts,
      bytes: report.bytes,
      note: `CPU: the worker over the job; runImport ${retried > 1 ? `took up to ${retried} attempts` : 'ran once'}`,
    },
    {
      label: 'job: same file again, end to end',
      runs,
      times: times((j) => j.again.endToEndMs),
      count: attempts,
      bytes: report.bytes,
      note: `answered ${[...new Set(jobs.map((j) => j.again.status))].join(', ')}`,
    },
    processRow(
      'job: API server peak RSS in job',
      jobs.map((j) => j.api),
    ),
    processRow(
      'job: worker peak RSS in job',
      jobs.map((j) => j.worker),
    ),
  ];
}

/** The job path in the JSON summary. */
function jobSummary(jobs: JobRun[], report: GeneratedReport) {
  const median = (f: (j: JobRun) => number): number => Math.round(stats(jobs.map(f)).median);
  const perSecond = (ms: number): number => Math.round((report.attempts / ms) * 1000);
  const endToEnd = stats(jobs.map((j) => j.first.endToEndMs));
  const figures = (u: (j: JobRun) => ProcessUse) => {
    const uses = jobs.map(u);
    const peak = Math.max(...uses.map((x) => x.peakAfterAgainKb));
    return {
      peakRssMiB: Math.round(peak / 1024),
      firstUploadPeakRssMiB: Math.round(Math.max(...uses.map((x) => x.peakKb)) / 1024),
      startRssMiB: Math.round(uses[0].startKb / 1024),
      sinceStartPeakRssMiB: Math.round(uses[0].lifetimePeakKb / 1024),
      peakReset: uses.every((x) => x.reset),
      cpuMs: Math.round(stats(uses.map((x) => x.cpuMs)).median),
      childProcesses: uses[0].children.count,
      addedRssMiB: Math.round((peak - uses[0].startKb) / 1024),
      targetMet: rssMet(peak - uses[0].startKb),
    };
  };
  const api = figures((j) => j.api);
  const worker = figures((j) => j.worker);
  return {
    runs: jobs.length,
    waitSeconds: JOB_WAIT,
    fileMB: Number((report.bytes / MB).toFixed(1)),
    findings: report.findings,
    answers: jobs.map((j) => j.first.status),
    postMedianMs: median((j) => j.first.postMs),
    uploadSentMedianMs: median((j) => j.first.sentMs),
    endToEndMedianMs: Math.round(endToEnd.median),
    endToEndMaxMs: Math.round(endToEnd.max),
    endToEndAttemptsPerSecond: perSecond(endToEnd.median),
    createdToStartedMedianMs: median((j) => j.first.createdToStartedMs),
    stagedMedianMs: median((j) => j.first.stagedMs),
    queueWaitMedianMs: median((j) => j.first.queueWaitMs),
    workflowTaskMedianMs: median((j) => j.first.workflowTaskMs),
    runMedianMs: median((j) => j.first.runMs),
    runAttemptsPerSecond: perSecond(median((j) => j.first.runMs)),
    runImportAttempts: Math.max(...jobs.map((j) => j.first.runAttempts)),
    reimportAnswers: jobs.map((j) => j.again.status),
    reimportEndToEndMedianMs: median((j) => j.again.endToEndMs),
    api,
    worker,
    peakRssTargetMiB: TARGET_PEAK_RSS_MIB,
    peakRssTargetMet: api.targetMet && worker.targetMet,
  };
}

async function main(): Promise<void> {
  const parseOnly = env.BENCH_IMPORT_PARSE_ONLY === '1';
  if (!parseOnly && !env.MONGO_URL) throw new Error('MONGO_URL is not set: run scripts/bench-import.sh');
  if (!parseOnly && JOB_RUNS > 0 && !env.TEMPORAL_ADDRESS) {
    throw new Error('TEMPORAL_ADDRESS is not set (the job path needs it): run scripts/bench-import.sh');
  }
  if (!(SIZE_MB > 0) || !(DB_SIZE_MB > 0) || !(RUNS >= 1) || !(DB_RUNS >= 1)) {
    throw new Error('BENCH_IMPORT_MB and BENCH_IMPORT_DB_MB must be positive, BENCH_IMPORT_RUNS and _DB_RUNS ≥ 1');
  }
  if (!Number.isInteger(JOB_RUNS) || JOB_RUNS < 0 || !Number.isInteger(JOB_WAIT) || JOB_WAIT < 0 || JOB_WAIT > 300) {
    throw new Error('BENCH_IMPORT_JOB_RUNS must be a whole number ≥ 0, BENCH_IMPORT_JOB_WAIT one from 0 to 300');
  }
  const loadBefore = os.loadavg();
  process.stdout.write(`load average before: ${fmtLoad(loadBefore)} (${os.cpus().length} CPUs)\n`);
  await fs.mkdir(WORK_ROOT, { recursive: true });
  const dir = await fs.mkdtemp(path.join(WORK_ROOT, 'run-'));
  const failures: string[] = [];
  try {
    const file = path.join(dir, 'report.jsonl');
    let start = process.hrtime.bigint();
    const report = generateGarakReport(file, SIZE_MB, SEED, FIXTURE);
    process.stdout.write(
      `generated ${(report.bytes / MB).toFixed(1)} MB in ${fmtS(elapsedMs(start))}: ${fmtInt(report.lines)} lines, ` +
        `${fmtInt(report.attempts)} attempts (${fmtInt(report.attemptEntries)} attempt entries, ` +
        `${fmtInt(report.bytes / report.attempts)} bytes per attempt), ${fmtInt(report.hitAttempts)} hit attempts ` +
        `(${((report.hitAttempts / report.attempts) * 100).toFixed(1)}%), ${fmtInt(report.findings)} findings expected\n`,
    );
    let dbFile = file;
    let dbReport = report;
    if (!parseOnly && DB_SIZE_MB !== SIZE_MB) {
      dbFile = path.join(dir, 'report-db.jsonl');
      start = process.hrtime.bigint();
      dbReport = generateGarakReport(dbFile, DB_SIZE_MB, SEED, FIXTURE);
      process.stdout.write(
        `generated ${(dbReport.bytes / MB).toFixed(1)} MB for the import phase in ${fmtS(elapsedMs(start))}: ` +
          `${fmtInt(dbReport.attempts)} attempts, ${fmtInt(dbReport.findings)} findings expected\n`,
      );
    }

    const baseline = await runChild<PhaseResult>('baseline', []);
    const lines: PhaseResult[] = [];
    const json: PhaseResult[] = [];
    const parse: PhaseResult[] = [];
    for (let i = 0; i < RUNS; i++) {
      lines.push(await runChild<PhaseResult>('lines', [file]));
      json.push(await runChild<PhaseResult>('json', [file]));
      parse.push(await runChild<PhaseResult>('parse', [file]));
      process.stdout.write(
        `parse run ${i + 1}/${RUNS}: lines ${fmtS(lines[i].ms)}, json ${fmtS(json[i].ms)}, parse ${fmtS(parse[i].ms)} ` +
          `(load ${fmtLoad(os.loadavg())})\n`,
      );
    }
    for (const [i, r] of [...lines, ...json, ...parse].entries()) {
      if (r.lines !== report.lines) failures.push(`run ${i}: read ${r.lines} lines, generated ${report.lines}`);
    }
    for (const [i, r] of parse.entries()) {
      if (r.attempts !== report.attempts || r.findings !== report.findings) {
        failures.push(
          `parse run ${i + 1}: ${r.attempts} attempts and ${r.findings} findings, generated ${report.attempts} and ${report.findings}`,
        );
      }
    }
    const loadAfterParse = os.loadavg();

    const imports: ImportPhaseResult[] = [];
    if (!parseOnly) {
      for (let i = 0; i < DB_RUNS; i++) {
        const r = await runChild<ImportPhaseResult>('import', [dbFile, `bench_import_${i}`]);
        imports.push(r);
        process.stdout.write(
          `import run ${i + 1}/${DB_RUNS}: ${fmtS(r.ms)} (hash + check ${fmtS(r.hashAndCheckMs)}, store pass ` +
            `${fmtS(r.storePassMs)}, of which database ${fmtS(r.dbMs)}); again ${fmtS(r.again.ms)} ` +
            `(load ${fmtLoad(os.loadavg())})\n`,
        );
        const expect = dbReport.findings;
        if (r.created !== expect || r.duplicates !== 0 || r.storedInDb !== expect || r.attempts !== dbReport.attempts) {
          failures.push(
            `import run ${i + 1}: created ${r.created}, duplicates ${r.duplicates}, ${r.storedInDb} in the database, ` +
              `${r.attempts} attempts; generated ${expect} findings in ${dbReport.attempts} attempts`,
          );
        }
        if (r.again.created !== 0 || r.again.duplicates !== expect) {
          failures.push(
            `import run ${i + 1}: the second import created ${r.again.created} (duplicates ${r.again.duplicates}); expected 0 (${expect})`,
          );
        }
      }
    }
    const loadAfterImports = os.loadavg();

    let jobs: JobRun[] = [];
    if (!parseOnly && JOB_RUNS > 0) {
      const jobPath = await runJobPath({
        file: dbFile,
        expect: { attempts: dbReport.attempts, findings: dbReport.findings },
        runs: JOB_RUNS,
        waitSeconds: JOB_WAIT,
        mongoUrl: env.MONGO_URL ?? '',
        temporalAddress: env.TEMPORAL_ADDRESS ?? '',
        dataDir: path.join(dir, 'service-data'),
        nodeArgs: NODE_ARGS,
        log: (line) => process.stdout.write(`${line} (load ${fmtLoad(os.loadavg())})\n`),
      });
      jobs = jobPath.runs;
      failures.push(...jobPath.failures);
    }
    const loadAfter = os.loadavg();

    const maxRss = (rs: PhaseResult[]): number => Math.max(...rs.map((r) => r.maxRssKb));
    const attempts = { what: 'attempts', n: report.attempts };
    const parseStats = stats(parse.map((r) => r.ms));
    const parseRate = (report.attempts / parseStats.median) * 1000;
    const rows: Row[] = [
      { label: 'baseline (modules loaded, no read)', runs: 1, times: [], rssKb: baseline.maxRssKb },
      {
        label: 'lines (read, split, UTF-8 decode)',
        runs: RUNS,
        times: lines.map((r) => r.ms),
        cpuTimes: lines.map((r) => r.cpuMs),
        count: attempts,
        bytes: report.bytes,
        rssKb: maxRss(lines),
      },
      {
        label: 'lines + JSON.parse',
        runs: RUNS,
        times: json.map((r) => r.ms),
        cpuTimes: json.map((r) => r.cpuMs),
        count: attempts,
        bytes: report.bytes,
        rssKb: maxRss(json),
      },
      {
        label: 'parse: lines + GarakReader',
        runs: RUNS,
        times: parse.map((r) => r.ms),
        cpuTimes: parse.map((r) => r.cpuMs),
        count: attempts,
        bytes: report.bytes,
        rssKb: maxRss(parse),
        note: `target ≥ ${fmtInt(TARGET_ATTEMPTS_PER_SECOND)}/s: ${parseRate >= TARGET_ATTEMPTS_PER_SECOND ? 'met' : 'NOT met'}`,
      },
    ];
    if (imports.length > 0) {
      const dbAttempts = { what: 'attempts', n: dbReport.attempts };
      const dbFindings = { what: 'findings', n: dbReport.findings };
      rows.push(
        {
          label: 'import, whole (end to end)',
          runs: DB_RUNS,
          times: imports.map((r) => r.ms),
          cpuTimes: imports.map((r) => r.cpuMs),
          count: dbAttempts,
          bytes: dbReport.bytes,
          rssKb: maxRss(imports),
        },
        {
          label: '  size, hash and check pass',
          runs: DB_RUNS,
          times: imports.map((r) => r.hashAndCheckMs),
          count: dbAttempts,
          bytes: dbReport.bytes,
        },
        {
          label: '  store pass',
          runs: DB_RUNS,
          times: imports.map((r) => r.storePassMs),
          count: dbFindings,
          bytes: dbReport.bytes,
        },
        { label: '    of which database writes', runs: DB_RUNS, times: imports.map((r) => r.dbMs), count: dbFindings },
        {
          label: '    of which read, parse, map',
          runs: DB_RUNS,
          times: imports.map((r) => r.storePassMs - r.dbMs),
          count: dbAttempts,
          bytes: dbReport.bytes,
        },
        {
          label: 're-import (all duplicates)',
          runs: DB_RUNS,
          times: imports.map((r) => r.again.ms),
          count: dbAttempts,
          rssKb: Math.max(...imports.map((r) => r.maxRssAfterAgainKb)),
        },
      );
    }
    if (jobs.length > 0) rows.push(...jobRows(jobs, dbReport));
    process.stdout.write('\n');
    printTable(rows);
    process.stdout.write(
      `\nfile ${(report.bytes / MB).toFixed(1)} MB, ${fmtInt(report.attempts)} attempts; ` +
        (imports.length > 0
          ? `import phase file ${(dbReport.bytes / MB).toFixed(1)} MB, ${fmtInt(dbReport.findings)} findings; `
          : '') +
        `load average before ${fmtLoad(loadBefore)}, after parse phases ${fmtLoad(loadAfterParse)}, ` +
        (jobs.length > 0 ? `after imports ${fmtLoad(loadAfterImports)}, ` : '') +
        `after ${fmtLoad(loadAfter)}\n`,
    );

    const importStats = stats(imports.map((r) => r.ms));
    const dbStats = stats(imports.map((r) => r.dbMs));
    const storeStats = stats(imports.map((r) => r.storePassMs));
    const summary = {
      bench: 'import',
      fileMB: Number((report.bytes / MB).toFixed(1)),
      attempts: report.attempts,
      findings: report.findings,
      bytesPerAttempt: Math.round(report.bytes / report.attempts),
      parse: {
        runs: RUNS,
        medianMs: Math.round(parseStats.median),
        maxMs: Math.round(parseStats.max),
        attemptsPerSecond: Math.round(parseRate),
        attemptsPerSecondAtMax: Math.round((report.attempts / parseStats.max) * 1000),
        attemptsPerCpuSecond: Math.round((report.attempts / stats(parse.map((r) => r.cpuMs)).median) * 1000),
        mbPerSecond: Number((report.bytes / MB / (parseStats.median / 1000)).toFixed(1)),
        peakRssMiB: Math.round(maxRss(parse) / 1024),
        targetMet: parseRate >= TARGET_ATTEMPTS_PER_SECOND,
      },
      ...(imports.length > 0
        ? {
            import: {
              runs: DB_RUNS,
              fileMB: Number((dbReport.bytes / MB).toFixed(1)),
              findings: dbReport.findings,
              medianMs: Math.round(importStats.median),
              maxMs: Math.round(importStats.max),
              attemptsPerSecond: Math.round((dbReport.attempts / importStats.median) * 1000),
              storePassFindingsPerSecond: Math.round((dbReport.findings / storeStats.median) * 1000),
              dbWriteFindingsPerSecond: Math.round((dbReport.findings / dbStats.median) * 1000),
              reimportMedianMs: Math.round(stats(imports.map((r) => r.again.ms)).median),
              peakRssMiB: Math.round(maxRss(imports) / 1024),
            },
          }
        : {}),
      ...(jobs.length > 0 ? { job: jobSummary(jobs, dbReport) } : {}),
      baselineRssMiB: Math.round(baseline.maxRssKb / 1024),
      loadBefore: loadBefore.map((l) => Number(l.toFixed(2))),
      loadAfter: loadAfter.map((l) => Number(l.toFixed(2))),
      cpus: os.cpus().length,
      checksPassed: failures.length === 0,
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
  if (failures.length > 0) {
    for (const f of failures) process.stderr.write(`check failed: ${f}\n`);
    process.exitCode = 1;
  }
}

/** The child side: one phase, its result printed as one JSON line. */
async function child(phase: string, args: string[]): Promise<void> {
  let result: PhaseResult | ImportPhaseResult;
  if (phase === 'baseline') {
    result = { ms: 0, cpuMs: 0, lines: 0, attempts: 0, findings: 0, maxRssKb: process.resourceUsage().maxRSS };
  } else if (phase === 'lines' || phase === 'json') result = await linesPhase(args[0], phase === 'json');
  else if (phase === 'parse') result = await parsePhase(args[0]);
  else if (phase === 'import') result = await importPhase(args[0], args[1]);
  else if (phase === 'generate') {
    const generated = generateGarakReport(args[0], Number(args[1] ?? SIZE_MB), SEED, FIXTURE);
    process.stdout.write(`${JSON.stringify(generated)}\n`);
    return;
  } else throw new Error(`unknown phase "${phase}"; one of baseline, lines, json, parse, import, generate`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

const [phase, ...phaseArgs] = process.argv.slice(2);
(phase ? child(phase, phaseArgs) : main()).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
