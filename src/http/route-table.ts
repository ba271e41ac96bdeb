import type { Request, RequestHandler } from 'express';
import { AppError } from '../domain/errors';
import { invalid, shown } from '../domain/validation';

/** What this module reads of Express's router layers: a route's methods, a mounted router's own stack, and the
 * layer's matcher (pure in the router Express 5 uses: it stores nothing on the layer). */
interface Layer {
  route?: { methods: Record<string, boolean | undefined> };
  handle?: { stack?: unknown };
  match(path: string): false | { path: string; params: Record<string, string> };
}

/** A route registered for a path, with the parameters the path gives it. */
interface MatchedRoute {
  methods: readonly string[];
  params: Record<string, string>;
}

/** The order methods are listed in an `Allow` header. */
const METHOD_ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** Every route of `stack` (and of the routers mounted in it) whose path matches `path`, whatever its method. A
 * matcher that throws (a parameter that does not decode) matches nothing here. */
function routesAt(stack: readonly Layer[], path: string, found: MatchedRoute[] = []): MatchedRoute[] {
  for (const layer of stack) {
    let match: ReturnType<Layer['match']>;
    try {
      match = layer.match(path);
    } catch {
      continue;
    }
    if (!match) continue;
    if (layer.route) {
      found.push({
        methods: Object.keys(layer.route.methods)
          .filter((m) => layer.route!.methods[m])
          .map((m) => m.toUpperCase()),
        params: match.params,
      });
    } else if (Array.isArray(layer.handle?.stack)) {
      const rest = path.slice(match.path.length);
      routesAt(layer.handle.stack as Layer[], rest.startsWith('/') ? rest : `/${rest}`, found);
    }
  }
  return found;
}

/** The routes the application serving `req` registered for its path. */
function routesFor(req: Request, path = req.path): MatchedRoute[] {
  const router = (req.app as unknown as { router?: { stack?: unknown } }).router;
  return Array.isArray(router?.stack) ? routesAt(router.stack as Layer[], path) : [];
}

/** The methods the application serving `req` answers on its path, read from the routes it registered (HEAD
 * wherever GET is, as Express answers it), in {@link METHOD_ORDER}; empty when no route has the path. */
export function allowedMethods(req: Request): string[] {
  const methods = new Set(routesFor(req).flatMap((r) => r.methods));
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

function rank(method: string): number {
  const at = METHOD_ORDER.indexOf(method);
  return at === -1 ? METHOD_ORDER.length : at;
}

/** The error for a request no route answered: `405 method_not_allowed` naming the methods its path takes, or
 * `404 not_found` when no route has the path at all. */
export function unrouted(req: Request): AppError {
  const allowed = allowedMethods(req);
  if (allowed.length === 0) {
    const path = req.path.length > 200 ? `${req.path.slice(0, 199)}…` : req.path;
    return new AppError('not_found', `no route for ${req.method} ${path}`);
  }
  return new AppError('method_not_allowed', `${req.method} is not served on this path; use ${allowed.join(', ')}`, {
    allowed,
  });
}

/** Answers `OPTIONS` on any path a route has with `204` and the `Allow` header; on other paths it goes on to the
 * `404`. Registered before the routers, so that the answer lists every router's methods for the path, and no
 * token is asked for: what a path takes is in the documentation anyway. */
export const answerOptions: RequestHandler = (req, res, next) => {
  if (req.method !== 'OPTIONS') {
    next();
    return;
  }
  const allowed = allowedMethods(req);
  if (allowed.length === 0) {
    next();
    return;
  }
  res
    .set('Allow', [...allowed, 'OPTIONS'].join(', '))
    .status(204)
    .end();
};

/** The error for a path whose parameter is not valid percent-encoding (the router could not decode it):
 * `400 invalid_request` naming the parameter, found by matching the path again with each segment that does not
 * decode replaced by a marker that needs no decoding. */
export function undecodablePath(req: Request): AppError {
  const segments = req.path.split('/');
  const bad = new Map<string, string>();
  const marked = segments
    .map((segment, i) => {
      try {
        decodeURIComponent(segment);
        return segment;
      } catch {
        const marker = `\u0000${i}`;
        bad.set(marker, segment);
        return marker;
      }
    })
    .join('/');
  for (const route of routesFor(req, marked)) {
    for (const [name, value] of Object.entries(route.params)) {
      const segment = bad.get(value);
      if (segment !== undefined) {
        return invalid(name, `${shown(segment)} is not valid percent-encoding of UTF-8 text in the path`);
      }
    }
  }
  return invalid('path', `${shown(req.path)} is not valid percent-encoding of UTF-8 text`);
}
