/**
 * The user's CLI, `evidence`, as a CI pipeline runs it: the built program against the built API server and workers
 * on the test stack, with nothing but EVIDENCE_API and EVIDENCE_TOKEN.
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { readPdf } from '../support/pdf';
import { ROOT, ServiceProcesses, freePort, requireBuild, type ServiceProcess } from '../support/processes';
import { stackEnv, uniqueSuffix } from '../support/stack';

jest.setTimeout(240_000);

const execute = promisify(execFile);

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

const REPORT_FLAGS = [
  '--title',
  'Q2 2026 AI security evidence pack',
  '--framework',
  'OWASP_LLM',
  '--framework',
  'EU_AI_ACT',
  '--endpoint',
  'ep_2026_abc123',
  '--from',
  '2026-04-01',
  '--to',
  '2026-06-30',
];

describe('the evidence CLI against the running service', () => {
  const suffix = uniqueSuffix();
  let services: ServiceProcesses;
  let render: ServiceProcess;
  let base: string;
  let token: string;
  let work: string;
  /** The templates the render worker reads: a copy, so that one test can break it. */
  let templatesDir: string;

  /** Runs the built `evidence` program as a pipeline would, with the API's address and a token in its environment. */
  async function evidence(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Ran> {
    try {
      const { stdout, stderr } = await execute(
        process.execPath,
        [path.join(ROOT, 'dist/src/main/evidence.js'), ...args],
        {
          env: { PATH: process.env.PATH, EVIDENCE_API: base, EVIDENCE_TOKEN: token, ...env },
          cwd: work,
          timeout: 200_000,
        },
      );
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  }

  /** Replaces the render worker with one reading `templates`. */
  async function replaceRenderWorker(templates: string): Promise<void> {
    render.signal('SIGTERM', { group: true });
    await render.waitForExit(30_000);
    render = await services.startWorker({ TEMPLATES_DIR: templates, WORKER_METRICS_ADDRESS: 'off' }, 60_000, 'render');
  }

  beforeAll(async () => {
    await requireBuild();
    const stack = stackEnv();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const dataDir = path.join(stack.dataDir, `evidence-cli-${suffix}`);
    work = path.join(dataDir, 'pipeline');
    templatesDir = path.join(dataDir, 'templates');
    await fs.mkdir(work, { recursive: true });
    await fs.cp(path.join(ROOT, 'templates'), templatesDir, { recursive: true });
    services = new ServiceProcesses({
      ...process.env,
      MONGO_URL: stack.mongoUrl,
      MONGO_DB: `evidence_cli_${suffix}`,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      TEMPORAL_TASK_QUEUE: `evidence-cli-${suffix}`,
      DATA_DIR: dataDir,
      HTTP_PORT: String(port),
      OPS_PORT: String(await freePort()),
      PUBLIC_BASE_URL: base,
      CHROMIUM_PATH: stack.chromiumPath,
      TEMPLATES_DIR: templatesDir,
      LOG_LEVEL: 'warn',
      WORKER_METRICS_ADDRESS: 'off',
    });
    const seeded = await services.cli(['seed-demo']);
    if (seeded.code !== 0) throw new Error(`seed-demo failed: ${seeded.stderr}`);
    token = (JSON.parse(seeded.stdout) as { token: string }).token;
    [{ render }] = await Promise.all([services.startWorkers(), services.startServer()]);
  });

  afterAll(async () => {
    await services?.stopAll();
  });

  it('when a report is created with --wait --download, then <id>.pdf is saved, progress is shown, and evidence verify accepts it', async () => {
    const created = await evidence(['reports', 'create', ...REPORT_FLAGS, '--wait', '--download', 'out']);
    expect(created.code).toBe(0);
    const id = /^id +(rpt_\w+)$/m.exec(created.stdout)?.[1];
    expect(id).toBeDefined();
    expect(created.stdout).toMatch(/^status +ready \(done 100%, attempt 1\)$/m);
    expect(created.stdout).toContain(`saved     ${path.join('out', `${id}.pdf`)}`);
    // Not a terminal: a line each time the status, stage or percent changed, from queued to done.
    const progress = created.stderr.split('\n').filter((l) => l.startsWith(`${id} `));
    expect(progress[0]).toMatch(new RegExp(`^${id} (queued queued|running \\w+) \\d+%$`));
    expect(progress[progress.length - 1]).toBe(`${id} ready done 100%`);
    expect(new Set(progress).size).toBe(progress.length);

    const file = path.join(work, 'out', `${id}.pdf`);
    const pdf = await readPdf(await fs.readFile(file));
    expect(pdf.text).toContain('Q2 2026 AI security evidence pack');

    // The published keys come from EVIDENCE_API; no token is needed to check an artifact.
    const verified = await evidence(['verify', file], { EVIDENCE_TOKEN: '' });
    expect(verified).toEqual({
      code: 0,
      stdout: expect.stringMatching(new RegExp(`^VALID: .*${id}\\.pdf \\[pdf\\] \\(key pdf-[0-9a-f]{16}\\)`)),
      stderr: '',
    });
    const tampered = Buffer.from(await fs.readFile(file));
    tampered[Math.floor(tampered.length / 4)] ^= 1;
    await fs.writeFile(path.join(work, 'tampered.pdf'), tampered);
    const refused = await evidence(['verify', 'tampered.pdf']);
    expect([refused.code, refused.stdout]).toEqual([1, expect.stringMatching(/^INVALID: tampered\.pdf \[pdf\]/)]);
  });

  it('when --json is given, then stdout is one JSON document: the report and the saved JSON export with its signature', async () => {
    const created = await evidence([
      'reports',
      'create',
      ...REPORT_FLAGS,
      '--format',
      'json',
      '--download',
      'json-out',
      '--json',
    ]);
    expect(created.code).toBe(0);
    const answer = JSON.parse(created.stdout) as {
      report: { id: string; status: string; format: string; artifact: { sha256: string } };
      download: { path: string; sha256: string; signature_path: string };
    };
    const id = answer.report.id;
    expect(answer.report).toMatchObject({ status: 'ready', format: 'json' });
    expect(answer.download).toMatchObject({
      id,
      path: path.join('json-out', `${id}.json`),
      sha256: answer.report.artifact.sha256,
      signature_path: path.join('json-out', `${id}.json.jws`),
    });
    const verified = await evidence(['verify', answer.download.path, '--json']);
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ file: answer.download.path, valid: true, kind: 'json' });

    const listed = await evidence(['reports', 'list', '--json']);
    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.stdout) as { data: { id: string }[] }).data.map((r) => r.id)).toContain(id);
    const got = await evidence(['reports', 'get', id, '--json']);
    expect(JSON.parse(got.stdout)).toMatchObject({ id, status: 'ready' });
  });

  it('when the report fails, then --wait exits 1 with its error, and a retry once it is fixed exits 0', async () => {
    const partial = path.join(templatesDir, 'partials/summary.hbs');
    const original = await fs.readFile(partial, 'utf8');
    expect(original).toContain('{{summary.rows}}');
    // A field the data lacks: strict templates make it a render failure that no retry of the activity can mend.
    await fs.writeFile(partial, original.replace('{{summary.rows}}', '{{summary.rowz}}'));
    let failed: Ran;
    try {
      await replaceRenderWorker(templatesDir);
      failed = await evidence(['reports', 'create', ...REPORT_FLAGS, '--wait']);
    } finally {
      await fs.writeFile(partial, original);
    }
    expect(failed.code).toBe(1);
    const id = /^id +(rpt_\w+)$/m.exec(failed.stdout)?.[1];
    expect(failed.stdout).toMatch(/^status +failed \(failed \d+%, attempt 1\)$/m);
    expect(failed.stderr).toMatch(new RegExp(`^report ${id} failed: template_failed: .+$`, 'm'));

    await replaceRenderWorker(templatesDir);
    const retried = await evidence(['reports', 'retry', id!, '--wait', '--json']);
    expect(retried.code).toBe(0);
    expect(JSON.parse(retried.stdout)).toMatchObject({ id, status: 'ready', attempts: 2 });
  });

  it('when the API refuses a request, then the CLI exits 1 printing its code and message, and --json carries them', async () => {
    const args = [
      'reports',
      'create',
      ...REPORT_FLAGS.slice(0, 2),
      '--framework',
      'OWASP_LLM_2023',
      ...REPORT_FLAGS.slice(6),
    ];
    const refused = await evidence(args);
    expect(refused).toEqual({
      code: 1,
      stdout: '',
      // The API's own words, which name the field, the value and what is allowed, on one line.
      stderr: expect.stringMatching(/^error: framework_unknown: frameworks\[0\]: "OWASP_LLM_2023" .*OWASP_LLM, .*\n$/),
    });
    const asJson = await evidence([...args, '--json']);
    expect(asJson.code).toBe(1);
    expect(JSON.parse(asJson.stdout)).toEqual({
      error: expect.objectContaining({ status: 400, code: 'framework_unknown', message: expect.any(String) }),
    });
    const unknownToken = await evidence(['reports', 'list'], { EVIDENCE_TOKEN: 'not-a-token-of-anyone-at-all' });
    expect([unknownToken.code, unknownToken.stderr]).toEqual([1, expect.stringMatching(/^error: unauthenticated: /)]);
  });

  it('when a flag is misspelt, then it exits 2 with the usage and sends nothing', async () => {
    const before = await evidence(['reports', 'list', '--json']);
    const res = await evidence(['reports', 'create', ...REPORT_FLAGS, '--wiat']);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/^evidence reports create: --wiat is not a flag of this command; its flags are /);
    expect(res.stderr).toContain('usage:\n  evidence reports create --title <text>');
    const after = await evidence(['reports', 'list', '--json']);
    expect(JSON.parse(after.stdout)).toEqual(JSON.parse(before.stdout));
  });

  it('when a team registers an endpoint and imports its garak report with --wait, then the findings are stored', async () => {
    const endpoint = await evidence(['endpoints', 'create', '--name', `rag-search-${suffix}`, '--json']);
    expect(endpoint.code).toBe(0);
    const { id } = JSON.parse(endpoint.stdout) as { id: string };
    const listed = await evidence(['endpoints', 'list', '--limit', '100']);
    expect(listed.stdout).toContain(`${id}  rag-search-${suffix}`);

    const fixture = path.join(ROOT, 'test/fixtures/scanners/garak-0.14-report.jsonl');
    const imported = await evidence(['import', fixture, '--endpoint', id, '--wait', '--json']);
    expect(imported.code).toBe(0);
    const job = JSON.parse(imported.stdout) as { status: string; format: string; findings: number; created: number };
    expect(job).toMatchObject({ status: 'succeeded', format: 'garak-report', error: null });
    expect(job.findings).toBeGreaterThan(0);
    expect(job.created).toBe(job.findings);
    expect(imported.stderr).toMatch(/^import imp_\w+ started \(\d+ bytes sent\)\n/);
    expect(imported.stderr).toMatch(/ succeeded done 100% \d+ findings\n$/);
  });
});
