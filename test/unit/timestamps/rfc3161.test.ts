import { createHash } from 'node:crypto';
import forge from 'node-forge';
import {
  addSignatureTimestamp,
  signatureTimestampOf,
  signatureValueOf,
} from '../../../src/infra/signing/cms-timestamp';
import { appendInside, childrenOf, derHeader, readElement } from '../../../src/infra/signing/der';
import {
  SHA256_OID,
  checkTimeStampResponse,
  decodeTimeStampResponse,
  encodeTimeStampRequest,
  newNonce,
  parseTimeStampToken,
} from '../../../src/infra/signing/rfc3161';

const { asn1 } = forge;
const { Class, Type } = asn1;
const der = (node: forge.asn1.Asn1): Buffer => Buffer.from(asn1.toDer(node).getBytes(), 'binary');
const seq = (...items: forge.asn1.Asn1[]) => asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, items);
const oid = (id: string) => asn1.create(Class.UNIVERSAL, Type.OID, false, asn1.oidToDer(id).getBytes());
const int = (bytes: Buffer) => asn1.create(Class.UNIVERSAL, Type.INTEGER, false, bytes.toString('binary'));
const octets = (bytes: Buffer) => asn1.create(Class.UNIVERSAL, Type.OCTETSTRING, false, bytes.toString('binary'));
const explicit = (tag: number, inner: forge.asn1.Asn1) => asn1.create(Class.CONTEXT_SPECIFIC, tag, true, [inner]);

const digest = createHash('sha256').update('the signature value').digest();
const nonce = newNonce(Buffer.from('8f0102030405060708', 'hex'));

/** A token shaped as an authority sends one: a SignedData whose encapsulated content is a TSTInfo. Unsigned: these
 * tests are about its structure; the integration tests check real tokens with openssl. */
function token(opts: { imprint?: Buffer; nonce?: Buffer; algorithm?: string; genTime?: string } = {}): Buffer {
  const tstInfo = seq(
    int(Buffer.from([1])),
    oid('1.3.6.1.4.1.57264.2'),
    seq(seq(oid(opts.algorithm ?? SHA256_OID)), octets(opts.imprint ?? digest)),
    int(Buffer.from('0a0b0c', 'hex')),
    asn1.create(Class.UNIVERSAL, Type.GENERALIZEDTIME, false, opts.genTime ?? '20261207235429.123Z'),
    ...(opts.nonce === undefined ? [int(nonce)] : opts.nonce.length ? [int(opts.nonce)] : []),
  );
  const signedData = seq(
    int(Buffer.from([3])),
    asn1.create(Class.UNIVERSAL, Type.SET, true, []),
    seq(oid('1.2.840.113549.1.9.16.1.4'), explicit(0, octets(der(tstInfo)))),
    asn1.create(Class.UNIVERSAL, Type.SET, true, []),
  );
  return der(seq(oid('1.2.840.113549.1.7.2'), explicit(0, signedData)));
}

function response(status: number, body?: Buffer, extra: forge.asn1.Asn1[] = []): Buffer {
  const info = der(seq(int(Buffer.from([status])), ...extra));
  const contents = Buffer.concat([info, body ?? Buffer.alloc(0)]);
  return Buffer.concat([derHeader(0x30, contents.length), contents]);
}

describe('DER reading and splicing', () => {
  it('when an element has a long-form length, then its header and contents are found', () => {
    const bytes = der(octets(Buffer.alloc(300, 7)));
    expect(bytes.subarray(0, 4)).toEqual(Buffer.from([0x04, 0x82, 0x01, 0x2c]));
    expect(readElement(bytes)).toEqual({ tag: 0x04, start: 0, contentStart: 4, end: 304 });
  });

  it('when bytes are appended deep inside, then every enclosing length grows and nothing else changes', () => {
    const outer = der(seq(int(Buffer.from([5])), seq(octets(Buffer.alloc(120, 1)))));
    const spliced = appendInside(outer, [1], der(octets(Buffer.alloc(8, 2))));

    // The inner SEQUENCE crosses 127 bytes, so its length takes the long form, and the outer one's grows with it.
    const node = asn1.fromDer(spliced.toString('binary'));
    const inner = (node.value as forge.asn1.Asn1[])[1]!;
    expect((inner.value as forge.asn1.Asn1[]).map((n) => n.type)).toEqual([Type.OCTETSTRING, Type.OCTETSTRING]);
    expect(readElement(spliced).end).toBe(spliced.length);
    expect(spliced.includes(Buffer.concat([Buffer.from([0x04, 120]), Buffer.alloc(120, 1)]))).toBe(true);
  });

  it('when a path names a child that is not there, then it says so rather than splice elsewhere', () => {
    expect(() => appendInside(der(seq(int(Buffer.from([1])))), [3], Buffer.alloc(1))).toThrow(/has no child 3/);
    expect(() => readElement(Buffer.from([0x30, 0x05, 0x01]))).toThrow(/runs past the end/);
  });
});

describe('RFC 3161 requests', () => {
  it('when a request is encoded, then it is version 1 with a SHA-256 imprint, the nonce and certReq true', () => {
    const req = asn1.fromDer(encodeTimeStampRequest({ digest, nonce }).toString('binary'));
    const [version, imprint, n, certReq] = req.value as forge.asn1.Asn1[];

    expect(version!.value).toBe('\x01');
    const [algorithm, hashed] = imprint!.value as forge.asn1.Asn1[];
    expect(asn1.derToOid((algorithm!.value as forge.asn1.Asn1[])[0]!.value as string)).toBe(SHA256_OID);
    expect(Buffer.from(hashed!.value as string, 'binary')).toEqual(digest);
    expect(Buffer.from(n!.value as string, 'binary')).toEqual(nonce);
    expect(certReq).toMatchObject({ type: Type.BOOLEAN, value: '\xff' });
  });

  it('when a nonce is made, then it is a positive INTEGER in its shortest form whatever the random bytes', () => {
    for (const first of [0x00, 0x80, 0xff]) {
      const made = newNonce(Buffer.from([first, 1, 2, 3, 4, 5, 6, 7]));
      expect(made[0]).toBeGreaterThanOrEqual(1);
      expect(made[0]).toBeLessThan(0x80);
      expect(made.subarray(1)).toEqual(Buffer.from([1, 2, 3, 4, 5, 6, 7]));
    }
  });

  it('when the digest is not 32 bytes, then no request is made', () => {
    expect(() => encodeTimeStampRequest({ digest: Buffer.alloc(20), nonce })).toThrow(/32 bytes, not 20/);
  });
});

describe('RFC 3161 responses', () => {
  it('when the authority grants the request, then the token is returned as the exact bytes it sent, with its facts', () => {
    const sent = token();
    const decoded = decodeTimeStampResponse(response(0, sent));
    const checked = checkTimeStampResponse(decoded, { digest, nonce });

    expect(decoded).toEqual({ status: 0, token: sent });
    expect(checked.token).toEqual(sent);
    expect(checked.info).toMatchObject({
      genTime: new Date('2026-12-07T23:54:29.123Z'),
      serialNumber: '0a0b0c',
      policy: '1.3.6.1.4.1.57264.2',
      hashAlgorithm: SHA256_OID,
      hashedMessage: digest,
      nonce,
      certificates: [],
    });
  });

  it('when the authority refuses, then its status, text and failure bits are read and no token is accepted', () => {
    const text = seq(asn1.create(Class.UNIVERSAL, Type.UTF8, false, 'unsupported algorithm'));
    // badAlg is bit 0 of PKIFailureInfo: one unused-bits octet (7), then 0x80.
    const failInfo = asn1.create(Class.UNIVERSAL, Type.BITSTRING, false, '\x07\x80');
    const decoded = decodeTimeStampResponse(response(2, undefined, [text, failInfo]));

    expect(decoded).toEqual({ status: 2, statusText: 'unsupported algorithm', failInfo: 1 });
    expect(() => checkTimeStampResponse(decoded, { digest, nonce })).toThrow(
      'the authority refused the request (PKIStatus 2: unsupported algorithm)',
    );
  });

  it.each([
    ['another digest', { imprint: Buffer.alloc(32, 9) }, 'the token stamps another digest than the one sent'],
    ['another nonce', { nonce: Buffer.from([0x11, 0x22]) }, 'the token does not echo the nonce sent'],
    ['no nonce', { nonce: Buffer.alloc(0) }, 'the token does not echo the nonce sent'],
    ['SHA-1', { algorithm: '1.3.14.3.2.26' }, 'the token stamps a 1.3.14.3.2.26 digest, not SHA-256'],
  ])('when the token stamps %s, then it is refused', (_what, opts, message) => {
    expect(() => checkTimeStampResponse(decodeTimeStampResponse(response(0, token(opts))), { digest, nonce })).toThrow(
      message,
    );
  });

  it('when genTime has no fraction, then it is read to the second', () => {
    expect(parseTimeStampToken(token({ genTime: '20260101000000Z' })).genTime).toEqual(
      new Date('2026-01-01T00:00:00Z'),
    );
  });

  it('when the answer is not DER at all, then decoding says so', () => {
    expect(() => decodeTimeStampResponse(Buffer.from('<html>502 Bad Gateway</html>'))).toThrow(/DER/);
  });
});

describe('the signature time-stamp attribute of a CMS signer', () => {
  const keys = forge.pki.rsa.generateKeyPair({ bits: 1024, e: 0x10001 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = '01';
  cert.setSubject([{ shortName: 'CN', value: 'unit' }]);
  cert.setIssuer([{ shortName: 'CN', value: 'unit' }]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  const p7 = forge.pkcs7.createSignedData();
  p7.content = forge.util.createBuffer('the document');
  p7.addCertificate(cert);
  p7.addSigner({
    key: keys.privateKey,
    certificate: cert,
    digestAlgorithm: forge.pki.oids.sha256,
    authenticatedAttributes: [
      { type: forge.pki.oids.contentType, value: forge.pki.oids.data },
      { type: forge.pki.oids.messageDigest },
    ],
  });
  p7.sign({ detached: true });
  const cms = der(p7.toAsn1());

  it('when a token is added, then it is found again as the signer unsigned attribute, and the signed bytes stay', () => {
    const stamp = token();
    const stamped = addSignatureTimestamp(cms, stamp);

    expect(signatureTimestampOf(cms)).toBeUndefined();
    expect(signatureTimestampOf(stamped)).toEqual(stamp);
    expect(signatureValueOf(stamped)).toEqual(signatureValueOf(cms));
    // The signer's fields up to its signature are byte for byte what they were; only [1] unsignedAttrs follows.
    const signerOf = (bytes: Buffer) => {
      let element = readElement(bytes);
      for (const step of [1, 0, -1, 0]) {
        const children = childrenOf(bytes, element);
        element = children[step < 0 ? children.length + step : step]!;
      }
      return childrenOf(bytes, element).map((f) => bytes.subarray(f.start, f.end));
    };
    const before = signerOf(cms);
    const after = signerOf(stamped);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after).toHaveLength(before.length + 1);
    expect(after[before.length]![0]).toBe(0xa1);
    // forge reads the result as the same signed message.
    const reread = forge.pkcs7.messageFromAsn1(asn1.fromDer(stamped.toString('binary'))) as forge.pkcs7.PkcsSignedData;
    expect(reread.certificates).toHaveLength(1);
  });

  it('when the signer already has unsigned attributes, then a second token is refused', () => {
    expect(() => addSignatureTimestamp(addSignatureTimestamp(cms, token()), token())).toThrow(
      'CMS: the signer already has unsigned attributes',
    );
  });
});
