import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { PdfRenderer } from '../../../activities/ports';

import { BrowserPool } from './chromium-browser-pool';
import { printIsolated } from './pdf-print';
import { BrowserGoneError, RenderGuard, StaleBrowserError, messageOf, withinDeadline } from './render-guard';

export type { PdfRenderer };
export { chromiumComplaint } from './chromium-browser-pool';

/** What one render needs besides the HTML: the running header and footer, and how long it may take overall. */
export type PdfRenderOptions = Parameters<PdfRenderer['renderPdf']>[1];

/** How to start Chromium and how often to replace it. */
export interface ChromiumPdfRendererOptions {
  /** The Chromium binary to run; the renderer never downloads one. */
  executablePath: string;
  /** Renders served by one browser before it is replaced; bounds leaks in a long-lived process. Default 100. */
  recycleAfter?: number;
  /** Embeds bookmarks built from the report's headings. Chromium builds them only into a tagged PDF, which came
   * out about four times larger (65 rows: 2.3 MB instead of 0.55 MB) and a little slower. Default false. */
  documentOutline?: boolean;
  /** Runs Chromium's renderers in its own sandbox (namespaces and seccomp-bpf, {@link chromiumSandboxFor}).
   * Default false: Chromium refuses it when run as root. */
  sandbox?: boolean;
}

/** Whether Chromium's own sandbox is used: `on` and `off` say so; `auto` uses it unless the process runs as root,
 * where Chromium refuses to start with it. Without it a renderer exploited by a report's text runs with the worker's
 * own rights; with it, in namespaces of its own with no network and a seccomp filter. It needs the kernel to let an
 * unprivileged process make user namespaces (Debian's chromium ships no setuid sandbox binary). */
export function chromiumSandboxFor(mode: 'auto' | 'on' | 'off', uid: number | undefined): boolean {
  if (mode !== 'auto') return mode === 'on';
  return uid !== undefined && uid !== 0;
}

/** Counters for health checks and tests. */
export interface ChromiumPdfRendererStats {
  /** Browsers launched so far, including relaunches after a crash or a recycle. */
  launches: number;
  /** Renders requested so far (a render retried on a fresh browser counts once). */
  renders: number;
  /** Renders running now. */
  inFlight: number;
}

const DEFAULT_RECYCLE_AFTER = 100;

/** Prints HTML to PDF in headless Chromium, isolated from everything: JavaScript off, the context offline, every
 * request aborted, downloads and service workers refused, and the page required to still be `about:blank` when
 * it prints. One warm browser serves the process; each render gets a fresh context. The browser is relaunched
 * after a crash and replaced after `recycleAfter` renders, once the renders it is serving have finished. */
export class ChromiumPdfRenderer implements PdfRenderer {
  private readonly documentOutline: boolean;
  private readonly pool: BrowserPool;
  private closed = false;
  private renders = 0;

  constructor(options: ChromiumPdfRendererOptions) {
    const recycleAfter = options.recycleAfter ?? DEFAULT_RECYCLE_AFTER;
    if (!Number.isInteger(recycleAfter) || recycleAfter < 1) {
      throw new Error(`recycleAfter must be a whole number of renders of at least 1, got ${recycleAfter}`);
    }
    this.documentOutline = options.documentOutline ?? false;
    this.pool = new BrowserPool({
      executablePath: options.executablePath,
      recycleAfter,
      sandbox: options.sandbox ?? false,
    });
  }

  /** Launches the browser now instead of at the first render, so a browser that cannot start (a missing binary, a
   * sandbox the host does not allow) stops a worker at start-up rather than failing every report it takes. */
  async start(): Promise<void> {
    if (this.closed) throw new Error('PDF renderer is closed');
    await this.pool.warm().browser;
  }

  /** Counters of launches and renders. */
  stats(): ChromiumPdfRendererStats {
    return { launches: this.pool.launches, renders: this.renders, inFlight: this.pool.inFlight() };
  }

  /** Renders HTML to an A4 PDF with the given running header and footer. Fails with a plain `Error` when the
   * render exceeds `timeoutMs` overall (browser start included), when the page navigated away from
   * `about:blank`, or when Chromium fails. A browser found dead before the render started is replaced once; one
   * that dies during the render fails it at once (not at the timeout), and the next render gets a new browser.
   * `options.title` needs no handling here: the PDF's title comes from the document's own `<title>`. */
  async renderPdf(html: string, options: PdfRenderOptions): Promise<Buffer> {
    if (this.closed) throw new Error('PDF renderer is closed');
    if (!(options.timeoutMs > 0)) throw new Error(`timeoutMs must be positive, got ${options.timeoutMs}`);
    this.renders++;
    const deadline = Date.now() + options.timeoutMs;
    return withinDeadline(options.timeoutMs, options.signal, (signal) =>
      this.renderWithRetry(html, options, deadline, signal),
    );
  }

  /** Closes every browser, waiting for renders in flight. Later renders fail. */
  async close(): Promise<void> {
    this.closed = true;
    await this.pool.close();
  }

  private async renderWithRetry(
    html: string,
    options: PdfRenderOptions,
    deadline: number,
    signal: AbortSignal,
  ): Promise<Buffer> {
    // A crash between renders is only noticed by the next one; that render deserves one more, live browser.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.renderOnce(html, options, deadline, signal);
      } catch (err) {
        if (!(err instanceof StaleBrowserError)) throw err;
        if (attempt >= 2 || signal.aborted || this.closed) {
          throw new Error(`Chromium stopped before the render could start: ${messageOf(err.cause)}`, { cause: err });
        }
      }
    }
  }

  private async renderOnce(
    html: string,
    options: PdfRenderOptions,
    deadline: number,
    signal: AbortSignal,
  ): Promise<Buffer> {
    const generation = this.pool.acquire();
    const guard = new RenderGuard(signal);
    let browser: Browser | undefined;
    let creating: Promise<BrowserContext> | undefined;
    let opening: Promise<Page> | undefined;
    try {
      browser = await guard.step(generation.browser);
      guard.watch(browser);
      try {
        creating = browser.newContext({
          javaScriptEnabled: false,
          offline: true,
          acceptDownloads: false,
          serviceWorkers: 'block',
          // The report's own Content-Security-Policy is a second wall; it must stay in force.
          bypassCSP: false,
        });
        await guard.step(creating);
      } catch (err) {
        if (!browser.isConnected()) throw new StaleBrowserError(err);
        throw err;
      }
      const context = await creating;
      await guard.step(context.route('**/*', (route) => route.abort()));
      opening = context.newPage();
      const page = await guard.step(opening);
      return await printIsolated(page, html, options, deadline, this.documentOutline, (step) => guard.step(step));
    } catch (err) {
      if (browser && !browser.isConnected()) this.pool.markDead(generation);
      if (err instanceof StaleBrowserError) throw err;
      if (signal.aborted) throw new Error('PDF render was cancelled');
      if (browser && !browser.isConnected()) throw err instanceof BrowserGoneError ? err : new BrowserGoneError(err);
      // Playwright appends a multi-line call log; the first line is the message worth carrying.
      throw new Error(messageOf(err), { cause: err });
    } finally {
      await discard(browser, creating, opening, guard);
      guard.dispose();
      this.pool.release(generation);
    }
  }
}

/** Closes the context a render opened. A browser that is gone has nothing left to close, and a call to it might
 * never return, so nothing is awaited then. A context is never closed while `newPage()` is pending in it: that
 * leaves the call hanging on a live browser, holding what it had opened. */
async function discard(
  browser: Browser | undefined,
  creating: Promise<BrowserContext> | undefined,
  opening: Promise<Page> | undefined,
  guard: RenderGuard,
): Promise<void> {
  if (!browser || !creating) return;
  const closing = (async () => {
    const context = await creating;
    await opening?.catch(() => undefined);
    await context.close();
  })().catch(() => undefined);
  if (browser.isConnected()) await Promise.race([closing, guard.gone]);
}
