import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PDFDict, PDFDocument, PDFName, PDFNumber } from 'pdf-lib';
import { chromium, type Browser } from 'playwright-core';
import { ChromiumPdfRenderer, type PdfRenderOptions } from '../../../src/infra/render/chromium-pdf-renderer';
import { createHtmlRenderer } from '../../../src/infra/render/html-renderer';
import type { ReportModel } from '../../../src/domain/report-model';
import { buildReportModelFixture, integrityFixture, mapModelStrings, noRedactions } from '../../fixtures/report-model';

jest.setTimeout(120_000);

const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const html = createHtmlRenderer(path.resolve(__dirname, '../../../templates'));
const workDir = mkdtempSync(path.join(os.tmpdir(), 'render-test-'));

/** The report HTML of a model, with the integrity facts of its own content. */
function reportHtmlOf(model: ReportModel): string {
  return html.renderReportHtml(model, integrityFixture(model));
}

/** The document catalogue's outline dictionary, or undefined when the PDF has none. */
async function outlineOf(pdf: Buffer): Promise<PDFDict | undefined> {
  const doc = await PDFDocument.load(pdf, { updateMetadata: false });
  return doc.catalog.lookupMaybe(PDFName.of('Outlines'), PDFDict);
}

/** A loopback HTTP server that counts every request it receives: anything the render fetches shows up here. */
interface Canary {
  base: string;
  hits: string[];
  close(): Promise<void>;
}

async function startCanary(): Promise<Canary> {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.end('canary');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    hits,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function payloads(base: string): string[] {
  return [
    `<script>fetch('${base}/script')</script>`,
    `<img src="${base}/img">`,
    `<link rel="prefetch" href="${base}/prefetch">`,
    `<link rel="preload" as="image" href="${base}/preload">`,
    `<link rel="stylesheet" href="${base}/stylesheet">`,
    `<style>@import url(${base}/import);</style>`,
    `<iframe src="${base}/iframe"></iframe>`,
    `<meta http-equiv="refresh" content="0;url=${base}/refresh">`,
    `<object data="${base}/object"></object>`,
    `<div style="background:url(${base}/background)">bg</div>`,
    `<svg><image href="${base}/svg-image"></image></svg>`,
    `<base href="${base}/base/">`,
  ];
}

let fileCount = 0;
function pdfFacts(pdf: Buffer): { pages: number; text: string; flat: string } {
  const file = path.join(workDir, `out-${++fileCount}.pdf`);
  writeFileSync(file, pdf);
  const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
  const pages = Number(/^Pages:\s+(\d+)$/m.exec(info)?.[1]);
  const text = execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { pages, text, flat: text.replace(/\s+/g, ' ') };
}

function withoutSpace(text: string): string {
  return text.replace(/\s+/g, '');
}

function optionsFor(model: ReportModel, timeoutMs = 60_000): PdfRenderOptions {
  return {
    headerTemplate: html.headerTemplate(model),
    footerTemplate: html.footerTemplate(model),
    timeoutMs,
    title: model.report.title,
  };
}

const BARE_OPTIONS: PdfRenderOptions = {
  headerTemplate: '<span style="font-size:8pt">t</span>',
  footerTemplate: '<span style="font-size:8pt"><span class="pageNumber"></span></span>',
  timeoutMs: 60_000,
  title: 'raw',
};

/** Chromium processes this test process started and that are still running (a killed one not yet reaped is a
 * zombie), by pid. */
function chromiumChildren(): number[] {
  const out = execFileSync('ps', ['-o', 'pid=,stat=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, stat, comm]) => comm === 'chromium' && !stat.startsWith('Z'))
    .map(([pid]) => Number(pid));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const renderers: ChromiumPdfRenderer[] = [];
function newRenderer(recycleAfter?: number): ChromiumPdfRenderer {
  const renderer = new ChromiumPdfRenderer({ executablePath: CHROMIUM_PATH, recycleAfter });
  renderers.push(renderer);
  return renderer;
}

afterAll(async () => {
  await Promise.all(renderers.map((r) => r.close()));
  rmSync(workDir, { recursive: true, force: true });
});

describe('ChromiumPdfRenderer with the report templates', () => {
  it('when a report has 65 rows, then the PDF spans several pages and its text holds the title, every row and the page numbers', async () => {
    const model = buildReportModelFixture({ rowCount: 65 });
    const renderer = newRenderer();
    const started = Date.now();
    const pdf = await renderer.renderPdf(reportHtmlOf(model), optionsFor(model));
    const elapsed = Date.now() - started;

    const { pages, text, flat } = pdfFacts(pdf);
    expect(pages).toBeGreaterThan(5);
    expect(flat).toContain(model.report.title);
    expect(flat).toContain(model.report.tenantName);
    for (const row of model.rows) {
      expect(flat).toContain(row.ref);
      expect(flat).toContain(row.title);
    }
    expect(text).toContain(`Page 1 of ${pages}`);
    expect(text).toContain(`Page ${pages} of ${pages}`);
    expect(flat).toContain(`Report ${model.report.id}`);
    // The table header repeats on every page the findings table runs over.
    expect(text.split('First seen').length - 1).toBeGreaterThan(2);
    expect(flat).toContain('6 Control status');
    for (const fw of model.coverage) expect(flat).toContain(`${fw.counts.exception} exception`);
    const untested = model.coverage.flatMap((fw) => fw.controls.filter((c) => c.status === 'not_tested'));
    expect(untested.length).toBeGreaterThan(0);
    expect(flat.split('Not tested').length - 1).toBeGreaterThanOrEqual(untested.length);
    expect(flat).toContain('3 Testing performed');
    expect(flat).toContain('4 Population and completeness');
    expect(flat).toContain(model.population.digest);
    expect(flat).toContain('References not in the catalogue');
    for (const u of model.unknownRefs) expect(flat).toContain(u.control);
    expect(flat).toContain('Appendix B Cross-framework mapping');
    expect(flat).toMatch(/via X\d\d/);
    expect(pdf.length).toBeLessThan(2_000_000);
    const integrity = integrityFixture(model);
    const lastPage = text
      .split('\f')
      .filter((p) => p.trim() !== '')
      .pop()!;
    expect(lastPage).toContain('Integrity and verification');
    expect(lastPage).toContain('How to verify');
    expect(withoutSpace(lastPage)).toContain(integrity.contentDigest);
    expect(withoutSpace(lastPage)).toContain(`--jwks${integrity.jwksUrl}`);
    expect(lastPage).toContain(integrity.keyId);
    process.stdout.write(`65-row report: ${pages} pages, ${pdf.length} bytes, ${elapsed} ms (cold browser)\n`);
  });

  it('when the document outline is on, then the PDF carries bookmarks for the sections and every evidence entry', async () => {
    const model = buildReportModelFixture({ rowCount: 6 });
    const renderer = new ChromiumPdfRenderer({ executablePath: CHROMIUM_PATH, documentOutline: true });
    renderers.push(renderer);
    const file = path.join(workDir, 'outline.pdf');
    writeFileSync(file, await renderer.renderPdf(reportHtmlOf(model), optionsFor(model)));
    const outline = await outlineOf(readFileSync(file));
    expect(outline).toBeDefined();
    expect(outline!.get(PDFName.of('First'))).toBeDefined();
    expect(outline!.lookupMaybe(PDFName.of('Count'), PDFNumber)?.asNumber()).not.toBe(0);
    const xml = execFileSync('pdftohtml', ['-xml', '-i', '-stdout', file], { encoding: 'utf8' });
    const items = [...xml.matchAll(/<item page="\d+">([^<]*)<\/item>/g)].map((m) => m[1].replace(/\s+/g, ' '));
    expect(items).toEqual(
      expect.arrayContaining([
        model.report.title,
        '1 Executive summary',
        '2 Scope and method',
        '3 Testing performed',
        '4 Population and completeness',
        '5 Findings',
        '6 Control status',
        'References not in the catalogue',
        'Appendix A Evidence',
        'Appendix B Cross-framework mapping',
        'Integrity and verification',
        ...model.rows.map((r) => expect.stringContaining(`${r.ref} `)),
      ]),
    );
  });

  it('when the document outline is off, then the PDF carries none', async () => {
    const model = buildReportModelFixture({ rowCount: 2 });
    expect(await outlineOf(await newRenderer().renderPdf(reportHtmlOf(model), optionsFor(model)))).toBeUndefined();
  });

  it('when evidence holds an unbroken 3,000-character string, then it wraps inside the page and is cut at 1,500, saying so', async () => {
    const token = 'Z'.repeat(3000);
    const base = buildReportModelFixture({ rowCount: 1 });
    const model = buildReportModelFixture({
      rows: [
        {
          ...base.rows[0],
          evidence: { prompt: token, response: 'ok', findingId: 'fnd_2026_evidence000001', redactions: noRedactions() },
        },
      ],
    });
    const { text } = pdfFacts(await newRenderer().renderPdf(reportHtmlOf(model), optionsFor(model)));
    const zLines = text.split('\n').filter((line) => /^Z+$/.test(line.trim()));
    // Wrapped into many lines rather than one line running off the page, and only the first 1,500 printed.
    expect(zLines.length).toBeGreaterThan(10);
    expect(zLines.join('').length).toBe(1500);
    expect(withoutSpace(text)).toContain('…1,500characterscutafter');
    expect(withoutSpace(text)).toContain('[excerpt:1,500of3,000charactersshown,fromthestart]');
    expect(withoutSpace(text)).toContain(
      `Fullmaskedtext:3,000characters,sha256${createHash('sha256').update(token).digest('hex')}`,
    );
  });
});

describe('ChromiumPdfRenderer isolation', () => {
  let canary: Canary;
  beforeAll(async () => {
    canary = await startCanary();
  });
  afterAll(async () => {
    await canary.close();
  });
  beforeEach(() => {
    canary.hits.length = 0;
  });

  it('when the same payloads load in an unprotected page, then the canary sees requests (so it can catch a leak)', async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true });
    try {
      const page = await browser.newPage();
      await page.setContent(payloads(canary.base).join('\n'), { waitUntil: 'load' });
      await sleep(1000);
    } finally {
      await browser.close();
    }
    expect(canary.hits.length).toBeGreaterThan(3);
  });

  it('when every text field holds fetching markup, then it prints as text and nothing is fetched', async () => {
    const attack = payloads(canary.base).join(' ');
    const model = mapModelStrings(buildReportModelFixture({ rowCount: 4 }), (text) => `${text} ${attack}`);
    const pdf = await newRenderer().renderPdf(reportHtmlOf(model), optionsFor(model));
    await sleep(1000);

    expect(canary.hits).toEqual([]);
    const { text } = pdfFacts(pdf);
    const squashed = withoutSpace(text);
    for (const literal of [
      "<script>fetch('",
      '<imgsrc="',
      '<linkrel="prefetch"',
      '<metahttp-equiv="refresh"',
      '<style>@importurl(',
      '<iframesrc="',
    ]) {
      expect(squashed).toContain(literal);
    }
    expect(squashed).toContain(withoutSpace(`${buildReportModelFixture().report.title} <script>fetch(`));
  });

  it('when raw malicious HTML goes straight to the renderer, then nothing is fetched and the render fails on the navigation or prints about:blank', async () => {
    const raw = `<!DOCTYPE html><html><head>
      <meta http-equiv="refresh" content="0;url=${canary.base}/refresh">
      <link rel="prefetch" href="${canary.base}/prefetch">
      <link rel="preload" as="image" href="${canary.base}/preload">
      <link rel="stylesheet" href="${canary.base}/stylesheet">
      <style>@import url(${canary.base}/import); body { background: url(${canary.base}/background); }</style>
      </head><body>
      <p>RAW-BODY</p>
      <img src="${canary.base}/img"><iframe src="${canary.base}/iframe"></iframe>
      <object data="${canary.base}/object"></object>
      <script>fetch('${canary.base}/script'); location.href = '${canary.base}/js-nav';</script>
      </body></html>`;
    const outcome = await newRenderer()
      .renderPdf(raw, BARE_OPTIONS)
      .then((pdf) => ({ pdf, error: undefined as Error | undefined }))
      .catch((error: Error) => ({ pdf: undefined, error }));
    await sleep(1000);

    expect(canary.hits).toEqual([]);
    if (outcome.error) {
      expect(outcome.error.message).toMatch(/navigate away from about:blank/);
    } else {
      expect(pdfFacts(outcome.pdf!).text).toContain('RAW-BODY');
    }
  });

  it('when raw HTML holds only a meta refresh to the canary, then the render fails naming the navigation', async () => {
    const raw = `<meta http-equiv="refresh" content="0;url=${canary.base}/refresh"><p>x</p>`;
    await expect(newRenderer().renderPdf(raw, BARE_OPTIONS)).rejects.toThrow(
      /tried to navigate away from about:blank \(to "http:\/\/127\.0\.0\.1:\d+\/refresh"\)/,
    );
    await sleep(500);
    expect(canary.hits).toEqual([]);
  });

  it('when raw HTML points at a local file, then the file content never reaches the PDF', async () => {
    const secretFile = path.join(workDir, 'secret.txt');
    writeFileSync(secretFile, 'LOCAL-FILE-SECRET-7f3a');
    const url = pathToFileURL(secretFile).href;
    const raw = `<p>FILE-TEST</p><iframe src="${url}"></iframe><object data="${url}"></object><img src="${url}">
      <link rel="stylesheet" href="${url}">`;
    const { text } = pdfFacts(await newRenderer().renderPdf(raw, BARE_OPTIONS));
    expect(text).toContain('FILE-TEST');
    expect(text).not.toContain('LOCAL-FILE-SECRET');
  });
});

describe('ChromiumPdfRenderer lifecycle', () => {
  const model = buildReportModelFixture({ rowCount: 3 });
  const reportHtml = reportHtmlOf(model);

  it('when it has served recycleAfter renders, then it starts a new browser and keeps rendering', async () => {
    const renderer = newRenderer(2);
    for (let i = 0; i < 5; i++) {
      const { pages } = pdfFacts(await renderer.renderPdf(reportHtml, optionsFor(model)));
      expect(pages).toBeGreaterThan(1);
    }
    expect(renderer.stats()).toEqual({ launches: 3, renders: 5, inFlight: 0 });
  });

  it('when renders run concurrently across a recycle, then every one succeeds and old browsers are closed', async () => {
    const before = chromiumChildren();
    const renderer = newRenderer(2);
    const timings: number[] = [];
    const pdfs = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const started = Date.now();
        const pdf = await renderer.renderPdf(reportHtml, optionsFor(model));
        timings.push(Date.now() - started);
        return pdf;
      }),
    );
    for (const pdf of pdfs) expect(pdfFacts(pdf).text).toContain(model.report.title);
    expect(renderer.stats()).toEqual({ launches: 3, renders: 6, inFlight: 0 });
    await sleep(500);
    const mine = chromiumChildren().filter((pid) => !before.includes(pid));
    expect(mine.length).toBeLessThanOrEqual(1);
    process.stdout.write(`6 concurrent renders: ${timings.sort((a, b) => a - b).join(', ')} ms\n`);
  });

  it('when the browser is killed between renders, then the next render relaunches it and succeeds', async () => {
    const before = chromiumChildren();
    const renderer = newRenderer();
    await renderer.renderPdf(reportHtml, optionsFor(model));
    const started = chromiumChildren().filter((pid) => !before.includes(pid));
    expect(started).toHaveLength(1);
    process.kill(started[0], 'SIGKILL');

    const pdf = await renderer.renderPdf(reportHtml, optionsFor(model));
    expect(pdfFacts(pdf).text).toContain(model.report.title);
    expect(renderer.stats().launches).toBe(2);
  });

  it('when the browser is killed and the process has noticed, then the next render relaunches it and succeeds', async () => {
    const before = chromiumChildren();
    const renderer = newRenderer();
    await renderer.renderPdf(reportHtml, optionsFor(model));
    const [pid] = chromiumChildren().filter((p) => !before.includes(p));
    process.kill(pid, 'SIGKILL');
    await sleep(1000);

    const pdf = await renderer.renderPdf(reportHtml, optionsFor(model));
    expect(pdfFacts(pdf).text).toContain(model.report.title);
    expect(renderer.stats().launches).toBe(2);
  });

  it('when the render exceeds its timeout, then it fails with a clear error and the renderer still works', async () => {
    const renderer = newRenderer();
    await expect(renderer.renderPdf(reportHtml, optionsFor(model, 1))).rejects.toThrow(
      'PDF render timed out after 1 ms',
    );
    // Warm browser this time: the timeout must also cut a render in progress, not only a slow start.
    await renderer.renderPdf(reportHtml, optionsFor(model));
    const big = buildReportModelFixture({ rowCount: 80 });
    await expect(renderer.renderPdf(reportHtmlOf(big), optionsFor(big, 50))).rejects.toThrow(
      'PDF render timed out after 50 ms',
    );
    const pdf = await renderer.renderPdf(reportHtml, optionsFor(model));
    expect(pdfFacts(pdf).text).toContain(model.report.title);
    await sleep(200);
    expect(renderer.stats().inFlight).toBe(0);
  });

  it('when the activity is cancelled mid-render, then the render stops with a clear error and the renderer still works', async () => {
    const renderer = newRenderer();
    await renderer.renderPdf(reportHtml, optionsFor(model));
    const big = buildReportModelFixture({ rowCount: 80 });
    const cancel = new AbortController();
    const started = Date.now();
    const render = renderer.renderPdf(reportHtmlOf(big), { ...optionsFor(big), signal: cancel.signal });
    setTimeout(() => cancel.abort(), 50);
    await expect(render).rejects.toThrow('PDF render was cancelled');
    expect(Date.now() - started).toBeLessThan(2_000);
    const pdf = await renderer.renderPdf(reportHtml, optionsFor(model));
    expect(pdfFacts(pdf).text).toContain(model.report.title);
    await sleep(200);
    expect(renderer.stats().inFlight).toBe(0);
  });

  it('when closed, then its browser exits and later renders fail', async () => {
    const before = chromiumChildren();
    const renderer = newRenderer();
    await renderer.renderPdf(reportHtml, optionsFor(model));
    expect(chromiumChildren().filter((pid) => !before.includes(pid))).toHaveLength(1);
    await renderer.close();
    await sleep(300);
    expect(chromiumChildren().filter((pid) => !before.includes(pid))).toEqual([]);
    await expect(renderer.renderPdf(reportHtml, optionsFor(model))).rejects.toThrow('PDF renderer is closed');
  });

  it('when Chromium cannot be started, then the render fails saying so', async () => {
    const renderer = new ChromiumPdfRenderer({ executablePath: path.join(workDir, 'no-such-chromium') });
    await expect(renderer.renderPdf(reportHtml, optionsFor(model))).rejects.toThrow(/Chromium failed to start/);
    await renderer.close();
  });
});

/** The browsers renderers launch from now on, each with its process id, and a way to wait until a render asks a
 * browser for its page: the moment to kill it mid-render. Playwright's `Browser` has no `process()` (only a
 * `BrowserServer` does), and a renderer launches with `chromium.launch`, which starts Chromium as a child of this
 * process: its pid is the chromium child that was not there before the launch. */
function watchLaunches(): {
  current(): { browser: Browser; pid: number };
  pageAsked(): Promise<void>;
  restore(): void;
} {
  const launched: { browser: Browser; pid: number }[] = [];
  let asked: (() => void) | undefined;
  const launch = chromium.launch.bind(chromium);
  const spy = jest.spyOn(chromium, 'launch').mockImplementation(async (options) => {
    const before = chromiumChildren();
    const browser = await launch(options);
    const pids = chromiumChildren().filter((pid) => !before.includes(pid));
    if (pids.length !== 1) throw new Error(`expected one new chromium process, found ${JSON.stringify(pids)}`);
    const newContext = browser.newContext.bind(browser);
    jest.spyOn(browser, 'newContext').mockImplementation(async (contextOptions) => {
      const context = await newContext(contextOptions);
      const newPage = context.newPage.bind(context);
      jest.spyOn(context, 'newPage').mockImplementation(() => {
        asked?.();
        return newPage();
      });
      return context;
    });
    launched.push({ browser, pid: pids[0] });
    return browser;
  });
  return {
    current: () => {
      const last = launched.at(-1);
      if (!last) throw new Error('no browser launched yet');
      return last;
    },
    pageAsked: () => new Promise<void>((resolve) => (asked = resolve)),
    restore: () => spy.mockRestore(),
  };
}

/** How many listeners a Playwright object holds for an event (its emitter has `listenerCount`; its types omit it). */
function listenerCount(emitter: Browser, event: string): number {
  return (emitter as unknown as { listenerCount(event: string): number }).listenerCount(event);
}

describe('ChromiumPdfRenderer when Chromium dies mid-render', () => {
  // A crash that lands while Playwright opens the page is the one that used to leave the render hanging until its
  // timeout (5 minutes in the worker); later kills land while the report loads and prints.
  const KILL_AFTER_PAGE_ASKED_MS = [0, 15, 30, 50, 80, 120, 200, 350, 600, 1000];
  /** How soon a render must fail once its browser is gone: no call to a dead browser may be waited on. */
  const FAILS_WITHIN_MS = 5_000;

  it('when the browser is killed mid-render, ten times over, then each render fails within seconds, the next succeeds on a new browser and no listener is left', async () => {
    const watched = watchLaunches();
    try {
      const big = buildReportModelFixture({ rowCount: 300 });
      const bigHtml = reportHtmlOf(big);
      const small = buildReportModelFixture({ rowCount: 2 });
      const renderer = newRenderer();
      await renderer.renderPdf(reportHtmlOf(small), optionsFor(small));
      const outcomes: { killedAfterMs: number; failedAfterMs: number; error: string }[] = [];

      for (const delay of KILL_AFTER_PAGE_ASKED_MS) {
        const { pid } = watched.current();
        let settled = false;
        const asked = watched.pageAsked();
        // A timeout well above the limit: a render left hanging shows up as failing late, not as a stuck test.
        const render = renderer.renderPdf(bigHtml, optionsFor(big, 20_000)).finally(() => (settled = true));
        render.catch(() => undefined);
        await asked;
        await sleep(delay);
        expect({ delay, settledBeforeTheKill: settled }).toEqual({ delay, settledBeforeTheKill: false });
        process.kill(pid, 'SIGKILL');
        const killedAt = Date.now();
        const error = await render.then(
          () => 'the render succeeded',
          (err: Error) => err.message,
        );
        outcomes.push({ killedAfterMs: delay, failedAfterMs: Date.now() - killedAt, error });

        const pdf = await renderer.renderPdf(reportHtmlOf(small), optionsFor(small));
        expect(pdfFacts(pdf).text).toContain(small.report.title);
        expect(watched.current().pid).not.toBe(pid);
      }

      process.stdout.write(`renders killed mid-way: ${JSON.stringify(outcomes)}\n`);
      expect(
        outcomes.map(({ killedAfterMs, failedAfterMs, error }) => ({
          killedAfterMs,
          failedWithinLimit: failedAfterMs < FAILS_WITHIN_MS,
          error,
        })),
      ).toEqual(
        KILL_AFTER_PAGE_ASKED_MS.map((killedAfterMs) => ({
          killedAfterMs,
          failedWithinLimit: true,
          error: expect.stringMatching(/^Chromium exited during the render/),
        })),
      );
      expect(renderer.stats()).toEqual({
        launches: KILL_AFTER_PAGE_ASKED_MS.length + 1,
        renders: 2 * KILL_AFTER_PAGE_ASKED_MS.length + 1,
        inFlight: 0,
      });
      // Each render watches its browser while it runs, and stops watching when it ends.
      const { browser } = watched.current();
      const watching = listenerCount(browser, 'disconnected');
      for (let i = 0; i < 3; i++) await renderer.renderPdf(reportHtmlOf(small), optionsFor(small));
      expect(listenerCount(browser, 'disconnected')).toBe(watching);
    } finally {
      watched.restore();
    }
  }, 300_000);
});
