/**
 * Load benchmark of the whole service. Starts the built API server and worker as processes on a stack
 * of their own, loads the demo tenant, then:
 *
 * - creates N small reports (JSON, one demo endpoint, the demo quarter) through `POST /api/v2/reports`, a bounded
 *   number in flight, each with an Idempotency-Key (a failed attempt is retried with the same key);
 * - polls `GET /api/v2/reports/:id` at a modest rate until every report is ready or failed, and takes each one's
 *   create→ready time from its own `queued_at` and `completed_at`;
 * - checks that none was lost (every id ready) or duplicated (the tenant's report count in the database grew by
 *   exactly the reports made, and each `report-<id>` workflow ran once and completed);
 * - measures how many polls a second the API can answer at all (closed loop, a few seconds), then polls ready
 *   reports open-loop at the target rate (requests fire on a timer whether or not earlier ones have answered) and
 *   measures each request from when it was due, in rounds that alternate between the API and a bare server doing
 *   the same lookup (bench/poll-floor-server.ts), each with the CPU the hypervisor took meanwhile, and gives the
 *   median of the rounds' p99 for each; when that rate saturates the API it says so, and also polls at half the
 *   measured capacity.
 *
 * Also reads, without changing anything, the CPU time each process used while the reports were generated (from
 * /proc) and the event histories of a sample of workflows, to show where a report's time goes. Prints a table
 * and a one-line JSON summary; run it through scripts/bench-load.sh, which starts and stops the stack.
 *
 * Environment: MONGO_URL and TEMPORAL_ADDRESS of the stack (required), and the artifact store's variables as the
 * service reads them (ARTIFACT_STORE, S3_*), which are passed through. N (default 1000) reports;
 * BENCH_LOAD_CONCURRENCY (50) creates in flight; BENCH_LOAD_POLL_RATE (500), BENCH_LOAD_POLL_SECONDS (15, per round
 * and server) and BENCH_LOAD_POLL_ROUNDS (5) for the fixed-rate phase; BENCH_LOAD_WAIT_RATE (2) polls per second while waiting
 * for reports; BENCH_LOAD_TIMEOUT_SECONDS (3600) for all of them to finish; BENCH_LOAD_RUN_DIR, the stack's pid files, to
 * account for the CPU time of Temporal, FerretDB and SeaweedFS; BENCH_LOAD_NODE_ARGS, extra Node options for the
 * API server and worker (e.g. `--cpu-prof --cpu-prof-dir=.data/prof` to profile them).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { MongoClient } from 'mongodb';
import { DEMO_ENDPOINTS, DEMO_TENANT_ID } from '../src/demo/demo-data';
import { LeanHttpClient } from './lib/lean-http';
import {
  REPO_ROOT,
  assertAlive,
  freePort,
  intEnv,
  median,
  percentiles,
  quantile,
  requiredEnv,
  sendJson,
  startService,
  stopServices,
  waitUntil,
  type Percentiles,
  type Service,
} from './lib/services';

const run = promisify(execFile);

/** Reports made and waited for before anything is measured: the worker is polling and the code is warm. */
const WARM_UP_REPORTS = 3;
/** Workflow histories read to break a report's time down by step. */
const HISTORY_SAMPLES = 20;
/** The closed-loop capacity probe before the fixed-rate polls (which also warms them up). */
const CAPACITY_CLIENTS = 16;
const CAPACITY_SECONDS = 5;
/** How long to poll at half the capacity when the target rate saturates the API. */
const SUSTAINABLE_SECONDS = 10;
/** Attempts per create before the benchmark gives up on a report. */
const CREATE_ATTEMPTS = 5;
/** Clock ticks per second in /proc/<pid>/stat (USER_HZ); 100 on Linux unless the script says otherwise. */
const CLOCK_TICKS = Number(process.env.BENCH_LOAD_CLK_TCK ?? 100);
const TARGET_REPORTS_PER_SECOND = 3;
const TARGET_POLL_P99_MS = 20;

const SCRIPT = 'scripts/bench-load.sh';

const settings = {
  reports: intEnv('N', 1000),
  concurrency: intEnv('BENCH_LOAD_CONCURRENCY', 50),
  pollRate: intEnv('BENCH_LOAD_POLL_RATE', 500),
  pollSeconds: intEnv('BENCH_LOAD_POLL_SECONDS', 15),
  pollRounds: intEnv('BENCH_LOAD_POLL_ROUNDS', 5),
  waitRate: intEnv('BENCH_LOAD_WAIT_RATE', 2),
  timeoutSeconds: intEnv('BENCH_LOAD_TIMEOUT_SECONDS', 3600),
  /** Extra Node options for the API server, worker and bare lookup server. */
  nodeArgs: process.env.BENCH_LOAD_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? [],
};

// ---------------------------------------------------------------------------------------------------------------
// Figures

const round = (x: number, digits = 1): number => Number(x.toFixed(digits));
const msText = (x: number): string => (x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${x.toFixed(1)} ms`);
const pctText = (p: Percentiles): string =>
  `p50 ${msText(p.p50)}, p95 ${msText(p.p95)}, p99 ${msText(p.p99)}, max ${msText(p.max)} (n=${p.n})`;
const loadText = (l: number[]): string => l.map((x) => x.toFixed(2)).join(' ');

function log(message: string): void {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} [load.bench] ${message}\n`);
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP

/** Keep-alive sockets for the creates (polls go through the lean client), plenty for the creates in flight. */
const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });

interface HttpResult {
  status: number;
  body: unknown;
}

async function request(
  base: URL,
  method: string,
  pathname: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<HttpResult> {
  const answer = await sendJson(agent, base, method, pathname, headers, body);
  let parsed: unknown = answer.text;
  if (answer.contentType.includes('json') && answer.text) {
    try {
      parsed = JSON.parse(answer.text);
    } catch {
      // left as text: the status is what the caller looks at then
    }
  }
  return { status: answer.status, body: parsed };
}

// ---------------------------------------------------------------------------------------------------------------
// Processes and CPU accounting

/** User plus system CPU time of one process, in seconds, or undefined when it is gone. */
function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is 0, utime 11, stime 12.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** CPU time of the whole machine, in seconds summed over its cores: what ran here (busy), and what the
 * hypervisor gave to other guests while this one had work waiting (steal), which no process here can use. */
function machineSeconds(): { busy: number; steal: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  return { busy: (user + nice + system + irq + softirq) / CLOCK_TICKS, steal: steal / CLOCK_TICKS };
}

/** The processes whose CPU time is accounted for: ours, and the stack's from its pid files. */
async function accountedProcesses(services: Service[]): Promise<{ name: string; pid: number }[]> {
  const list = [{ name: 'bench client', pid: process.pid }];
  for (const s of services) if (s.child.pid) list.push({ name: s.name, pid: s.child.pid });
  const runDir = process.env.BENCH_LOAD_RUN_DIR;
  for (const name of ['temporal', 'ferretdb', 'seaweedfs']) {
    if (!runDir) break;
    const pid = Number((await fs.readFile(path.join(runDir, `${name}.pid`), 'utf8').catch(() => '')).split(' ')[0]);
    if (pid > 0) list.push({ name, pid });
  }
  return list;
}

interface CpuSnapshot {
  at: number;
  machine: { busy: number; steal: number };
  perProcess: Map<string, number>;
}

function cpuSnapshot(processes: { name: string; pid: number }[]): CpuSnapshot {
  const perProcess = new Map<string, number>();
  for (const p of processes) perProcess.set(p.name, processCpuSeconds(p.pid) ?? NaN);
  return { at: Date.now(), machine: machineSeconds(), perProcess };
}

/** CPU snapshots once a second, so the CPU used over any stretch of the run (say, from the first report queued
 * to the last one ready, known only afterwards) can be read back. */
class CpuTimeline {
  private readonly samples: CpuSnapshot[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly processes: { name: string; pid: number }[]) {
    this.sample();
    this.timer = setInterval(() => this.sample(), 1000);
    this.timer.unref();
  }

  private sample(): void {
    this.samples.push(cpuSnapshot(this.processes));
  }

  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }

  /** CPU in cores over the snapshots inside [fromMs, toMs] (wall clock). */
  between(fromMs: number, toMs: number): { name: string; cores: number }[] {
    this.sample();
    const inside = this.samples.filter((x) => x.at >= fromMs && x.at <= toMs);
    const first = inside[0] ?? this.samples[0];
    const last = inside.length > 1 ? inside[inside.length - 1] : this.samples[this.samples.length - 1];
    return cpuCores(first, last);
  }
}

const STEAL = 'taken by the hypervisor (steal)';

/** CPU used between two snapshots, in cores (1.0 = one core busy the whole time). */
function cpuCores(from: CpuSnapshot, to: CpuSnapshot): { name: string; cores: number }[] {
  const seconds = (to.at - from.at) / 1000;
  const rows = [...from.perProcess].map(([name, before]) => ({
    name,
    cores: ((to.perProcess.get(name) ?? NaN) - before) / seconds,
  }));
  const ours = rows.reduce((sum, r) => sum + (Number.isFinite(r.cores) ? r.cores : 0), 0);
  const machine = (to.machine.busy - from.machine.busy) / seconds;
  rows.push({ name: 'everything else on the machine', cores: Math.max(0, machine - ours) });
  rows.push({ name: `machine total (of ${os.cpus().length})`, cores: machine });
  rows.push({ name: STEAL, cores: (to.machine.steal - from.machine.steal) / seconds });
  return rows.map((r) => ({ name: r.name, cores: round(r.cores, 2) }));
}

// ---------------------------------------------------------------------------------------------------------------
// The phases

interface Created {
  id: string;
  createMs: number;
  attempts: number;
  replayed: boolean;
}

interface Finished {
  id: string;
  status: string;
  queuedAt: number;
  startedAt: number;
  completedAt: number;
}

interface ReportView {
  id: string;
  status: string;
  queued_at: string;
  started_at: string | null;
  completed_at: string | null;
  failed_at: string | null;
  progress: { stage: string; percent: number } | null;
  error: { code: string; message: string } | null;
}

/** The request body: the documented request narrowed to one demo endpoint and JSON, the small report. */
function smallReport(): unknown {
  return {
    title: 'Load benchmark evidence pack',
    frameworks: ['OWASP_LLM', 'NIST_AI_600_1', 'EU_AI_ACT', 'ISO_42001'],
    scope: {
      endpoint_ids: [DEMO_ENDPOINTS[0].id],
      from: '2026-04-01',
      to: '2026-06-30',
      include_severities: ['critical', 'high', 'medium'],
    },
    format: 'json',
  };
}

class Api {
  /** Polls go through the lean client, which leaves more of the machine to the service it measures. */
  readonly polls: LeanHttpClient;

  constructor(
    readonly base: URL,
    private readonly token: string,
  ) {
    this.polls = new LeanHttpClient(base.hostname, Number(base.port), this.auth);
  }

  private get auth(): Record<string, string> {
    return { authorization: `Bearer ${this.token}` };
  }

  /** One create, retried with the same Idempotency-Key on a network error, 429 or 5xx. */
  async create(key: string): Promise<Created> {
    for (let attempt = 1; ; attempt++) {
      const start = performance.now();
      let failure: string;
      try {
        const res = await request(
          this.base,
          'POST',
          '/api/v2/reports',
          { ...this.auth, 'idempotency-key': key },
          smallReport(),
        );
        if (res.status === 202) {
          const body = res.body as { id: string };
          return { id: body.id, createMs: performance.now() - start, attempts: attempt, replayed: attempt > 1 };
        }
        if (res.status !== 429 && res.status < 500) {
          throw new Error(`POST /reports answered ${res.status}: ${JSON.stringify(res.body)}`);
        }
        failure = `${res.status} ${JSON.stringify(res.body)}`;
      } catch (err) {
        if (err instanceof Error && err.message.startsWith('POST /reports answered')) throw err;
        failure = String(err);
      }
      if (attempt >= CREATE_ATTEMPTS) throw new Error(`create ${key} failed ${attempt} times; last: ${failure}`);
      log(`create ${key} attempt ${attempt} failed (${failure}); retrying with the same Idempotency-Key`);
      await sleep(200 * 2 ** attempt);
    }
  }

  async get(id: string): Promise<ReportView> {
    const res = await this.polls.get(`/api/v2/reports/${id}`);
    const text = res.body.toString('utf8');
    if (res.status !== 200) throw new Error(`GET /reports/${id} answered ${res.status}: ${text}`);
    return JSON.parse(text) as ReportView;
  }
}

const TERMINAL = new Set(['ready', 'failed']);

function finished(view: ReportView): Finished {
  const at = (s: string | null): number => (s ? Date.parse(s) : NaN);
  return {
    id: view.id,
    status: view.status,
    queuedAt: at(view.queued_at),
    startedAt: at(view.started_at),
    completedAt: at(view.completed_at ?? view.failed_at),
  };
}

/** Creates reports and waits for them; creating and waiting overlap. */
async function createAndAwait(
  api: Api,
  count: number,
  keyPrefix: string,
  services: Service[],
  quiet = false,
): Promise<{
  created: Created[];
  done: Map<string, Finished>;
  pollMs: number[];
  createPhaseMs: number;
  timedOut: boolean;
  /** Wall-clock time the creating started and the waiting ended. */
  startedAt: number;
  endedAt: number;
}> {
  const created: Created[] = [];
  const done = new Map<string, Finished>();
  const pending: string[] = [];
  const pollMs: number[] = [];
  const deadline = Date.now() + settings.timeoutSeconds * 1000;
  const started = performance.now();
  const startedAt = Date.now();
  let createPhaseMs = NaN;
  let next = 0;
  let failure: unknown;
  let timedOut = false;
  let oldest = '';

  const creators = Array.from({ length: Math.min(settings.concurrency, count) }, async () => {
    while (next < count && failure === undefined) {
      const i = next++;
      const c = await api.create(`${keyPrefix}-${i}`);
      created.push(c);
      pending.push(c.id);
    }
  });
  const creating = Promise.all(creators).then(
    () => {
      createPhaseMs = performance.now() - started;
    },
    (err: unknown) => {
      failure ??= err;
    },
  );

  // One poller asks about the oldest unfinished report until it has finished, at most waitRate times a second
  // while it has not, and at once about the next when it has: reports finish roughly in the order they were made,
  // so that costs about one request per report, and confirming a backlog of finished ones takes seconds, not
  // minutes. The times come from the reports themselves, so noticing late changes no figure.
  const gapMs = 1000 / settings.waitRate;
  const polling = (async () => {
    while (done.size < count && failure === undefined && !timedOut) {
      const id = pending[0];
      const start = performance.now();
      if (id !== undefined) {
        try {
          const view = await api.get(id);
          pollMs.push(performance.now() - start);
          oldest = `${view.status}/${view.progress?.stage ?? '?'}`;
          if (TERMINAL.has(view.status)) {
            pending.shift();
            done.set(id, finished(view));
            continue;
          }
        } catch (err) {
          failure ??= err;
        }
      }
      await sleep(Math.max(0, gapMs - (performance.now() - start)));
    }
  })();

  let lastLog = performance.now();
  let lastDone = 0;
  while (done.size < count && failure === undefined && !timedOut) {
    await sleep(250);
    assertAlive(services);
    if (Date.now() > deadline) {
      log(`${count - done.size} of ${count} reports not confirmed finished after ${settings.timeoutSeconds} s`);
      timedOut = true;
    }
    const now = performance.now();
    if (!quiet && now - lastLog >= 10_000) {
      const rate = (done.size - lastDone) / ((now - lastLog) / 1000);
      log(
        `created ${created.length}/${count}, confirmed finished ${done.size} (${rate.toFixed(2)}/s over the last ` +
          `10 s); the oldest unfinished is ${oldest || 'not polled yet'}`,
      );
      lastLog = now;
      lastDone = done.size;
    }
  }
  await creating;
  await polling;
  if (failure !== undefined) throw failure;
  return { created, done, pollMs, createPhaseMs, timedOut, startedAt, endedAt: Date.now() };
}

interface PollRun {
  /** Latency of each answered request from when it was due (open loop) or sent (closed loop). */
  fromDue: number[];
  fromSend: number[];
  errors: number;
  /** What the first failed poll said, to tell a refused request from a dropped connection. */
  firstError?: string;
  sent: number;
  /** Answers per second over the whole run, including the wait for the last ones. */
  achievedRate: number;
  /** Set when the backlog of unanswered requests reached a second's worth and no more were sent. */
  saturatedAfterMs?: number;
}

/** Open-loop polls: request i is due at start + i / rate whether or not earlier ones have answered, and its
 * latency counts from when it was due, so a stalled server (or client) cannot hide its queue. Once a second's
 * worth of requests is unanswered the server is saturated: no more are sent and the run reports as much. */
async function fixedRatePolls(api: Api, ids: string[], rate: number, seconds: number): Promise<PollRun> {
  const total = Math.round(rate * seconds);
  const intervalMs = 1000 / rate;
  const run: PollRun = { fromDue: [], fromSend: [], errors: 0, sent: 0, achievedRate: NaN };
  const inFlight = new Set<Promise<void>>();
  const start = performance.now();
  const fire = (i: number, due: number): void => {
    const sent = performance.now();
    const p = api.get(ids[i % ids.length]).then(
      (view) => {
        const end = performance.now();
        if (view.status !== 'ready') {
          run.errors++;
          run.firstError ??= `${view.id} is ${view.status}`;
        }
        run.fromDue.push(end - due);
        run.fromSend.push(end - sent);
      },
      (err: unknown) => {
        run.errors++;
        run.firstError ??= String(err);
      },
    );
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };
  while (run.sent < total) {
    if (inFlight.size >= rate) {
      run.saturatedAfterMs = performance.now() - start;
      break;
    }
    const now = performance.now();
    while (run.sent < total && start + run.sent * intervalMs <= now) {
      fire(run.sent, start + run.sent * intervalMs);
      run.sent++;
    }
    if (run.sent < total) await sleep(Math.max(0, start + run.sent * intervalMs - performance.now()));
  }
  await Promise.all(inFlight);
  run.achievedRate = run.fromDue.length / ((performance.now() - start) / 1000);
  return run;
}

/** Several runs' polls as one. */
function pooled(runs: PollRun[]): PollRun {
  const answered = runs.reduce((sum, r) => sum + r.fromDue.length, 0);
  const seconds = runs.reduce((sum, r) => sum + r.fromDue.length / r.achievedRate, 0);
  return {
    fromDue: runs.flatMap((r) => r.fromDue),
    fromSend: runs.flatMap((r) => r.fromSend),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
    firstError: runs.find((r) => r.firstError !== undefined)?.firstError,
    sent: runs.reduce((sum, r) => sum + r.sent, 0),
    achievedRate: answered / seconds,
    saturatedAfterMs: runs.find((r) => r.saturatedAfterMs !== undefined)?.saturatedAfterMs,
  };
}

/** Closed-loop polls: `concurrency` clients each send the next request as soon as the last one answers, for the
 * given time. The answers per second are what the API can serve at most. */
async function pollCapacity(api: Api, ids: string[], concurrency: number, seconds: number): Promise<PollRun> {
  const run: PollRun = { fromDue: [], fromSend: [], errors: 0, sent: 0, achievedRate: NaN };
  const start = performance.now();
  const until = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const sent = performance.now();
        const view = await api.get(ids[run.sent++ % ids.length]).catch(() => undefined);
        if (view?.status !== 'ready') run.errors++;
        run.fromSend.push(performance.now() - sent);
      }
    }),
  );
  run.fromDue = run.fromSend;
  run.achievedRate = run.fromSend.length / ((performance.now() - start) / 1000);
  return run;
}

// ---------------------------------------------------------------------------------------------------------------
// Checks against the database and Temporal

/** How each `report-<id>` workflow on the task queue ran: its runs' statuses, from Temporal's visibility store,
 * re-read until every expected workflow shows as completed (visibility trails the history a little). */
async function workflowRuns(client: Client, taskQueue: string, expected: Set<string>): Promise<Map<string, string[]>> {
  const query = `WorkflowType = "generateReportWorkflow" AND TaskQueue = "${taskQueue}"`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const runs = new Map<string, string[]>();
    for await (const wf of client.workflow.list({ query })) {
      const id = wf.workflowId.replace(/^report-/, '');
      runs.set(id, [...(runs.get(id) ?? []), wf.status.name]);
    }
    const completed = [...expected].filter((id) => runs.get(id)?.includes('COMPLETED')).length;
    if (completed === expected.size || Date.now() > deadline) return runs;
    await sleep(1000);
  }
}

interface StepTimes {
  step: string;
  /** Scheduled → picked up by a worker: time spent waiting in the task queue. */
  waitMs: number[];
  /** Picked up → completed: time spent running. */
  runMs: number[];
}

/** A report's time by step, from the event histories of a sample of its workflows. */
async function stepBreakdown(client: Client, ids: string[]): Promise<{ steps: StepTimes[]; events: number[] }> {
  const steps = new Map<string, StepTimes>();
  const events: number[] = [];
  const add = (step: string, wait: number, runMs: number): void => {
    const s = steps.get(step) ?? { step, waitMs: [], runMs: [] };
    s.waitMs.push(wait);
    s.runMs.push(runMs);
    steps.set(step, s);
  };
  const key = (x: unknown): string => String(x);
  for (const id of ids) {
    const history = await client.workflow.getHandle(`report-${id}`).fetchHistory();
    const scheduled = new Map<string, { name: string; at: number }>();
    const pickedUp = new Map<string, number>();
    let first = NaN;
    let last = NaN;
    for (const ev of history.events ?? []) {
      const at = tsToMs(ev.eventTime);
      if (Number.isNaN(first)) first = at;
      last = at;
      if (ev.activityTaskScheduledEventAttributes) {
        scheduled.set(key(ev.eventId), { name: ev.activityTaskScheduledEventAttributes.activityType?.name ?? '?', at });
      } else if (ev.workflowTaskScheduledEventAttributes) {
        scheduled.set(key(ev.eventId), { name: 'workflow task', at });
      } else if (ev.activityTaskStartedEventAttributes) {
        pickedUp.set(key(ev.activityTaskStartedEventAttributes.scheduledEventId), at);
      } else if (ev.workflowTaskStartedEventAttributes) {
        pickedUp.set(key(ev.workflowTaskStartedEventAttributes.scheduledEventId), at);
      } else {
        const closed = ev.activityTaskCompletedEventAttributes ?? ev.workflowTaskCompletedEventAttributes;
        if (!closed) continue;
        const s = scheduled.get(key(closed.scheduledEventId));
        const p = pickedUp.get(key(closed.scheduledEventId));
        if (s && p !== undefined) add(s.name, p - s.at, at - p);
      }
    }
    add('whole workflow', 0, last - first);
    events.push(history.events?.length ?? 0);
  }
  return { steps: [...steps.values()], events };
}

// ---------------------------------------------------------------------------------------------------------------

/** Waits for /healthz on the API server's operations listener, `ops`. */
function waitForHealth(ops: URL, services: Service[]): Promise<void> {
  return waitUntil(
    () => request(ops, 'GET', '/healthz', {}).then((r) => r.status === 200),
    services,
    'the API server (/healthz)',
    60_000,
  );
}

/** bench/poll-floor-server.ts on the same database, started and warmed up: the least any API could do for a poll,
 * and so the best latency this machine allows at a poll rate. */
async function startFloor(
  env: NodeJS.ProcessEnv,
  services: Service[],
  ids: string[],
): Promise<{ api: Api; pid: number }> {
  const port = await freePort();
  const server = startService(
    'bare lookup server',
    'bench/poll-floor-server.js',
    { ...env, HTTP_PORT: String(port) },
    settings.nodeArgs,
  );
  services.push(server);
  const floor = new Api(new URL(`http://127.0.0.1:${port}`), 'none');
  await waitUntil(
    () => floor.get(ids[0]).then((v) => v.status === 'ready'),
    services,
    'the bare lookup server',
    60_000,
  );
  await pollCapacity(floor, ids, CAPACITY_CLIENTS, 2); // warms it up as the capacity probe warmed the API
  return { api: floor, pid: server.child.pid ?? 0 };
}

/** One round of fixed-rate polls, with the hypervisor's steal meanwhile and the CPU the polled server used. */
interface PollRound {
  run: PollRun;
  due: Percentiles;
  steal: number;
  cpuMsPerPoll: number;
  /** Every process's CPU during the round, in cores. */
  cores: { name: string; cores: number }[];
}

async function pollRound(target: Api, pid: number, ids: string[], cpu: CpuTimeline): Promise<PollRound> {
  const before = processCpuSeconds(pid) ?? NaN;
  const from = Date.now();
  const run = await fixedRatePolls(target, ids, settings.pollRate, settings.pollSeconds);
  const cores = cpu.between(from, Date.now());
  const used = (processCpuSeconds(pid) ?? NaN) - before;
  const steal = cores.find((row) => row.name === STEAL)?.cores ?? NaN;
  return { run, due: percentiles(run.fromDue), steal, cpuMsPerPoll: (used * 1000) / run.sent, cores };
}

/** Each process's median cores over several rounds of equal length. */
function medianCores(rounds: PollRound[]): { name: string; cores: number }[] {
  return rounds[0].cores.map(({ name }) => ({
    name,
    cores: median(rounds.map((r) => r.cores.find((row) => row.name === name)?.cores ?? NaN)),
  }));
}

async function main(): Promise<void> {
  const mongoUrl = requiredEnv('MONGO_URL', SCRIPT);
  const temporalAddress = requiredEnv('TEMPORAL_ADDRESS', SCRIPT);
  const loadAtStart = os.loadavg();
  const suffix = randomBytes(4).toString('hex');
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'bench-load-'));
  const port = await freePort();
  const base = new URL(`http://127.0.0.1:${port}`);
  const ops = new URL(`http://127.0.0.1:${await freePort()}`);
  const taskQueue = `bench-load-${suffix}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MONGO_URL: mongoUrl,
    MONGO_DB: `bench_load_${suffix}`,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_TASK_QUEUE: taskQueue,
    DATA_DIR: dataDir,
    HTTP_PORT: String(port),
    OPS_PORT: ops.port,
    PUBLIC_BASE_URL: base.origin,
    CHROMIUM_PATH: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    LOG_LEVEL: 'warn',
    WORKER_METRICS_ADDRESS: 'off',
    // The benchmark is one token; the limiter must not be what is measured.
    RATE_LIMIT_PER_MINUTE: '1000000',
    RATE_LIMIT_BURST: '100000',
  };
  const n = settings.reports;
  log(
    `N=${n}, ${settings.concurrency} creates in flight, then ${settings.pollRate} polls/s for ${settings.pollSeconds} s; ` +
      `load average ${loadText(loadAtStart)}`,
  );

  const mongo = new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 10_000 });
  const connection = await Connection.connect({ address: temporalAddress });
  const temporal = new Client({ connection });
  const services: Service[] = [];
  let pollClient: LeanHttpClient | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    log(`${signal}: stopping the API server and worker`);
    void stopServices(services).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    const seeded = await run(process.execPath, [path.join(REPO_ROOT, 'dist/src/main/cli.js'), 'seed-demo'], {
      env,
      cwd: REPO_ROOT,
    });
    const seed = JSON.parse(seeded.stdout.trim().split('\n').pop() ?? '{}') as { token: string; tenant_id: string };
    if (seed.tenant_id !== DEMO_TENANT_ID) throw new Error(`seed-demo printed an unexpected tenant: ${seeded.stdout}`);
    const reportsCollection = mongo.db(env.MONGO_DB).collection('reports');
    const reportsBefore = await reportsCollection.countDocuments({ tenant_id: DEMO_TENANT_ID });

    services.push(
      startService('worker', 'src/main/worker.js', env, settings.nodeArgs),
      startService('API server', 'src/main/server.js', env, settings.nodeArgs),
    );
    await waitForHealth(ops, services);
    const api = new Api(base, seed.token);
    pollClient = api.polls;
    log(`warming up with ${WARM_UP_REPORTS} reports`);
    const warm = await createAndAwait(api, WARM_UP_REPORTS, `warm-${suffix}`, services, true);
    const warmFailed = [...warm.done.values()].filter((f) => f.status !== 'ready');
    if (warmFailed.length > 0) throw new Error(`warm-up reports failed: ${JSON.stringify(warmFailed)}`);

    const cpu = new CpuTimeline(await accountedProcesses(services));
    log(`creating ${n} reports`);
    const load = await createAndAwait(api, n, `load-${suffix}`, services);

    const finishedList = [...load.done.values()];
    const ready = finishedList.filter((f) => f.status === 'ready');
    const failed = finishedList.filter((f) => f.status !== 'ready');
    const ids = load.created.map((c) => c.id);
    const firstQueued = Math.min(load.startedAt, ...finishedList.map((f) => f.queuedAt));
    // After a timeout the window runs to the timeout: what finished in it, not how fast the finished ones went.
    const lastCompleted = load.timedOut ? load.endedAt : Math.max(...ready.map((f) => f.completedAt));
    const completions = ready.map((f) => f.completedAt).sort((a, b) => a - b);
    const throughput = ready.length / ((lastCompleted - firstQueued) / 1000);
    if (ready.length === 0) throw new Error('no report became ready; nothing to measure');
    // Between the 10th and 90th percentile completions: the rate once the pipeline is full, before it drains.
    const t10 = quantile(completions, 0.1);
    const t90 = quantile(completions, 0.9);
    const steadyThroughput = (0.8 * ready.length) / ((t90 - t10) / 1000);
    const createToReady = percentiles(ready.map((f) => f.completedAt - f.queuedAt));
    const startToReady = percentiles(ready.map((f) => f.completedAt - f.startedAt));
    const createLatency = percentiles(load.created.map((c) => c.createMs));
    const generationCpu = cpu.between(firstQueued, lastCompleted);

    log('checking for lost and duplicated reports');
    const expected = new Set([...warm.created.map((c) => c.id), ...ids]);
    const reportsAfter = await reportsCollection.countDocuments({ tenant_id: DEMO_TENANT_ID });
    const readyInDb = await reportsCollection.countDocuments({ _id: { $in: ids } as never, status: 'ready' });
    const runs = await workflowRuns(temporal, taskQueue, expected);
    const lost = n - new Set(ready.map((f) => f.id)).size;
    const duplicateIds = ids.length - new Set(ids).size;
    const extraReports = reportsAfter - reportsBefore - expected.size;
    const workflowsNotOnce = [...expected].filter((id) => runs.get(id)?.join() !== 'COMPLETED');
    const unexpectedWorkflows = [...runs.keys()].filter((id) => !expected.has(id));
    const replayed = load.created.filter((c) => c.replayed).length;

    const sample = Array.from(
      { length: Math.min(HISTORY_SAMPLES, ids.length) },
      (_, i) => ids[Math.floor((i * ids.length) / Math.min(HISTORY_SAMPLES, ids.length))],
    );
    const breakdown = await stepBreakdown(temporal, sample);

    // Shuffled, so the fixed-rate polls do not walk the reports in the order they were stored.
    const readyIds = ready.map((f) => f.id).sort(() => Math.random() - 0.5);
    log(`measuring the API's poll capacity (${CAPACITY_CLIENTS} clients, ${CAPACITY_SECONDS} s)`);
    const capacity = await pollCapacity(api, readyIds, CAPACITY_CLIENTS, CAPACITY_SECONDS);
    // Rounds against the API and the bare lookup server in turn, each with the CPU the hypervisor took during it:
    // on a shared machine one stolen second is a whole round's p99. Medians of the rounds, and the API's against
    // the bare server's measured side by side, are what the noise leaves comparable. Which of the two goes first
    // alternates from round to round, so neither always follows the other's load or its own idle spell.
    const floor = await startFloor(env, services, readyIds);
    const apiPid = services.find((svc) => svc.name === 'API server')?.child.pid ?? 0;
    const rounds: { api: PollRound; bare: PollRound; connections: number }[] = [];
    for (let r = 1; r <= settings.pollRounds; r++) {
      const apiFirst = r % 2 === 1;
      log(
        `polling at ${settings.pollRate}/s for ${settings.pollSeconds} s, ${apiFirst ? 'the API then the bare server' : 'the bare server then the API'} (round ${r} of ${settings.pollRounds})`,
      );
      const bareBefore = apiFirst ? undefined : await pollRound(floor.api, floor.pid, readyIds, cpu);
      const apiRound = await pollRound(api, apiPid, readyIds, cpu);
      const bareRound = bareBefore ?? (await pollRound(floor.api, floor.pid, readyIds, cpu));
      rounds.push({ api: apiRound, bare: bareRound, connections: api.polls.opened });
      if (apiRound.run.saturatedAfterMs !== undefined) break;
    }
    floor.api.polls.close();
    const polls = pooled(rounds.map((r) => r.api.run));
    const pollCpu = medianCores(rounds.map((r) => r.api));
    // Where the target rate saturates the API, the latency at half of what it can serve is shown as well.
    const sustainableRate = Math.max(1, Math.floor(capacity.achievedRate / 2));
    let sustained: PollRun | undefined;
    if (polls.saturatedAfterMs !== undefined && sustainableRate < settings.pollRate) {
      log(`saturated; polling at ${sustainableRate}/s for ${SUSTAINABLE_SECONDS} s`);
      sustained = await fixedRatePolls(api, readyIds, sustainableRate, SUSTAINABLE_SECONDS);
    }
    cpu.stop();
    const apiP99 = median(rounds.map((r) => r.api.due.p99));
    const bareP99 = median(rounds.map((r) => r.bare.due.p99));
    const pollFromDue = percentiles(polls.fromDue);
    const pollFromSend = percentiles(polls.fromSend);
    const waitPolls = percentiles(load.pollMs);
    const loadAtEnd = os.loadavg();

    const out: string[] = [];
    const line = (label: string, value: string): void => {
      out.push(`${label.padEnd(44)} ${value}`);
    };
    out.push(`Load benchmark: ${n} JSON reports (one endpoint, Q2 2026), ${os.cpus().length} CPUs`);
    out.push('-'.repeat(110));
    line('load average at start / end (1, 5, 15 min)', `${loadText(loadAtStart)} / ${loadText(loadAtEnd)}`);
    line(
      'reports ready / failed / lost',
      `${ready.length} / ${failed.length} / ${lost}` +
        (load.timedOut ? ` (TIMED OUT after ${settings.timeoutSeconds} s; lost counts unconfirmed)` : ''),
    );
    line(
      'duplicated: ids / extra DB rows / workflows',
      `${duplicateIds} / ${extraReports} / ${workflowsNotOnce.length} not run exactly once, ${unexpectedWorkflows.length} unexpected`,
    );
    line('ready in the database (of N)', `${readyInDb}`);
    line('creates retried (same Idempotency-Key)', `${replayed}`);
    line(
      'create phase',
      `${(load.createPhaseMs / 1000).toFixed(1)} s (${(n / (load.createPhaseMs / 1000)).toFixed(1)} creates/s)`,
    );
    line('POST /reports latency', pctText(createLatency));
    line(
      'throughput, first queued → last ready',
      `${throughput.toFixed(2)} reports/s over ${((lastCompleted - firstQueued) / 1000).toFixed(1)} s (target ≥ ${TARGET_REPORTS_PER_SECOND})`,
    );
    line('throughput, 10th → 90th percentile ready', `${steadyThroughput.toFixed(2)} reports/s`);
    line('create → ready', pctText(createToReady));
    line('started → ready', pctText(startToReady));
    line(`poll latency while generating (~${settings.waitRate}/s)`, pctText(waitPolls));
    line(
      `poll capacity, ${CAPACITY_CLIENTS} clients back to back`,
      `${capacity.achievedRate.toFixed(0)} req/s; ${pctText(percentiles(capacity.fromSend))}`,
    );
    line(
      `poll latency at ${settings.pollRate}/s, from due time`,
      `${pctText(pollFromDue)} (target p99 ≤ ${TARGET_POLL_P99_MS} ms)`,
    );
    line(`poll latency at ${settings.pollRate}/s, from send`, pctText(pollFromSend));
    line(
      `  median of ${rounds.length} rounds' p99: API / bare server`,
      `${msText(apiP99)} / ${msText(bareP99)} (ratio ${(apiP99 / bareP99).toFixed(2)})`,
    );
    rounds.forEach(({ api: a, bare: b, connections }, i) => {
      line(
        `  round ${i + 1} (${settings.pollSeconds} s each), from due time`,
        `API p50 ${msText(a.due.p50)}, p99 ${msText(a.due.p99)}, max ${msText(a.due.max)}, steal ${a.steal.toFixed(2)}; ` +
          `bare p50 ${msText(b.due.p50)}, p99 ${msText(b.due.p99)}, max ${msText(b.due.max)}, steal ${b.steal.toFixed(2)}; ` +
          `${connections} API connections by then`,
      );
    });
    line(
      `polls at ${settings.pollRate}/s: sent / errors / answered`,
      `${polls.sent} / ${polls.errors} / ${polls.achievedRate.toFixed(0)} req/s` +
        (polls.saturatedAfterMs === undefined
          ? ''
          : ` — SATURATED after ${(polls.saturatedAfterMs / 1000).toFixed(1)} s (${settings.pollRate} unanswered)`),
    );
    line(
      '  CPU a poll (median of rounds): API / bare',
      `${median(rounds.map((r) => r.api.cpuMsPerPoll)).toFixed(2)} ms / ${median(rounds.map((r) => r.bare.cpuMsPerPoll)).toFixed(2)} ms of the server's own CPU`,
    );
    if (sustained) {
      line(`poll latency at ${sustainableRate}/s (half capacity), from due`, pctText(percentiles(sustained.fromDue)));
    }
    out.push('');
    out.push(
      `CPU in cores (1.00 = one core all the time)   while generating (core-s per report) | polling at ${settings.pollRate}/s`,
    );
    const generationSeconds = (lastCompleted - firstQueued) / 1000;
    for (const row of generationCpu) {
      const polled = pollCpu.find((r) => r.name === row.name)?.cores ?? NaN;
      const perReport = (row.cores * generationSeconds) / ready.length;
      out.push(
        `  ${row.name.padEnd(42)} ${row.cores.toFixed(2).padStart(16)} (${perReport.toFixed(3)}) | ${polled.toFixed(2)}`,
      );
    }
    out.push('');
    out.push(
      `Where a report's time goes (${sample.length} sampled workflows of ${percentiles(breakdown.events).p50} ` +
        'history events each; medians / p95, ms)',
    );
    out.push('  step                   queue wait (median / p95)     running (median / p95)');
    for (const s of breakdown.steps) {
      const w = percentiles(s.waitMs);
      const r = percentiles(s.runMs);
      const each = s.waitMs.length / sample.length;
      out.push(
        `  ${`${s.step}${each > 1.05 ? ` (×${each.toFixed(1)})` : ''}`.padEnd(22)} ` +
          `${`${w.p50.toFixed(0)} / ${w.p95.toFixed(0)}`.padStart(26)} ${`${r.p50.toFixed(0)} / ${r.p95.toFixed(0)}`.padStart(26)}`,
      );
    }
    process.stdout.write(`${out.join('\n')}\n`);

    const summary = {
      bench: 'load',
      n,
      cpus: os.cpus().length,
      load_avg_start: loadAtStart.map((x) => round(x, 2)),
      load_avg_end: loadAtEnd.map((x) => round(x, 2)),
      ready: ready.length,
      failed: failed.length,
      lost,
      timed_out: load.timedOut,
      duplicated: duplicateIds + Math.max(0, extraReports) + workflowsNotOnce.length + unexpectedWorkflows.length,
      reports_per_s: round(throughput, 2),
      reports_per_s_steady: round(steadyThroughput, 2),
      create_to_ready_ms: { p50: createToReady.p50, p95: createToReady.p95, p99: createToReady.p99 },
      poll_capacity_per_s: round(capacity.achievedRate, 0),
      poll_rate: settings.pollRate,
      poll_saturated: polls.saturatedAfterMs !== undefined,
      poll_answered_per_s: round(polls.achievedRate, 0),
      poll_ms_from_due: { p50: round(pollFromDue.p50, 2), p99: round(pollFromDue.p99, 2) },
      poll_ms_from_send: { p50: round(pollFromSend.p50, 2), p99: round(pollFromSend.p99, 2) },
      poll_p99_median_of_rounds_ms: { api: round(apiP99, 2), bare_lookup: round(bareP99, 2) },
      poll_rounds: rounds.map(({ api: a, bare: b }) => ({
        api: { p50: round(a.due.p50, 2), p99: round(a.due.p99, 2), steal_cores: a.steal },
        bare_lookup: { p50: round(b.due.p50, 2), p99: round(b.due.p99, 2), steal_cores: b.steal },
      })),
      ...(sustained
        ? {
            poll_half_capacity: {
              rate: sustainableRate,
              p50: round(percentiles(sustained.fromDue).p50, 2),
              p99: round(percentiles(sustained.fromDue).p99, 2),
            },
          }
        : {}),
      poll_errors: polls.errors + capacity.errors + (sustained?.errors ?? 0),
      cpu_cores_generating: Object.fromEntries(generationCpu.map((r) => [r.name, r.cores])),
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);

    const problems: string[] = [];
    if (lost > 0 || failed.length > 0) problems.push(`${lost} reports not ready (${failed.length} failed)`);
    if (summary.duplicated > 0) problems.push(`${summary.duplicated} duplicates`);
    const bareErrors = rounds.reduce((sum, r) => sum + r.bare.run.errors, 0);
    if (summary.poll_errors + bareErrors > 0) {
      const first =
        polls.firstError ?? rounds.find((r) => r.bare.run.firstError)?.bare.run.firstError ?? 'in the capacity probe';
      problems.push(`${summary.poll_errors} API polls and ${bareErrors} bare-server polls failed (first: ${first})`);
    }
    if (problems.length > 0) {
      if (failed.length > 0) log(`first failures: ${JSON.stringify(failed.slice(0, 3))}`);
      throw new Error(`correctness check failed: ${problems.join('; ')}`);
    }
  } catch (err) {
    for (const s of services) if (s.tail.length) log(`last output of ${s.name}:\n${s.tail.join('\n')}`);
    throw err;
  } finally {
    await stopServices(services);
    agent.destroy();
    pollClient?.close();
    await Promise.allSettled([mongo.close(), connection.close()]);
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
