import path from 'node:path';
import { PDFArray, PDFDict, PDFDocument, PDFHexString, PDFName, PDFRef, PDFString } from 'pdf-lib';
import { ChromiumPdfRenderer } from '../../../src/infra/render/chromium-pdf-renderer';
import { createHtmlRenderer, reportOutline } from '../../../src/infra/render/html-renderer';
import { PdfSigner, verifyPdfSignature } from '../../../src/infra/signing/pdf-signer';
import { loadOrCreateSigningIdentity } from '../../../src/infra/signing/signing-identity';
import { buildReportModelFixture, integrityFixture } from '../../fixtures/report-model';
import { readPdf } from '../../support/pdf';
import { stackEnv, uniqueSuffix } from '../../support/stack';

jest.setTimeout(120_000);

/** The outline of a PDF as (title, zero-based page) pairs, read with pdf-lib. */
async function outlineOf(pdf: Buffer): Promise<{ title: string; page: number }[]> {
  const doc = await PDFDocument.load(pdf);
  const pageRefs = doc.getPages().map((p) => p.ref.toString());
  const root = doc.catalog.lookup(PDFName.of('Outlines'), PDFDict);
  const entries: { title: string; page: number }[] = [];
  let ref = root.get(PDFName.of('First')) as PDFRef | undefined;
  while (ref) {
    const item = doc.context.lookup(ref, PDFDict);
    const title = item.lookup(PDFName.of('Title')) as PDFHexString | PDFString;
    const dest = item.lookup(PDFName.of('Dest'), PDFArray);
    entries.push({ title: title.decodeText(), page: pageRefs.indexOf(dest.get(0).toString()) });
    ref = item.get(PDFName.of('Next')) as PDFRef | undefined;
  }
  return entries;
}

describe('bookmarks added at signing time', () => {
  it('when a rendered report is signed, then every section is bookmarked at the page it starts on and the signature holds', async () => {
    const env = stackEnv();
    const model = buildReportModelFixture({ rowCount: 30 });
    const html = createHtmlRenderer(path.resolve(__dirname, '../../../templates'));
    const renderer = new ChromiumPdfRenderer({ executablePath: env.chromiumPath });
    let unsigned: Buffer;
    try {
      unsigned = await renderer.renderPdf(html.renderReportHtml(model, integrityFixture(model)), {
        headerTemplate: html.headerTemplate(model),
        footerTemplate: html.footerTemplate(model),
        timeoutMs: 60_000,
        title: model.report.title,
      });
    } finally {
      await renderer.close();
    }
    const { identity } = await loadOrCreateSigningIdentity({
      dataDir: path.join(env.dataDir, `outline-${uniqueSuffix()}`),
    });
    const titles = reportOutline(model);
    const signed = await new PdfSigner(identity).sign(unsigned, {
      reportId: model.report.id,
      tenantId: model.report.tenantId,
      title: model.report.title,
      tenantName: model.report.tenantName,
      schemaVersion: model.schemaVersion,
      contentDigest: '0'.repeat(64),
      frameworks: model.report.frameworks.map((f) => f.slug),
      generatedAt: model.report.generatedAt,
      outline: titles,
    });

    const outline = await outlineOf(signed);
    expect(outline.map((e) => e.title)).toEqual(titles.map((t) => (typeof t === 'string' ? t : t.title)));
    expect(outline[0].page).toBe(0);
    const pages = outline.map((e) => e.page);
    expect(pages).toEqual([...pages].sort((a, b) => a - b));
    expect(new Set(pages).size).toBe(pages.length);
    const { pages: total } = await readPdf(signed);
    expect(pages[pages.length - 1]).toBe(total - 1);
    expect(await verifyPdfSignature(signed)).toMatchObject({ valid: true });
  });
});
