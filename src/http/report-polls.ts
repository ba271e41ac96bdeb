import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { ReportsRepo } from '../../activities/ports';
import { isId } from '../domain/ids';
import { resolvePrincipal, type TokenAuthenticator } from './auth';
import { BASE_HEADERS, PRIVATE_HEADERS } from './headers';
import type { ApiMetrics } from './ops-router';
import { markRateTaken, type TokenBuckets } from './rate-limit';
import { presentReport } from './present';

/** What answering a poll needs: the same token check, buckets, store and metrics as the reports router. */
export interface ReportPollDeps {
  reports: Pick<ReportsRepo, 'get'>;
  tokens: TokenAuthenticator;
  rateLimits: TokenBuckets;
  unauthLimits: TokenBuckets;
  metrics: ApiMetrics;
}

/** The route a poll is counted under, as the reports router's own `GET /reports/:id` is. */
const ROUTE = '/api/v2/reports/:id';
const POLL_PATH = /^\/api\/v2\/reports\/([A-Za-z0-9_]+)$/;

type EtagOf = (body: Buffer, encoding?: BufferEncoding) => string | undefined;

/**
 * Answers `GET /api/v2/reports/:id` for a live token that may read it and a report of the token's tenant, and
 * hands every other request to `app` untouched. Clients poll that route every second or two while a report is
 * made, which makes it most of the API's traffic; on it, Express's per-request set-up and routing cost about
 * as much CPU as the report's lookup itself. The answer is the one the reports router gives (same status,
 * headers, ETag and body, counted under the same route), and anything out of the ordinary (no token or an
 * unknown one, a missing scope, an empty bucket, no such report, another tenant's report, a query string, a
 * conditional request, an error) goes to `app`, which answers it as it answers every route, so errors are
 * shaped in one place. A request whose bucket was already drawn from is marked so that it is not drawn twice,
 * and its token is resolved once for both (another tenant's report and a missing one cost the same).
 */
export function answerReportPolls(
  app: RequestListener & { get(setting: string): unknown },
  deps: ReportPollDeps,
): RequestListener {
  const etagOf = app.get('etag fn') as EtagOf | undefined;

  async function answer(req: IncomingMessage, res: ServerResponse, id: string, started: bigint): Promise<boolean> {
    // Shared with the routers: a poll handed on is not looked up again (see resolvePrincipal).
    const principal = await resolvePrincipal(req, deps.tokens, deps.unauthLimits);
    // A suspended tenant's poll is handed on, for the routers to refuse.
    if (!principal?.scopes.includes('reports:read') || principal.suspended) return false;
    if (!deps.rateLimits.take(principal.tokenId, Date.now()).ok) return false;
    markRateTaken(req);
    const report = await deps.reports.get(principal.tenantId, id);
    if (!report) return false;

    const body = Buffer.from(JSON.stringify(presentReport(report)), 'utf8');
    const etag = etagOf?.(body);
    res.writeHead(200, {
      ...BASE_HEADERS,
      ...PRIVATE_HEADERS,
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': body.length,
      ...(etag ? { ETag: etag } : {}),
    });
    res.end(body);
    deps.metrics.answered('GET', ROUTE, 200, started);
    return true;
  }

  return (req: IncomingMessage, res: ServerResponse): void => {
    const id = req.method === 'GET' ? POLL_PATH.exec(req.url ?? '')?.[1] : undefined;
    const conditional = req.headers['if-none-match'] !== undefined || req.headers['if-modified-since'] !== undefined;
    if (!id || !isId(id, 'rpt') || conditional) {
      app(req, res);
      return;
    }
    const started = process.hrtime.bigint();
    const handOn = (): void => {
      if (!res.headersSent) app(req, res);
    };
    answer(req, res, id, started).then((answered) => {
      if (!answered) handOn();
    }, handOn);
  };
}
