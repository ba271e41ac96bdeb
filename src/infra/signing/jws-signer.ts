import {
  CompactSign,
  base64url,
  compactVerify,
  createLocalJWKSet,
  decodeProtectedHeader,
  errors,
  type JWK,
  type KeyLike,
} from 'jose';
import { JWS_ALG } from './jwks';

/** The outcome of checking a detached signature: `kid` names the key that signed when it is known, `reason` says
 * why the signature does not hold. */
export interface DetachedVerification {
  valid: boolean;
  kid?: string;
  reason?: string;
}

/** Signs an artifact's exact bytes and returns a detached compact JWS (RFC 7515 Appendix F): `header..signature`,
 * the payload part left empty because the artifact travels separately. The protected header is
 * `{"alg":"ES256","kid":…,"typ":"JOSE"}`. */
export async function signDetached(bytes: Buffer, key: { kid: string; privateKey: KeyLike }): Promise<string> {
  const jws = await new CompactSign(bytes)
    .setProtectedHeader({ alg: JWS_ALG, kid: key.kid, typ: 'JOSE' })
    .sign(key.privateKey);
  const [header, , signature] = jws.split('.');
  return `${header}..${signature}`;
}

/** Signs a JSON document as a compact JWS carrying it (RFC 7515 §7.1), for records that travel as their signature,
 * such as a tenant's deletion receipt. The protected header is `{"alg":"ES256","kid":…,"typ":"JOSE","cty":"json"}`;
 * any JWS library verifies it with the published JWKS and gives back the document's exact bytes. */
export async function signCompact(payload: Buffer, key: { kid: string; privateKey: KeyLike }): Promise<string> {
  return new CompactSign(payload)
    .setProtectedHeader({ alg: JWS_ALG, kid: key.kid, typ: 'JOSE', cty: 'json' })
    .sign(key.privateKey);
}

/** Checks a detached compact JWS against an artifact's exact bytes, using only the published public keys. Never
 * throws for a bad signature or a malformed JWS: the answer says `valid: false` and why. */
export async function verifyDetached(bytes: Buffer, jws: string, jwks: { keys: JWK[] }): Promise<DetachedVerification> {
  const parts = jws.trim().split('.');
  if (parts.length !== 3 || parts[1] !== '' || !parts[0] || !parts[2]) {
    return { valid: false, reason: 'not a detached compact JWS (expected header..signature)' };
  }
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader({ protected: parts[0] });
  } catch {
    return { valid: false, reason: 'the protected header is not valid base64url JSON' };
  }
  const kid = typeof header.kid === 'string' ? header.kid : undefined;
  if (header.alg !== JWS_ALG) {
    return { valid: false, kid, reason: `alg ${JSON.stringify(header.alg)} is not accepted; artifacts use ${JWS_ALG}` };
  }
  if (!kid) return { valid: false, reason: 'the protected header names no kid' };
  // An unencoded payload (b64: false) or other critical extension would make the signed bytes mean something else.
  if (header.crit !== undefined || header.b64 !== undefined) {
    return { valid: false, kid, reason: 'critical header extensions are not accepted' };
  }

  try {
    await compactVerify(`${parts[0]}.${base64url.encode(bytes)}.${parts[2]}`, createLocalJWKSet(jwks), {
      algorithms: [JWS_ALG],
    });
    return { valid: true, kid };
  } catch (err) {
    if (err instanceof errors.JWSSignatureVerificationFailed) {
      return { valid: false, kid, reason: 'the signature does not match the artifact bytes' };
    }
    if (err instanceof errors.JWKSNoMatchingKey) {
      return { valid: false, kid, reason: `no published key has kid ${kid}` };
    }
    if (err instanceof errors.JOSEError) return { valid: false, kid, reason: err.message };
    throw err;
  }
}
