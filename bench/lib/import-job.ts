/**
 * The import benchmark's job path (run by import.bench.ts): the generated report imported as a pipeline imports
 * it, `POST /api/v2/findings/imports?endpoint_id=…&wait=…` with the file as the body, through the built API server
 * and worker, one of each, started here as processes of their own on the bench stack. Each run makes a tenant, an
 * endpoint and a token of its own, uploads the file, follows the job until it ends (`GET …/imports/:id?wait=…`
 * when the POST answered before the end), then uploads the same file again.
 *
 * What it times: the POST until its answer, the upload until its body was sent, the upload until the job's own
 * `finished_at` (end to end); from the job's own timestamps, created → started (which holds the staging of the
 * upload as well as the wait in the queue, since a job is created before its upload arrives) and started →
 * finished (the run); and from the workflow's history, where created → started goes: staged (created_at → the
 * workflow started) and the queue wait proper (the workflow started → a worker picked `runImport` up).
 *
 * Peak RSS: each process's VmHWM from /proc/<pid>/status. It is reset to the process's RSS right before the
 * upload (writing 5 to /proc/<pid>/clear_refs), so it reads the peak of the job rather than of the start-up, when
 * the worker bundles its workflow code with webpack; the peak since start is read before the reset and reported
 * too. The worker's RSS is its own process only: the Chromium it launches for PDF reports (not for imports) would
 * be child processes, counted apart.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { connectDatabase } from '../../src/infra/mongo/database';
import { MongoFindingsRepo } from '../../src/infra/mongo/findings-repo';
import { createEndpoint, createTenant, mintToken } from '../../src/infra/mongo/tenant-admin';
import { importQueueFor, importWorkflowId } from '../../workflows/contracts';
import { assertAlive, freePort, startService, stopServices, waitUntil, type Service } from './services';

/** temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY: the import queue has activity pollers only. */
const ACTIVITY_TASK_QUEUE = 2;
/** Clock ticks per second in /proc/<pid>/stat: USER_HZ, which Linux fixes at 100 for user space. */
const USER_HZ = 100;
/** The most one upload may take to end, answers and follow-ups together, before the benchmark gives up. */
const JOB_TIMEOUT_MS = 60 * 60_000;

/** How the job path runs. */
export interface JobPathSettings {
  file: string;
  /** What the file holds, which every first import must store. */
  expect: { attempts: number; findings: number };
  runs: number;
  /** The `wait` of the POST and of each follow-up GET, in seconds. */
  waitSeconds: number;
  mongoUrl: string;
  temporalAddress: string;
  /** DATA_DIR of the API server and worker, where the fs artifact store keeps the staged upload. */
  dataDir: string;
  /** Extra Node options for the API server and worker. */
  nodeArgs: string[];
  log: (line: string) => void;
}

/** One upload as its answers and its workflow's history tell it; times in ms. */
export interface JobTiming {
  /** Status of the POST's answer. */
  status: number;
  /** Request start → the POST's answer. */
  postMs: number;
  /** Request start → the whole body handed to the socket. */
  sentMs: number;
  /** Request start → the job's `finished_at`. */
  endToEndMs: number;
  /** The job's `created_at` → `started_at`: the upload staged, then the wait for a worker. */
  createdToStartedMs: number;
  /** The job's `started_at` → `finished_at`. */
  runMs: number;
  /** `created_at` → the workflow started (after the upload was staged whole). */
  stagedMs: number;
  /** The workflow started → a worker picked `runImport` up. */
  queueWaitMs: number;
  /** …of which the workflow started → its first task scheduled `runImport` (a worker ran the workflow code). */
  workflowTaskMs: number;
  /** Attempts `runImport` took (more than one: a worker lost it, or its heartbeat timed out). */
  runAttempts: number;
  jobStatus: string;
  itemsRead: number | null;
  findings: number | null;
  created: number | null;
  duplicates: number | null;
  error: unknown;
}

/** A process's memory and CPU over a run. */
export interface ProcessUse {
  /** Peak RSS since the process started, read before the job (the start-up's peak). */
  lifetimePeakKb: number;
  /** RSS when the job began, to which the peak was reset. */
  startKb: number;
  /** Peak RSS from the job's start to its end (since the start, where the reset was refused). */
  peakKb: number;
  /** The same after the file was uploaded again. */
  peakAfterAgainKb: number;
  /** Whether the peak could be reset; without it `peakKb` includes the start-up. */
  reset: boolean;
  /** CPU time (user + system, all threads) during the first job. */
  cpuMs: number;
  /** Processes it had started (the worker's Chromium), with their peak RSS summed, after the run. */
  children: { count: number; peakKb: number };
}

/** One run of the job path. */
export interface JobRun {
  first: JobTiming;
  again: JobTiming;
  /** The tenant's findings counted in the database after the first import. */
  storedInDb: number;
  api: ProcessUse;
  worker: ProcessUse;
}

/** A field of /proc/<pid>/status in KiB (VmRSS, VmHWM); 0 once the process is gone. */
function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Sets the process's peak RSS (VmHWM) back to its RSS now; false where the kernel does not allow it. */
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** CPU time of a process, all its threads, in ms. */
function cpuMsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is 0, utime 11, stime 12.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) / USER_HZ) * 1000;
  } catch {
    return NaN;
  }
}

/** Every process started by `pid`, and by those, from /proc/<pid>/task/<tid>/children. */
function descendants(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tasks) {
    let children = '';
    try {
      children = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const c of children.split(' ').filter(Boolean).map(Number)) out.push(c, ...descendants(c));
  }
  return out;
}

/** The import job as the API answers it (the fields the benchmark reads). */
interface JobView {
  id: string;
  status: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  items_read: number | null;
  findings: number | null;
  created: number | null;
  duplicates: number | null;
  error: unknown;
}

function request(
  base: URL,
  method: 'GET' | 'POST',
  pathname: string,
  token: string,
  file?: { path: string; bytes: number },
): Promise<{ status: number; body: JobView; sentAt: number }> {
  return new Promise((resolve, reject) => {
    let sentAt = NaN;
    const req = http.request(
      new URL(pathname, base),
      {
        method,
        agent: false,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(file ? { 'content-type': 'application/octet-stream', 'content-length': String(file.bytes) } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as JobView, sentAt });
          } catch {
            reject(new Error(`${method} ${pathname}: ${res.statusCode} ${text.slice(0, 500)}`));
          }
        });
        res.on('error', reject);
      },
    );
    // Past the longest wait a request may hold, plus the upload itself.
    req.setTimeout(JOB_TIMEOUT_MS, () => req.destroy(new Error(`${method} ${pathname}: no answer`)));
    req.on('error', reject);
    req.on('finish', () => (sentAt = performance.now()));
    if (!file) req.end();
    else
      createReadStream(file.path, { highWaterMark: 1024 * 1024 })
        .on('error', reject)
        .pipe(req);
  });
}

const ended = (status: string): boolean => status === 'succeeded' || status === 'failed';

/** When the workflow started, when its first workflow task scheduled `runImport`, and when and in how many
 * attempts a worker picked `runImport` up. */
async function fromHistory(
  temporal: Client,
  importId: string,
): Promise<{ startedAt: number; scheduledAt: number; pickedUpAt: number; attempts: number }> {
  const handle = temporal.workflow.getHandle(importWorkflowId(importId));
  // Until it closes, `runImport`'s started event may not be written yet (Temporal records it with the result).
  await handle.result().catch(() => undefined);
  const history = await handle.fetchHistory();
  let startedAt = NaN;
  let scheduledAt = NaN;
  let pickedUpAt = NaN;
  let attempts = 0;
  const runImport = new Set<string>();
  for (const ev of history.events ?? []) {
    if (ev.workflowExecutionStartedEventAttributes) startedAt = tsToMs(ev.eventTime);
    const scheduled = ev.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name === 'runImport') {
      runImport.add(String(ev.eventId));
      scheduledAt = tsToMs(ev.eventTime);
    }
    const started = ev.activityTaskStartedEventAttributes;
    if (started && runImport.has(String(started.scheduledEventId))) {
      pickedUpAt = tsToMs(ev.eventTime);
      attempts = started.attempt ?? 1;
    }
  }
  return { startedAt, scheduledAt, pickedUpAt, attempts };
}

/** One upload of the file, followed to its end. */
async function importOnce(
  base: URL,
  temporal: Client,
  token: string,
  endpointId: string,
  s: JobPathSettings,
  services: Service[],
): Promise<JobTiming> {
  const bytes = statSync(s.file).size;
  const startedAt = Date.now();
  const start = performance.now();
  const posted = await request(
    base,
    'POST',
    `/api/v2/findings/imports?endpoint_id=${endpointId}&wait=${s.waitSeconds}`,
    token,
    { path: s.file, bytes },
  );
  const postMs = performance.now() - start;
  if (!posted.body.id)
    throw new Error(`POST /api/v2/findings/imports answered ${posted.status}: ${JSON.stringify(posted.body)}`);
  let job = posted.body;
  const deadline = Date.now() + JOB_TIMEOUT_MS;
  while (!ended(job.status)) {
    assertAlive(services);
    if (Date.now() > deadline) throw new Error(`import ${job.id} had not ended after ${JOB_TIMEOUT_MS / 60_000} min`);
    const wait = Math.max(1, s.waitSeconds);
    job = (await request(base, 'GET', `/api/v2/findings/imports/${job.id}?wait=${wait}`, token)).body;
  }
  const ms = (iso: string | null): number => (iso ? Date.parse(iso) : NaN);
  const history = await fromHistory(temporal, job.id);
  return {
    status: posted.status,
    postMs,
    sentMs: posted.sentAt - start,
    endToEndMs: ms(job.finished_at) - startedAt,
    createdToStartedMs: ms(job.started_at) - ms(job.created_at),
    runMs: ms(job.finished_at) - ms(job.started_at),
    stagedMs: history.startedAt - ms(job.created_at),
    queueWaitMs: history.pickedUpAt - history.startedAt,
    workflowTaskMs: history.scheduledAt - history.startedAt,
    runAttempts: history.attempts,
    jobStatus: job.status,
    itemsRead: job.items_read,
    findings: job.findings,
    created: job.created,
    duplicates: job.duplicates,
    error: job.error,
  };
}

/** Checks one run against what the file holds; returns what failed. */
function check(run: JobRun, i: number, expect: JobPathSettings['expect'], waitSeconds: number): string[] {
  const failures: string[] = [];
  const n = expect.findings;
  const { first, again } = run;
  const name = `job run ${i + 1}`;
  if (first.jobStatus !== 'succeeded' || again.jobStatus !== 'succeeded') {
    failures.push(
      `${name}: the import ${first.jobStatus}, the same file again ${again.jobStatus}: ${JSON.stringify(first.error ?? again.error)}`,
    );
  }
  if (first.findings !== n || first.created !== n || first.duplicates !== 0 || first.itemsRead !== expect.attempts) {
    failures.push(
      `${name}: ${first.findings} findings, created ${first.created}, duplicates ${first.duplicates}, ` +
        `${first.itemsRead} attempts; generated ${n} findings in ${expect.attempts} attempts`,
    );
  }
  if (run.storedInDb !== n) failures.push(`${name}: ${run.storedInDb} findings in the database; generated ${n}`);
  if (again.findings !== n || again.created !== 0 || again.duplicates !== n) {
    failures.push(
      `${name}: the same file again gave ${again.findings} findings, created ${again.created} ` +
        `(duplicates ${again.duplicates}); expected ${n}, 0 (${n})`,
    );
  }
  // A POST that waits answers once the job ends (201 when it created findings, 200 when none), unless the wait
  // ran out first (202); without a wait it answers 202 at once.
  const want = (created: number | null): number[] => (waitSeconds === 0 ? [202] : [created ? 201 : 200, 202]);
  if (!want(first.created).includes(first.status) || !want(again.created).includes(again.status)) {
    failures.push(`${name}: the POSTs answered ${first.status} and ${again.status}`);
  }
  return failures;
}

/**
 * Starts the API server and worker on a database and task queue of their own, runs the job path `s.runs` times,
 * stops them and drops the database. Returns the runs and the checks that failed.
 */
export async function runJobPath(s: JobPathSettings): Promise<{ runs: JobRun[]; failures: string[] }> {
  const suffix = randomBytes(4).toString('hex');
  const dbName = `bench_import_job_${suffix}`;
  const taskQueue = `bench-import-${suffix}`;
  const port = await freePort();
  const base = new URL(`http://127.0.0.1:${port}`);
  // The API answers /readyz on its operations listener only.
  const ops = new URL(`http://127.0.0.1:${await freePort()}`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MONGO_URL: s.mongoUrl,
    MONGO_DB: dbName,
    TEMPORAL_ADDRESS: s.temporalAddress,
    TEMPORAL_TASK_QUEUE: taskQueue,
    DATA_DIR: s.dataDir,
    HTTP_PORT: String(port),
    OPS_PORT: ops.port,
    PUBLIC_BASE_URL: base.origin,
    LOG_LEVEL: 'warn',
    WORKER_METRICS_ADDRESS: 'off',
    // A handful of requests from one token; the limiter must not be what is measured.
    RATE_LIMIT_PER_MINUTE: '1000000',
    RATE_LIMIT_BURST: '100000',
  };
  const { client: mongo, db } = await connectDatabase(s.mongoUrl, dbName);
  const temporal = new Client({ connection: await Connection.connect({ address: s.temporalAddress }) });
  const services: Service[] = [];
  const onSignal = (signal: NodeJS.Signals): void => {
    s.log(`${signal}: stopping the API server and worker`);
    void stopServices(services).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  const runs: JobRun[] = [];
  const failures: string[] = [];
  try {
    const worker = startService('worker', 'src/main/worker.js', env, s.nodeArgs);
    const api = startService('API server', 'src/main/server.js', env, s.nodeArgs);
    services.push(worker, api);
    const startedAt = performance.now();
    await waitUntil(
      async () => (await request(ops, 'GET', '/readyz', '').catch(() => undefined))?.status === 200,
      services,
      'the API server (/readyz)',
    );
    await waitUntil(
      async () => {
        const queue = await temporal.workflowService.describeTaskQueue({
          namespace: 'default',
          taskQueue: { name: importQueueFor(taskQueue) },
          taskQueueType: ACTIVITY_TASK_QUEUE,
        });
        return (queue.pollers?.length ?? 0) > 0;
      },
      services,
      'the worker (pollers on the import queue)',
    );
    s.log(`job path: API server and worker ready in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
    const apiPid = api.child.pid ?? 0;
    const workerPid = worker.child.pid ?? 0;
    const repo = new MongoFindingsRepo(db);

    for (let i = 0; i < s.runs; i++) {
      const tenantId = await createTenant(db, { name: `Import benchmark ${i + 1}`, auditRetentionDays: 365 });
      const endpointId = await createEndpoint(db, { tenantId, name: 'garak target', description: 'benchmark' });
      const { secret: token } = await mintToken(db, { tenantId, scopes: ['findings:write', 'findings:read'] });

      const before = (pid: number) => {
        const lifetimePeakKb = statusKb(pid, 'VmHWM');
        const reset = resetPeak(pid);
        return { lifetimePeakKb, reset, startKb: statusKb(pid, 'VmRSS'), cpuMs: cpuMsOf(pid) };
      };
      const apiBefore = before(apiPid);
      const workerBefore = before(workerPid);
      const first = await importOnce(base, temporal, token, endpointId, s, services);
      const after = (pid: number, was: ReturnType<typeof before>) => ({
        ...was,
        peakKb: statusKb(pid, 'VmHWM'),
        cpuMs: cpuMsOf(pid) - was.cpuMs,
      });
      const apiAfter = after(apiPid, apiBefore);
      const workerAfter = after(workerPid, workerBefore);
      const storedInDb = await repo.countStored(tenantId);
      s.log(
        `job run ${i + 1}/${s.runs}: POST answered ${first.status} in ${(first.postMs / 1000).toFixed(2)} s; ` +
          `end to end ${(first.endToEndMs / 1000).toFixed(2)} s (staged ${(first.stagedMs / 1000).toFixed(2)} s, ` +
          `queue ${(first.queueWaitMs / 1000).toFixed(2)} s, run ${(first.runMs / 1000).toFixed(2)} s)`,
      );
      const again = await importOnce(base, temporal, token, endpointId, s, services);
      s.log(`job run ${i + 1}/${s.runs}: the same file again, end to end ${(again.endToEndMs / 1000).toFixed(2)} s`);
      const use = (pid: number, a: ReturnType<typeof after>): ProcessUse => {
        const children = descendants(pid);
        return {
          ...a,
          peakAfterAgainKb: statusKb(pid, 'VmHWM'),
          children: {
            count: children.length,
            peakKb: children.reduce((sum, c) => sum + statusKb(c, 'VmHWM'), 0),
          },
        };
      };
      const run: JobRun = {
        first,
        again,
        storedInDb,
        api: use(apiPid, apiAfter),
        worker: use(workerPid, workerAfter),
      };
      runs.push(run);
      failures.push(...check(run, i, s.expect, s.waitSeconds));
    }
  } finally {
    await stopServices(services);
    process.removeListener('SIGINT', onSignal).removeListener('SIGTERM', onSignal);
    await db.dropDatabase().catch(() => undefined);
    await Promise.allSettled([mongo.close(), temporal.connection.close()]);
  }
  return { runs, failures };
}
