import type { Page } from 'playwright-core';
import type { PdfRenderer } from '../../../activities/ports';

// Leaves room for the running header and footer the templates draw inside the top and bottom margins.
const PDF_MARGIN = { top: '20mm', bottom: '18mm', left: '16mm', right: '16mm' };

/** Loads the HTML into a page of an isolated context and prints it, refusing any page that tried to
 * leave about:blank: a meta refresh fires after load and may land before, during or after printing, and the
 * request it makes is aborted, so the attempt itself is what gets caught. */
export async function printIsolated(
  page: Page,
  html: string,
  options: Parameters<PdfRenderer['renderPdf']>[1],
  deadline: number,
  documentOutline: boolean,
  step: <T>(work: Promise<T>) => Promise<T>,
): Promise<Buffer> {
  let loaded = false;
  let navigation: string | undefined;
  page.on('request', (request) => {
    if (request.isNavigationRequest() && request.frame() === page.mainFrame()) navigation ??= request.url();
  });
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame() && (loaded || frame.url() !== 'about:blank')) navigation ??= frame.url();
  });
  const assertStillBlank = () => {
    const url = page.url();
    if (navigation !== undefined || url !== 'about:blank') {
      throw new Error(`report HTML tried to navigate away from about:blank (to ${JSON.stringify(navigation ?? url)})`);
    }
  };

  await step(page.setContent(html, { waitUntil: 'load', timeout: Math.max(1, deadline - Date.now()) }));
  loaded = true;
  assertStillBlank();
  let pdf: Buffer;
  try {
    pdf = await step(
      page.pdf({
        format: 'A4',
        printBackground: true,
        displayHeaderFooter: true,
        headerTemplate: options.headerTemplate,
        footerTemplate: options.footerTemplate,
        margin: PDF_MARGIN,
        outline: documentOutline,
        tagged: documentOutline,
      }),
    );
  } catch (err) {
    // A navigation while printing makes Chromium fail with a bare "Printing failed"; name the real cause.
    assertStillBlank();
    throw err;
  }
  assertStillBlank();
  return pdf;
}
