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
  /** The certificates the PKCS#12 holds besides the signing certificate (its issuers, up to the root), as PEM. They
   * travel in every signature, so a verifier can build the chain to a root it trusts. */
  chainPem: string[];
  /** `pdf-` and the first 16 hex digits of the SHA-256 of the DER certificate. */
  keyId: string;
  /** The certificate subject as `CN=…, O=…`. */
  subject: string;
}

/** Where the generated identity lives under the data directory. */
export const LOCAL_SIGNING_KEY_FILE = path.join('keys', 'pdf-signing.p12');
/** The root certificate of the generated identity, beside it: what a verifier trusts (see
 * {@link trustRootInstructions}). */
export const LOCAL_SIGNING_ROOT_FILE = path.join('keys', 'pdf-signing-root.pem');

const LOCAL_SUBJECT: forge.pki.CertificateField[] = [
  { shortName: 'CN', value: 'Audit Evidence Reports signing key (local)' },
  { shortName: 'O', value: 'Local deployment' },
];
const LOCAL_ROOT_SUBJECT: forge.pki.CertificateField[] = [
  { shortName: 'CN', value: 'Audit Evidence Reports root CA (local)' },
  { shortName: 'O', value: 'Local deployment' },
];
const VALIDITY_YEARS = 3;
/** The local root outlives the leaves it could vouch for, as an organisation's root does. */
const ROOT_VALIDITY_YEARS = 10;

/** Returns the identity from the configured PKCS#12, or the one kept at `<dataDir>/keys/pdf-signing.p12`,
 * generating it on first use: a local root CA (RSA 3072, ten years) and a signing certificate it issues (RSA 3072,
 * three years), the PKCS#12 holding both, and the root's certificate written beside it as
 * `<dataDir>/keys/pdf-signing-root.pem`. The root's private key is never stored: nothing else is ever issued under
 * it. `created` tells the caller to log that a local key was generated: its signatures prove integrity, and they
 * chain to a trusted root only where someone chose to trust this deployment's root. */
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
  if (existing) {
    const identity = parseIdentity(existing, password, file);
    await writeRootIfMissing(opts.dataDir, identity);
    return { identity, created: false };
  }

  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const p12 = generateP12(password);
  // Written whole to a private temporary file, then linked into place: link() fails if the name exists, so
  // of two processes racing, one wins and the other reads a complete file rather than a half-written one.
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await fs.writeFile(tmp, p12, { mode: 0o600, flag: 'wx' });
  let created = true;
  try {
    await fs.link(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    created = false;
  } finally {
    await fs.rm(tmp, { force: true });
  }
  const identity = parseIdentity(created ? p12 : await fs.readFile(file), password, file);
  await writeRootIfMissing(opts.dataDir, identity);
  return { identity, created };
}

/** Writes the root of a generated identity's chain beside it, for those who choose to trust it. An identity of an
 * earlier version (a self-signed certificate) has no chain, and its certificate is its own root. */
async function writeRootIfMissing(dataDir: string, identity: SigningIdentity): Promise<void> {
  const file = path.join(dataDir, LOCAL_SIGNING_ROOT_FILE);
  const root = identity.chainPem[identity.chainPem.length - 1] ?? identity.certificatePem;
  try {
    await fs.writeFile(file, root, { mode: 0o644, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

/** Shell commands that make poppler's `pdfsig` (and anything else reading an NSS database) trust the given root
 * certificate for document signatures. */
export function trustRootInstructions(rootPemFile: string, nssDir = '$HOME/.pki/nssdb'): string[] {
  return [
    `mkdir -p ${nssDir} && certutil -d sql:${nssDir} -N --empty-password   # once, if there is no database yet`,
    `certutil -d sql:${nssDir} -A -n 'Audit Evidence Reports local root' -t 'C,C,C' -i ${rootPemFile}`,
    `pdfsig -nssdir sql:${nssDir} <report>.pdf`,
  ];
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
  return {
    p12,
    password,
    certificatePem: forge.pki.certificateToPem(cert),
    chainPem: issuersOf(cert, certs).map((c) => forge.pki.certificateToPem(c)),
    ...certificateFacts(der),
  };
}

/** The certificates of `pool` that issued `leaf`, its issuer first, following issuer names up to a self-signed
 * root or as far as the pool goes. */
function issuersOf(leaf: forge.pki.Certificate, pool: forge.pki.Certificate[]): forge.pki.Certificate[] {
  const chain: forge.pki.Certificate[] = [];
  let current = leaf;
  while (!current.isIssuer(current) && chain.length < pool.length) {
    const issuer = pool.find((c) => c !== current && !chain.includes(c) && current.isIssuer(c));
    if (!issuer) break;
    chain.push(issuer);
    current = issuer;
  }
  return chain;
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

function newCertificate(publicKey: forge.pki.PublicKey, years: number): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  // A positive 16-byte serial: the leading 0 nibble keeps the DER integer from reading as negative.
  cert.serialNumber = `0${randomBytes(16).toString('hex').slice(1)}`;
  const now = new Date();
  cert.validity.notBefore = new Date(now.getTime() - 5 * 60_000); // tolerate clock skew between hosts
  cert.validity.notAfter = new Date(now);
  cert.validity.notAfter.setFullYear(now.getFullYear() + years);
  return cert;
}

/** A local root CA and a signing certificate issued by it, as a PKCS#12 holding the signing key and both
 * certificates, so that every signature carries the chain and a verifier need only trust the root. */
function generateP12(password: string): Buffer {
  const rootKeys = forge.pki.rsa.generateKeyPair({ bits: 3072, e: 0x10001 });
  const root = newCertificate(rootKeys.publicKey, ROOT_VALIDITY_YEARS);
  root.setSubject(LOCAL_ROOT_SUBJECT);
  root.setIssuer(LOCAL_ROOT_SUBJECT);
  root.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  root.sign(rootKeys.privateKey, forge.md.sha256.create());

  const keys = forge.pki.rsa.generateKeyPair({ bits: 3072, e: 0x10001 });
  const cert = newCertificate(keys.publicKey, VALIDITY_YEARS);
  cert.setSubject(LOCAL_SUBJECT);
  cert.setIssuer(LOCAL_ROOT_SUBJECT);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, nonRepudiation: true, critical: true },
    { name: 'extKeyUsage', emailProtection: true, codeSigning: true },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: root.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(rootKeys.privateKey, forge.md.sha256.create());
  const asn1 = forge.pkcs12.toPkcs12Asn1(keys.privateKey, [cert, root], password, {
    algorithm: '3des',
    friendlyName: 'pdf-signing',
  });
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
}
