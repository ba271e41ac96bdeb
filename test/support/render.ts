import path from 'node:path';
import type { ReportModel } from '../../src/domain/report-model';
import { ChromiumPdfRenderer } from '../../src/infra/render/chromium-pdf-renderer';
import { createHtmlRenderer, reportOutline } from '../../src/infra/render/html-renderer';
import { PdfSigner } from '../../src/infra/signing/pdf-signer';
import { loadOrCreateSigningIdentity } from '../../src/infra/signing/signing-identity';
import { integrityFixture } from '../fixtures/report-model';
import { stackEnv, uniqueSuffix } from './stack';

/** Renders a model in Chromium and signs it with a fresh development identity, as the pipeline's render and sign
 * steps do (contents page numbers and bookmarks written at signing), without the workflow around them. */
export async function renderAndSign(model: ReportModel, label: string, timeoutMs = 120_000): Promise<Buffer> {
  const env = stackEnv();
  const html = createHtmlRenderer(path.resolve(__dirname, '../../templates'));
  const renderer = new ChromiumPdfRenderer({ executablePath: env.chromiumPath });
  let unsigned: Buffer;
  try {
    unsigned = await renderer.renderPdf(html.renderReportHtml(model, integrityFixture(model)), {
      headerTemplate: html.headerTemplate(model),
      footerTemplate: html.footerTemplate(model),
      timeoutMs,
      title: model.report.title,
    });
  } finally {
    await renderer.close();
  }
  const { identity } = await loadOrCreateSigningIdentity({
    dataDir: path.join(env.dataDir, `${label}-${uniqueSuffix()}`),
  });
  return new PdfSigner(identity).sign(unsigned, {
    reportId: model.report.id,
    tenantId: model.report.tenantId,
    title: model.report.title,
    tenantName: model.report.tenantName,
    schemaVersion: model.schemaVersion,
    contentDigest: '0'.repeat(64),
    frameworks: model.report.frameworks.map((f) => f.slug),
    generatedAt: model.report.generatedAt,
    outline: reportOutline(model),
  });
}
