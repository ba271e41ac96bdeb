import { Router, type RequestHandler } from 'express';
import { REPORT_STATUSES, type ReportStatus } from '../domain/report';
import { Counter, Gauge, Histogram, MetricsRegistry } from '../infra/metrics';

/** A dependency the API cannot serve without, checked by `/readyz`. */
export type ReadinessCheck = () => Promise<void>;

/** What the operations endpoints need. */
export interface OpsRouterDeps {
  readiness: Record<string, ReadinessCheck>;
  reportCounts: () => Promise<Record<ReportStatus, number>>;
  metrics: ApiMetrics;
}

const CHECK_TIMEOUT_MS = 2_000;

/** The API's metrics: requests by route and status, their latency, and reports by status, beside the process's
 * own (CPU, memory, event-loop lag, garbage collection). */
export class ApiMetrics {
  readonly registry: MetricsRegistry;
  readonly requests: Counter<'method' | 'route' | 'status'>;
  readonly latency: Histogram<'method' | 'route'>;
  readonly reports: Gauge<'status'>;

  constructor(options: { processMetrics?: boolean } = {}) {
    this.registry = new MetricsRegistry(options);
    const registers = [this.registry.registry];
    this.requests = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by method, route and status.',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.latency = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by method and route.',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.reports = new Gauge({
      name: 'reports',
      help: 'Reports by status, all tenants.',
      labelNames: ['status'],
      registers,
    });
  }

  /** Remembers where the routers that follow are mounted, for {@link middleware}'s route labels. */
  static mountedAt(mount: string): RequestHandler {
    return (_req, res, next) => {
      res.locals.mount = mount;
      next();
    };
  }

  /** Counts and times every request under its route template (never the raw path, which holds ids). */
  middleware(): RequestHandler {
    return (req, res, next) => {
      const started = process.hrtime.bigint();
      res.on('finish', () => {
        // The mount path is remembered on the way in: Express resets req.baseUrl when an error leaves a router.
        const mount = typeof res.locals.mount === 'string' ? res.locals.mount : '';
        const route = req.route ? `${mount}${String((req.route as { path: unknown }).path)}` : 'unmatched';
        this.answered(req.method, route, res.statusCode, started);
      });
      next();
    };
  }

  /** Counts and times one answered request; `started` is `process.hrtime.bigint()` when it arrived. */
  answered(method: string, route: string, status: number, started: bigint): void {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    this.requests.inc({ method, route, status: String(status) });
    this.latency.observe({ method, route }, seconds);
  }
}

function withTimeout(check: ReadinessCheck): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS);
    check()
      .then(resolve, reject)
      .finally(() => clearTimeout(timer));
  });
}

/** `/healthz` (the process answers), `/readyz` (every dependency answers: send traffic), `/metrics`. */
export function opsRouter(deps: OpsRouterDeps): Router {
  const router = Router();
  deps.metrics.registry.onCollect(async () => {
    const counts = await deps.reportCounts();
    for (const status of REPORT_STATUSES) deps.metrics.reports.set({ status }, counts[status]);
  });

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (_req, res) => {
    const names = Object.keys(deps.readiness);
    const results = await Promise.allSettled(names.map((name) => withTimeout(deps.readiness[name])));
    const checks = Object.fromEntries(
      names.map((name, i) => [name, results[i].status === 'fulfilled' ? 'ok' : 'unreachable']),
    );
    const ready = results.every((r) => r.status === 'fulfilled');
    res
      .set('Cache-Control', 'no-store')
      .status(ready ? 200 : 503)
      .json({ status: ready ? 'ready' : 'not_ready', checks });
  });

  router.get('/metrics', async (_req, res) => {
    const text = await deps.metrics.registry.text();
    res.set('Content-Type', deps.metrics.registry.contentType).send(text);
  });

  return router;
}
