import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { promisify } from 'node:util';
import { MongoClient } from 'mongodb';
import { readPdf } from '../support/pdf';
import { ROOT, ServiceProcesses, freePort, requireBuild } from '../support/processes';
import { makeSigningKeys, productionEnv } from '../support/production';
import { stackEnv, uniqueSuffix } from '../support/stack';

/**
 * The operator quick start of docs/production.md, run as written: the shell block between its markers, in bash, against the
 * built API and the two workers in production mode (every secret configured, the keys outside DATA_DIR) on the test
 * stack, behind a TLS-terminating proxy as production requires (`PUBLIC_BASE_URL` is its https:// address, which
 * the signed download links point at). Only the two settings before the block (where the API answers, how the CLI
 * is run) and the proxy's certificate (trusted through curl's `CURL_CA_BUNDLE`) are this machine's.
 */

jest.setTimeout(240_000);

const run = promisify(execFile);
const suffix = uniqueSuffix();
let services: ServiceProcesses;
let base: string;
let dataDir: string;
let keysDir: string;
let workDir: string;
let mongo: MongoClient;
let proxy: https.Server;
let publicUrl: string;
let caFile: string;

/** A TLS-terminating proxy in front of the API at `target`, naming the client in `X-Forwarded-For`. */
async function startTlsProxy(target: string, tls: { key: Buffer; cert: Buffer }): Promise<https.Server> {
  const upstream = new URL(target);
  const server = https.createServer(tls, (req, res) => {
    const forwarded = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, 'x-forwarded-for': req.socket.remoteAddress ?? '', 'x-forwarded-proto': 'https' },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forwarded.on('error', () => res.writeHead(502).end());
    req.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** The shell commands of docs/production.md between the quick start's markers, without their fences. */
async function quickStart(): Promise<string> {
  const page = await fs.readFile(path.join(ROOT, 'docs', 'production.md'), 'utf8');
  const block = /<!-- operator-quickstart:begin -->\s*```sh\n([\s\S]*?)```\s*<!-- operator-quickstart:end -->/.exec(
    page,
  );
  if (!block) throw new Error('docs/production.md has no operator quick start between its markers');
  return block[1]!;
}

beforeAll(async () => {
  await requireBuild();
  const stack = stackEnv();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  dataDir = path.join(stack.dataDir, `e2e-quickstart-${suffix}`);
  keysDir = path.join(stack.dataDir, `e2e-quickstart-keys-${suffix}`);
  workDir = path.join(stack.dataDir, `e2e-quickstart-cwd-${suffix}`);
  await Promise.all([dataDir, keysDir, workDir].map((d) => fs.mkdir(d, { recursive: true })));
  const signingKeys = await makeSigningKeys(keysDir, '/CN=Quick start signing/O=Example Corp');
  const [tlsKey, tlsCert] = ['tls-key.pem', 'tls-cert.pem'].map((f) => path.join(keysDir, f));
  await run('openssl', [
    ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', tlsKey, '-out', tlsCert, '-days', '1'],
    ...['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
  ]);
  caFile = tlsCert;
  proxy = await startTlsProxy(base, { key: await fs.readFile(tlsKey), cert: await fs.readFile(tlsCert) });
  publicUrl = `https://127.0.0.1:${(proxy.address() as { port: number }).port}`;
  mongo = await new MongoClient(stack.mongoUrl).connect();
  services = new ServiceProcesses({
    ...(await productionEnv(stack, { name: `quickstart_${suffix}`, dataDir, port, publicBaseUrl: publicUrl })),
    ...signingKeys,
    TRUST_PROXY: 'loopback',
  });
  await Promise.all([services.startWorkers({ timeoutMs: 90_000 }), services.startServer()]);
});

afterAll(async () => {
  await services?.stopAll();
  await new Promise((resolve) => (proxy ? proxy.close(resolve) : resolve(undefined)));
  await mongo?.db(`e2e_quickstart_${suffix}`).dropDatabase();
  await mongo?.close();
  await Promise.all([dataDir, keysDir, workDir].map((d) => fs.rm(d, { recursive: true, force: true })));
});

it('when an operator runs the quick start of docs/production.md, then a new tenant gets a signed report that verifies against the published keys', async () => {
  const script = await quickStart();
  const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], {
    cwd: workDir,
    env: {
      ...services.env,
      CURL_CA_BUNDLE: caFile,
      API: publicUrl,
      CLI: `${process.execPath} ${path.join(ROOT, 'dist/src/main/cli.js')}`,
    },
    timeout: 180_000,
  }).catch((err: { stdout?: string; stderr?: string; message: string }) => {
    throw new Error(`${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}\n${services.logTail()}`);
  });

  expect(stdout).toContain('{"created":1,"duplicates":0}\n');
  const printed = /tenant (tnt_\S+): (rpt_\S+)\.pdf \((\d+) bytes\)/.exec(stdout);
  expect(printed).not.toBeNull();
  const [, tenantId, reportId] = printed!;
  const pdf = await readPdf(await fs.readFile(path.join(workDir, `${reportId}.pdf`)));
  expect(pdf.text).toContain('Q2 2026 AI security evidence');
  expect(pdf.text).toContain('System prompt disclosed on request');
  expect(pdf.text).toContain('CN=Quick start signing');
  const db = mongo.db(`e2e_quickstart_${suffix}`);
  expect(await db.collection('tenants').findOne({ _id: tenantId as never })).toMatchObject({ name: 'Example Corp' });
  // The report verifies against the published keys alone, as the quick start tells the auditor.
  const verified = await services.cli([
    'verify',
    path.join(workDir, `${reportId}.pdf`),
    '--jwks',
    `${base}/.well-known/jwks.json`,
  ]);
  expect([verified.code, verified.stdout]).toEqual([0, expect.stringMatching(/VALID/)]);
});
