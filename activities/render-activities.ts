import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { AppError } from '../src/domain/errors';
import type { ReportModel } from '../src/domain/report-model';
import { stagingKey, versionedName } from '../src/domain/storage-keys';
import { withFailureTypes } from './failures';
import type { ArtifactStore, PdfRenderer, ReportsRepo } from './ports';
import { recordProgress, type ReportRef } from './report-activities';

/** Facts the integrity page prints. */
export interface IntegrityFacts {
  /** sha256 (hex) of the report's content: the exact bytes of the report model the document presents. */
  contentDigest: string;
  /** Distinguished name of the signing certificate, e.g. "CN=..., O=...". */
  signer: string;
  /** Id of the signing key, as published in the JWKS (e.g. "pdf-0123456789abcdef"). */
  keyId: string;
  /** Where the public keys are published, e.g. "https://reports.example.com/.well-known/jwks.json". */
  jwksUrl: string;
}

/** Turns a report model into the HTML the browser prints, with its running header and footer. When a template
 * fails on the model (a field strict mode cannot find, a helper refusing its input), each method throws
 * `AppError('template_failed')`, which is final: the same templates fail the same way on every retry. */
export interface HtmlRenderer {
  renderReportHtml(model: ReportModel, integrity: IntegrityFacts): string;
  headerTemplate(model: ReportModel): string;
  footerTemplate(model: ReportModel): string;
}

/** Who signs the PDFs and where their keys are published, as the integrity page names them. */
export interface SignerFacts {
  subject: string;
  keyId: string;
  jwksUrl: string;
}

/** What the render activity needs. */
export interface RenderActivityDeps {
  /** The staging store: the model in, the printed PDF out. Nothing else, and sealed under the staging key. */
  staging: ArtifactStore;
  reports: ReportsRepo;
  html: HtmlRenderer;
  pdf: PdfRenderer;
  /** The signer the integrity page names. Asked per render: a render worker holds no signing key, and learns the
   * signer from the key set the signing worker publishes. */
  signer: () => Promise<SignerFacts>;
}

/** The digest a report's integrity page and PDF metadata carry: sha256 of the staged model's exact bytes,
 * the content the document presents. */
export function contentDigest(modelBytes: Buffer): string {
  return createHash('sha256').update(modelBytes).digest('hex');
}

/** Margin kept between the browser's own timeout and the activity's deadline, so the render fails with its
 * own clear error instead of being cut off by Temporal mid-print. */
const DEADLINE_MARGIN_MS = 2_000;
const FALLBACK_TIMEOUT_MS = 60_000;
/** How often a render tells Temporal it is alive; the workflow allows a few missed beats. */
const HEARTBEAT_EVERY_MS = 5_000;

/** Builds the activity that prints a report to PDF. It runs on the render task queue, where the worker
 * bounds concurrency: Chromium is the heavy part of the pipeline. */
export function createRenderActivities(deps: RenderActivityDeps) {
  return withFailureTypes({
    /** Renders the model to HTML, prints it in a sandboxed browser, and stages the PDF. A template that fails on
     * the model ends it with `template_failed`, never retried; a failure of the browser with `render_failed`,
     * retried on a relaunched browser. */
    async renderPdf(ref: ReportRef & { modelKey: string; version?: number }): Promise<{ renderedKey: string }> {
      const [modelBytes, signer] = await Promise.all([deps.staging.get(ref.modelKey), deps.signer()]);
      const model = JSON.parse(modelBytes.toString('utf8')) as ReportModel;
      // Every template is applied before the browser is involved, so a template error crosses the activity
      // boundary as the final `template_failed` it is, not wrapped below as a retryable browser failure.
      const html = deps.html.renderReportHtml(model, {
        contentDigest: contentDigest(modelBytes),
        signer: signer.subject,
        keyId: signer.keyId,
        jwksUrl: signer.jwksUrl,
      });
      const headerTemplate = deps.html.headerTemplate(model);
      const footerTemplate = deps.html.footerTemplate(model);
      const ctx = Context.current();
      const timeoutMs = Math.max(1_000, (ctx.info.startToCloseTimeoutMs ?? FALLBACK_TIMEOUT_MS) - DEADLINE_MARGIN_MS);
      // Heartbeats say the worker is alive: if it dies mid-render, the render is retried elsewhere within the
      // heartbeat timeout, not after the whole start-to-close timeout. A cancelled activity aborts the render.
      const beat = setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS);
      let pdf: Buffer;
      try {
        pdf = await deps.pdf.renderPdf(html, {
          headerTemplate,
          footerTemplate,
          timeoutMs,
          title: model.report.title,
          signal: ctx.cancellationSignal,
        });
      } catch (err) {
        if (ctx.cancellationSignal.aborted) throw err;
        throw new AppError('render_failed', `PDF render failed: ${(err as Error).message}`, undefined, err);
      } finally {
        clearInterval(beat);
      }
      const renderedKey = stagingKey(ref.tenantId, ref.reportId, versionedName('rendered.pdf', ref.version));
      await deps.staging.put(renderedKey, pdf, 'application/pdf');
      await recordProgress(deps.reports, ref, 'signing', 80);
      return { renderedKey };
    },
  });
}

/** The activity functions {@link createRenderActivities} returns. */
export type RenderActivities = ReturnType<typeof createRenderActivities>;
