import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { DEMO_TENANT_ID } from '../../src/demo/demo-data';
import { documentedRequest } from '../fixtures/requests';
import { ROOT, ReportsApi, ServiceProcesses, freePort, requireBuild, tail } from '../support/processes';
import { stackEnv, uniqueSuffix } from '../support/stack';
import { SCOPES } from '../../src/domain/tokens';

/**
 * Schemathesis, an outside fuzzer, holds the built API to its OpenAPI document: it reads the document the server
 * serves, generates requests for every operation (examples, boundary and wrong-typed values, random ones) and follows
 * the document's links through create → read → download, and fails on any answer that is a 5xx, has a status, content
 * type, body or headers the document does not give for it. The server and worker run as deployed, on the test stack,
 * over a seeded tenant (endpoints, findings, runs and a ready report) so that operations find something; the operator
 * API is fuzzed with an operator token.
 *
 * The default run sends a bounded number of cases per operation (FUZZ_MAX_EXAMPLES, 10) with a fixed seed (FUZZ_SEED,
 * 1), so CI repeats the same run in a couple of minutes; a longer search raises either ("The fuzzer" in docs/api.md).
 * test/e2e/fuzz/ holds its settings and the one hook that keeps the run from revoking its own tokens or stopping its
 * own tenant.
 */

const execute = promisify(execFile);
const SCHEMATHESIS = path.join(ROOT, '.tools/bin/schemathesis');
const CONFIG = path.join(ROOT, 'test/e2e/fuzz/schemathesis.toml');

/** Cases per operation and phase; the default keeps the run at about two minutes on two cores. */
const MAX_EXAMPLES = positiveInt('FUZZ_MAX_EXAMPLES', 10);
const SEED = positiveInt('FUZZ_SEED', 1);
/** What the default run must at least send, so that a change which quietly shrinks the run (an operation dropped
 * from the document, a phase that stops generating) fails here. */
const MIN_CASES = 2_000;

/** Schemathesis's own time is bounded by the cases it sends; this only stops a run that hangs. */
const RUN_TIMEOUT_MS = Math.max(15, MAX_EXAMPLES * 1.5) * 60_000;
jest.setTimeout(RUN_TIMEOUT_MS + 240_000);

/** Every scope a tenant's token can hold, so that no operation is only ever refused for a missing one. */
const ALL_SCOPES = SCOPES.join(',');

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^[1-9][0-9]*$/.test(raw)) throw new Error(`${name} must be a whole number from 1, got "${raw}"`);
  return Number(raw);
}

describe('the API under an outside fuzzer', () => {
  const suffix = uniqueSuffix();
  let services: ServiceProcesses;
  let base: string;
  let env: NodeJS.ProcessEnv;
  const kept = { tokens: [] as string[], tenantToken: '', operatorToken: '' };

  /** Runs one CLI command that must succeed and prints JSON; returns what it printed. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async function cli(args: string[]): Promise<Record<string, any>> {
    const res = await services.cli(args);
    if (res.code !== 0) throw new Error(`cli ${args.join(' ')} exited ${res.code}: ${res.stderr}`);
    return JSON.parse(res.stdout);
  }

  beforeAll(async () => {
    await requireBuild();
    await fs.access(SCHEMATHESIS).catch(() => {
      throw new Error(`${SCHEMATHESIS} is missing: scripts/install.sh installs Schemathesis into .tools`);
    });
    const stack = stackEnv();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    env = {
      ...process.env,
      MONGO_URL: stack.mongoUrl,
      MONGO_DB: `e2e_fuzz_${suffix}`,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      TEMPORAL_TASK_QUEUE: `e2e-fuzz-${suffix}`,
      DATA_DIR: path.join(stack.dataDir, `e2e-fuzz-${suffix}`),
      HTTP_PORT: String(port),
      OPS_PORT: String(await freePort()),
      PUBLIC_BASE_URL: base,
      CHROMIUM_PATH: stack.chromiumPath,
      LOG_LEVEL: 'warn',
      WORKER_METRICS_ADDRESS: 'off',
      // One client sends thousands of requests a minute here; the limits themselves have tests of their own
      // (rate-limit.test.ts), and are raised through their settings, not switched off.
      RATE_LIMIT_PER_MINUTE: '1000000',
      RATE_LIMIT_BURST: '100000',
      UNAUTH_RATE_LIMIT_PER_MINUTE: '1000000',
      UNAUTH_RATE_LIMIT_BURST: '100000',
    };
    services = new ServiceProcesses(env);
    await cli(['seed-demo']);
    const tenant = await cli(['mint-token', DEMO_TENANT_ID, ALL_SCOPES]);
    const operator = await cli(['operator-token', 'create', '--name', 'fuzzer']);
    kept.tenantToken = tenant.token;
    kept.operatorToken = operator.token;
    kept.tokens = [tenant.token_id, operator.id];
    await Promise.all([services.startWorker(), services.startServer()]);

    // A ready report, so that download, approval and legal holds have something to act on besides what the fuzzer
    // creates (whose reports are mostly still queued when it reads them).
    const reports = new ReportsApi(base, kept.tenantToken);
    const id = await reports.create(documentedRequest(['ep_2026_abc123'], 'pdf'));
    const ready = await reports.waitForStatus(id, ['ready', 'failed'], 120_000, () => services.logTail());
    expect(ready.status).toBe('ready');
  });

  afterAll(async () => {
    await services?.stopAll();
  });

  it(`when Schemathesis runs every operation of the served document, then it finds no failure (at least ${MIN_CASES} cases)`, async () => {
    const reportDir = path.join(env.DATA_DIR!, 'schemathesis');
    const args = [
      '--config-file',
      CONFIG,
      'run',
      `${base}/api/v2/openapi.json`,
      '--url',
      base,
      '--seed',
      String(SEED),
      '--max-examples',
      String(MAX_EXAMPLES),
      '--no-color',
      '--report',
      'junit,ndjson',
      '--report-dir',
      reportDir,
    ];
    let code = 0;
    let stdout = '';
    let stderr = '';
    try {
      ({ stdout, stderr } = await execute(SCHEMATHESIS, args, {
        cwd: ROOT,
        env: {
          ...process.env,
          FUZZ_TENANT_TOKEN: kept.tenantToken,
          FUZZ_OPERATOR_TOKEN: kept.operatorToken,
          FUZZ_KEPT_TOKEN_IDS: kept.tokens.join(','),
          FUZZ_KEPT_TENANT_IDS: DEMO_TENANT_ID,
          // Hypothesis (Schemathesis's generator) keeps caches in the working directory otherwise.
          HYPOTHESIS_STORAGE_DIRECTORY: path.join(reportDir, 'hypothesis'),
        },
        timeout: RUN_TIMEOUT_MS,
        maxBuffer: 256 * 1024 * 1024,
      }));
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      code = typeof e.code === 'number' ? e.code : -1;
      stdout = e.stdout ?? '';
      stderr = e.stderr ?? String(err);
    }
    // Schemathesis prints the schemas and bodies of what it reports; a line over a few hundred characters is
    // a traceback's source dump, kept whole in the reports.
    const shown = stdout
      .split('\n')
      .filter((line) => line.length < 400)
      .join('\n');
    const counted = /(\d+) generated, /.exec(stdout);
    const cases = counted ? Number(counted[1]) : 0;
    console.log(
      `Schemathesis (seed ${SEED}, ${MAX_EXAMPLES} per operation): ${cases} cases; reports in ${reportDir}\n` +
        tail(shown, 40),
    );
    if (code !== 0) {
      throw new Error(
        `Schemathesis exited ${code}:\n${tail(shown, 400)}\n${stderr}\nreports: ${reportDir}\n${services.logTail()}`,
      );
    }
    expect(stdout).toMatch(/\d+ generated, \d+ passed/);
    expect(cases).toBeGreaterThanOrEqual(MIN_CASES);
  });
});
