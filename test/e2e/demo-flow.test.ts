import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { chromium } from 'playwright-core';
import { DEMO_ENDPOINTS, DEMO_TENANT_ID } from '../../src/demo/demo-data';
import { documentedRequest } from '../fixtures/requests';
import { readPdf } from '../support/pdf';
import { ReportsApi, ServiceProcesses, freePort, requireBuild, type ServiceProcess } from '../support/processes';
import { stackEnv, uniqueSuffix } from '../support/stack';

jest.setTimeout(180_000);

/** The built server, the two workers (`--role steps` and `--role render`) and the CLI, started as a user starts them,
 * on the test stack. */
describe('the built service, run as processes', () => {
  const suffix = uniqueSuffix();
  let services: ServiceProcesses;
  let reportId: string;
  let env: NodeJS.ProcessEnv;
  let base: string;
  let token: string;
  let server: ServiceProcess;
  /** Where the render worker serves its metrics; the steps worker's are at WORKER_METRICS_ADDRESS. */
  let renderMetrics: string;

  async function cli(args: string[]): Promise<{ code: number; stdout: string }> {
    const { code, stdout } = await services.cli(args);
    return { code, stdout };
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
      OPS_PORT: String(await freePort()),
      PUBLIC_BASE_URL: base,
      CHROMIUM_PATH: stack.chromiumPath,
      LOG_LEVEL: 'warn',
      WORKER_METRICS_ADDRESS: `127.0.0.1:${await freePort()}`,
    };
    await requireBuild();
    services = new ServiceProcesses(env);
    const seeded = await services.cli(['seed-demo']);
    if (seeded.code !== 0) throw new Error(`seed-demo failed: ${seeded.stderr}`);
    token = JSON.parse(seeded.stdout).token;
    renderMetrics = `127.0.0.1:${await freePort()}`;
    [, server] = await Promise.all([
      services.startWorkers({ renderMetricsAddress: renderMetrics }),
      services.startServer(),
    ]);
  });

  afterAll(async () => {
    await services?.stopAll();
  });

  it('when the seeding runs again, then it adds no data and still prints a working token', async () => {
    const again = await cli(['seed-demo']);
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

    const report = await new ReportsApi(base, token).waitForStatus(id, ['ready', 'failed'], 120_000, () =>
      services.logTail(),
    );
    expect(report.status).toBe('ready');

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

  it("when the report is ready, then the workers' metrics show the stages' latencies and create-to-ready time", async () => {
    const metricsOf = async (address: string) => {
      const res = await fetch(`http://${address}/metrics`);
      expect(res.status).toBe(200);
      return res.text();
    };
    const latency = (stage: string) =>
      new RegExp(`temporal_activity_execution_latency\\w*\\{[^}]*activity_type="${stage}"`);
    const [steps, render] = [await metricsOf(env.WORKER_METRICS_ADDRESS!), await metricsOf(renderMetrics)];
    for (const stage of ['collectFindings', 'buildReportModel', 'signArtifact', 'markReady']) {
      expect(steps).toMatch(latency(stage));
      expect(render).not.toMatch(latency(stage));
    }
    // Printed by the render worker alone.
    expect(render).toMatch(latency('renderPdf'));
    expect(steps).not.toMatch(latency('renderPdf'));
    expect(render).toMatch(/temporal_activity_schedule_to_start_latency/);
    expect(steps).toMatch(/report_create_to_ready\w*\{[^}]*format="pdf"/);
  });

  it('when a team imports its garak report with the CLI, then a report over that endpoint has rows from it', async () => {
    const fixture = path.join(__dirname, '../fixtures/scanners/garak-0.14-report.jsonl');
    const imported = await services.cli([
      'import',
      fixture,
      '--tenant',
      DEMO_TENANT_ID,
      '--endpoint',
      'ep_2026_ragsearch01',
    ]);
    expect(imported.code).toBe(0);
    const result = JSON.parse(imported.stdout) as { format: string; findings: number; created: number };
    expect(result).toMatchObject({ format: 'garak-report', tool: 'garak' });
    expect(result.findings).toBeGreaterThan(0);
    expect(result.created).toBe(result.findings);
    expect(result).toMatchObject({ status: 'succeeded', error: null });
    // Not a terminal: the progress of the job goes to stderr as lines, ending when it is done.
    expect(imported.stderr).toMatch(/^import imp_\d{4}_\w+ started/);
    expect(imported.stderr).toMatch(/done +100%, \d+ findings stored\n$/);

    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const created = await fetch(`${base}/api/v2/reports`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        title: 'garak run of November',
        frameworks: ['OWASP_LLM', 'EU_AI_ACT'],
        scope: { endpoint_ids: ['ep_2026_ragsearch01'], from: '2025-11-01', to: '2025-11-30' },
        format: 'json',
      }),
    });
    const { id } = (await created.json()) as { id: string };
    const report = await new ReportsApi(base, token).waitForStatus(id, ['ready', 'failed'], 120_000, () =>
      services.logTail(),
    );
    expect(report.status).toBe('ready');
    const json = (await (await fetch(`${base}/api/v2/reports/${id}/download`, { headers: auth })).json()) as {
      rows: { title: string }[];
      summary: { findings: number };
    };
    expect(json.summary.findings).toBe(result.findings);
    expect(json.rows.every((r) => r.title.includes('(garak '))).toBe(true);
  });

  it('when the API is told to stop while an upload is in flight, then the upload completes and the process exits 0', async () => {
    const lines = (await fs.readFile(path.join(__dirname, '../fixtures/scanners/garak-0.10-hitlog.jsonl'), 'utf8'))
      .split('\n')
      .filter((l) => l.trim() !== '');
    let sent = 0;
    // One line every 100 ms: the upload is still arriving when SIGTERM comes.
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent === lines.length) {
          controller.close();
          return;
        }
        if (sent === 2) server.signal('SIGTERM', { group: false });
        controller.enqueue(new TextEncoder().encode(`${lines[sent++]}\n`));
        await new Promise((r) => setTimeout(r, 100));
      },
    });
    const res = await fetch(`${base}/api/v2/findings/imports?endpoint_id=ep_2026_agentops01`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
      body,
      duplex: 'half',
    } as RequestInit);
    // The upload arrived whole and its import job was started, for a worker to run.
    expect(res.status).toBe(202);
    const bytes = lines.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
    expect(await res.json()).toMatchObject({ status: 'queued', file_bytes: bytes, error: null });
    expect(await server.waitForExit(20_000)).toEqual({ code: 0, signal: null });
    await expect(fetch(`${base}/.well-known/jwks.json`)).rejects.toThrow();
  });
});
