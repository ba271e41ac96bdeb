import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';

/** The key and certificate PDFs are signed with, as the PKCS#12 the signer consumes plus the facts we report. */
export interface SigningIdentity {
  /** PKCS#12 holding the certificate and its private key in a shrouded key bag. */
  p12: Buffer;
  password: string;
  certificatePem: string;
  /** `pdf-` and the first 16 hex digits of the SHA-256 of the DER certificate. */
  keyId: string;
  /** The certificate subject as `CN=…, O=…`. */
  subject: string;
}

/** Where the generated identity lives under the data directory. */
export const LOCAL_SIGNING_KEY_FILE = path.join('keys', 'pdf-signing.p12');

const LOCAL_SUBJECT: forge.pki.CertificateField[] = [
  { shortName: 'CN', value: 'Audit Evidence Reports signing key (local)' },
  { shortName: 'O', value: 'Local deployment' },
];
const VALIDITY_YEARS = 3;

/** Returns the identity from the configured PKCS#12, or the one kept at `<dataDir>/keys/pdf-signing.p12`,
 * generating it (RSA 3072, self-signed, three years) on first use. `created` tells the caller to log that a
 * local key was generated: its signatures prove integrity, but nobody outside this deployment trusts it. */
export async function loadOrCreateSigningIdentity(opts: {
  p12Path?: string;
  password?: string;
  dataDir: string;
}): Promise<{ identity: SigningIdentity; created: boolean }> {
  if (opts.p12Path) return { identity: await loadConfigured(opts.p12Path, opts.password ?? ''), created: false };

  const file = path.join(opts.dataDir, LOCAL_SIGNING_KEY_FILE);
  // The generated key has an empty password: a password file beside it would add nothing the owner-only file
  // mode does not already give, and one file can be published atomically where two cannot.
  const password = '';
  const existing = await readIfPresent(file);
  if (existing) return { identity: parseIdentity(existing, password, file), created: false };

  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const p12 = generateP12(password);
  // Written whole to a private temporary file, then linked into place: link() fails if the name exists, so
  // of two processes racing, one wins and the other reads a complete file rather than a half-written one.
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await fs.writeFile(tmp, p12, { mode: 0o600, flag: 'wx' });
  try {
    await fs.link(tmp, file);
    return { identity: parseIdentity(p12, password, file), created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return { identity: parseIdentity(await fs.readFile(file), password, file), created: false };
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

async function loadConfigured(p12Path: string, password: string): Promise<SigningIdentity> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(p12Path);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new Error(`PDF signing key ${p12Path} cannot be read: ${reason}`);
  }
  return parseIdentity(bytes, password, p12Path);
}

async function readIfPresent(file: string): Promise<Buffer | undefined> {
  try {
    return await fs.readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Parses a PKCS#12 the way the PDF signer will, so a key it cannot use fails at start-up, naming the file. */
function parseIdentity(p12: Buffer, password: string, source: string): SigningIdentity {
  let parsed: forge.pkcs12.Pkcs12Pfx;
  try {
    parsed = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(p12.toString('binary')), false, password);
  } catch (err) {
    const message = (err as Error).message;
    const hint = /MAC could not be verified|Invalid password/i.test(message) ? 'wrong password' : message;
    throw new Error(`PDF signing key ${source} cannot be opened as PKCS#12: ${hint}`);
  }
  const certs = (parsed.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag] ?? [])
    .map((bag) => bag.cert)
    .filter((cert): cert is forge.pki.Certificate => cert !== undefined);
  // The signer only looks in shrouded key bags; a PKCS#12 made without a string password has none.
  const keyBags = parsed.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag })[forge.pki.oids.pkcs8ShroudedKeyBag];
  const key = keyBags?.[0]?.key as forge.pki.rsa.PrivateKey | undefined;
  if (!key) throw new Error(`PDF signing key ${source} holds no password-protected private key`);
  const cert = certs.find((c) => {
    const pub = c.publicKey as forge.pki.rsa.PublicKey;
    return pub.n?.compareTo(key.n) === 0 && pub.e?.compareTo(key.e) === 0;
  });
  if (!cert) throw new Error(`PDF signing key ${source} holds no certificate matching its private key`);

  const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
  return { p12, password, certificatePem: forge.pki.certificateToPem(cert), ...certificateFacts(der) };
}

/** The key id and subject of a PDF signing certificate given as DER, as the signer reports them: the same whether
 * read from the PKCS#12 or from the published key set. */
export function certificateFacts(der: Buffer): { keyId: string; subject: string } {
  const cert = forge.pki.certificateFromAsn1(forge.asn1.fromDer(der.toString('binary')));
  return {
    keyId: `pdf-${createHash('sha256').update(der).digest('hex').slice(0, 16)}`,
    subject: cert.subject.attributes.map((a) => `${a.shortName ?? a.name}=${String(a.value)}`).join(', '),
  };
}

function generateP12(password: string): Buffer {
  const keys = forge.pki.rsa.generateKeyPair({ bits: 3072, e: 0x10001 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  // A positive 16-byte serial: the leading 0 nibble keeps the DER integer from reading as negative.
  cert.serialNumber = `0${randomBytes(16).toString('hex').slice(1)}`;
  const now = new Date();
  cert.validity.notBefore = new Date(now.getTime() - 5 * 60_000); // tolerate clock skew between hosts
  cert.validity.notAfter = new Date(now);
  cert.validity.notAfter.setFullYear(now.getFullYear() + VALIDITY_YEARS);
  cert.setSubject(LOCAL_SUBJECT);
  cert.setIssuer(LOCAL_SUBJECT);
  cert.setExtensions([
    // CA/keyCertSign let the self-signed certificate be trusted as its own anchor in an NSS database.
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', digitalSignature: true, nonRepudiation: true, keyCertSign: true, critical: true },
    { name: 'extKeyUsage', emailProtection: true, codeSigning: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  const asn1 = forge.pkcs12.toPkcs12Asn1(keys.privateKey, [cert], password, {
    algorithm: '3des',
    friendlyName: 'pdf-signing',
  });
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
}
