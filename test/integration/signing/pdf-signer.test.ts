import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { PDFDict, PDFDocument, PDFHexString, PDFName, PDFString, StandardFonts } from 'pdf-lib';
import { chromium } from 'playwright-core';
import { PdfSigner, verifyPdfSignature, type PdfSignatureFacts } from '../../../src/infra/signing/pdf-signer';
import { loadOrCreateSigningIdentity, type SigningIdentity } from '../../../src/infra/signing/signing-identity';
import { stackEnv, uniqueSuffix } from '../../support/stack';

jest.setTimeout(120_000);

const runFile = promisify(execFile);
const CN = 'Audit Evidence Reports signing key (local)';
const root = path.join(stackEnv().dataDir, `pdf-signer-${uniqueSuffix()}`);
let fileCount = 0;

/** Runs a poppler tool on the bytes and returns what it printed, whatever its exit status. */
async function poppler(tool: 'pdfsig' | 'pdfinfo', pdf: Buffer, args: string[] = []): Promise<string> {
  const file = path.join(root, `doc-${++fileCount}.pdf`);
  await fs.writeFile(file, pdf);
  try {
    return (await runFile(tool, [...args, file])).stdout;
  } catch (err) {
    return (err as { stdout?: string }).stdout ?? '';
  }
}

async function textPdf(pages: number): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (let i = 1; i <= pages; i++) {
    const page = doc.addPage();
    page.drawText(`Finding ${i}: prompt injection through retrieved documents`, { x: 50, y: 780, size: 14, font });
    for (let line = 0; line < 40; line++)
      page.drawText(`Evidence line ${line} of page ${i}`, { x: 50, y: 740 - line * 16, size: 10, font });
  }
  return Buffer.from(await doc.save());
}

function factsFor(pdf: Buffer): PdfSignatureFacts {
  return {
    reportId: 'rpt_01HZX5SIGNED',
    tenantId: 'ten_acme',
    title: 'Q3 red-team evidence — Acme Assistant',
    tenantName: 'Acme Corp',
    schemaVersion: '1.1.0',
    contentDigest: createHash('sha256').update(pdf).digest('hex'),
    frameworks: ['OWASP_LLM', 'EU_AI_ACT'],
    generatedAt: '2026-03-14T09:26:53.000Z',
  };
}

/** The two signed byte ranges, as [start, end) pairs, read from the signature dictionary. */
function signedRanges(pdf: Buffer): [number, number][] {
  const m = /\/ByteRange \[(\d+) (\d+) (\d+) (\d+)\]/.exec(pdf.toString('latin1'));
  if (!m) throw new Error('no /ByteRange in the signed PDF');
  const [a, b, c, d] = m.slice(1).map(Number);
  return [
    [a, a + b],
    [c, c + d],
  ];
}

let identity: SigningIdentity;
let signer: PdfSigner;
let unsigned: Buffer;
let signed: Buffer;

beforeAll(async () => {
  await fs.mkdir(root, { recursive: true });
  ({ identity } = await loadOrCreateSigningIdentity({ dataDir: path.join(root, 'shared') }));
  signer = new PdfSigner(identity);
  unsigned = await textPdf(3);
  signed = await signer.sign(unsigned, factsFor(unsigned));
});

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe('PdfSigner', () => {
  test('when a PDF is signed, then pdfsig reports the signature valid, by our key, over the whole file', async () => {
    const out = await poppler('pdfsig', signed, ['-nocert']);

    expect(out).toContain('Signature #1:');
    expect(out).not.toContain('Signature #2:');
    expect(out).toContain(`- Signer Certificate Common Name: ${CN}`);
    expect(out).toContain('- Signing Hash Algorithm: SHA-256');
    expect(out).toContain('- Signature Type: adbe.pkcs7.detached');
    expect(out).toContain('- Total document signed');
    expect(out).toContain('- Signature Validation: Signature is Valid.');
    await expect(verifyPdfSignature(signed)).resolves.toEqual({
      valid: true,
      signer: CN,
      detail: 'Signature is Valid.',
    });
  });

  test('when a PDF is signed, then pdfinfo shows the title, author, subject, keywords and dates', async () => {
    const info = await poppler('pdfinfo', signed, ['-isodates']);
    const field = (name: string): string | undefined => new RegExp(`^${name}:\\s+(.*)$`, 'm').exec(info)?.[1];

    expect({
      title: field('Title'),
      author: field('Author'),
      subject: field('Subject'),
      keywords: field('Keywords'),
      creator: field('Creator'),
      producer: field('Producer'),
      created: field('CreationDate'),
      modified: field('ModDate'),
      pages: field('Pages'),
    }).toEqual({
      title: 'Q3 red-team evidence — Acme Assistant',
      author: 'Acme Corp',
      subject: 'Audit evidence report rpt_01HZX5SIGNED for Acme Corp',
      keywords: 'OWASP_LLM EU_AI_ACT rpt_01HZX5SIGNED',
      creator: 'Audit Evidence Reports',
      producer: 'Audit Evidence Reports',
      created: '2026-03-14T09:26:53Z',
      modified: '2026-03-14T09:26:53Z',
      pages: '3',
    });
  });

  test('when a PDF is signed, then the Info dictionary carries the report id, tenant, schema and content digest', async () => {
    const doc = await PDFDocument.load(signed, { updateMetadata: false });
    const info = doc.context.lookup(doc.context.trailerInfo.Info, PDFDict);
    const text = (key: string): string | undefined => {
      const value = info.get(PDFName.of(key));
      return value instanceof PDFHexString || value instanceof PDFString ? value.decodeText() : undefined;
    };

    expect({
      ReportId: text('ReportId'),
      TenantId: text('TenantId'),
      SchemaVersion: text('SchemaVersion'),
      ContentDigest: text('ContentDigest'),
    }).toEqual({
      ReportId: 'rpt_01HZX5SIGNED',
      TenantId: 'ten_acme',
      SchemaVersion: '1.1.0',
      ContentDigest: createHash('sha256').update(unsigned).digest('hex'),
    });
  });

  test('when a PDF is signed, then the signature dictionary states the reason and the signer', async () => {
    const doc = await PDFDocument.load(signed);
    const sig = doc.getForm().getFields()[0].acroField.dict.lookup(PDFName.of('V'), PDFDict);
    const text = (key: string): string | undefined => (sig.get(PDFName.of(key)) as PDFString | undefined)?.decodeText();

    expect(
      doc
        .getForm()
        .getFields()
        .map((f) => f.getName()),
    ).toEqual(['Signature1']);
    expect(text('Reason')).toBe('Audit evidence report rpt_01HZX5SIGNED: integrity and origin');
    expect(text('Name')).toBe(`CN=${CN}, O=Local deployment`);
    expect(signer.keyId).toMatch(/^pdf-[0-9a-f]{16}$/);
  });

  test('when one byte of a content stream changes, then pdfsig reports the signature invalid', async () => {
    const [first] = signedRanges(signed);
    const streamAt = signed.indexOf('stream\n', 0, 'latin1');
    const at = streamAt + 'stream\n'.length + 5;
    expect(streamAt).toBeGreaterThan(0);
    expect(at).toBeLessThan(first[1]);
    const tampered = Buffer.from(signed);
    tampered[at] ^= 0x01;

    const out = await poppler('pdfsig', tampered, ['-nocert']);
    expect(out).toContain('- Signature Validation: Digest Mismatch.');
    await expect(verifyPdfSignature(tampered)).resolves.toEqual({
      valid: false,
      signer: CN,
      detail: 'signature #1: Digest Mismatch.',
    });
  });

  test('when the stated reason, written after the signature value, changes, then the signature is invalid', async () => {
    const [, second] = signedRanges(signed);
    const at = signed.indexOf('integrity and origin', 0, 'latin1');
    expect(at).toBeGreaterThanOrEqual(second[0]);
    const tampered = Buffer.from(signed);
    tampered.write('I', at, 'latin1');

    expect(await poppler('pdfsig', tampered, ['-nocert'])).toContain('- Signature Validation: Digest Mismatch.');
    await expect(verifyPdfSignature(tampered)).resolves.toEqual({
      valid: false,
      signer: CN,
      detail: 'signature #1: Digest Mismatch.',
    });
  });

  test('when bytes are appended after signing, then verification says the signature does not cover the file', async () => {
    const appended = Buffer.concat([signed, Buffer.from('\n% appended later\n')]);

    await expect(verifyPdfSignature(appended)).resolves.toEqual({
      valid: false,
      signer: CN,
      detail: 'the last signature does not cover the whole file',
    });
  });

  test('when a PDF has no signature, then verification says so', async () => {
    const result = await verifyPdfSignature(unsigned);

    expect(result.valid).toBe(false);
    expect(result.signer).toBeUndefined();
    expect(result.detail).toBe("File 'the file' does not contain any signatures");
  });

  test('when a ten-page report printed by Chromium is signed, then it verifies and keeps its pages', async () => {
    const browser = await chromium.launch({
      executablePath: stackEnv().chromiumPath,
      headless: true,
      args: ['--no-sandbox'],
    });
    let printed: Buffer;
    try {
      const page = await browser.newPage();
      const sections = Array.from(
        { length: 10 },
        (_, i) =>
          `<section style="page-break-after: always"><h1>Section ${i + 1}</h1><p>${'Evidence. '.repeat(200)}</p></section>`,
      );
      await page.setContent(`<html><body>${sections.join('')}</body></html>`);
      printed = await page.pdf({ format: 'A4' });
    } finally {
      await browser.close();
    }

    const started = performance.now();
    const result = await signer.sign(printed, factsFor(printed));
    const elapsed = performance.now() - started;

    expect(await verifyPdfSignature(result)).toEqual({ valid: true, signer: CN, detail: 'Signature is Valid.' });
    expect(await poppler('pdfinfo', result)).toMatch(/^Pages:\s+10$/m);
    // Generous bound: it signs in well under a second here; this only catches a pathological slowdown.
    expect(elapsed).toBeLessThan(10_000);
  });
});

describe('loadOrCreateSigningIdentity', () => {
  test('when no key is configured, then one is generated once, kept owner-only and reused', async () => {
    const dataDir = path.join(root, 'fresh');
    const first = await loadOrCreateSigningIdentity({ dataDir });
    const second = await loadOrCreateSigningIdentity({ dataDir });
    const file = path.join(dataDir, 'keys', 'pdf-signing.p12');

    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(second.identity.keyId).toBe(first.identity.keyId);
    expect(second.identity.subject).toBe(`CN=${CN}, O=Local deployment`);
    expect(first.identity.keyId).toMatch(/^pdf-[0-9a-f]{16}$/);
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect((await fs.stat(path.dirname(file))).mode & 0o777).toBe(0o700);
    // Beside the key, the local root's certificate, for whoever chooses to trust it; its private key is not kept.
    expect((await fs.readdir(path.dirname(file))).sort()).toEqual(['pdf-signing-root.pem', 'pdf-signing.p12']);
    const rootPem = await fs.readFile(path.join(dataDir, 'keys', 'pdf-signing-root.pem'), 'utf8');
    expect(first.identity.chainPem).toEqual([rootPem]);
    expect(rootPem).not.toMatch(/PRIVATE KEY/);
  });

  test('when two callers race to create the key, then both end up with the same one', async () => {
    const dataDir = path.join(root, 'race');
    const results = await Promise.all([1, 2, 3].map(() => loadOrCreateSigningIdentity({ dataDir })));

    expect(new Set(results.map((r) => r.identity.keyId)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
  });

  test('when the generated certificate is inspected, then it is a signing key issued by the local root, valid three years', async () => {
    const pem = path.join(root, 'cert.pem');
    const rootPem = path.join(root, 'root.pem');
    await fs.writeFile(pem, identity.certificatePem);
    await fs.writeFile(rootPem, identity.chainPem.at(-1) ?? '');
    const { stdout } = await runFile('openssl', ['x509', '-in', pem, '-noout', '-text', '-dates']);
    const { stdout: rootText } = await runFile('openssl', ['x509', '-in', rootPem, '-noout', '-text']);

    expect(stdout).toMatch(/Public-Key: \(3072 bit\)/);
    expect(stdout).toMatch(/CA:FALSE/);
    expect(stdout).toMatch(/Digital Signature, Non Repudiation\n/);
    expect(stdout).toMatch(/Issuer: CN = Audit Evidence Reports root CA \(local\), O = Local deployment/);
    expect(rootText).toMatch(/CA:TRUE, pathlen:0/);
    expect(rootText).toMatch(/Certificate Sign, CRL Sign/);
    expect((await runFile('openssl', ['verify', '-CAfile', rootPem, pem])).stdout).toBe(`${pem}: OK\n`);
    const notBefore = new Date(/notBefore=(.*)/.exec(stdout)![1]);
    const notAfter = new Date(/notAfter=(.*)/.exec(stdout)![1]);
    const years = (notAfter.getTime() - notBefore.getTime()) / (365.25 * 24 * 3600 * 1000);
    expect(years).toBeGreaterThan(2.99);
    expect(years).toBeLessThan(3.01);
  });

  test('when a configured PKCS#12 exported by openssl is used, then PDFs are signed with that certificate', async () => {
    const dir = path.join(root, 'operator');
    await fs.mkdir(dir);
    const [key, cert, p12] = ['key.pem', 'cert.pem', 'operator.p12'].map((f) => path.join(dir, f));
    await runFile(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert].concat([
        '-days',
        '30',
        '-subj',
        '/CN=Acme evidence signing/O=Acme Corp',
      ]),
    );
    await runFile('openssl', ['pkcs12', '-export', '-inkey', key, '-in', cert, '-out', p12, '-passout', 'pass:s3cret']);

    const { identity: operator, created } = await loadOrCreateSigningIdentity({
      p12Path: p12,
      password: 's3cret',
      dataDir: path.join(root, 'unused'),
    });
    const result = await new PdfSigner(operator).sign(unsigned, factsFor(unsigned));

    expect(created).toBe(false);
    expect(operator.subject).toBe('CN=Acme evidence signing, O=Acme Corp');
    expect(await verifyPdfSignature(result)).toEqual({
      valid: true,
      signer: 'Acme evidence signing',
      detail: 'Signature is Valid.',
    });
    await expect(fs.access(path.join(root, 'unused'))).rejects.toThrow();
  });

  test('when the configured PKCS#12 does not exist, then loading fails naming the path', async () => {
    const p12Path = path.join(root, 'missing', 'signing.p12');

    await expect(loadOrCreateSigningIdentity({ p12Path, password: 'x', dataDir: root })).rejects.toThrow(
      `PDF signing key ${p12Path} cannot be read: no such file`,
    );
  });

  test('when the password is wrong, then loading fails saying so and naming the path', async () => {
    const p12Path = path.join(root, 'wrong-password.p12');
    await fs.writeFile(p12Path, identity.p12);

    await expect(loadOrCreateSigningIdentity({ p12Path, password: 'not-the-password', dataDir: root })).rejects.toThrow(
      `PDF signing key ${p12Path} cannot be opened as PKCS#12: wrong password`,
    );
  });

  test('when the configured file is not a PKCS#12, then loading fails naming the path', async () => {
    const p12Path = path.join(root, 'not-a-key.p12');
    await fs.writeFile(p12Path, 'hello');

    await expect(loadOrCreateSigningIdentity({ p12Path, dataDir: root })).rejects.toThrow(
      new RegExp(`^PDF signing key ${p12Path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} cannot be opened as PKCS#12`),
    );
  });
});
