import { chromium, type Browser } from 'playwright-core';
import { messageOf } from './render-guard';

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

const DRAIN_LIMIT_MS = 60_000;

/** One browser process and the renders it serves. */
export interface Generation {
  browser: Promise<Browser>;
  started: number;
  inFlight: number;
  dead: boolean;
  drainWaiters: (() => void)[];
  closing?: Promise<void>;
}

/** How the pool starts Chromium and how often it replaces it. */
export interface BrowserPoolOptions {
  executablePath: string;
  recycleAfter: number;
  sandbox: boolean;
}

/** The browsers of one renderer: one warm browser serves renders, relaunched after a crash and replaced after
 * `recycleAfter` renders, once the renders it is serving have finished. Old browsers are closed when drained. */
export class BrowserPool {
  private readonly generations = new Set<Generation>();
  private current: Generation | undefined;
  /** Browsers launched so far. */
  launches = 0;

  constructor(private readonly options: BrowserPoolOptions) {}

  /** The browser that serves the next render, launched if there is none. */
  warm(): Generation {
    return this.current && !this.current.dead ? this.current : this.launch();
  }

  /** Renders running now, over every generation. */
  inFlight(): number {
    let n = 0;
    for (const g of this.generations) n += g.inFlight;
    return n;
  }

  /** Closes every browser, waiting for renders in flight. */
  async close(): Promise<void> {
    this.current = undefined;
    await Promise.all([...this.generations].map((g) => this.retire(g)));
  }

  /** Stops handing a browser to new renders; the next render launches another. */
  markDead(g: Generation): void {
    g.dead = true;
    if (this.current === g) this.current = undefined;
  }

  /** A live browser generation for one more render, launching or replacing one as needed. */
  acquire(): Generation {
    let g = this.current;
    if (g && (g.dead || g.started >= this.options.recycleAfter)) {
      this.current = undefined;
      void this.retire(g);
      g = undefined;
    }
    g ??= this.launch();
    g.started++;
    g.inFlight++;
    return g;
  }

  /** Ends a render's use of its generation. */
  release(g: Generation): void {
    g.inFlight--;
    if (g.inFlight === 0) for (const resolve of g.drainWaiters.splice(0)) resolve();
  }

  private launch(): Generation {
    this.launches++;
    const browser = chromium.launch({
      executablePath: this.options.executablePath,
      headless: true,
      chromiumSandbox: this.options.sandbox,
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

/** What Chromium itself printed as the reason it stopped, from the browser log Playwright appends to a failed
 * launch: the line about the sandbox if there is one (what goes wrong most), else its first error line. */
export function chromiumComplaint(err: unknown): string | undefined {
  const lines = (err instanceof Error ? err.message : '').replace(/\u001b\[[0-9;]*m/g, '').split('\n');
  const errors = lines.filter((l) => /:ERROR:[^\]]*\] /.test(l));
  const line = errors.find((l) => /sandbox/i.test(l)) ?? errors[0];
  return line?.slice(line.indexOf('] ', line.indexOf(':ERROR:')) + 2).trim();
}
