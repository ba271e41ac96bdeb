import { hashToken, type Principal } from '../infra/mongo/tokens-repo';
import type { TokenAuthenticator } from './auth';

/** The most tokens remembered at once; past it, the longest-remembered is forgotten first. */
const MAX_ENTRIES = 10_000;

interface Remembered {
  principal: Principal;
  /** Epoch milliseconds after which the token is asked about again. */
  until: number;
}

/**
 * Remembers for `ttlMs` what each live token resolved to, so that a client polling a report does not cost a
 * database lookup per request as well as the report's own (on FerretDB the token lookup reads every token).
 * Tokens that do not resolve are never remembered, and a token's own expiry is honoured to the millisecond. A
 * token revoked elsewhere stops working within `ttlMs`; 0 turns remembering off.
 */
export function rememberTokens(tokens: TokenAuthenticator, ttlMs: number): TokenAuthenticator {
  if (ttlMs <= 0) return tokens;
  const remembered = new Map<string, Remembered>();
  return {
    async authenticate(token: string, now: Date): Promise<Principal | undefined> {
      const key = hashToken(token);
      const held = remembered.get(key);
      if (held && now.getTime() < held.until) return held.principal;
      remembered.delete(key);
      const principal = await tokens.authenticate(token, now);
      if (principal) {
        if (remembered.size >= MAX_ENTRIES) remembered.delete(remembered.keys().next().value as string);
        const expires = principal.expiresAt?.getTime() ?? Infinity;
        remembered.set(key, { principal, until: Math.min(now.getTime() + ttlMs, expires) });
      }
      return principal;
    },
  };
}
