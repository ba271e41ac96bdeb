import { AppError } from '../../domain/errors';
import type { Logger } from '../logger';
import { pdfCertificateJwk } from './artifact-signers';
import { loadJwsKeys } from './jwks';
import { certificateFacts, type SigningIdentity } from './signing-identity';

/** A JWKS: public keys only. */
export interface PublicKeySet {
  keys: object[];
}

/** Where the API reads the key set the signing worker published. */
export interface PublishedKeysSource {
  read(): Promise<PublicKeySet | null>;
}

/** Where the signing worker publishes its key set. */
export interface PublishedKeysSink {
  publish(jwks: PublicKeySet, at: Date): Promise<void>;
}

/** How often the worker re-publishes its key folder and the API re-reads what was published: a key added to the
 * worker's folder is served within twice this. */
export const PUBLISHED_KEYS_REFRESH_MS = 30_000;

/** The JWKS the signing worker publishes: the public part of every JSON signing key in `jwsKeysDir` (newest
 * first; keys that signed earlier artifacts stay, so those still verify), plus the PDF signing certificate with
 * itself in `x5c`. Re-reads the folder, so a key added since start-up is included. Worker-side only: it opens
 * private key files. */
export async function signingKeySet(jwsKeysDir: string, identity: SigningIdentity): Promise<PublicKeySet> {
  const { keys } = await loadJwsKeys(jwsKeysDir, { create: false });
  return { keys: [...keys.publicJwks().keys, await pdfCertificateJwk(identity)] };
}

/** The API's JWKS: what the worker published, read at most once per `refreshMs` and otherwise answered from
 * memory. A failed refresh keeps serving the last set read (a verifier is better served by keys a few seconds old
 * than by an error); with nothing read yet, it answers 503 until a worker has published. Concurrent callers share
 * one read. */
export function cachedPublishedKeys(
  source: PublishedKeysSource,
  opts: { refreshMs: number; clock: { now(): Date }; logger: Pick<Logger, 'warn'> },
): () => Promise<PublicKeySet> {
  let cached: { jwks: PublicKeySet; readAt: number } | undefined;
  let reading: Promise<PublicKeySet | null> | undefined;
  const refresh = (): Promise<PublicKeySet | null> => {
    reading ??= source
      .read()
      .then(
        (jwks) => {
          // Nothing published yet is not remembered: the first worker's keys are served as soon as they exist.
          cached = jwks ? { jwks, readAt: opts.clock.now().getTime() } : undefined;
          return jwks;
        },
        (err: unknown) => {
          if (!cached) throw err;
          opts.logger.warn('reading the published signing keys failed; serving the last ones read', {
            error: err,
          });
          return cached.jwks;
        },
      )
      .finally(() => {
        reading = undefined;
      });
    return reading;
  };
  return async () => {
    if (cached && opts.clock.now().getTime() - cached.readAt < opts.refreshMs) return cached.jwks;
    const jwks = await refresh();
    if (!jwks) {
      throw new AppError('unavailable', 'no signing keys are published yet: they appear once a worker has started');
    }
    return jwks;
  };
}

/** The PDF signer as the published key set names it, for the integrity page a render worker prints: that worker holds
 * no signing key, so it learns the signer from what the signing worker published (the key with the certificate in
 * `x5c`), read through `keys` (a {@link cachedPublishedKeys}). Fails `unavailable`, which a render retries, until a
 * signing worker has published one. */
export function publishedPdfSigner(
  keys: () => Promise<PublicKeySet>,
  jwksUrl: string,
): () => Promise<{ subject: string; keyId: string; jwksUrl: string }> {
  return async () => {
    const { keys: published } = await keys();
    const pdf = published.find((k): k is { x5c: string[] } => Array.isArray((k as { x5c?: unknown }).x5c));
    if (!pdf || typeof pdf.x5c[0] !== 'string') {
      throw new AppError(
        'unavailable',
        'no PDF signing certificate is published yet: it appears once a steps worker has started',
      );
    }
    return { ...certificateFacts(Buffer.from(pdf.x5c[0], 'base64')), jwksUrl };
  };
}
