import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { signatureTimestampOf, signatureValueOf } from '../../../src/infra/signing/cms-timestamp';
import { PdfSigner, type PdfSignatureFacts } from '../../../src/infra/signing/pdf-signer';
import { parseTimeStampToken } from '../../../src/infra/signing/rfc3161';
import {
  LOCAL_SIGNING_ROOT_FILE,
  loadOrCreateSigningIdentity,
  type SigningIdentity,
} from '../../../src/infra/signing/signing-identity';
import { httpTimestampAuthority } from '../../../src/infra/signing/timestamp-authority';
import { pdfSignatureContents } from '../../../src/infra/signing/verify-artifact';
import { freePort } from '../../support/processes';
import { stackEnv, tsaEnv, uniqueSuffix } from '../../support/stack';
import { opensslVerifyToken } from '../../support/timestamps';

jest.setTimeout(120_000);

const runFile = promisify(execFile);
const dir = path.join(stackEnv().dataDir, `pdf-timestamp-${uniqueSuffix()}`);
const nssDir = path.join(dir, 'nssdb');
let identity: SigningIdentity;
let rootFile: string;
let signed: Buffer;
let fileCount = 0;

/** Runs a tool and returns what it printed on stdout and stderr, and its exit status, whatever that is. */
async function run(tool: string, args: string[]): Promise<{ out: string; code: number }> {
  try {
    const { stdout, stderr } = await runFile(tool, args, { maxBuffer: 4 << 20 });
    return { out: `${stdout}${stderr}`, code: 0 };
  } catch (err) {
    const failed = err as { stdout?: string; stderr?: string; code?: number };
    return { out: `${failed.stdout ?? ''}${failed.stderr ?? ''}`, code: failed.code ?? 1 };
  }
}

async function saved(bytes: Buffer, name: string): Promise<string> {
  const file = path.join(dir, `${++fileCount}-${name}`);
  await fs.writeFile(file, bytes);
  return file;
}

const facts: PdfSignatureFacts = {
  reportId: 'rpt_2026_timestamped000001',
  tenantId: 'ten_acme',
  title: 'Q3 red-team evidence',
  tenantName: 'Acme Corp',
  schemaVersion: '1.1.0',
  contentDigest: 'a'.repeat(64),
  frameworks: ['OWASP_LLM'],
  generatedAt: '2026-03-14T09:26:53.000Z',
};

beforeAll(async () => {
  await fs.mkdir(nssDir, { recursive: true });
  // A data folder of its own, so the identity is generated here: a local root and a signing certificate it issued.
  const created = await loadOrCreateSigningIdentity({ dataDir: dir });
  expect(created.created).toBe(true);
  identity = created.identity;
  rootFile = path.join(dir, LOCAL_SIGNING_ROOT_FILE);
  // The NSS database an auditor would make: the local root trusted, nothing else.
  expect((await run('certutil', ['-d', `sql:${nssDir}`, '-N', '--empty-password'])).code).toBe(0);
  const added = await run('certutil', ['-d', `sql:${nssDir}`, '-A', '-n', 'local root', '-t', 'C,C,C', '-i', rootFile]);
  expect(added).toEqual({ out: '', code: 0 });

  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  doc.addPage().drawText('Finding 1: prompt injection', { x: 50, y: 780, size: 14, font });
  const signer = new PdfSigner(identity, { timestamps: httpTimestampAuthority({ url: tsaEnv().url }) });
  signed = await signer.sign(Buffer.from(await doc.save()), facts);
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('a PDF signed under a local root with a signature time-stamp (PAdES B-T)', () => {
  it('when the identity is generated, then its certificate is issued by a root that is written beside it', async () => {
    expect(identity.chainPem).toHaveLength(1);
    expect(await fs.readFile(rootFile, 'utf8')).toBe(identity.chainPem[0]);
    const leaf = await saved(Buffer.from(identity.certificatePem), 'leaf.pem');
    const verified = await run('openssl', ['verify', '-CAfile', rootFile, leaf]);
    expect(verified).toEqual({ out: `${leaf}: OK\n`, code: 0 });
  });

  it('when pdfsig checks it against an NSS database trusting the root, then the signature is valid and the certificate trusted', async () => {
    const { out, code } = await run('pdfsig', ['-nssdir', `sql:${nssDir}`, await saved(signed, 'signed.pdf')]);

    expect(code).toBe(0);
    expect(out).toContain('- Signature Validation: Signature is Valid.');
    expect(out).toContain('- Certificate Validation: Certificate is Trusted.');
    expect(out).toContain('- Signer Certificate Common Name: Audit Evidence Reports signing key (local)');
    expect(out).toContain('- Total document signed');
  });

  it('when pdfsig dumps the signature, then openssl reads the time-stamp token among its unsigned attributes', async () => {
    // poppler 22's pdfsig does not print a signature's timestamp, so the signature it finds is read by openssl.
    const dumpDir = path.join(dir, 'dump');
    await fs.mkdir(dumpDir);
    const file = await saved(signed, 'signed.pdf');
    await runFile('pdfsig', ['-nocert', '-dump', file], { cwd: dumpDir });
    const [dumped] = await fs.readdir(dumpDir);
    const { out, code } = await run('openssl', [
      'cms',
      '-cmsout',
      '-print',
      '-inform',
      'DER',
      '-in',
      path.join(dumpDir, dumped!),
    ]);

    expect(code).toBe(0);
    const unsigned = out.slice(out.indexOf('unsignedAttrs:'));
    expect(unsigned).toMatch(/object: id-smime-aa-timeStampToken \(1\.2\.840\.113549\.1\.9\.16\.2\.14\)/);
    expect(out.indexOf('unsignedAttrs:')).toBeGreaterThan(out.indexOf('signedAttrs:'));
  });

  it('when the root is not trusted, then pdfsig still finds the signature valid but the certificate not trusted', async () => {
    const empty = path.join(dir, 'empty-nssdb');
    await fs.mkdir(empty);
    await run('certutil', ['-d', `sql:${empty}`, '-N', '--empty-password']);
    const { out } = await run('pdfsig', ['-nssdir', `sql:${empty}`, await saved(signed, 'signed.pdf')]);

    expect(out).toContain('- Signature Validation: Signature is Valid.');
    expect(out).not.toContain('Certificate is Trusted');
  });

  it('when one byte of the signed range changes, then pdfsig finds the signature invalid', async () => {
    const tampered = Buffer.from(signed);
    // A letter of the signature's reason, in the signed range: the file stays well-formed, only its bytes differ.
    const at = tampered.indexOf('Audit evidence report rpt_2026');
    expect(at).toBeGreaterThan(0);
    tampered[at] ^= 0x20;
    const { out } = await run('pdfsig', ['-nssdir', `sql:${nssDir}`, await saved(tampered, 'tampered.pdf')]);

    expect(out).not.toContain('Signature is Valid.');
    expect(out).toMatch(/- Signature Validation: (Digest Mismatch|Signature is Invalid)\./);
  });

  it('when the embedded token is checked with openssl ts -verify against the authority chain, then it stamps the signature value', async () => {
    const [cms] = pdfSignatureContents(signed);
    const token = signatureTimestampOf(cms!);
    expect(token).toBeDefined();
    const digest = createHash('sha256').update(signatureValueOf(cms!)).digest('hex');

    expect(await opensslVerifyToken(token!, digest)).toContain('Verification: OK');
    const wrong = createHash('sha256').update('another signature').digest('hex');
    expect(await opensslVerifyToken(token!, wrong)).toContain('Verification: FAILED');

    const info = parseTimeStampToken(token!);
    expect(Math.abs(info.genTime.getTime() - Date.now())).toBeLessThan(5 * 60_000);
  });

  it('when the authority is down, then signing fails with timestamp_unavailable and gives back no PDF', async () => {
    const down = `http://127.0.0.1:${await freePort()}/api/v1/timestamp`;
    const signer = new PdfSigner(identity, { timestamps: httpTimestampAuthority({ url: down }) });
    const doc = await PDFDocument.create();
    doc.addPage();

    await expect(signer.sign(Buffer.from(await doc.save()), facts)).rejects.toMatchObject({
      code: 'timestamp_unavailable',
      message: `the time-stamping authority ${down} is unreachable`,
    });
  });
});
