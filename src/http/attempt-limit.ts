import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';
import { AppError } from '../domain/errors';

/** Buckets per key, as {@link TokenBuckets} keeps them (declared here so that auth need not import the limiter). */
export interface AttemptBuckets {
  take(key: string, nowMs: number): { ok: true } | { ok: false; retryAfterSeconds: number };
  refund(key: string): void;
}

const CLIENT_ADDRESS = Symbol('client address');

/** Notes on the request the address it came from, as `req.ip` will give it (app.ts sets Express's `trust proxy` to
 * the same `trust`): the peer's address, or, when the peer is a trusted proxy, the nearest address its
 * `X-Forwarded-For` names that is not one. Noted once, before the poll fast path, which has no Express request. */
export function noteClientAddress(req: IncomingMessage, trust: (address: string, hop: number) => boolean): void {
  (req as IncomingMessage & { [CLIENT_ADDRESS]?: string })[CLIENT_ADDRESS] = proxyaddr(req, trust);
}

/** The address a request came from (see {@link noteClientAddress}); the peer's when none was noted. */
export function clientAddress(req: IncomingMessage): string {
  const noted = (req as IncomingMessage & { [CLIENT_ADDRESS]?: string })[CLIENT_ADDRESS];
  return noted ?? req.socket.remoteAddress ?? 'unknown';
}

/**
 * Takes one attempt from `client`'s bucket in `attempts`, the limit on requests that may reach the database
 * without a live token (a bearer token not remembered as live, none at all, a signed URL), or refuses with
 * `429 rate_limited`. Taken before the lookup and given back (`refund`) when the token or
 * link turns out good, so only failures count, and concurrent requests cannot all pass a look at the bucket
 * before any of them fails. Only failures, rather than every request from the address with a generous limit:
 * a live token's traffic is already limited per token, and many clients may share one address (a NAT, an
 * office proxy), which a limit on all of it would throttle together unless it were too generous to stop a flood.
 */
export function takeAttempt(attempts: AttemptBuckets, client: string): void {
  const taken = attempts.take(client, Date.now());
  if (!taken.ok) {
    throw new AppError(
      'rate_limited',
      `too many requests without a valid token or link from this address; retry after ${taken.retryAfterSeconds} s`,
      { retry_after_seconds: taken.retryAfterSeconds },
    );
  }
}
