import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import { AppError } from '../domain/errors';
import { principalOf } from './auth';

/** A token bucket per API token: `burst` requests at once, refilled at `perMinute`. Per API process: behind a
 * load balancer each instance allows its share. */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private lastPrune = 0;

  constructor(
    private readonly perMinute: number,
    private readonly burst: number,
  ) {}

  /** Takes one request from `key`'s bucket; when empty, answers how many seconds until one is available. */
  take(key: string, nowMs: number): { ok: true } | { ok: false; retryAfterSeconds: number } {
    this.prune(nowMs);
    const perMs = this.perMinute / 60_000;
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: nowMs };
    b.tokens = Math.min(this.burst, b.tokens + (nowMs - b.at) * perMs);
    b.at = nowMs;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / perMs / 1000)) };
  }

  /** Gives back a request taken from `key`'s bucket (never past `burst`): it turned out not to count. */
  refund(key: string): void {
    const b = this.buckets.get(key);
    if (b) b.tokens = Math.min(this.burst, b.tokens + 1);
  }

  /** Forgets buckets that have been full for a while, so the map does not grow with every token ever seen. */
  private prune(nowMs: number): void {
    if (nowMs - this.lastPrune < 60_000) return;
    this.lastPrune = nowMs;
    const fullAfterMs = (this.burst / this.perMinute) * 60_000;
    for (const [key, b] of this.buckets) if (nowMs - b.at > fullAfterMs) this.buckets.delete(key);
  }
}

const takenAlready = new WeakSet<IncomingMessage>();

/** Records that `req` has had its request taken from its token's bucket by a handler that then passed it on,
 * so that {@link rateLimit} does not take a second one for the same request. */
export function markRateTaken(req: IncomingMessage): void {
  takenAlready.add(req);
}

/** Refuses a token's requests beyond its rate with `429 rate_limited` (the error handler sets `Retry-After`). Runs after
 * authentication: the limit is per token, so one noisy client cannot starve the tenant's others. */
export function rateLimit(buckets: TokenBuckets): RequestHandler {
  return (req, res, next) => {
    if (takenAlready.has(req)) {
      next();
      return;
    }
    const taken = buckets.take(principalOf(res).tokenId, Date.now());
    if (!taken.ok) {
      throw new AppError('rate_limited', `too many requests for this token; retry after ${taken.retryAfterSeconds} s`, {
        retry_after_seconds: taken.retryAfterSeconds,
      });
    }
    next();
  };
}
