import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, ERRORS, publicMessage } from '../domain/errors';
import type { Logger } from '../infra/logger';
import { knownPrincipal } from './auth';
import { BODY_ENCODINGS } from './json-body';
import { PRIVATE_HEADERS } from './headers';
import { undecodablePath, unrouted } from './route-table';

/** Errors raised by Express's body parser carry a `type`; these are the ones a client can cause. */
function fromBodyParser(err: { type?: string; limit?: number }): AppError | undefined {
  switch (err.type) {
    case 'entity.too.large':
      return new AppError('payload_too_large', `request body is larger than ${err.limit} bytes`);
    case 'entity.parse.failed':
      return new AppError('invalid_request', 'body: is not valid JSON', { field: 'body' });
    case 'encoding.unsupported':
      return new AppError(
        'unsupported_media_type',
        `Content-Encoding: is not supported; use one of ${BODY_ENCODINGS.join(', ')}`,
      );
    case 'charset.unsupported':
      return new AppError('unsupported_media_type', 'body: must be UTF-8 encoded JSON');
    default:
      return undefined;
  }
}

/** Answers any request no route handled: `405` when its path takes other methods, else `404`. Marked private
 * ({@link PRIVATE_HEADERS}) as an authenticated route's answers are: the routers authenticate only their own
 * paths, and whether a path exists must not be kept by a cache for another token. */
export const notFound: RequestHandler = (req, res, next) => {
  res.set('Cache-Control', PRIVATE_HEADERS['Cache-Control']).vary(PRIVATE_HEADERS.Vary);
  next(unrouted(req));
};

/** The router's own error for a path parameter that does not decode: a URIError it marks with status 400. */
function isUndecodableParam(err: unknown): boolean {
  return err instanceof URIError && (err as { status?: unknown }).status === 400;
}

/** The one error middleware, registered last: writes `{error: {code, message, ...details}}` with the status
 * from the error table, logs 4xx as warn and 5xx as error, and never leaks a stack or a query. A log names the
 * tenant and token id once the token is known, so refused requests (probing for other tenants' ids, say) can be
 * traced to who sent them; never the secret nor its hash. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const appError =
      err instanceof AppError
        ? err
        : isUndecodableParam(err)
          ? undecodablePath(req)
          : (fromBodyParser(err as { type?: string }) ?? new AppError('internal', 'unexpected error', undefined, err));
    const { status } = ERRORS[appError.code];
    const principal = knownPrincipal(res);
    const fields = {
      method: req.method,
      path: req.path,
      status,
      code: appError.code,
      ...(principal ? { tenant_id: principal.tenantId, token_id: principal.tokenId } : {}),
    };
    if (status >= 500) {
      const cause = appError.cause ?? (appError === err ? undefined : err);
      // The logger writes an error cause as an object (type, message, stack, code and its own cause), redacted.
      logger.error(appError.message, { ...fields, cause });
    } else {
      logger.warn(appError.message, fields);
    }
    if (status === 401) res.set('WWW-Authenticate', 'Bearer realm="reports"');
    const allowed = appError.details?.allowed;
    if (appError.code === 'method_not_allowed' && Array.isArray(allowed)) res.set('Allow', allowed.join(', '));
    const after = appError.details?.retry_after_seconds;
    if (appError.code === 'rate_limited' || appError.code === 'unavailable') {
      res.set('Retry-After', typeof after === 'number' ? String(after) : '5');
    } else if (appError.code === 'quota_exceeded' && typeof after === 'number') {
      // Only where waiting helps: a quota of things in flight frees itself; stored findings do not.
      res.set('Retry-After', String(after));
    }
    const expose = ERRORS[appError.code].expose;
    res.status(status).json({
      error: {
        code: appError.code,
        message: publicMessage(appError.code, appError.message),
        ...(expose && appError.details ? appError.details : {}),
      },
    });
  };
}
