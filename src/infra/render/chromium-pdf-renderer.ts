import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { PdfRenderer } from '../../../activities/ports';

export type { PdfRenderer };

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

// Playwright already adds --no-sandbox handling, --disable-background-networking and friends; these close the
// remaining doors a print job has no use for.
const CHROMIUM_ARGS = [
  '--disable-gpu',
  '--disable-extensions',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-domain-reliability',
  '--disable-client-side-phishing-detection',
  '--no-first-run',
  '--no-pings',
  '--mute-audio',
  '--font-render-hinting=none',
];

// Leaves room for the running header and footer the templates draw inside the top and bottom margins.
const PDF_MARGIN = { top: '20mm', bottom: '18mm', left: '16mm', right: '16mm' };

const DRAIN_LIMIT_MS = 60_000;

/** One browser process and the renders it serves. */
interface Generation {
  browser: Promise<Browser>;
  started: number;
  inFlight: number;
  dead: boolean;
  drainWaiters: (() => void)[];
  closing?: Promise<void>;
}

/** Prints HTML to PDF in headless Chromium, isolated from everything: JavaScript off, the context offline, every
 * request aborted, downloads and service workers refused, and the page required to still be `about:blank` when
 * it prints. One warm browser serves the process; each render gets a fresh context. The browser is relaunched
 * after a crash and replaced after `recycleAfter` renders, once the renders it is serving have finished. */
export class ChromiumPdfRenderer implements PdfRenderer {
  private readonly executablePath: string;
  private readonly recycleAfter: number;
  private readonly documentOutline: boolean;
  private readonly sandbox: boolean;
  private readonly generations = new Set<Generation>();
  private current: Generation | undefined;
  private closed = false;
  private launches = 0;
  private renders = 0;

  constructor(options: ChromiumPdfRendererOptions) {
    const recycleAfter = options.recycleAfter ?? DEFAULT_RECYCLE_AFTER;
    if (!Number.isInteger(recycleAfter) || recycleAfter < 1) {
      throw new Error(`recycleAfter must be a whole number of renders of at least 1, got ${recycleAfter}`);
    }
    this.executablePath = options.executablePath;
    this.recycleAfter = recycleAfter;
    this.documentOutline = options.documentOutline ?? false;
    this.sandbox = options.sandbox ?? false;
  }

  /** Launches the browser now instead of at the first render, so a browser that cannot start (a missing binary, a
   * sandbox the host does not allow) stops a worker at start-up rather than failing every report it takes. */
  async start(): Promise<void> {
    if (this.closed) throw new Error('PDF renderer is closed');
    const g = this.current && !this.current.dead ? this.current : this.launch();
    await g.browser;
  }

  /** Counters of launches and renders. */
  stats(): ChromiumPdfRendererStats {
    let inFlight = 0;
    for (const g of this.generations) inFlight += g.inFlight;
    return { launches: this.launches, renders: this.renders, inFlight };
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
    const abort = new AbortController();
    const work = this.renderWithRetry(html, options, deadline, abort.signal);
    let timer: NodeJS.Timeout | undefined;
    const onCancel = () => abort.abort();
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`PDF render timed out after ${options.timeoutMs} ms`));
        abort.abort();
      }, options.timeoutMs);
      abort.signal.addEventListener('abort', () => reject(new Error('PDF render was cancelled')));
    });
    if (options.signal?.aborted) abort.abort();
    options.signal?.addEventListener('abort', onCancel);
    // The losing promise must not surface later as an unhandled rejection.
    work.catch(() => undefined);
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onCancel);
    }
  }

  /** Closes every browser, waiting for renders in flight. Later renders fail. */
  async close(): Promise<void> {
    this.closed = true;
    this.current = undefined;
    await Promise.all([...this.generations].map((g) => this.retire(g)));
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
    const generation = this.acquire();
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
      if (browser && !browser.isConnected()) this.markDead(generation);
      if (err instanceof StaleBrowserError) throw err;
      if (signal.aborted) throw new Error('PDF render was cancelled');
      if (browser && !browser.isConnected()) throw err instanceof BrowserGoneError ? err : new BrowserGoneError(err);
      // Playwright appends a multi-line call log; the first line is the message worth carrying.
      throw new Error(messageOf(err), { cause: err });
    } finally {
      await discard(browser, creating, opening, guard);
      guard.dispose();
      this.release(generation);
    }
  }

  /** Stops handing a browser to new renders; the next render launches another. */
  private markDead(g: Generation): void {
    g.dead = true;
    if (this.current === g) this.current = undefined;
  }

  private acquire(): Generation {
    let g = this.current;
    if (g && (g.dead || g.started >= this.recycleAfter)) {
      this.current = undefined;
      void this.retire(g);
      g = undefined;
    }
    g ??= this.launch();
    g.started++;
    g.inFlight++;
    return g;
  }

  private release(g: Generation): void {
    g.inFlight--;
    if (g.inFlight === 0) for (const resolve of g.drainWaiters.splice(0)) resolve();
  }

  private launch(): Generation {
    this.launches++;
    const browser = chromium.launch({
      executablePath: this.executablePath,
      headless: true,
      chromiumSandbox: this.sandbox,
      args: CHROMIUM_ARGS,
    });
    const g: Generation = { browser, started: 0, inFlight: 0, dead: false, drainWaiters: [] };
    g.browser = browser.then(
      (b) => {
        b.on('disconnected', () => this.markDead(g));
        return b;
      },
      (err: unknown) => {
        this.markDead(g);
        this.generations.delete(g);
        const complaint = chromiumComplaint(err);
        throw new Error(`Chromium failed to start: ${messageOf(err)}${complaint ? ` (${complaint})` : ''}`, {
          cause: err,
        });
      },
    );
    // Renders waiting on the launch handle its failure; this copy only keeps Node from reporting it twice.
    g.browser.catch(() => undefined);
    this.generations.add(g);
    this.current = g;
    return g;
  }

  /** Closes a generation's browser once its renders are done; a render stuck past the drain limit (its own
   * timeout should have ended it long before) does not keep an old browser alive forever. */
  private retire(g: Generation): Promise<void> {
    g.closing ??= (async () => {
      await this.drained(g);
      const browser = await g.browser.catch(() => undefined);
      // A browser that died has nothing to close, and a call to it might never return.
      if (browser?.isConnected()) await browser.close().catch(() => undefined);
      this.generations.delete(g);
    })();
    return g.closing;
  }

  private drained(g: Generation): Promise<void> {
    if (g.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, DRAIN_LIMIT_MS);
      timer.unref();
      g.drainWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/** A browser that died before this render could use it. */
class StaleBrowserError extends Error {
  constructor(override readonly cause: unknown) {
    super('Chromium was no longer running');
  }
}

/** The browser exited (crashed, or was killed) while a render was using it. */
class BrowserGoneError extends Error {
  constructor(cause?: unknown) {
    super(
      cause === undefined
        ? 'Chromium exited during the render'
        : `Chromium exited during the render: ${messageOf(cause)}`,
      cause === undefined ? undefined : { cause },
    );
  }
}

/** Ends a render's waits as soon as its browser disconnects or the render is aborted (its timeout, or the
 * activity cancelled). A Playwright call in flight when Chromium dies does not always settle: `newPage()` was
 * seen to hang in most kills that landed while it ran. So every step of a render is raced against both, and the
 * render fails at once, leaving the step to settle (or not) on its own. */
class RenderGuard {
  private readonly ended: Promise<never>;
  private end!: (err: Error) => void;
  private resolveGone!: () => void;
  private readonly cleanups: (() => void)[] = [];
  /** Settles once the watched browser has disconnected; never if it stays up. */
  readonly gone = new Promise<void>((resolve) => (this.resolveGone = resolve));

  constructor(signal: AbortSignal) {
    this.ended = new Promise<never>((_, reject) => (this.end = reject));
    // Nothing may be waiting on it when it fails; the steps that are see it through their race.
    this.ended.catch(() => undefined);
    const onAbort = () => this.end(new Error('PDF render was cancelled'));
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    this.cleanups.push(() => signal.removeEventListener('abort', onAbort));
  }

  /** Fails the render's current and later steps when `browser` disconnects, including if it already has. */
  watch(browser: Browser): void {
    const onDisconnected = () => {
      this.resolveGone();
      this.end(new BrowserGoneError());
    };
    browser.on('disconnected', onDisconnected);
    this.cleanups.push(() => browser.off('disconnected', onDisconnected));
    if (!browser.isConnected()) onDisconnected();
  }

  /** Waits for one step of the render, or fails as soon as the browser is gone or the render aborted. */
  step<T>(work: Promise<T>): Promise<T> {
    // A step left behind may still fail later; that must not surface as an unhandled rejection.
    work.catch(() => undefined);
    return Promise.race([work, this.ended]);
  }

  /** Removes the listeners on the browser and the abort signal. */
  dispose(): void {
    for (const cleanup of this.cleanups.splice(0)) cleanup();
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

/** Loads the HTML into a page of an isolated context and prints it, refusing any page that tried to
 * leave about:blank: a meta refresh fires after load and may land before, during or after printing, and the
 * request it makes is aborted, so the attempt itself is what gets caught. */
async function printIsolated(
  page: Page,
  html: string,
  options: PdfRenderOptions,
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

/** What Chromium itself printed as the reason it stopped, from the browser log Playwright appends to a failed
 * launch: the line about the sandbox if there is one (what goes wrong most), else its first error line. */
export function chromiumComplaint(err: unknown): string | undefined {
  const lines = (err instanceof Error ? err.message : '').replace(/\u001b\[[0-9;]*m/g, '').split('\n');
  const errors = lines.filter((l) => /:ERROR:[^\]]*\] /.test(l));
  const line = errors.find((l) => /sandbox/i.test(l)) ?? errors[0];
  return line?.slice(line.indexOf('] ', line.indexOf(':ERROR:')) + 2).trim();
}

function messageOf(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n', 1)[0];
}
