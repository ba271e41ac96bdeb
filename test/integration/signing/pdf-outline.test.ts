import { PDFArray, PDFDict, PDFDocument, PDFHexString, PDFName, PDFRef, PDFString } from 'pdf-lib';
import { reportOutline } from '../../../src/infra/render/html-renderer';
import { verifyPdfSignature } from '../../../src/infra/signing/pdf-signer';
import { buildReportModelFixture } from '../../fixtures/report-model';
import { readPdf } from '../../support/pdf';
import { renderAndSign } from '../../support/render';

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
    const model = buildReportModelFixture({ rowCount: 30 });
    const titles = reportOutline(model);
    const signed = await renderAndSign(model, 'outline', 60_000);

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
