import { X509Certificate } from 'node:crypto';
import { exportJWK, importX509 } from 'jose';
import type { DetachedSigning, DocumentSigning } from '../../../activities/ports';
import type { JwsKeyRing } from './jwks';
import { signCompact, signDetached } from './jws-signer';
import type { SigningIdentity } from './signing-identity';
import type { TimestampAuthority } from './timestamp-authority';

/** A detached-JWS signer on the newest key of a key ring. The key is read once per call, so the kid returned
 * is always the one that signed. Given a time-stamping authority, each signature is stamped: the token is over the
 * signature's bytes, as a PDF's signature time-stamp is over its CMS signature value, so it shows the signature
 * existed at the authority's time. */
export function jwsSigner(ring: JwsKeyRing, timestamps?: TimestampAuthority): DetachedSigning {
  return {
    async sign(bytes) {
      const key = ring.current;
      const jws = await signDetached(bytes, key);
      if (!timestamps) return { kid: key.kid, jws };
      const { token } = await timestamps.stamp(jwsSignatureBytes(jws));
      return { kid: key.kid, jws, timestamp: token.toString('base64') };
    },
  };
}

/** The bytes of a compact JWS's signature: its third part, base64url-decoded. */
export function jwsSignatureBytes(jws: string): Buffer {
  return Buffer.from(jws.split('.')[2] ?? '', 'base64url');
}

/** A signer of whole JSON documents as compact JWS on the newest key of a key ring: the key set JSON artifacts are
 * signed with, so the same published JWKS verifies both. */
export function jwsDocumentSigner(ring: JwsKeyRing): DocumentSigning {
  return {
    async sign(payload) {
      const key = ring.current;
      return { kid: key.kid, jws: await signCompact(payload, key) };
    },
  };
}

/** The public JWK of the PDF signing certificate, with the certificate itself in `x5c`, so a verifier can match
 * the certificate embedded in a PDF's signature against what this service publishes. */
export async function pdfCertificateJwk(identity: SigningIdentity): Promise<Record<string, unknown>> {
  const cert = new X509Certificate(identity.certificatePem);
  const jwk = await exportJWK(await importX509(identity.certificatePem, 'RS256', { extractable: true }));
  return { ...jwk, kid: identity.keyId, alg: 'RS256', use: 'sig', x5c: [cert.raw.toString('base64')] };
}
