import forge from 'node-forge';
import { appendInside, childrenOf, readElement, type DerElement } from './der';

/** id-aa-signatureTimeStampToken (RFC 3161 Appendix A): the unsigned attribute that carries a time-stamp token
 * over a CMS signer's signature value. With it, a PDF signature is PAdES B-T. */
export const SIGNATURE_TIMESTAMP_OID = '1.2.840.113549.1.9.16.2.14';

/** Path from a CMS ContentInfo to its first SignerInfo: the [0] EXPLICIT content, the SignedData, its last field
 * (signerInfos, after the optional certificates and CRLs), the first signer. */
const FIRST_SIGNER = [1, 0, -1, 0] as const;

function firstSignerInfo(cms: Buffer): { signer: DerElement; fields: DerElement[] } {
  let element = readElement(cms, 0);
  for (const step of FIRST_SIGNER) {
    const children = childrenOf(cms, element);
    const next = children[step < 0 ? children.length + step : step];
    if (!next) throw new Error('CMS: the SignedData has no signer');
    element = next;
  }
  return { signer: element, fields: childrenOf(cms, element) };
}

/** The signature value (the contents of the SignerInfo's signature OCTET STRING) of a CMS SignedData's first
 * signer: what a signature time-stamp is taken over. */
export function signatureValueOf(cms: Buffer): Buffer {
  const { fields } = firstSignerInfo(cms);
  // version, sid, digestAlgorithm, [0] signedAttrs, signatureAlgorithm, signature, [1] unsignedAttrs.
  const signature = fields.filter((f) => f.tag === 0x04).pop();
  if (!signature) throw new Error('CMS: the signer has no signature value');
  return Buffer.from(cms.subarray(signature.contentStart, signature.end));
}

/** Returns the CMS with the token added to its first signer as the unsigned attribute
 * id-aa-signatureTimeStampToken. The signed bytes (signed attributes, signature) are left exactly as they were. */
export function addSignatureTimestamp(cms: Buffer, token: Buffer): Buffer {
  const { fields } = firstSignerInfo(cms);
  if (fields.some((f) => f.tag === 0xa1)) throw new Error('CMS: the signer already has unsigned attributes');
  const { asn1 } = forge;
  const attribute = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(SIGNATURE_TIMESTAMP_OID).getBytes()),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SET, true, []),
  ]);
  const attributeDer = Buffer.from(asn1.toDer(attribute).getBytes(), 'binary');
  // The token goes in as the bytes the authority sent, inside the (empty) SET of values built above.
  const withToken = appendInside(attributeDer, [1], token);
  const unsignedAttrs = appendInside(Buffer.from([0xa1, 0x00]), [], withToken);
  return appendInside(cms, FIRST_SIGNER, unsignedAttrs);
}

/** The signature time-stamp token of a CMS's first signer, as embedded; undefined when it has none. */
export function signatureTimestampOf(cms: Buffer): Buffer | undefined {
  const { fields } = firstSignerInfo(cms);
  const unsigned = fields.find((f) => f.tag === 0xa1);
  if (!unsigned) return undefined;
  for (const attribute of childrenOf(cms, unsigned)) {
    const [type, values] = childrenOf(cms, attribute);
    if (!type || !values) continue;
    const oid = forge.asn1.derToOid(cms.subarray(type.contentStart, type.end).toString('binary'));
    if (oid !== SIGNATURE_TIMESTAMP_OID) continue;
    const [token] = childrenOf(cms, values);
    if (token) return Buffer.from(cms.subarray(token.start, token.end));
  }
  return undefined;
}
