import { showHiddenCharacters } from '../../domain/hidden-characters';
import type { PdfSignatureFacts } from '../../../activities/ports';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { pdflibAddPlaceholder } from '@signpdf/placeholder-pdf-lib';
import { P12Signer } from '@signpdf/signer-p12';
import { SignPdf } from '@signpdf/signpdf';
import { Signer } from '@signpdf/utils';
import { PDFDict, PDFDocument, PDFHexString, PDFName } from 'pdf-lib';
import { addSignatureTimestamp, signatureValueOf } from './cms-timestamp';
import { numberContents } from './pdf-contents';
import { addOutline, locateOutline } from './pdf-outline';
import type { SigningIdentity } from './signing-identity';
import type { TimestampAuthority } from './timestamp-authority';

const run = promisify(execFile);

/** Product name written as the PDF's Creator and Producer and as the signing application. */
export const PRODUCT_NAME = 'Audit Evidence Reports';

/** Room for the CMS in bytes: a 3072-bit signature with a three-certificate chain needs about 5 KiB, and a
 * signature time-stamp token carrying its authority's chain up to 6 KiB more; the rest is margin for an
 * organisation's longer chain or larger keys. */
const SIGNATURE_BYTES = 20_480;

/** The facts about a report that its signed PDF carries in the document information dictionary. */
export type { PdfSignatureFacts };

/** Signs rendered report PDFs: writes the report's facts into the document information, then adds a detached
 * CMS (SHA-256) signature over the whole file that `pdfsig` and Acrobat verify, carrying the signing certificate's
 * whole chain. Given a time-stamping authority, the signature also carries the authority's token over its signature
 * value (PAdES B-T), so that its time is a third party's rather than the signer's own clock. */
export class PdfSigner {
  private readonly identity: SigningIdentity;
  private readonly timestamps?: TimestampAuthority;
  private readonly signPdf = new SignPdf();

  constructor(identity: SigningIdentity, options: { timestamps?: TimestampAuthority } = {}) {
    this.identity = identity;
    this.timestamps = options.timestamps;
  }

  /** Identifies the signing certificate, for the report record and the logs. */
  get keyId(): string {
    return this.identity.keyId;
  }

  /** Returns `unsignedPdf` with the report's metadata set and a signature covering every byte but its own. */
  async sign(unsignedPdf: Buffer, facts: PdfSignatureFacts): Promise<Buffer> {
    // Without updateMetadata: false pdf-lib would overwrite Producer and ModDate as it loads.
    const doc = await PDFDocument.load(unsignedPdf, { updateMetadata: false });
    const generatedAt = new Date(facts.generatedAt);
    if (Number.isNaN(generatedAt.getTime())) throw new Error(`generatedAt: "${facts.generatedAt}" is not a date`);

    // Titles and names are refused with hidden characters when sent; one stored before that is shown visibly here.
    const title = showHiddenCharacters(facts.title);
    const tenantName = showHiddenCharacters(facts.tenantName);
    doc.setTitle(title, { showInWindowTitleBar: true });
    doc.setAuthor(tenantName);
    doc.setSubject(`Audit evidence report ${facts.reportId} for ${tenantName}`);
    doc.setKeywords([...facts.frameworks, facts.reportId]);
    doc.setCreator(PRODUCT_NAME);
    doc.setProducer(PRODUCT_NAME);
    doc.setCreationDate(generatedAt);
    doc.setModificationDate(generatedAt);
    // setTitle has created the Info dictionary; pdf-lib offers no public accessor for it.
    const info = doc.context.lookup(doc.context.trailerInfo.Info, PDFDict);
    const custom: Record<string, string> = {
      ReportId: facts.reportId,
      TenantId: facts.tenantId,
      SchemaVersion: facts.schemaVersion,
      ContentDigest: facts.contentDigest,
    };
    for (const [key, value] of Object.entries(custom)) info.set(PDFName.of(key), PDFHexString.fromText(value));

    // The contents' page numbers and the bookmarks go in before the placeholder: the signature must be the last write.
    await numberContents(doc);
    if (facts.outline?.length) addOutline(doc, await locateOutline(unsignedPdf, doc, facts.outline));

    pdflibAddPlaceholder({
      pdfDoc: doc,
      reason: `Audit evidence report ${facts.reportId}: integrity and origin`,
      contactInfo: '',
      name: this.identity.subject,
      location: facts.tenantName,
      signatureLength: SIGNATURE_BYTES * 2,
      appName: PRODUCT_NAME,
    });
    // Object streams would hide the placeholder from the byte-level search the signer does.
    const prepared = Buffer.from(await doc.save({ useObjectStreams: false }));
    const p12 = new P12Signer(this.identity.p12, { passphrase: this.identity.password });
    const signer = this.timestamps ? new TimestampedSigner(p12, this.timestamps) : p12;
    // Nothing may touch the bytes after this: the signature covers the file exactly as returned.
    return this.signPdf.sign(prepared, signer);
  }
}

/** A CMS signer whose signatures carry a signature time-stamp token: the inner signer makes the CMS, the authority
 * stamps its signature value, and the token goes in as an unsigned attribute, which the signature does not cover. */
class TimestampedSigner extends Signer {
  constructor(
    private readonly inner: Signer,
    private readonly timestamps: TimestampAuthority,
  ) {
    super();
  }

  override async sign(pdf: Buffer, signingTime?: Date): Promise<Buffer> {
    const cms = await this.inner.sign(pdf, signingTime);
    const { token } = await this.timestamps.stamp(signatureValueOf(cms));
    return addSignatureTimestamp(cms, token);
  }
}

/** The outcome of checking a PDF's signatures with poppler's `pdfsig`. */
export interface PdfSignatureCheck {
  /** True when the file has signatures, every one verifies, and the last covers the whole file. */
  valid: boolean;
  /** Common name of the last signature's certificate, when pdfsig reports one. */
  signer?: string;
  /** pdfsig's verdict in a line, or why there is none. */
  detail: string;
}

/** Verifies the signatures of any PDF with `pdfsig -nocert`: the bytes and the signature's cryptography, not
 * whether the certificate is trusted, and independent of how the file was produced. */
export async function verifyPdfSignature(pdf: Buffer): Promise<PdfSignatureCheck> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'pdfsig-'));
  try {
    const file = path.join(dir, 'document.pdf');
    await fs.writeFile(file, pdf, { mode: 0o600 });
    let output: string;
    try {
      output = (await run('pdfsig', ['-nocert', file], { timeout: 60_000, maxBuffer: 4 << 20 })).stdout;
    } catch (err) {
      // pdfsig exits non-zero for invalid or absent signatures but still says why on stdout.
      const failed = err as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
      if (failed.code === 'ENOENT') throw new Error('pdfsig (poppler-utils) is not installed');
      output = `${failed.stdout ?? ''}\n${failed.stderr ?? ''}`;
    }
    // The temporary name means nothing to the caller.
    return parsePdfsig(output.split(file).join('the file'));
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

function parsePdfsig(output: string): PdfSignatureCheck {
  const signatures = output.split(/^Signature #\d+:/m).slice(1);
  if (signatures.length === 0) {
    const line = output.split('\n').find((l) => l.trim() && !l.startsWith('Digital Signature Info of'));
    return { valid: false, detail: line?.trim() ?? 'no signatures found' };
  }
  const field = (block: string, name: string): string | undefined =>
    new RegExp(`^\\s*- ${name}: (.*)$`, 'm').exec(block)?.[1]?.trim();
  const verdicts = signatures.map((block) => field(block, 'Signature Validation') ?? 'no verdict');
  const last = signatures[signatures.length - 1];
  const signer = field(last, 'Signer Certificate Common Name');
  const bad = verdicts.findIndex((v) => v !== 'Signature is Valid.');
  if (bad >= 0) return { valid: false, signer, detail: `signature #${bad + 1}: ${verdicts[bad]}` };
  // A valid signature that does not reach the end of the file means bytes were appended after signing.
  if (!/^\s*- Total document signed$/m.test(last))
    return { valid: false, signer, detail: 'the last signature does not cover the whole file' };
  return { valid: true, signer, detail: verdicts[verdicts.length - 1] };
}
