import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Client, Connection, WorkflowFailedError, decodePendingActivityState } from '@temporalio/client';
import { ApplicationFailure, decodeTimeoutType } from '@temporalio/common';
import { MongoClient } from 'mongodb';
import { DEMO_TENANT_ID } from '../../src/demo/demo-data';
import { ERRORS } from '../../src/domain/errors';
import { createEndpoint, insertFindings } from '../../src/infra/mongo/tenant-admin';
import { buildFinding } from '../fixtures/findings';
import { countCopies, countStored } from '../support/stored-findings';
import { documentedRequest } from '../fixtures/requests';
import {
  LocalStack,
  ROOT,
  ReportsApi,
  ServiceProcesses,
  descendants,
  freePort,
  listProcesses,
  poll,
  requireBuild,
  type PresentedReport,
  type ServiceProcess,
} from '../support/processes';

/**
 * Fault injection on the built service, run as processes on a stack of its own, whose services it stops and
 * starts: the render worker killed or stopped mid-render, Chromium crashing under a render, the database and the
 * Temporal server going away mid-run, template errors that can never succeed, and the steps worker killed mid-import.
 * The workers run as a deployment runs them: `--role steps` and `--role render`.
 */

// This file's stack, on ports far from the dev (7233, 27017, 8333) and test (17233, 17017, 18333) stacks.
const stack = new LocalStack('faults', {
  temporal: Number(process.env.FAULTS_TEMPORAL_PORT ?? 19233),
  temporalUi: Number(process.env.FAULTS_TEMPORAL_UI_PORT ?? 19234),
  mongo: Number(process.env.FAULTS_MONGO_PORT ?? 19017),
  s3: Number(process.env.FAULTS_S3_PORT ?? 19333),
});

/** An endpoint with enough findings that printing its report takes seconds: long enough to interrupt. */
const BULK_ENDPOINT = 'ep_2026_faultsbulk0001';
const BULK_ROWS = 300;
/** The endpoint scanner files are imported into. */
const IMPORT_ENDPOINT = 'ep_2026_faultsimport01';
/** Hits in the garak report imported while its worker is killed: enough that storing them takes seconds. */
const IMPORT_HITS = 60_000;

/** CPU time a page's renderer has used once it is laying out or printing the report; opening an empty page
 * costs it about 50 ms. */
const PRINTING_CPU_MS = 250;

jest.setTimeout(180_000);

let services: ServiceProcesses;
let api: ReportsApi;
/** The render worker: Chromium runs under it. */
let worker: ServiceProcess;
/** The steps worker: workflows, the pipeline's other steps, imports. */
let steps: ServiceProcess;
let connection: Connection | undefined;
let temporal: Client;
let dataDir: string;
/** The templates every worker reads: a copy, so a test can break it. */
let templatesDir: string;

const logs = () => services.logTail();

beforeAll(async () => {
  await requireBuild();
  // Artifacts go to the file store, so SeaweedFS is not needed.
  await stack.startFresh(['temporal', 'ferretdb']);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  dataDir = path.join(stack.dir, 'app');
  templatesDir = path.join(stack.dir, 'templates');
  await fs.cp(path.join(ROOT, 'templates'), templatesDir, { recursive: true });
  services = new ServiceProcesses({
    ...process.env,
    MONGO_URL: stack.mongoUrl,
    MONGO_DB: 'faults',
    TEMPORAL_ADDRESS: stack.temporalAddress,
    TEMPORAL_TASK_QUEUE: `faults-${randomBytes(4).toString('hex')}`,
    DATA_DIR: dataDir,
    HTTP_PORT: String(port),
    OPS_PORT: String(await freePort()),
    PUBLIC_BASE_URL: base,
    CHROMIUM_PATH: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    TEMPLATES_DIR: templatesDir,
    RENDER_CONCURRENCY: '2',
    LOG_LEVEL: 'warn',
    WORKER_METRICS_ADDRESS: 'off',
  });
  const seeded = await services.cli(['seed-demo']);
  if (seeded.code !== 0) throw new Error(`seed-demo failed: ${seeded.stderr}`);
  api = new ReportsApi(base, (JSON.parse(seeded.stdout) as { token: string }).token);
  await seedBulkEndpoint();
  [{ steps, render: worker }] = await Promise.all([services.startWorkers(), services.startServer()]);
  connection = await Connection.connect({ address: stack.temporalAddress });
  temporal = new Client({ connection });
});

// A test that failed half-way may have left a worker stopped; the next one starts with both.
beforeEach(async () => {
  if (worker && !worker.running) worker = await services.startWorker({}, undefined, 'render');
  if (steps && !steps.running) steps = await services.startWorker({}, undefined, 'steps');
});

afterAll(async () => {
  await services?.stopAll();
  await connection?.close();
  await stack.down();
});

async function seedBulkEndpoint(): Promise<void> {
  const mongo = new MongoClient(stack.mongoUrl, { serverSelectionTimeoutMS: 5_000 });
  try {
    const db = mongo.db('faults');
    await createEndpoint(db, {
      tenantId: DEMO_TENANT_ID,
      id: IMPORT_ENDPOINT,
      name: 'Imported scans',
      description: 'Large garak reports, imported while workers come and go.',
    });
    await createEndpoint(db, {
      tenantId: DEMO_TENANT_ID,
      id: BULK_ENDPOINT,
      name: 'Bulk scan target',
      description: 'Many distinct weaknesses, so that its report takes a while to print.',
    });
    await insertFindings(
      db,
      Array.from({ length: BULK_ROWS }, (_, i) =>
        buildFinding({
          id: `fnd_2026_faultsbulk${String(i).padStart(6, '0')}`,
          tenantId: DEMO_TENANT_ID,
          endpointId: BULK_ENDPOINT,
          title: `Jailbreak variant ${i} bypasses the refusal policy`,
          fingerprint: `jailbreak:${i}`,
        }),
      ),
    );
  } finally {
    await mongo.close();
  }
}

const bulkReport = () => documentedRequest([BULK_ENDPOINT], 'pdf');
const smallReport = () => documentedRequest(['ep_2026_abc123'], 'pdf');
const workflowId = (reportId: string) => `report-${reportId}`;

/** Stops the current render worker (SIGTERM, as an orchestrator does) and starts another. A worker that does not
 * exit in time is killed, and the test fails. */
async function replaceWorker(): Promise<void> {
  const old = worker;
  old.signal('SIGTERM', { group: false });
  try {
    await old.waitForExit(20_000);
  } finally {
    if (old.running) old.signal('SIGKILL', { group: false });
    worker = await services.startWorker({}, undefined, 'render');
  }
}

/** The worker's Chromium: the browser it launched and that browser's renderer processes. */
function chromiumOf(w: ServiceProcess): { browser?: number; renderers: { pid: number; cpuMs: number }[] } {
  const tree = descendants(w.pid);
  const browser = tree.find((p) => p.ppid === w.pid && p.command.includes('--remote-debugging-pipe'));
  return {
    browser: browser?.pid,
    renderers: tree.filter((p) => p.command.includes('--type=renderer')).map((p) => ({ pid: p.pid, cpuMs: p.cpuMs })),
  };
}

/** Waits until `w` is printing the report's PDF: the render activity has started, and a renderer of the worker's
 * browser has done the work of laying out a page (so the page is open and holds the report). */
async function waitUntilPrinting(reportId: string, w: ServiceProcess): Promise<{ browser: number }> {
  let seen = '';
  return poll(
    `report ${reportId} printing in ${w.name}`,
    async () => {
      const desc = await temporal.workflow.getHandle(workflowId(reportId)).describe();
      const pending = desc.raw.pendingActivities ?? [];
      const chromium = chromiumOf(w);
      seen = JSON.stringify({
        status: desc.status.name,
        pending: pending.map((a) => ({ type: a.activityType?.name, state: decodePendingActivityState(a.state) })),
        chromium,
      });
      const render = pending.find((a) => a.activityType?.name === 'renderPdf');
      if (decodePendingActivityState(render?.state) !== 'STARTED') return undefined;
      const busy = chromium.renderers.some((r) => r.cpuMs >= PRINTING_CPU_MS);
      return chromium.browser !== undefined && busy ? { browser: chromium.browser } : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 100, detail: () => `last seen: ${seen}\n${logs()}` },
  );
}

/** Waits until no process has the pid any more. */
async function waitUntilGone(pid: number, what: string): Promise<void> {
  await poll(what, async () => (listProcesses().some((p) => p.pid === pid) ? undefined : true), {
    timeoutMs: 15_000,
    intervalMs: 100,
  });
}

/** One scheduled activity of a workflow run, as its history records it. */
interface ActivityRecord {
  type: string;
  /** The attempt the history records as started: the last one. */
  attempt: number;
  /** Why the attempt before it failed, if there was one. */
  lastFailure?: { message: string; type?: string; timeout?: string };
  outcome: 'completed' | 'failed' | 'timed out' | 'open';
  /** Why the last attempt failed, when the activity ended failed. */
  failure?: { message: string; type?: string; nonRetryable?: boolean };
}

/** The render activities of a report's workflow run (the latest run unless `runId` is given). */
async function renders(reportId: string, runId?: string): Promise<ActivityRecord[]> {
  const history = await temporal.workflow.getHandle(workflowId(reportId), runId).fetchHistory();
  const byScheduled = new Map<string, ActivityRecord>();
  const record = (scheduledEventId: unknown) => byScheduled.get(String(scheduledEventId));
  for (const e of history.events ?? []) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled) {
      byScheduled.set(String(e.eventId), { type: scheduled.activityType?.name ?? '?', attempt: 0, outcome: 'open' });
    }
    const started = e.activityTaskStartedEventAttributes;
    const r = started && record(started.scheduledEventId);
    if (started && r) {
      r.attempt = started.attempt ?? 0;
      const f = started.lastFailure;
      if (f) {
        r.lastFailure = {
          message: f.message ?? '',
          type: f.applicationFailureInfo?.type ?? undefined,
          timeout: decodeTimeoutType(f.timeoutFailureInfo?.timeoutType),
        };
      }
    }
    const ended = [
      [e.activityTaskCompletedEventAttributes, 'completed'],
      [e.activityTaskFailedEventAttributes, 'failed'],
      [e.activityTaskTimedOutEventAttributes, 'timed out'],
    ] as const;
    for (const [attrs, outcome] of ended) {
      const r2 = attrs && record(attrs.scheduledEventId);
      if (r2) r2.outcome = outcome;
    }
    const failed = e.activityTaskFailedEventAttributes;
    const r3 = failed && record(failed.scheduledEventId);
    if (failed?.failure && r3) {
      r3.failure = {
        message: failed.failure.message ?? '',
        type: failed.failure.applicationFailureInfo?.type ?? undefined,
        nonRetryable: failed.failure.applicationFailureInfo?.nonRetryable ?? undefined,
      };
    }
  }
  return [...byScheduled.values()].filter((a) => a.type === 'renderPdf');
}

/** The runs of a report's workflow, oldest first, once none is running any more. */
async function workflowRuns(reportId: string): Promise<{ runId: string; status: string }[]> {
  return poll(
    `the workflow runs of ${reportId} listed as closed`,
    async () => {
      const runs: { runId: string; status: string; start: number }[] = [];
      for await (const wf of temporal.workflow.list({ query: `WorkflowId="${workflowId(reportId)}"` })) {
        runs.push({ runId: wf.runId, status: wf.status.name, start: wf.startTime.getTime() });
      }
      if (runs.length === 0 || runs.some((r) => r.status === 'RUNNING')) return undefined;
      return runs.sort((a, b) => a.start - b.start).map(({ runId, status }) => ({ runId, status }));
    },
    { timeoutMs: 15_000 },
  );
}

/** Checks a ready report end to end: exactly one file in its artifact folder (no copy from a second attempt, no
 * temporary file from an interrupted write), facts that agree with the downloaded bytes, the expected number of
 * attempts, and the expected workflow runs. */
async function expectOneArtifact(
  report: PresentedReport,
  expected: { attempts: number; runs: string[] },
): Promise<void> {
  const folder = path.join(dataDir, 'artifacts/tenants', DEMO_TENANT_ID, 'reports', report.id, 'artifact');
  expect(await fs.readdir(folder)).toEqual([`${report.id}.${report.format}`]);
  expect(report).toMatchObject({
    status: 'ready',
    attempts: expected.attempts,
    error: null,
    progress: { stage: 'done', percent: 100 },
    artifact: { file_name: `${report.id}.${report.format}` },
  });
  const bytes = await api.download(report.id);
  expect(bytes.length).toBe(report.artifact!.size);
  expect(createHash('sha256').update(bytes).digest('hex')).toBe(report.artifact!.sha256);
  if (report.format === 'pdf') expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  expect((await workflowRuns(report.id)).map((r) => r.status)).toEqual(expected.runs);
}

describe('fault injection on the running service', () => {
  it('when the render worker is killed -9 mid-render and started again, then the report becomes ready with exactly one artifact', async () => {
    const id = await api.create(bulkReport());
    const { browser } = await waitUntilPrinting(id, worker);
    worker.signal('SIGKILL', { group: false });
    await worker.waitForExit(10_000);
    // Its browser sees the pipe close and exits: no orphan goes on printing.
    await waitUntilGone(browser, `the killed worker's browser (pid ${browser}) exiting`);
    worker = await services.startWorker({}, undefined, 'render');

    // The dead worker's render is found by its missed heartbeats (30 s) and retried on the new worker.
    const report = await api.waitForStatus(id, ['ready', 'failed'], 150_000, logs);
    await expectOneArtifact(report, { attempts: 1, runs: ['COMPLETED'] });
    expect(await renders(id)).toEqual([
      {
        type: 'renderPdf',
        attempt: 2,
        lastFailure: expect.objectContaining({ timeout: 'HEARTBEAT' }),
        outcome: 'completed',
      },
    ]);
  });

  it('when the render worker gets SIGTERM mid-render, then it hands the render back and exits, and a new one makes the report ready', async () => {
    const id = await api.create(bulkReport());
    const { browser } = await waitUntilPrinting(id, worker);
    worker.signal('SIGTERM', { group: false });
    expect(await worker.waitForExit(20_000)).toEqual({ code: 0, signal: null });
    await waitUntilGone(browser, `the stopped worker's browser (pid ${browser}) closing`);
    worker = await services.startWorker({}, undefined, 'render');

    const report = await api.waitForStatus(id, ['ready', 'failed'], 120_000, logs);
    await expectOneArtifact(report, { attempts: 1, runs: ['COMPLETED'] });
    // Handed back as a failed attempt, retried at once: not left for the heartbeat timeout to find.
    expect(await renders(id)).toEqual([
      {
        type: 'renderPdf',
        attempt: 2,
        lastFailure: { message: 'PDF render was cancelled', type: 'Error', timeout: undefined },
        outcome: 'completed',
      },
    ]);
  });

  it('when Chromium crashes while printing, then the activity is retried on a relaunched browser in the same worker', async () => {
    const id = await api.create(bulkReport());
    const { browser } = await waitUntilPrinting(id, worker);
    process.kill(browser, 'SIGKILL');

    const report = await api.waitForStatus(id, ['ready', 'failed'], 120_000, logs);
    await expectOneArtifact(report, { attempts: 1, runs: ['COMPLETED'] });
    expect(await renders(id)).toEqual([
      {
        type: 'renderPdf',
        attempt: 2,
        lastFailure: expect.objectContaining({ type: 'render_failed' }),
        outcome: 'completed',
      },
    ]);
    expect(worker.running).toBe(true);
    const relaunched = chromiumOf(worker).browser;
    expect(relaunched).toEqual(expect.any(Number));
    expect(relaunched).not.toBe(browser);
  });

  it('when the database stops for 10 s during a run, then the report still becomes ready after it returns', async () => {
    const id = await api.create(bulkReport());
    await waitUntilPrinting(id, worker);
    // The workers are held still while the database stops: FerretDB lets open connections finish before it exits,
    // and on a quick machine the run could end in those moments. Held, it cannot; it goes on once the database
    // is down.
    for (const w of [worker, steps]) w.signal('SIGSTOP', { group: true });
    try {
      expect((await api.get(id)).status).toBe('running');
      await stack.stop('ferretdb');
    } finally {
      for (const w of [worker, steps]) w.signal('SIGCONT', { group: true });
    }
    const stoppedAt = Date.now();
    try {
      await new Promise((r) => setTimeout(r, 10_000));
    } finally {
      await stack.start('ferretdb');
    }

    const report = await api.waitForStatus(id, ['ready', 'failed'], 120_000, logs);
    await expectOneArtifact(report, { attempts: 1, runs: ['COMPLETED'] });
    // The outage fell inside the run: the report was marked ready only once the database was back.
    expect(Date.parse(report.completed_at!)).toBeGreaterThan(stoppedAt);
  });

  // Stopped as an upgrade stops it, and killed as a crash would: the second is what its SQLite file must survive.
  it.each([
    ['restarts', 'stop'],
    ['is killed -9 and started again', 'kill'],
  ] as const)(
    'when the Temporal server %s with reports in flight, then they all finish, each with one artifact',
    async (_, how) => {
      // Two reports printing hold both render slots (RENDER_CONCURRENCY 2); the third waits for one.
      const ids = [await api.create(bulkReport()), await api.create(bulkReport()), await api.create(smallReport())];
      await Promise.all(ids.slice(0, 2).map((id) => waitUntilPrinting(id, worker)));
      await (how === 'stop' ? stack.stop('temporal') : stack.kill('temporal'));
      const stoppedAt = Date.now();
      await stack.start('temporal');

      const reports = await Promise.all(ids.map((id) => api.waitForStatus(id, ['ready', 'failed'], 150_000, logs)));
      for (const report of reports) {
        await expectOneArtifact(report, { attempts: 1, runs: ['COMPLETED'] });
        expect(Date.parse(report.completed_at!)).toBeGreaterThan(stoppedAt);
      }
    },
  );

  describe('a template error', () => {
    const partial = () => path.join(templatesDir, 'partials/summary.hbs');
    let original: string;

    beforeAll(async () => {
      original = await fs.readFile(partial(), 'utf8');
    });

    it('when a partial does not parse, then a render worker refuses to start and names the file', async () => {
      await fs.writeFile(partial(), `${original}\n{{#if summary.rows}}\n`);
      try {
        const broken = services.start('worker', {}, ['--role', 'render']);
        expect(await broken.waitForExit(30_000)).toEqual({ code: 1, signal: null });
        expect(broken.text()).toMatch(/^worker failed: Error: template summary\.hbs: Parse error on line \d+/m);
      } finally {
        await fs.writeFile(partial(), original);
      }
    });

    it('when a template names a field the data lacks, then the report fails after one render attempt with template_failed, and once it is fixed a retry makes it ready', async () => {
      expect(original).toContain('{{summary.rows}}');
      // Strict mode makes a misspelt field an error, as a template edit gone wrong would.
      await fs.writeFile(partial(), original.replace('{{summary.rows}}', '{{summary.rowz}}'));
      let id: string;
      try {
        await replaceWorker();
        id = await api.create(smallReport());
        const failed = await api.waitForStatus(id, ['ready', 'failed'], 60_000, logs);
        // The caller sees the code and the table's text; the template's own words stay in the history.
        expect(failed).toMatchObject({
          status: 'failed',
          attempts: 1,
          artifact: null,
          error: { code: 'template_failed', message: ERRORS.template_failed.shown },
        });
        // At once: no retry waits out its backoff for a render that would fail the same way.
        expect(Date.parse(failed.failed_at!) - Date.parse(failed.started_at!)).toBeLessThan(20_000);
        const [firstRun] = await workflowRuns(id);
        expect(firstRun.status).toBe('FAILED');
        // Exactly one render attempt, ended by a final failure naming the partial and Handlebars' error.
        expect(await renders(id, firstRun.runId)).toEqual([
          {
            type: 'renderPdf',
            attempt: 1,
            outcome: 'failed',
            failure: {
              type: 'template_failed',
              nonRetryable: true,
              message: expect.stringMatching(
                /^template partials\/summary\.hbs \(in report\.hbs\) failed on this report's data: "rowz" not defined/,
              ),
            },
          },
        ]);
        const ended = await temporal.workflow
          .getHandle(workflowId(id), firstRun.runId)
          .result()
          .then(
            () => undefined,
            (err: WorkflowFailedError) => err.cause,
          );
        expect(ended).toBeInstanceOf(ApplicationFailure);
        expect(ended).toMatchObject({ type: 'template_failed', nonRetryable: true });
      } finally {
        // The fix: the template put right and the worker restarted, since templates are read at start.
        await fs.writeFile(partial(), original);
        await replaceWorker();
      }

      expect(await api.retry(id)).toEqual({ status: 202, body: { id, status: 'queued', format: 'pdf', attempt: 2 } });
      const report = await api.waitForStatus(id, ['ready', 'failed'], 60_000, logs);
      await expectOneArtifact(report, { attempts: 2, runs: ['FAILED', 'COMPLETED'] });
    });
  });

  describe('an import whose worker dies', () => {
    /** A garak report of `hits` evaluated attempts, each hit by one detector. */
    function garakReport(hits: number): string {
      const setup = JSON.stringify({
        entry_type: 'start_run setup',
        '_config.version': '0.14.1',
        'transient.run_id': `faults-run-${randomBytes(4).toString('hex')}`,
        'transient.starttime_iso': '2026-06-01T08:00:00.000000',
      });
      const lines = [setup];
      for (let i = 0; i < hits; i++) {
        lines.push(
          JSON.stringify({
            entry_type: 'attempt',
            uuid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
            seq: i,
            status: 2,
            probe_classname: 'dan.Dan_11_0',
            prompt: { turns: [{ role: 'user', content: { text: `Pretend the rules are off, take ${i}.` } }] },
            outputs: [{ text: `Sure, rules are off (${i}).` }],
            detector_results: { 'dan.DAN': [1] },
          }),
        );
      }
      return `${lines.join('\n')}\n`;
    }

    it('when the steps worker is killed -9 while an import is storing, then a new one resumes it and stores every finding once', async () => {
      const body = garakReport(IMPORT_HITS);
      const auth = { authorization: `Bearer ${api.token}` };
      const started = await fetch(`${api.baseUrl}/api/v2/findings/imports?endpoint_id=${IMPORT_ENDPOINT}`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/octet-stream' },
        body,
      });
      expect(started.status).toBe(202);
      const { id } = (await started.json()) as { id: string };
      const read = async () => {
        const res = await fetch(`${api.baseUrl}/api/v2/findings/imports/${id}`, { headers: auth });
        return (await res.json()) as { status: string; progress: { phase: string; findings: number }; created: number };
      };
      // Killed once some batches are stored and others are not.
      await poll(
        `import ${id} storing`,
        async () => {
          const now = await read();
          return now.progress.phase === 'storing' && now.progress.findings >= 5_000 ? now : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 100, detail: logs },
      );
      steps.signal('SIGKILL', { group: false });
      await steps.waitForExit(10_000);
      steps = await services.startWorker({}, undefined, 'steps');

      // The dead worker's import is found by its missed heartbeats (30 s) and read again on the new one.
      const done = await poll(
        `import ${id} ended`,
        async () => {
          const now = await read();
          return now.status === 'succeeded' || now.status === 'failed' ? now : undefined;
        },
        { timeoutMs: 180_000, intervalMs: 500, detail: logs },
      );
      expect(done).toMatchObject({ status: 'succeeded', findings: IMPORT_HITS, created: IMPORT_HITS, duplicates: 0 });
      const mongo = new MongoClient(stack.mongoUrl, { serverSelectionTimeoutMS: 5_000 });
      try {
        // Every finding stored, and none written twice: no page repeats one.
        const where = { endpointId: IMPORT_ENDPOINT };
        const db = mongo.db('faults');
        expect([await countStored(db, where), await countCopies(db, where)]).toEqual([IMPORT_HITS, IMPORT_HITS]);
      } finally {
        await mongo.close();
      }
    });
  });
});
