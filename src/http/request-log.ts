import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../infra/logger';
import type { Principal } from '../domain/tokens';

/**
 * At debug level, logs each request once it is answered: method, path with its query, status, time taken, the
 * tenant and token id once known, and the request's headers, for finding out what a client or a proxy really sends.
 * The logger redacts the credentials among them (the bearer token, cookies, a signed link's signature). Nothing is
 * gathered at other levels: this runs in front of every request, report polls included.
 */
export function logWhenAnswered(logger: Logger, req: IncomingMessage, res: ServerResponse): void {
  if (!logger.enabled('debug')) return;
  const started = process.hrtime.bigint();
  res.once('finish', () => {
    // Express keeps the principal on res.locals; a poll answered in front of Express has none.
    const principal = (res as ServerResponse & { locals?: { principal?: Principal } }).locals?.principal;
    logger.debug('request answered', {
      method: req.method,
      path: req.url,
      status: res.statusCode,
      duration_ms: Number(process.hrtime.bigint() - started) / 1e6,
      ...(principal ? { tenant_id: principal.tenantId, token_id: principal.tokenId } : {}),
      headers: req.headers,
    });
  });
}
