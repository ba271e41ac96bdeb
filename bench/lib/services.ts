/**
 * What the benchmarks that run the built service share: reading their settings from the environment, starting
 * the built API server and worker (or any built script) as processes of their own and stopping them, a free port,
 * sending a JSON request, waiting for something to answer, and percentiles and medians.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { freePort } from '../../test/support/processes';

export { freePort };

// Compiled to dist/bench/lib, three levels below the repository root.
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

/** A whole number from the environment, at least `min`; `fallback` when unset. */
export function intEnv(name: string, fallback: number, min = 1): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be a whole number ≥ ${min}, got "${raw}"`);
  return value;
}

/** A setting the benchmark's script exports; its absence means the benchmark was not run through `script`. */
export function requiredEnv(name: string, script: string): string {
  const value = process.env[name]?.trim();
  if (!value) throw new Error(`${name} is required; run the benchmark through ${script}`);
  return value;
}

/** A built script running as a process of its own. */
export interface Service {
  name: string;
  child: ChildProcess;
  /** The last output lines, shown when it dies or the benchmark fails. */
  tail: string[];
}

/** Starts a built script (a path under dist/) as a process of its own, with extra Node options if given. */
export function startService(name: string, script: string, env: NodeJS.ProcessEnv, nodeArgs: string[] = []): Service {
  const child = spawn(process.execPath, [...nodeArgs, path.join(REPO_ROOT, 'dist', script)], { env, cwd: REPO_ROOT });
  const service: Service = { name, child, tail: [] };
  const keep = (d: Buffer): void => {
    service.tail.push(...d.toString('utf8').split('\n').filter(Boolean));
    service.tail.splice(0, Math.max(0, service.tail.length - 40));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return service;
}

/** Throws, with its last output, when one of the services has exited. */
export function assertAlive(services: Service[]): void {
  for (const s of services) {
    if (s.child.exitCode !== null || s.child.signalCode !== null) {
      throw new Error(`the ${s.name} exited (${s.child.exitCode ?? s.child.signalCode}):\n${s.tail.join('\n')}`);
    }
  }
}

/** Stops the services as an orchestrator would (SIGTERM, SIGKILL after 20 s). */
export async function stopServices(services: Service[]): Promise<void> {
  await Promise.all(
    services.map(async (s) => {
      if (s.child.exitCode !== null || s.child.signalCode !== null) return;
      const exited = new Promise((resolve) => s.child.once('exit', resolve));
      s.child.kill('SIGTERM');
      const timer = setTimeout(() => s.child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }),
  );
}

/** An answer of the service: its status, content type and body as text. */
export interface HttpAnswer {
  status: number;
  contentType: string;
  text: string;
}

/** Sends a request with a JSON body (if any) through `agent`; fails when there is no answer in 60 s. */
export function sendJson(
  agent: http.Agent,
  base: URL,
  method: string,
  pathname: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<HttpAnswer> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: base.hostname,
        port: base.port,
        method,
        path: pathname,
        headers: payload
          ? { ...headers, 'content-type': 'application/json', 'content-length': String(payload.length) }
          : headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: res.headers['content-type'] ?? '',
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.setTimeout(60_000, () => req.destroy(new Error(`${method} ${pathname}: no answer in 60 s`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Waits until `ready` answers true, failing at once when a service exits, or after `timeoutMs`. */
export async function waitUntil(
  ready: () => Promise<boolean>,
  services: Service[],
  what: string,
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    assertAlive(services);
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what} was not ready within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Nearest-rank percentiles of some samples; NaN where there are none (every request of a run failed, say), so
 * a benchmark's table still prints and its checks say what went wrong. */
export interface Percentiles {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** The q-th quantile (0–1) of sorted samples by the nearest-rank method; NaN for no samples. */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export function percentiles(samples: number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: quantile(sorted, 0.5),
    p95: quantile(sorted, 0.95),
    p99: quantile(sorted, 0.99),
    max: sorted[sorted.length - 1] ?? NaN,
  };
}

/** The middle value, or the mean of the middle two. */
export function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
