import forge from 'node-forge';
import { childrenOf, readElement } from './der';

const { asn1 } = forge;
const { Class, Type } = asn1;

/** SHA-256, the one digest this service asks a time-stamping authority to stamp. */
export const SHA256_OID = '2.16.840.1.101.3.4.2.1';
/** id-signedData: a time-stamp token is a CMS SignedData. */
const SIGNED_DATA_OID = '1.2.840.113549.1.7.2';
/** id-ct-TSTInfo: the content type a token's SignedData carries (RFC 3161 §2.4.2). */
const TST_INFO_OID = '1.2.840.113549.1.9.16.1.4';

/** What is asked of the authority: a stamp over a SHA-256 digest, a nonce that ties the answer to this request, and
 * the authority's certificate in the token so that the token verifies without a lookup. */
export interface TimeStampRequest {
  /** The SHA-256 digest of the data being stamped (32 bytes). */
  digest: Buffer;
  /** A positive integer's big-endian bytes, first byte 0x01–0x7f (see {@link newNonce}). */
  nonce: Buffer;
}

/** The facts a token's TSTInfo states. */
export interface TimeStampInfo {
  /** The authority's clock when it stamped. */
  genTime: Date;
  /** The token's serial number, as hex. */
  serialNumber: string;
  /** The authority's policy under which it stamped. */
  policy: string;
  hashAlgorithm: string;
  hashedMessage: Buffer;
  /** The nonce of the request, echoed; absent when the request had none. */
  nonce?: Buffer;
  /** The certificates the token carries (DER), the authority's own first when it sent one. */
  certificates: Buffer[];
}

/** A nonce for {@link encodeTimeStampRequest}: eight random bytes read as a positive INTEGER in its shortest DER
 * form (the first byte is neither zero nor has its top bit set). */
export function newNonce(random: Buffer): Buffer {
  if (random.length < 2) throw new Error('a nonce needs at least two random bytes');
  const nonce = Buffer.from(random);
  nonce[0] = (nonce[0]! & 0x7f) | 0x01;
  return nonce;
}

/** Encodes an RFC 3161 TimeStampReq (version 1, SHA-256 message imprint, nonce, certReq true) as DER. */
export function encodeTimeStampRequest(request: TimeStampRequest): Buffer {
  if (request.digest.length !== 32) throw new Error(`a SHA-256 digest is 32 bytes, not ${request.digest.length}`);
  const req = asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, [
    asn1.create(Class.UNIVERSAL, Type.INTEGER, false, asn1.integerToDer(1).getBytes()),
    messageImprint(request.digest),
    asn1.create(Class.UNIVERSAL, Type.INTEGER, false, request.nonce.toString('binary')),
    asn1.create(Class.UNIVERSAL, Type.BOOLEAN, false, String.fromCharCode(0xff)),
  ]);
  return Buffer.from(asn1.toDer(req).getBytes(), 'binary');
}

function messageImprint(digest: Buffer): forge.asn1.Asn1 {
  return asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, [
    asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, [
      asn1.create(Class.UNIVERSAL, Type.OID, false, asn1.oidToDer(SHA256_OID).getBytes()),
      asn1.create(Class.UNIVERSAL, Type.NULL, false, ''),
    ]),
    asn1.create(Class.UNIVERSAL, Type.OCTETSTRING, false, digest.toString('binary')),
  ]);
}

/** A TimeStampResp: the PKIStatus (0 granted, 1 granted with modifications, 2 rejection, 3 waiting, 4 revocation
 * warning, 5 revocation notification), the authority's text and failure bits, and the token's exact DER bytes. */
export interface TimeStampResponse {
  status: number;
  statusText?: string;
  failInfo?: number;
  token?: Buffer;
}

/** Decodes a TimeStampResp. The token is returned as the bytes that arrived, never re-encoded: they are what the
 * authority signed over and what gets embedded. */
export function decodeTimeStampResponse(der: Buffer): TimeStampResponse {
  const outer = readElement(der, 0);
  if (outer.tag !== 0x30 || outer.end !== der.length) throw new Error('the response is not one DER SEQUENCE');
  const [statusInfo, token] = childrenOf(der, outer);
  if (!statusInfo || statusInfo.tag !== 0x30) throw new Error('the response has no PKIStatusInfo');
  const parts = childrenOf(der, statusInfo);
  const status = parts[0];
  if (!status || status.tag !== 0x02) throw new Error('the PKIStatusInfo has no status');
  const result: TimeStampResponse = { status: unsignedInt(der.subarray(status.contentStart, status.end)) };
  for (const part of parts.slice(1)) {
    if (part.tag === 0x30) {
      result.statusText = childrenOf(der, part)
        .map((s) => der.subarray(s.contentStart, s.end).toString('utf8'))
        .join(' ');
    } else if (part.tag === 0x03) {
      // A named bit string: the first content octet counts the unused bits; bit 0 is the leftmost.
      const bits = der.subarray(part.contentStart + 1, part.end);
      let info = 0;
      for (let i = 0; i < bits.length * 8 && i < 31; i++) if (bits[i >> 3]! & (0x80 >> (i & 7))) info |= 1 << i;
      result.failInfo = info;
    }
  }
  if (token) result.token = Buffer.from(der.subarray(token.start, token.end));
  return result;
}

function unsignedInt(bytes: Buffer): number {
  let value = 0;
  for (const b of bytes) value = value * 256 + b;
  return value;
}

/** Reads the TSTInfo and certificates of a token (a CMS ContentInfo of SignedData). Checks the structure, not the
 * signature: see {@link checkTimeStampResponse} and the authority's chain check for that. */
export function parseTimeStampToken(token: Buffer): TimeStampInfo {
  const contentInfo = fromDer(token);
  const [contentType, explicit] = contentInfo.value as forge.asn1.Asn1[];
  if (oidOf(contentType) !== SIGNED_DATA_OID) throw new Error('the token is not a CMS SignedData');
  const signedData = (explicit?.value as forge.asn1.Asn1[] | undefined)?.[0];
  const fields = (signedData?.value ?? []) as forge.asn1.Asn1[];
  const encap = fields[2];
  const [eContentType, eContentExplicit] = (encap?.value ?? []) as forge.asn1.Asn1[];
  if (oidOf(eContentType) !== TST_INFO_OID) throw new Error('the token does not carry a TSTInfo');
  const octets = (eContentExplicit?.value as forge.asn1.Asn1[] | undefined)?.[0];
  if (!octets || octets.type !== Type.OCTETSTRING) throw new Error('the token has no TSTInfo content');
  const tstInfo = asn1.fromDer(octetStringBytes(octets));
  const info = tstInfo.value as forge.asn1.Asn1[];
  const imprint = info[2]?.value as forge.asn1.Asn1[];
  const algorithm = (imprint?.[0]?.value as forge.asn1.Asn1[] | undefined)?.[0];
  const genTime = info[4];
  if (!genTime || genTime.type !== Type.GENERALIZEDTIME) throw new Error('the TSTInfo has no genTime');
  let nonce: Buffer | undefined;
  for (const field of info.slice(5)) {
    if (field.tagClass === Class.UNIVERSAL && field.type === Type.INTEGER) {
      nonce = Buffer.from(field.value as string, 'binary');
    }
  }
  const certificates = fields
    .filter((f) => f.tagClass === Class.CONTEXT_SPECIFIC && f.type === 0)
    .flatMap((f) => f.value as forge.asn1.Asn1[])
    .filter((c) => c.tagClass === Class.UNIVERSAL && c.type === Type.SEQUENCE)
    .map((c) => Buffer.from(asn1.toDer(c).getBytes(), 'binary'));
  return {
    genTime: generalizedTime(genTime.value as string),
    serialNumber: Buffer.from(info[3]?.value as string, 'binary').toString('hex'),
    policy: oidOf(info[1]),
    hashAlgorithm: oidOf(algorithm),
    hashedMessage: Buffer.from(imprint?.[1]?.value as string, 'binary'),
    nonce,
    certificates,
  };
}

/** The token of a response, once it is shown to answer this request: status granted, a SHA-256 imprint of exactly
 * the digest asked for, and the nonce sent. Throws an Error saying which check failed. */
export function checkTimeStampResponse(
  response: TimeStampResponse,
  request: TimeStampRequest,
): { token: Buffer; info: TimeStampInfo } {
  if (response.status !== 0 && response.status !== 1) {
    const text = response.statusText ? `: ${response.statusText}` : '';
    throw new Error(`the authority refused the request (PKIStatus ${response.status}${text})`);
  }
  if (!response.token) throw new Error('the authority granted the request but sent no token');
  const info = parseTimeStampToken(response.token);
  if (info.hashAlgorithm !== SHA256_OID)
    throw new Error(`the token stamps a ${info.hashAlgorithm} digest, not SHA-256`);
  if (!info.hashedMessage.equals(request.digest)) throw new Error('the token stamps another digest than the one sent');
  if (!info.nonce || !info.nonce.equals(request.nonce)) throw new Error('the token does not echo the nonce sent');
  return { token: response.token, info };
}

function fromDer(der: Buffer): forge.asn1.Asn1 {
  // node-forge takes an options object here; its type definitions only know the older boolean form.
  const parse = asn1.fromDer as unknown as (bytes: string, options: object) => forge.asn1.Asn1;
  return parse(der.toString('binary'), { strict: true, parseAllBytes: true, decodeBitStrings: false });
}

function oidOf(node: forge.asn1.Asn1 | undefined): string {
  if (!node || node.type !== Type.OID) return '';
  return asn1.derToOid(node.value as string);
}

/** An OCTET STRING's contents, whether encoded primitive or (BER, as some authorities send) constructed. */
function octetStringBytes(node: forge.asn1.Asn1): string {
  if (typeof node.value === 'string') return node.value;
  return (node.value as forge.asn1.Asn1[]).map(octetStringBytes).join('');
}

/** GeneralizedTime as RFC 3161 writes it: `YYYYMMDDhhmmss[.f…]Z`. */
function generalizedTime(text: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d+))?Z$/.exec(text);
  if (!m) throw new Error(`genTime "${text}" is not a UTC GeneralizedTime`);
  const ms = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, ms));
}
