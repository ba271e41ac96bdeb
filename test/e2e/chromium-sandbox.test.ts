import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs, readFileSync, readlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { STAGED_MODELS_MOVED } from '../../src/infra/storage/staging-upgrade';
import { readPdf } from '../support/pdf';
import { ROOT, ServiceProcess, descendants, poll, requireBuild } from '../support/processes';
import { stackEnv, uniqueSuffix } from '../support/stack';

/**
 * Chromium's own sandbox where the process is not root, as in the image (uid 1000): the built render worker, started
 * as such a user with CHROMIUM_SANDBOX left to auto, launches its browser with the sandbox, and the browser's
 * processes run in namespaces of their own under a seccomp filter. Run as root, the test starts the worker as uid
 * 1000; otherwise as the user running it. Needs the test stack (MongoDB) and a kernel that lets an unprivileged
 * user create user namespaces.
 */

jest.setTimeout(120_000);

const suffix = uniqueSuffix();
/** The image's user; any user but root would do. */
const USER = process.getuid?.() === 0 ? { uid: 1000, gid: 1000 } : {};
let mongo: MongoClient;
let dataDir: string;
let worker: ServiceProcess | undefined;
/** Folders above the checkout made traversable for that user, with the modes to put back. */
const opened: { dir: string; mode: number }[] = [];

/** Lets that user reach the built service: a checkout may sit below a folder only root may enter (a fresh
 * `mktemp -d`, a root home), which the user cannot pass to read `dist/`. Each folder above it gets the others'
 * search bit (not read) for the test's length. */
async function openPathTo(dir: string): Promise<void> {
  for (let d = path.dirname(dir); ; d = path.dirname(d)) {
    const { mode } = await fs.stat(d);
    if ((mode & 0o001) === 0) {
      opened.push({ dir: d, mode: mode & 0o7777 });
      await fs.chmod(d, (mode & 0o7777) | 0o001);
    }
    if (path.dirname(d) === d) return;
  }
}

beforeAll(async () => {
  await requireBuild();
  const stack = stackEnv();
  mongo = await new MongoClient(stack.mongoUrl).connect();
  // A database where a steps worker has run: the render worker takes work at once.
  await mongo.db(`e2e_sandbox_${suffix}`).collection<{ _id: string; at: Date }>('migrations').insertOne({
    _id: STAGED_MODELS_MOVED,
    at: new Date(),
  });
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'render-sandbox-'));
  if (USER.uid !== undefined) {
    await fs.chown(dataDir, USER.uid, USER.gid!);
    await openPathTo(ROOT);
  }
});

afterAll(async () => {
  if (worker?.running) {
    worker.signal('SIGTERM', { group: true });
    await worker.waitForExit(20_000).catch(() => worker?.signal('SIGKILL', { group: true }));
  }
  await mongo?.db(`e2e_sandbox_${suffix}`).dropDatabase();
  await mongo?.close();
  await fs.rm(dataDir, { recursive: true, force: true });
  for (const { dir, mode } of opened.reverse()) await fs.chmod(dir, mode);
});

/** What Chromium's sandbox makes of a process: its seccomp mode (2: a filter) and its user namespace. */
function confinement(pid: number): { seccomp: string; userns: string } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { seccomp: /^Seccomp:\s*(\d)/m.exec(status)?.[1] ?? '?', userns: readlinkSync(`/proc/${pid}/ns/user`) };
}

it('when the render worker runs as a user other than root, then Chromium runs in its own sandbox: other namespaces, a seccomp filter', async () => {
  const stack = stackEnv();
  const child = spawn(process.execPath, [path.join(ROOT, 'dist/src/main/worker.js'), '--role', 'render'], {
    ...USER,
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      HOME: dataDir,
      NODE_ENV: 'development',
      MONGO_URL: stack.mongoUrl,
      MONGO_DB: `e2e_sandbox_${suffix}`,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      TEMPORAL_TASK_QUEUE: `e2e-sandbox-${suffix}`,
      DATA_DIR: dataDir,
      STAGING_KEY: randomBytes(32).toString('base64'),
      CHROMIUM_PATH: stack.chromiumPath,
      WORKER_METRICS_ADDRESS: 'off',
      LOG_LEVEL: 'info',
    },
  });
  worker = new ServiceProcess('worker-render', child, () => undefined);
  await worker.waitForOutput(/"message":"worker running"/, 60_000);

  const running = JSON.parse(
    worker
      .text()
      .split('\n')
      .find((l) => l.includes('"worker running"'))!,
  );
  expect(running).toMatchObject({ role: 'render', chromiumSandbox: true });
  // The browser is launched at start-up: its renderer and utility processes are confined.
  const own = confinement(child.pid!).userns;
  const sandboxed = await poll(
    "a sandboxed process of the worker's Chromium",
    async () => {
      const found = descendants(child.pid!).map((p) => ({ pid: p.pid, ...confinement(p.pid) }));
      return found.some((p) => p.seccomp === '2' && p.userns !== own) ? found : undefined;
    },
    { timeoutMs: 15_000, detail: () => worker!.text() },
  );
  expect(sandboxed.filter((p) => p.userns !== own).length).toBeGreaterThan(0);
  // The worker itself is not confined: only what Chromium runs on the report's text.
  expect(confinement(child.pid!).seccomp).toBe('0');
});

it('when a page is printed by the sandboxed browser as that user, then the PDF comes out whole', async () => {
  // The built renderer in a process of that user, printing as the worker does: header, footer, A4.
  const script = `
    const { ChromiumPdfRenderer, chromiumSandboxFor } = require(${JSON.stringify(path.join(ROOT, 'dist/src/infra/render/chromium-pdf-renderer.js'))});
    (async () => {
      const sandbox = chromiumSandboxFor('auto', process.getuid());
      const pdf = new ChromiumPdfRenderer({ executablePath: process.env.CHROMIUM_PATH, sandbox });
      const bytes = await pdf.renderPdf('<!doctype html><title>Sandboxed</title><h1>Printed in the sandbox</h1>', {
        headerTemplate: '<span></span>', footerTemplate: '<span class="pageNumber"></span>', timeoutMs: 30000,
      });
      await pdf.close();
      process.stdout.write(JSON.stringify({ uid: process.getuid(), sandbox, pdf: bytes.toString('base64') }));
    })().catch((err) => { process.stderr.write(String(err)); process.exit(1); });
  `;
  const child = spawn(process.execPath, ['-e', script], {
    ...USER,
    cwd: dataDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH, HOME: dataDir, CHROMIUM_PATH: stackEnv().chromiumPath },
  });
  const printed = new ServiceProcess('renderer', child, () => undefined);
  expect(await printed.waitForExit(60_000)).toEqual({ code: 0, signal: null });

  const out = JSON.parse(printed.text()) as { uid: number; sandbox: boolean; pdf: string };
  expect(out.uid).not.toBe(0);
  expect(out.sandbox).toBe(true);
  const pdf = await readPdf(Buffer.from(out.pdf, 'base64'));
  expect(pdf.text).toContain('Printed in the sandbox');
});
