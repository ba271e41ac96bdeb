import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promises as fs, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

/** The repository root: the built service runs from here, as a user runs it. */
export const ROOT = path.resolve(__dirname, '../..');

const run = promisify(execFile);

/** A TCP port nothing listens on right now, chosen by the kernel. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Fails when the built service is missing: these tests run dist/, never the sources. */
export async function requireBuild(): Promise<void> {
  await fs.access(path.join(ROOT, 'dist/src/main/server.js')).catch(() => {
    throw new Error('dist/ is missing: the e2e suite runs the built service (npm run build)');
  });
}

/** Calls `check` until it returns something other than undefined, and returns that. On timeout, throws naming
 * what was awaited, with `detail()` (e.g. the last state seen and the processes' logs). Errors thrown by `check`
 * count as "not yet": the thing polled may be down on purpose. */
export async function poll<T>(
  what: string,
  check: () => Promise<T | undefined>,
  options: { timeoutMs: number; intervalMs?: number; detail?: () => string },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const cause = lastError === undefined ? '' : `\nlast error: ${String(lastError)}`;
      throw new Error(`${what}: not after ${options.timeoutMs} ms${cause}\n${options.detail?.() ?? ''}`);
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 250));
  }
}

/** How a process ended. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One running program of the service (server or worker), leading a process group of its own. (Chromium, which
 * Playwright starts in yet another group, is not in it: it exits by itself when its worker dies.) */
export class ServiceProcess {
  readonly exited: Promise<ProcessExit>;
  private exit: ProcessExit | undefined;
  private readonly output: string[] = [];

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    private readonly log: (line: string) => void,
  ) {
    const collect = (d: Buffer) => {
      const text = d.toString();
      this.output.push(text);
      this.log(text);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        this.log(`--- exited (code ${code}, signal ${signal})\n`);
        resolve(this.exit);
      });
    });
  }

  /** The process id, which is also its process group's id. */
  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`${this.name} has no pid: it did not start`);
    return this.child.pid;
  }

  /** False once the process has exited. */
  get running(): boolean {
    return this.exit === undefined;
  }

  /** Everything the process printed so far. */
  text(): string {
    return this.output.join('');
  }

  /** Signals the process alone (`group` false), as an orchestrator asks a program to stop or a crash takes it, or
   * its whole process group. */
  signal(signal: NodeJS.Signals, options: { group: boolean }): void {
    if (!this.running) return;
    try {
      process.kill(options.group ? -this.pid : this.pid, signal);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }

  /** Waits until the process printed a line matching `pattern`; fails early if it exits first. */
  async waitForOutput(pattern: RegExp, timeoutMs: number): Promise<void> {
    const printed = await poll(
      `${this.name} printing ${pattern}`,
      async () => (pattern.test(this.text()) ? true : this.running ? undefined : false),
      { timeoutMs, intervalMs: 100, detail: () => tail(this.text()) },
    );
    if (!printed) throw new Error(`${this.name} exited before printing ${pattern}:\n${tail(this.text())}`);
  }

  /** Waits for the process to exit; rejects after the timeout. */
  async waitForExit(timeoutMs: number): Promise<ProcessExit> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        this.exited,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`${this.name} still running ${timeoutMs} ms later:\n${tail(this.text())}`)),
            timeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The last lines of a log, for failure messages. */
export function tail(text: string, lines = 60): string {
  return text.split('\n').slice(-lines).join('\n');
}

/** The built server, worker and CLI, started as a user starts them with one environment, and stopped (with
 * anything they started) when the tests are done, whatever happened. */
export class ServiceProcesses {
  private readonly all: ServiceProcess[] = [];
  private readonly lines: string[] = [];
  private readonly onExit = () => {
    for (const p of this.all.filter((q) => q.running)) {
      for (const d of descendants(p.pid)) killQuietly(d.pid, 'SIGKILL');
      p.signal('SIGKILL', { group: true });
    }
  };

  constructor(readonly env: NodeJS.ProcessEnv) {
    // A test run that dies before afterAll must not leave workers and browsers behind.
    process.once('exit', this.onExit);
  }

  /** Starts `dist/src/main/<script>.js` with the shared environment plus `extraEnv`, and `args` after it. */
  start(script: 'server' | 'worker', extraEnv: NodeJS.ProcessEnv = {}, args: string[] = []): ServiceProcess {
    const label = args[0] === '--role' && args[1] ? `${script}-${args[1]}` : script;
    const n = this.all.filter((p) => p.name.startsWith(`${label}#`)).length + 1;
    const name = `${label}#${n}`;
    const child = spawn(process.execPath, [path.join(ROOT, 'dist/src/main', `${script}.js`), ...args], {
      env: { ...this.env, ...extraEnv },
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const p = new ServiceProcess(name, child, (text) => {
      for (const line of text.split('\n')) if (line) this.lines.push(`[${name}] ${line}`);
    });
    this.all.push(p);
    return p;
  }

  /** Starts a worker of `role` (`steps` or `render`; both roles in one process without it) and waits until it polls
   * its task queues. */
  async startWorker(
    extraEnv: NodeJS.ProcessEnv = {},
    timeoutMs = 60_000,
    role?: 'steps' | 'render',
  ): Promise<ServiceProcess> {
    const worker = this.start('worker', { LOG_LEVEL: 'info', ...extraEnv }, role ? ['--role', role] : []);
    await worker.waitForOutput(/"message":"worker running"/, timeoutMs);
    return worker;
  }

  /** Starts the two workers as a deployment runs them, `--role steps` and `--role render`, and waits until both poll
   * their queues. The render worker's metrics go to `renderMetricsAddress`, or nowhere. */
  async startWorkers(
    options: { renderMetricsAddress?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
  ): Promise<{ steps: ServiceProcess; render: ServiceProcess }> {
    const env = options.env ?? {};
    const [steps, render] = await Promise.all([
      this.startWorker(env, options.timeoutMs, 'steps'),
      this.startWorker(
        { ...env, WORKER_METRICS_ADDRESS: options.renderMetricsAddress ?? 'off' },
        options.timeoutMs,
        'render',
      ),
    ]);
    return { steps, render };
  }

  /** Starts the API server and waits until its operations listener (OPS_PORT) answers `/readyz`. */
  async startServer(timeoutMs = 30_000): Promise<ServiceProcess> {
    const server = this.start('server');
    await waitForReady(`http://127.0.0.1:${this.env.OPS_PORT ?? 9400}`, timeoutMs, () => this.logTail());
    return server;
  }

  /** Runs the built CLI to completion. */
  async cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await run(process.execPath, [path.join(ROOT, 'dist/src/main/cli.js'), ...args], {
        env: this.env,
        cwd: ROOT,
      });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  }

  /** The interleaved output of every process started, last lines first to go. */
  logTail(lines = 80): string {
    return `--- service logs ---\n${this.lines.slice(-lines).join('\n')}`;
  }

  /** Asks every process still running to stop (SIGTERM to its group), then kills what is left after the grace
   * period. */
  async stopAll(graceMs = 15_000): Promise<void> {
    const running = this.all.filter((p) => p.running);
    // Chromium runs in a process group of its own: its processes are noted while they are still the worker's.
    const children = running.flatMap((p) => descendants(p.pid));
    for (const p of running) p.signal('SIGTERM', { group: true });
    await Promise.all(
      running.map((p) =>
        p.waitForExit(graceMs).catch(() => {
          p.signal('SIGKILL', { group: true });
          return p.exited;
        }),
      ),
    );
    for (const p of running) killQuietly(-p.pid, 'SIGKILL');
    // Only if the pid still runs the same program: it is never handed to anything else.
    const alive = new Map(listProcesses().map((p) => [p.pid, p.command]));
    for (const c of children) if (alive.get(c.pid) === c.command) killQuietly(c.pid, 'SIGKILL');
    process.removeListener('exit', this.onExit);
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Waits until the API server's operations listener at `opsUrl` answers `/readyz` (MongoDB and Temporal answer it). */
export async function waitForReady(opsUrl: string, timeoutMs: number, detail?: () => string): Promise<void> {
  await poll(`${opsUrl}/readyz`, async () => ((await fetch(`${opsUrl}/readyz`)).ok ? true : undefined), {
    timeoutMs,
    intervalMs: 200,
    detail,
  });
}

/** A live process as /proc shows it. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** Its command line, arguments joined by spaces (Chromium rewrites its children's into one string anyway). */
  command: string;
  /** CPU time used so far (user and system), in milliseconds. */
  cpuMs: number;
}

/** Clock ticks per second of /proc's CPU times (USER_HZ): 100 on every Linux architecture Node runs on. */
const USER_HZ = 100;

/** Every live process, read from /proc (Linux only). */
export function listProcesses(): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name may hold spaces and parentheses; the fields after its closing parenthesis do not.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z') continue;
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
      const cpuMs = ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
      found.push({ pid: Number(entry), ppid: Number(fields[1]), command, cpuMs });
    } catch {
      // exited while being read
    }
  }
  return found;
}

/** The processes descended from `pid`, children first. */
export function descendants(pid: number, all: ProcessInfo[] = listProcesses()): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  const parents = [pid];
  while (parents.length > 0) {
    const parent = parents.shift();
    for (const p of all) {
      if (p.ppid === parent) {
        out.push(p);
        parents.push(p.pid);
      }
    }
  }
  return out;
}

/** The ports of one local stack (scripts/stack.sh); the S3 gateway takes seven more after `s3`. */
export interface StackPorts {
  temporal: number;
  temporalUi: number;
  mongo: number;
  s3: number;
}

/** An infrastructure service of the local stack. */
export type StackService = 'temporal' | 'ferretdb' | 'seaweedfs';

/** A local stack of its own, driven through scripts/stack.sh, for tests that stop and start its services. One
 * test run at a time owns it: a lock file beside its folder names the owner's pid. */
export class LocalStack {
  readonly dir: string;
  private readonly lock: string;
  private owned = false;
  private readonly releaseOnExit = () => this.releaseSync();

  constructor(
    name: string,
    readonly ports: StackPorts,
  ) {
    this.dir = path.join(ROOT, '.data', name);
    this.lock = `${this.dir}.lock`;
  }

  get temporalAddress(): string {
    return `127.0.0.1:${this.ports.temporal}`;
  }

  get mongoUrl(): string {
    return `mongodb://127.0.0.1:${this.ports.mongo}`;
  }

  /** Claims the stack, stops whatever an interrupted earlier run left in its folder, empties it, and starts the
   * given services. Fails when another live test run owns the stack (e.g. the same suite started from a second
   * shell), and, naming the port, when another program holds one of its ports. */
  async startFresh(services: StackService[]): Promise<void> {
    await this.claim();
    await this.stack('down');
    await fs.rm(this.dir, { recursive: true, force: true });
    for (const service of services) await this.start(service);
  }

  /** Starts one service and waits until it answers. */
  async start(service: StackService): Promise<void> {
    this.requireOwned();
    await this.stack('start', service);
  }

  /** Stops one service (SIGTERM, then SIGKILL after a grace period); its data stays for the next start. */
  async stop(service: StackService): Promise<void> {
    this.requireOwned();
    await this.stack('stop', service);
  }

  /** Kills one service with SIGKILL, as a crash would; what it had committed stays for the next start. */
  async kill(service: StackService): Promise<void> {
    this.requireOwned();
    await this.stack('kill', service);
  }

  /** Stops every service of the stack and gives up the claim on it; does nothing without the claim, so a run
   * that found the stack taken leaves the owner's alone. */
  async down(): Promise<void> {
    if (!this.owned) return;
    try {
      await this.stack('down');
    } finally {
      this.releaseSync();
    }
  }

  private requireOwned(): void {
    if (!this.owned) throw new Error(`${this.dir} is not claimed by this run: call startFresh first`);
  }

  private async claim(): Promise<void> {
    for (;;) {
      try {
        await fs.writeFile(this.lock, `${process.pid}\n`, { flag: 'wx' });
        this.owned = true;
        process.once('exit', this.releaseOnExit);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const owner = Number((await fs.readFile(this.lock, 'utf8').catch(() => '')).trim());
      if (owner > 0 && owner !== process.pid && processAlive(owner)) {
        throw new Error(
          `${this.dir} belongs to another test run (pid ${owner}, see ${this.lock}); wait for it to finish, or stop it`,
        );
      }
      // Left by a run that died: its stack, if still up, is stopped by the caller.
      await fs.rm(this.lock, { force: true });
    }
  }

  private releaseSync(): void {
    this.owned = false;
    process.removeListener('exit', this.releaseOnExit);
    try {
      if (readFileSync(this.lock, 'utf8').trim() === String(process.pid)) unlinkSync(this.lock);
    } catch {
      // no lock, or not ours
    }
  }

  private async stack(...args: string[]): Promise<void> {
    try {
      await run(path.join(ROOT, 'scripts/stack.sh'), args, {
        cwd: ROOT,
        env: {
          ...process.env,
          STACK_DIR: this.dir,
          STACK_HOST: '127.0.0.1',
          TEMPORAL_PORT: String(this.ports.temporal),
          TEMPORAL_UI_PORT: String(this.ports.temporalUi),
          MONGO_PORT: String(this.ports.mongo),
          S3_PORT: String(this.ports.s3),
        },
        timeout: 180_000,
      });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`scripts/stack.sh ${args.join(' ')} failed (${this.dir}): ${e.stderr ?? e.message}`);
    }
  }
}

/** A report as `GET /api/v2/reports/:id` presents it (the fields these tests read). */
export interface PresentedReport {
  id: string;
  status: 'queued' | 'running' | 'ready' | 'failed' | 'expired';
  format: 'pdf' | 'json';
  attempts: number;
  started_at: string | null;
  completed_at: string | null;
  failed_at: string | null;
  error: { code: string; message: string } | null;
  counts: { rows: number; findings: number } | null;
  artifact: { file_name: string; content_type: string; size: number; sha256: string } | null;
  progress: { stage: string; percent: number };
}

/** The reports API as a client calls it, with one tenant's token. */
export class ReportsApi {
  constructor(
    readonly baseUrl: string,
    readonly token: string,
  ) {}

  private get auth(): Record<string, string> {
    return { authorization: `Bearer ${this.token}` };
  }

  /** `POST /api/v2/reports`; returns the new report's id. */
  async create(body: unknown): Promise<string> {
    const res = await fetch(`${this.baseUrl}/api/v2/reports`, {
      method: 'POST',
      headers: { ...this.auth, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status !== 202) throw new Error(`POST /api/v2/reports answered ${res.status}: ${await res.text()}`);
    return ((await res.json()) as { id: string }).id;
  }

  /** `GET /api/v2/reports/:id`; throws on any answer but 200. */
  async get(id: string): Promise<PresentedReport> {
    const res = await fetch(`${this.baseUrl}/api/v2/reports/${id}`, { headers: this.auth });
    if (res.status !== 200) throw new Error(`GET /api/v2/reports/${id} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as PresentedReport;
  }

  /** `POST /api/v2/reports/:id/retry`: status and body. */
  async retry(id: string): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${this.baseUrl}/api/v2/reports/${id}/retry`, { method: 'POST', headers: this.auth });
    return { status: res.status, body: await res.json() };
  }

  /** Downloads the artifact, following the redirect to the signed link. */
  async download(id: string): Promise<Buffer> {
    const res = await fetch(`${this.baseUrl}/api/v2/reports/${id}/download`, { headers: this.auth });
    if (res.status !== 200) throw new Error(`download of ${id} answered ${res.status}: ${await res.text()}`);
    return Buffer.from(await res.arrayBuffer());
  }

  /** Polls the report until it is in one of `statuses` and returns it. Errors while polling (the API may be
   * without its database on purpose) count as "not yet". */
  async waitForStatus(
    id: string,
    statuses: PresentedReport['status'][],
    timeoutMs: number,
    detail?: () => string,
  ): Promise<PresentedReport> {
    let last: PresentedReport | undefined;
    return poll(
      `report ${id} becoming ${statuses.join(' or ')}`,
      async () => {
        last = await this.get(id);
        return statuses.includes(last.status) ? last : undefined;
      },
      {
        timeoutMs,
        intervalMs: 250,
        detail: () => `last seen: ${JSON.stringify(last)}\n${detail?.() ?? ''}`,
      },
    );
  }
}
