import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { chromium } from 'playwright-core';
import { DEMO_ENDPOINTS, DEMO_TENANT_ID } from '../../src/demo/demo-data';
import { documentedRequest } from '../fixtures/requests';
import { readPdf } from '../support/pdf';
import { stackEnv, uniqueSuffix } from '../support/stack';

jest.setTimeout(180_000);

const root = path.resolve(__dirname, '../..');
const run = promisify(execFile);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** The built server, worker and CLI, started as a user starts them, on the test stack. */
describe('the built service, run as processes', () => {
  const suffix = uniqueSuffix();
  const processes: ChildProcess[] = [];
  const logs: string[] = [];
  let reportId: string;
  let env: NodeJS.ProcessEnv;
  let base: string;
  let token: string;

  async function cli(args: string[]): Promise<{ code: number; stdout: string }> {
    try {
      const { stdout } = await run(process.execPath, [path.join(root, 'dist/src/main/cli.js'), ...args], {
        env,
        cwd: root,
      });
      return { code: 0, stdout };
    } catch (err) {
      const e = err as { code?: number; stdout?: string };
      return { code: e.code ?? -1, stdout: e.stdout ?? '' };
    }
  }

  function start(script: string): ChildProcess {
    const child = spawn(process.execPath, [path.join(root, 'dist/src/main', script)], { env, cwd: root });
    child.stdout?.on('data', (d: Buffer) => logs.push(`[${script}] ${d.toString()}`));
    child.stderr?.on('data', (d: Buffer) => logs.push(`[${script}] ${d.toString()}`));
    processes.push(child);
    return child;
  }

  beforeAll(async () => {
    const stack = stackEnv();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    env = {
      ...process.env,
      MONGO_URL: stack.mongoUrl,
      MONGO_DB: `e2e_${suffix}`,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      TEMPORAL_TASK_QUEUE: `e2e-${suffix}`,
      DATA_DIR: path.join(stack.dataDir, `e2e-${suffix}`),
      HTTP_PORT: String(port),
      PUBLIC_BASE_URL: base,
      CHROMIUM_PATH: stack.chromiumPath,
      LOG_LEVEL: 'warn',
      WORKER_METRICS_ADDRESS: `127.0.0.1:${await freePort()}`,
    };
    await fs.access(path.join(root, 'dist/src/main/server.js')).catch(() => {
      throw new Error('dist/ is missing: the e2e suite runs the built service (npm run build)');
    });
    const seeded = await run(process.execPath, [path.join(root, 'dist/src/main/cli.js'), 'seed-demo'], {
      env,
      cwd: root,
    });
    token = JSON.parse(seeded.stdout).token;
    start('worker.js');
    start('server.js');
    const deadline = Date.now() + 30_000;
    for (;;) {
      const ok = await fetch(`${base}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`server did not answer /healthz:\n${logs.join('')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  afterAll(async () => {
    for (const p of processes) p.kill('SIGTERM');
    await Promise.all(processes.map((p) => (p.exitCode === null ? new Promise((r) => p.once('exit', r)) : undefined)));
  });

  it('when the seeding runs again, then it adds no data and still prints a working token', async () => {
    const again = await run(process.execPath, [path.join(root, 'dist/src/main/cli.js'), 'seed-demo'], {
      env,
      cwd: root,
    });
    const printed = JSON.parse(again.stdout);
    expect(printed.tenant_id).toBe(DEMO_TENANT_ID);
    expect(printed.endpoint_ids).toEqual(DEMO_ENDPOINTS.map((e) => e.id));
    const res = await fetch(`${base}/api/v2/reports`, { headers: { authorization: `Bearer ${printed.token}` } });
    expect(res.status).toBe(200);
  });

  it('when the documented create, poll and download run, then a multi-page PDF named after the report arrives', async () => {
    const auth = { authorization: `Bearer ${token}` };
    const created = await fetch(`${base}/api/v2/reports`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify(documentedRequest(['ep_2026_abc123'], 'pdf')),
    });
    expect(created.status).toBe(202);
    const { id } = (await created.json()) as { id: string };
    reportId = id;

    let status = 'queued';
    const deadline = Date.now() + 120_000;
    while (status === 'queued' || status === 'running') {
      if (Date.now() > deadline) throw new Error(`report still ${status}:\n${logs.join('')}`);
      await new Promise((r) => setTimeout(r, 500));
      status = ((await (await fetch(`${base}/api/v2/reports/${id}`, { headers: auth })).json()) as { status: string })
        .status;
    }
    expect(status).toBe('ready');

    // As `curl -fOJL` does: follow the redirect and save under the Content-Disposition name.
    const download = await fetch(`${base}/api/v2/reports/${id}/download`, { headers: auth });
    expect(download.status).toBe(200);
    expect(download.url.startsWith(`${base}/api/v2/artifacts/${id}/`)).toBe(true);
    expect(download.headers.get('content-disposition')).toBe(`attachment; filename="${id}.pdf"`);
    const bytes = Buffer.from(await download.arrayBuffer());
    const pdf = await readPdf(bytes);
    expect(pdf.pages).toBeGreaterThan(2);
    expect(pdf.text).toContain('Q2 2026 AI security evidence pack');
    expect(pdf.text).toContain('Direct prompt injection overrides the system prompt');
    // Out of scope: other endpoints' weaknesses and the info-severity finding.
    expect(pdf.text).not.toContain('Poisoned ticket influences later answers');
    expect(pdf.text).not.toContain('Unpinned third-party model adapter');
    // Hostile evidence prints as text.
    expect(pdf.text).toContain('<script>fetch(');

    // What an auditor runs: the verify command with nothing but the published keys.
    const file = path.join(env.DATA_DIR!, `${id}.pdf`);
    await fs.writeFile(file, bytes);
    const jwks = `${base}/.well-known/jwks.json`;
    expect(await cli(['verify', file, '--jwks', jwks])).toEqual({
      code: 0,
      stdout: expect.stringMatching(new RegExp(`^VALID: .*${id}\\.pdf \\[pdf\\] \\(key pdf-[0-9a-f]{16}\\)`)),
    });
    const tampered = Buffer.from(bytes);
    // One bit, a quarter of the way in: page content, well inside the signed byte range.
    tampered[Math.floor(tampered.length / 4)] ^= 1;
    await fs.writeFile(file, tampered);
    expect(await cli(['verify', file, '--jwks', jwks])).toEqual({
      code: 1,
      stdout: expect.stringMatching(/^INVALID: /),
    });

    const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS! });
    try {
      const client = new Client({ connection });
      const found: string[] = [];
      const query = `TenantId="${DEMO_TENANT_ID}" AND ReportStatus="ready" AND ReportFormat="pdf" AND TaskQueue="${env.TEMPORAL_TASK_QUEUE}"`;
      for await (const wf of client.workflow.list({ query })) found.push(wf.workflowId);
      expect(found).toEqual([`report-${id}`]);
    } finally {
      await connection.close();
    }
  });

  it("when an operator filters the Temporal Web UI by tenant and status, then the report's workflow is listed", async () => {
    const ui = process.env.TEST_TEMPORAL_UI_URL;
    if (!ui) throw new Error('TEST_TEMPORAL_UI_URL is not set: run the suite with ./scripts/test.sh');
    const query = `TenantId="${DEMO_TENANT_ID}" AND ReportStatus="ready" AND TaskQueue="${env.TEMPORAL_TASK_QUEUE}"`;
    // The Web UI is an application of its own: it needs JavaScript, unlike the report renderer's pages.
    const browser = await chromium.launch({ executablePath: stackEnv().chromiumPath });
    try {
      const page = await browser.newPage();
      await page.goto(`${ui}/namespaces/default/workflows?query=${encodeURIComponent(query)}`);
      await page.getByText(`report-${reportId}`).first().waitFor({ timeout: 30_000 });
      await page.goto(`${ui}/namespaces/default/workflows/report-${reportId}`);
      await page.getByText('generateReportWorkflow').first().waitFor({ timeout: 30_000 });
    } finally {
      await browser.close();
    }
  });

  it("when the report is ready, then the worker's metrics show the stages' latencies and create-to-ready time", async () => {
    const res = await fetch(`http://${env.WORKER_METRICS_ADDRESS}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    for (const stage of ['collectFindings', 'buildReportModel', 'renderPdf', 'signArtifact', 'markReady']) {
      expect(text).toMatch(new RegExp(`temporal_activity_execution_latency\\w*\\{[^}]*activity_type="${stage}"`));
    }
    expect(text).toMatch(/temporal_activity_schedule_to_start_latency/);
    expect(text).toMatch(/report_create_to_ready\w*\{[^}]*format="pdf"/);
  });
});
