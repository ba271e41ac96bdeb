import { createHash, randomBytes } from 'node:crypto';
import { AppError } from '../../domain/errors';
import {
  checkTimeStampResponse,
  decodeTimeStampResponse,
  encodeTimeStampRequest,
  newNonce,
  type TimeStampInfo,
} from './rfc3161';

/** A time-stamp token from an RFC 3161 authority and what it states. */
export interface Timestamp {
  /** The token (a CMS ContentInfo) exactly as the authority sent it. */
  token: Buffer;
  info: TimeStampInfo;
}

/** An RFC 3161 time-stamping authority: a third party's clock vouching that some bytes existed at a time. */
export interface TimestampAuthority {
  /** Returns a token over the SHA-256 of `data`. Throws `AppError('timestamp_unavailable')` when the authority
   * cannot be reached or its answer does not stamp exactly what was asked: retrying later may succeed. */
  stamp(data: Buffer): Promise<Timestamp>;
}

/** How long one request may take: an authority answers in milliseconds, and the activity retries anyway. */
const DEFAULT_TIMEOUT_MS = 15_000;

/** An authority reached over HTTP(S) as RFC 3161 §3.4 describes: a DER TimeStampReq POSTed as
 * `application/timestamp-query`, a TimeStampResp back as `application/timestamp-reply`. */
export function httpTimestampAuthority(opts: { url: string; timeoutMs?: number }): TimestampAuthority {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const where = safeUrl(opts.url);
  const unavailable = (why: string, cause?: unknown): AppError =>
    new AppError('timestamp_unavailable', `the time-stamping authority ${where} ${why}`, undefined, cause);

  return {
    async stamp(data) {
      const request = { digest: createHash('sha256').update(data).digest(), nonce: newNonce(randomBytes(8)) };
      let response: Response;
      try {
        response = await fetch(opts.url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/timestamp-query', Accept: 'application/timestamp-reply' },
          body: new Uint8Array(encodeTimeStampRequest(request)),
          signal: AbortSignal.timeout(timeoutMs),
          redirect: 'error',
        });
      } catch (err) {
        const reason =
          (err as Error).name === 'TimeoutError' ? `did not answer within ${timeoutMs} ms` : 'is unreachable';
        throw unavailable(reason, err);
      }
      const body = Buffer.from(await response.arrayBuffer().catch(() => new ArrayBuffer(0)));
      if (!response.ok) throw unavailable(`answered HTTP ${response.status}`);
      try {
        return checkTimeStampResponse(decodeTimeStampResponse(body), request);
      } catch (err) {
        throw unavailable(`sent an unusable answer: ${(err as Error).message}`, err);
      }
    },
  };
}

/** The URL without any credentials it may carry, for messages and logs. */
function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '(an invalid URL)';
  }
}
