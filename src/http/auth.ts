import type { RequestHandler, Response } from 'express';
import { AppError } from '../domain/errors';
import type { Principal, Scope } from '../infra/mongo/tokens-repo';

/** Resolves a presented bearer token to its principal. */
export interface TokenAuthenticator {
  authenticate(token: string, now: Date): Promise<Principal | undefined>;
}

const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]{16,512})$/;

/** The token an `Authorization` header presents, if it has the bearer form. */
export function bearerToken(header: string): string | undefined {
  return BEARER.exec(header.trim())?.[1];
}

/** Requires a live bearer token and remembers its principal for the handlers. */
export function authenticate(tokens: TokenAuthenticator): RequestHandler {
  return async (req, res, next) => {
    const header = req.get('authorization');
    if (!header) throw new AppError('unauthenticated', 'Authorization: Bearer <token> is required');
    const token = bearerToken(header);
    const principal = token ? await tokens.authenticate(token, new Date()) : undefined;
    if (!principal) throw new AppError('unauthenticated', 'the bearer token is not valid, expired or revoked');
    res.locals.principal = principal;
    next();
  };
}

/** The principal of an authenticated request. */
export function principalOf(res: Response): Principal {
  const principal = res.locals.principal as Principal | undefined;
  if (!principal) throw new Error('route is missing the authenticate middleware');
  return principal;
}

/** Requires the token to carry a scope. */
export function requireScope(scope: Scope): RequestHandler {
  return (_req, res, next) => {
    if (!principalOf(res).scopes.includes(scope)) {
      throw new AppError('missing_scope', `this API token lacks the ${scope} scope; mint a token with it`, {
        required_scope: scope,
      });
    }
    next();
  };
}
