import type { IncomingMessage } from 'node:http';
import type { RequestHandler, Response } from 'express';
import { AppError } from '../domain/errors';
import { OPERATOR_SCOPE, type Principal, type Scope } from '../domain/tokens';
import { PRIVATE_HEADERS } from './headers';
import { clientAddress, takeAttempt, type AttemptBuckets } from './attempt-limit';

/** Resolves a presented bearer token to its principal. */
export interface TokenAuthenticator {
  authenticate(token: string, now: Date): Promise<Principal | undefined>;
  /** The principal `token` is remembered to resolve to, without asking anyone; undefined when not remembered. */
  remembered?(token: string, now: Date): Principal | undefined;
}

// The scheme's name is case-insensitive (RFC 9110, section 11.1): `bearer`, `BEARER` and `Bearer` are one scheme.
const BEARER = /^Bearer +([A-Za-z0-9._~+/=-]{16,512})$/i;

/** The token an `Authorization` header presents, if it has the bearer form. */
export function bearerToken(header: string): string | undefined {
  return BEARER.exec(header.trim())?.[1];
}

const resolved = new WeakMap<IncomingMessage, Promise<Principal | undefined>>();

/**
 * The principal `req`'s bearer token resolves to, looked up at most once per request. The poll fast path and
 * every router's {@link authenticate} share the answer, a refusal (or a failed lookup) included: an unknown
 * token costs one lookup as a known one does, and a request handed from the fast path to the routers is not
 * asked about again, so its timing says nothing the body does not. Unless the token is remembered as live, the
 * request first takes an attempt from its address's bucket in `attempts` (see {@link takeAttempt}), so a flood
 * of made-up tokens from one address is refused with `429 rate_limited` before it costs any lookup.
 */
export function resolvePrincipal(
  req: IncomingMessage,
  tokens: TokenAuthenticator,
  attempts: AttemptBuckets,
): Promise<Principal | undefined> {
  let principal = resolved.get(req);
  if (!principal) {
    principal = lookUp(req, tokens, attempts);
    resolved.set(req, principal);
  }
  return principal;
}

async function lookUp(
  req: IncomingMessage,
  tokens: TokenAuthenticator,
  attempts: AttemptBuckets,
): Promise<Principal | undefined> {
  const header = req.headers.authorization;
  const token = header ? bearerToken(header) : undefined;
  const now = new Date();
  const known = token ? tokens.remembered?.(token, now) : undefined;
  if (known) return known;
  const client = clientAddress(req);
  takeAttempt(attempts, client);
  const principal = token ? await tokens.authenticate(token, now) : undefined;
  if (principal) attempts.refund(client);
  return principal;
}

/** Requires a live bearer token and remembers its principal for the handlers. Every answer it lets through or
 * refuses is marked private ({@link PRIVATE_HEADERS}), so errors are as uncacheable as successes. Requests without
 * a live token count against their address's `attempts`. Operator tokens and tenants' tokens are kept apart: the
 * routes of `/api/v2/admin` (`operator: true`) take only the first, every other route only the second, and a
 * suspended tenant's token is refused with `403 tenant_suspended`. */
export function authenticate(
  tokens: TokenAuthenticator,
  attempts: AttemptBuckets,
  opts: { operator?: boolean } = {},
): RequestHandler {
  return async (req, res, next) => {
    res.set('Cache-Control', PRIVATE_HEADERS['Cache-Control']).vary(PRIVATE_HEADERS.Vary);
    const principal = await resolvePrincipal(req, tokens, attempts);
    if (!req.get('authorization')) throw new AppError('unauthenticated', 'Authorization: Bearer <token> is required');
    if (!principal) throw new AppError('unauthenticated', 'the bearer token is not valid, expired or revoked');
    if (opts.operator && !principal.operator) {
      throw new AppError('missing_scope', `this API token lacks the ${OPERATOR_SCOPE} scope; use an operator token`, {
        required_scope: OPERATOR_SCOPE,
      });
    }
    if (!opts.operator && principal.operator) {
      throw new AppError('missing_scope', "an operator token reaches only /api/v2/admin; use a tenant's token", {
        required_scope: 'tenant',
      });
    }
    if (principal.suspended) {
      throw new AppError('tenant_suspended', "this token's tenant is suspended; contact the service operator");
    }
    res.locals.principal = principal;
    next();
  };
}

/** The principal of an authenticated request, if it has been authenticated. */
export function knownPrincipal(res: Response): Principal | undefined {
  return res.locals.principal as Principal | undefined;
}

/** The principal of an authenticated request. */
export function principalOf(res: Response): Principal {
  const principal = knownPrincipal(res);
  if (!principal) throw new Error('route is missing the authenticate middleware');
  return principal;
}

/** Requires the token to carry a scope. */
export function requireScope(scope: Scope | typeof OPERATOR_SCOPE): RequestHandler {
  return (_req, res, next) => {
    if (!principalOf(res).scopes.includes(scope)) {
      throw new AppError('missing_scope', `this API token lacks the ${scope} scope; mint a token with it`, {
        required_scope: scope,
      });
    }
    next();
  };
}
