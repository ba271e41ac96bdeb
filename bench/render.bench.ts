/**
 * Benchmark of the PDF step against its floor. For one report HTML at 10, 200 and 2,000 rows it times:
 *
 * - activity: `ChromiumPdfRenderer.renderPdf` on a warm browser (a fresh, isolated context per render, configured
 *   as the worker configures it) followed by `PdfSigner.sign`;
 * - floor: a bare playwright-core render of the same HTML on a warm browser of its own: `browser.newContext()`,
 *   `page.setContent(html)`, `page.pdf(...)` with the renderer's PDF options (A4, backgrounds, the same running
 *   header and footer and margins, the same outline and tagging), then closing the context.
 *
 * Floor and activity runs alternate, and which goes first alternates too, so machine noise falls on both alike.
 * Prints the median, minimum and maximum of each per size and the ratio of the medians (activity / floor); run it
 * through scripts/bench-render.sh. No database or Temporal is needed; the signing key lives in a temporary folder.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import type { ReportModel } from '../src/domain/report-model';
import { ChromiumPdfRenderer } from '../src/infra/render/chromium-pdf-renderer';
import { createHtmlRenderer } from '../src/infra/render/html-renderer';
import { PdfSigner, verifyPdfSignature, type PdfSignatureFacts } from '../src/infra/signing/pdf-signer';
import { loadOrCreateSigningIdentity } from '../src/infra/signing/signing-identity';
import { buildReportModelFixture } from '../test/fixtures/report-model';
import { elapsedMs, stats } from './lib/measure';

/** Rows per report and timed runs of each side at that size. */
const SIZES: { rows: number; runs: number }[] = [
  { rows: 10, runs: 7 },
  { rows: 200, runs: 7 },
  { rows: 2_000, runs: 1 },
];
/** Generous: a 2,000-row report is a long document and the machine may be busy. */
const RENDER_TIMEOUT_MS = 10 * 60_000;
/** As the worker configures the renderer; the floor prints with the same outline and tagging. */
const DOCUMENT_OUTLINE = false;
/** Must match the renderer's margins (src/infra/render/chromium-pdf-renderer.ts). */
const PDF_MARGIN = { top: '20mm', bottom: '18mm', left: '16mm', right: '16mm' };
const TARGET_RATIO = 1.3;

// Compiled to dist/bench, two levels below the repository root.
const REPO_ROOT = path.resolve(__dirname, '..', '..');
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** What the report's integrity page prints; declared here so the bench does not depend on where the type lives. */
interface IntegrityFacts {
  contentDigest: string;
  signer: string;
  keyId: string;
  jwksUrl: string;
}

interface Job {
  html: string;
  headerTemplate: string;
  footerTemplate: string;
  title: string;
  facts: PdfSignatureFacts;
}

interface Stats {
  median: number;
  min: number;
  max: number;
}

const ms = elapsedMs;
const fmt = (s: Stats): string => `${s.median.toFixed(0)} (${s.min.toFixed(0)}–${s.max.toFixed(0)})`;
const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(2)} MiB`;

/** The bare render: a fresh default context on a warm browser, the same HTML and PDF options, nothing else. */
async function floorRender(browser: Browser, job: Job): Promise<Buffer> {
  const context = await browser.newContext();
  try {
    context.setDefaultTimeout(RENDER_TIMEOUT_MS);
    const page = await context.newPage();
    await page.setContent(job.html);
    return await page.pdf({
      format: 'A4',
      printBackground: true,
      displayHeaderFooter: true,
      headerTemplate: job.headerTemplate,
      footerTemplate: job.footerTemplate,
      margin: PDF_MARGIN,
      outline: DOCUMENT_OUTLINE,
      tagged: DOCUMENT_OUTLINE,
    });
  } finally {
    await context.close();
  }
}

/** What the pipeline does with the same HTML: the isolated render, then the signature. */
async function activityRender(
  renderer: ChromiumPdfRenderer,
  signer: PdfSigner,
  job: Job,
): Promise<{ pdf: Buffer; renderMs: number; signMs: number }> {
  const start = process.hrtime.bigint();
  const unsigned = await renderer.renderPdf(job.html, {
    headerTemplate: job.headerTemplate,
    footerTemplate: job.footerTemplate,
    timeoutMs: RENDER_TIMEOUT_MS,
    title: job.title,
  });
  const renderMs = ms(start);
  const signStart = process.hrtime.bigint();
  const pdf = await signer.sign(unsigned, job.facts);
  return { pdf, renderMs, signMs: ms(signStart) };
}

function makeJob(
  html: ReturnType<typeof createHtmlRenderer>,
  model: ReportModel,
  integrity: Omit<IntegrityFacts, 'contentDigest'>,
): Job {
  const digest = createHash('sha256').update(JSON.stringify(model)).digest('hex');
  // The integrity facts are renderReportHtml's second argument. The cast keeps this call compiling whether the
  // declared signature takes them or still takes the model alone (where the extra argument would be an error).
  const renderReportHtml = html.renderReportHtml as (...args: unknown[]) => string;
  return {
    html: renderReportHtml(model, { ...integrity, contentDigest: digest } satisfies IntegrityFacts),
    headerTemplate: html.headerTemplate(model),
    footerTemplate: html.footerTemplate(model),
    title: model.report.title,
    facts: {
      reportId: model.report.id,
      tenantId: model.report.tenantId,
      title: model.report.title,
      tenantName: model.report.tenantName,
      schemaVersion: model.schemaVersion,
      contentDigest: digest,
      frameworks: model.report.frameworks.map((f) => f.slug),
      generatedAt: model.report.generatedAt,
    },
  };
}

async function main(): Promise<void> {
  const keysDir = await fs.mkdtemp(path.join(os.tmpdir(), 'bench-render-'));
  let renderer: ChromiumPdfRenderer | undefined;
  let browser: Browser | undefined;
  try {
    const { identity } = await loadOrCreateSigningIdentity({ dataDir: keysDir });
    const signer = new PdfSigner(identity);
    const html = createHtmlRenderer(path.join(REPO_ROOT, 'templates'));
    const integrity = {
      signer: identity.subject,
      keyId: identity.keyId,
      jwksUrl: 'https://reports.northwind-insurance.example/.well-known/jwks.json',
    };
    renderer = new ChromiumPdfRenderer({ executablePath: CHROMIUM_PATH, documentOutline: DOCUMENT_OUTLINE });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true });

    // One untimed render on each side, so both browsers are warm before anything is measured.
    const warmUp = makeJob(html, buildReportModelFixture({ rowCount: 10 }), integrity);
    await floorRender(browser, warmUp);
    await activityRender(renderer, signer, warmUp);

    const header =
      '  rows | runs | floor ms median (min–max) | activity ms median (min–max) | render / sign ms median | ratio | PDF floor / signed';
    process.stdout.write(
      `PDF render benchmark: ${os.cpus().length} CPUs, Chromium ${browser.version()}, outline ${DOCUMENT_OUTLINE}\n`,
    );
    process.stdout.write(`${header}\n${'-'.repeat(header.length)}\n`);
    const ratios: string[] = [];
    for (const { rows, runs } of SIZES) {
      const job = makeJob(html, buildReportModelFixture({ rowCount: rows }), integrity);
      const floor: number[] = [];
      const activity: number[] = [];
      const render: number[] = [];
      const sign: number[] = [];
      let floorBytes = 0;
      let signed: Buffer | undefined;
      for (let i = 0; i < runs; i++) {
        const sides = [
          async () => {
            const start = process.hrtime.bigint();
            const pdf = await floorRender(browser!, job);
            floor.push(ms(start));
            floorBytes = pdf.length;
          },
          async () => {
            const start = process.hrtime.bigint();
            const out = await activityRender(renderer!, signer, job);
            activity.push(ms(start));
            render.push(out.renderMs);
            sign.push(out.signMs);
            signed ??= out.pdf;
          },
        ];
        if (i % 2) sides.reverse();
        for (const side of sides) await side();
      }
      // Untimed: the activity's output must be a PDF whose signature verifies, or its timing means nothing.
      const check = await verifyPdfSignature(signed!);
      if (!check.valid) throw new Error(`${rows} rows: the signed PDF does not verify: ${check.detail}`);

      const f = stats(floor);
      const a = stats(activity);
      const ratio = a.median / f.median;
      ratios.push(`${rows} rows ${ratio.toFixed(2)}×`);
      process.stdout.write(
        `${String(rows).padStart(6)} | ${String(runs).padStart(4)} | ${fmt(f).padEnd(25)} | ${fmt(a).padEnd(28)} | ` +
          `${`${stats(render).median.toFixed(0)} / ${stats(sign).median.toFixed(0)}`.padEnd(23)} | ` +
          `${`${ratio.toFixed(2)}×`.padEnd(5)} | ${mib(floorBytes)} / ${mib(signed!.length)}\n`,
      );
    }
    process.stdout.write(`activity / floor (medians; target ≤ ${TARGET_RATIO}×): ${ratios.join(', ')}\n`);
  } finally {
    await renderer?.close();
    await browser?.close();
    await fs.rm(keysDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
