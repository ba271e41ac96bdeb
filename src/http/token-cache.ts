import { hashToken, type Principal } from '../infra/mongo/tokens-repo';
import type { TokenAuthenticator } from './auth';

/** The most tokens remembered at once, live and unknown each; past it, the longest-remembered is forgotten first. */
const MAX_ENTRIES = 10_000;

interface Remembered<T> {
  value: T;
  /** Epoch milliseconds after which the token is asked about again. */
  until: number;
}

/** A map of at most {@link MAX_ENTRIES} entries that each expire; insertion order is age order. */
class Expiring<T> {
  private readonly entries = new Map<string, Remembered<T>>();

  get(key: string, nowMs: number): T | undefined {
    const held = this.entries.get(key);
    if (!held) return undefined;
    if (nowMs < held.until) return held.value;
    this.entries.delete(key);
    return undefined;
  }

  set(key: string, value: T, until: number): void {
    this.entries.delete(key);
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { value, until });
  }
}

/**
 * Remembers for `ttlMs` what each live token resolved to, so that a client polling a report does not cost a
 * database lookup per request as well as the report's own (on FerretDB the token lookup reads every token), and
 * for `negativeTtlMs` that a token resolved to nothing, so that a client repeating a wrong token (or a flood of
 * them) costs one lookup per distinct token per `negativeTtlMs`. A token's own expiry is honoured to the
 * millisecond; a token revoked elsewhere stops working within `ttlMs`, and one minted after a miss (its hash
 * is new, so only a guessed or leaked one can have missed) works within `negativeTtlMs`. 0 turns either off.
 */
export function rememberTokens(tokens: TokenAuthenticator, ttlMs: number, negativeTtlMs = 0): TokenAuthenticator {
  if (ttlMs <= 0 && negativeTtlMs <= 0) return tokens;
  const live = new Expiring<Principal>();
  const unknown = new Expiring<true>();
  return {
    remembered(token: string, now: Date): Principal | undefined {
      return live.get(hashToken(token), now.getTime());
    },
    async authenticate(token: string, now: Date): Promise<Principal | undefined> {
      const key = hashToken(token);
      const nowMs = now.getTime();
      const held = live.get(key, nowMs);
      if (held) return held;
      if (unknown.get(key, nowMs)) return undefined;
      const principal = await tokens.authenticate(token, now);
      if (principal && ttlMs > 0) {
        const expires = principal.expiresAt?.getTime() ?? Infinity;
        live.set(key, principal, Math.min(nowMs + ttlMs, expires));
      } else if (!principal && negativeTtlMs > 0) {
        unknown.set(key, true, nowMs + negativeTtlMs);
      }
      return principal;
    },
  };
}
