import { promises as fs } from 'node:fs';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { documentedRequest } from '../fixtures/requests';
import { readPdf } from '../support/pdf';
import { ReportsApi, ServiceProcesses, freePort, requireBuild, type ServiceProcess } from '../support/processes';
import { makeSigningKeys, productionEnv } from '../support/production';
import { stackEnv, uniqueSuffix } from '../support/stack';

/**
 * The built API, steps worker and render worker in production mode, as a deployment runs them, on the test stack.
 * The render worker is handed every secret the other processes hold, each spoiled so that a process reading it
 * would refuse to start (a steps worker given the same environment does); it starts all the same and prints the
 * report, naming the signer it learnt from the published keys. Its configuration's contents are checked in
 * test/unit/production-config.test.ts; this shows the process never reads the rest.
 */

jest.setTimeout(180_000);

const suffix = uniqueSuffix();
const PUBLIC_BASE_URL = 'https://evidence.example.test';
const SUBJECT = 'CN=Render test signing, O=Example Corp';
let services: ServiceProcesses;
let base: string;
let dataDir: string;
let keysDir: string;
let api: ReportsApi;
let mongo: MongoClient;
/** What only the steps worker is given (the API's secrets are in every process's environment, as a careless
 * deployment might have it). */
let signingKeys: NodeJS.ProcessEnv;
/** The same variables, each as no process that read it would start with. */
const spoiled = {
  DOWNLOAD_URL_SECRET: 'short',
  ARTIFACT_MASTER_KEY: 'not base64!',
  SIGNING_P12_PATH: '', // set in beforeAll: a path inside DATA_DIR
  SIGNING_P12_PASSWORD: '',
  JWS_KEYS_DIR: '', // set in beforeAll: DATA_DIR itself
};
let render: ServiceProcess;

beforeAll(async () => {
  await requireBuild();
  const stack = stackEnv();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  dataDir = path.join(stack.dataDir, `e2e-render-role-${suffix}`);
  // Apart from DATA_DIR, as production requires: where an operator mounts the keys.
  keysDir = path.join(stack.dataDir, `e2e-render-role-keys-${suffix}`);
  await fs.mkdir(dataDir, { recursive: true });
  signingKeys = await makeSigningKeys(keysDir, '/CN=Render test signing/O=Example Corp');
  spoiled.SIGNING_P12_PATH = path.join(dataDir, 'pdf-signing.p12');
  spoiled.JWS_KEYS_DIR = dataDir;
  mongo = await new MongoClient(stack.mongoUrl).connect();
  services = new ServiceProcesses(
    await productionEnv(stack, { name: `render_${suffix}`, dataDir, port, publicBaseUrl: PUBLIC_BASE_URL }),
  );
});

afterAll(async () => {
  await services?.stopAll();
  await mongo?.db(`e2e_render_${suffix}`).dropDatabase();
  await mongo?.close();
  await fs.rm(dataDir, { recursive: true, force: true });
  await fs.rm(keysDir, { recursive: true, force: true });
});

it('when a steps worker is given the spoiled secrets, then it refuses to start naming them: they are not harmless', async () => {
  const steps = services.start('worker', spoiled, ['--role', 'steps']);

  expect(await steps.waitForExit(20_000)).toEqual({ code: 1, signal: null });
  for (const name of ['ARTIFACT_MASTER_KEY', 'SIGNING_P12_PASSWORD', 'SIGNING_P12_PATH']) {
    expect(steps.text()).toContain(`\n  - ${name}`);
  }
});

it('when the render worker is given them, then it starts, and with a steps worker and the API a report is printed, signed and verifiable', async () => {
  const seeded = await services.cli(['seed-demo']);
  expect(seeded.code).toBe(0);
  api = new ReportsApi(base, (JSON.parse(seeded.stdout) as { token: string }).token);
  // The render worker may start first: it takes work once a steps worker has started.
  const rendering = services.startWorker(spoiled, 90_000, 'render');
  await Promise.all([services.startWorker(signingKeys, 60_000, 'steps'), services.startServer()]);
  render = await rendering;

  const id = await api.create(documentedRequest(['ep_2026_abc123'], 'pdf'));
  const report = await api.waitForStatus(id, ['ready', 'failed'], 120_000, () => services.logTail());
  expect(report).toMatchObject({ status: 'ready', error: null });

  // The signed link points at the public address; the path and query are what the signature covers.
  const redirect = await fetch(`${base}/api/v2/reports/${id}/download`, {
    headers: { authorization: `Bearer ${api.token}` },
    redirect: 'manual',
  });
  const link = new URL(redirect.headers.get('location')!);
  expect(link.origin).toBe(PUBLIC_BASE_URL);
  const bytes = Buffer.from(await (await fetch(`${base}${link.pathname}${link.search}`)).arrayBuffer());
  const pdf = await readPdf(bytes);
  expect(pdf.text).toContain('Q2 2026 AI security evidence pack');
  // The render worker holds no certificate: it named the one the steps worker published, as the signature carries.
  expect(pdf.text).toContain(SUBJECT);
  const file = path.join(dataDir, `${id}.pdf`);
  await fs.writeFile(file, bytes);
  const verified = await services.cli(['verify', file, '--jwks', `${base}/.well-known/jwks.json`]);
  expect(verified.code).toBe(0);
  const keyId = /\(key (pdf-[0-9a-f]{16})\)/.exec(verified.stdout)?.[1];
  expect(keyId).toBeDefined();
  expect(pdf.text.replace(/\s+/g, '')).toContain(keyId);

  // In flight no longer: nothing of the report is left where the render worker reads.
  expect(await filesUnder(path.join(dataDir, 'staging'))).toEqual([]);
  expect(await filesUnder(path.join(dataDir, 'artifacts'))).toContain(`${id}.pdf`);
  expect(render.running).toBe(true);
  expect(render.text()).not.toMatch(/generated/);
});

/** The names of the files below `dir`, at any depth. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => e.name);
}
