import { createHash } from 'node:crypto';
import forge from 'node-forge';
import { readElement } from './der';
import { verifyDetached } from './jws-signer';
import { verifyPdfSignature } from './pdf-signer';

/** A published key set as a verifier fetches it. */
export interface PublishedJwks {
  keys: { kid?: string; x5c?: string[] }[];
}

/** The verdict on one artifact. */
export interface ArtifactVerdict {
  valid: boolean;
  kind: 'pdf' | 'json';
  keyId?: string;
  detail: string;
}

/** The CMS blobs of a PDF's signatures (DER, without the zero padding of their placeholders), read from each
 * `/Contents <hex>` that holds one, in file order. */
export function pdfSignatureContents(pdf: Buffer): Buffer[] {
  const text = pdf.toString('latin1');
  const blobs: Buffer[] = [];
  for (const m of text.matchAll(/\/Contents\s*<([0-9A-Fa-f]+)>/g)) {
    const hex = m[1];
    if (/^0*$/.test(hex)) continue;
    try {
      const bytes = Buffer.from(hex.length % 2 ? `${hex}0` : hex, 'hex');
      blobs.push(bytes.subarray(0, readElement(bytes, 0).end));
    } catch {
      // Not a DER blob (a /Contents of some other object): not a signature.
    }
  }
  return blobs;
}

/** The certificates carried in a PDF's signatures (DER), read from each `/Contents <hex>` CMS blob. */
export function pdfSignatureCertificates(pdf: Buffer): Buffer[] {
  const certs: Buffer[] = [];
  for (const blob of pdfSignatureContents(pdf)) {
    try {
      const message = forge.pkcs7.messageFromAsn1(parseDer(blob.toString('binary'))) as forge.pkcs7.PkcsSignedData;
      for (const cert of message.certificates) {
        certs.push(Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary'));
      }
    } catch {
      // Not a CMS blob (a /Contents of some other object): not a signature certificate.
    }
  }
  return certs;
}

/** Parses one DER structure, ignoring the zero padding that fills the rest of a signature placeholder. */
function parseDer(der: string): forge.asn1.Asn1 {
  // node-forge takes an options object here; its type definitions only know the older boolean form.
  const fromDer = forge.asn1.fromDer as unknown as (bytes: string, options: object) => forge.asn1.Asn1;
  return fromDer(der, { strict: false, parseAllBytes: false });
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Verifies a downloaded artifact against the keys the service publishes, and nothing else. A PDF must carry a
 * signature that poppler's `pdfsig` finds valid over the whole file, made with a certificate listed (`x5c`) in
 * the published keys. A JSON document must match its detached JWS under a published key. */
export async function verifyArtifact(bytes: Buffer, jwks: PublishedJwks, jws?: string): Promise<ArtifactVerdict> {
  if (bytes.subarray(0, 5).toString('latin1') === '%PDF-') {
    const check = await verifyPdfSignature(bytes);
    if (!check.valid) return { valid: false, kind: 'pdf', detail: check.detail };
    const published = new Map<string, string | undefined>();
    for (const key of jwks.keys) {
      for (const cert of key.x5c ?? []) published.set(sha256(Buffer.from(cert, 'base64')), key.kid);
    }
    const match = pdfSignatureCertificates(bytes)
      .map((c) => sha256(c))
      .find((digest) => published.has(digest));
    if (!match) {
      return {
        valid: false,
        kind: 'pdf',
        detail: 'the signature is intact but its certificate is not among the published keys',
      };
    }
    return { valid: true, kind: 'pdf', keyId: published.get(match), detail: check.detail };
  }
  if (!jws)
    return {
      valid: false,
      kind: 'json',
      detail: 'a JSON artifact needs its detached signature (X-Artifact-Signature)',
    };
  const result = await verifyDetached(bytes, jws, jwks as Parameters<typeof verifyDetached>[2]);
  return result.valid
    ? { valid: true, kind: 'json', keyId: result.kid, detail: 'the detached JWS matches the artifact bytes' }
    : { valid: false, kind: 'json', keyId: result.kid, detail: result.reason ?? 'the signature does not verify' };
}
