import { Context } from '@temporalio/activity';
import { AppError } from '../src/domain/errors';
import type { ReportModel } from '../src/domain/report-model';
import { stagingKey } from '../src/domain/storage-keys';
import { withFailureTypes } from './failures';
import type { ArtifactStore, PdfRenderer, ReportsRepo } from './ports';
import { readJson, type ReportRef } from './report-activities';

/** Turns a report model into the HTML the browser prints, with its running header and footer. */
export interface HtmlRenderer {
  renderReportHtml(model: ReportModel): string;
  headerTemplate(model: ReportModel): string;
  footerTemplate(model: ReportModel): string;
}

/** What the render activity needs. */
export interface RenderActivityDeps {
  store: ArtifactStore;
  reports: ReportsRepo;
  html: HtmlRenderer;
  pdf: PdfRenderer;
}

/** Margin kept between the browser's own timeout and the activity's deadline, so the render fails with its
 * own clear error instead of being cut off by Temporal mid-print. */
const DEADLINE_MARGIN_MS = 2_000;
const FALLBACK_TIMEOUT_MS = 60_000;

/** Builds the activity that prints a report to PDF. It runs on the render task queue, where the worker
 * bounds concurrency: Chromium is the heavy part of the pipeline. */
export function createRenderActivities(deps: RenderActivityDeps) {
  return withFailureTypes({
    /** Renders the model to HTML, prints it in a sandboxed browser, and stages the PDF. */
    async renderPdf(ref: ReportRef & { modelKey: string }): Promise<{ renderedKey: string }> {
      const model = await readJson<ReportModel>(deps.store, ref.modelKey);
      const html = deps.html.renderReportHtml(model);
      const info = Context.current().info;
      const timeoutMs = Math.max(1_000, (info.startToCloseTimeoutMs ?? FALLBACK_TIMEOUT_MS) - DEADLINE_MARGIN_MS);
      let pdf: Buffer;
      try {
        pdf = await deps.pdf.renderPdf(html, {
          headerTemplate: deps.html.headerTemplate(model),
          footerTemplate: deps.html.footerTemplate(model),
          timeoutMs,
          title: model.report.title,
        });
      } catch (err) {
        throw new AppError('render_failed', `PDF render failed: ${(err as Error).message}`);
      }
      const renderedKey = stagingKey(ref.tenantId, ref.reportId, 'rendered.pdf');
      await deps.store.put(renderedKey, pdf, 'application/pdf');
      await deps.reports.setProgress(ref.tenantId, ref.reportId, 'signing', 80);
      return { renderedKey };
    },
  });
}

/** The activity functions {@link createRenderActivities} returns. */
export type RenderActivities = ReturnType<typeof createRenderActivities>;
