import type { Browser } from 'playwright-core';

/** A browser that died before this render could use it. */
export class StaleBrowserError extends Error {
  constructor(override readonly cause: unknown) {
    super('Chromium was no longer running');
  }
}

/** The browser exited (crashed, or was killed) while a render was using it. */
export class BrowserGoneError extends Error {
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
export class RenderGuard {
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

/** Runs a render against its overall deadline and the caller's cancellation: the render fails when either comes
 * first, and the `abort` controller handed to the render is aborted then, so its steps stop waiting too. */
export async function withinDeadline<T>(
  timeoutMs: number,
  cancel: AbortSignal | undefined,
  render: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const abort = new AbortController();
  const work = render(abort.signal);
  let timer: NodeJS.Timeout | undefined;
  const onCancel = () => abort.abort();
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`PDF render timed out after ${timeoutMs} ms`));
      abort.abort();
    }, timeoutMs);
    abort.signal.addEventListener('abort', () => reject(new Error('PDF render was cancelled')));
  });
  if (cancel?.aborted) abort.abort();
  cancel?.addEventListener('abort', onCancel);
  // The losing promise must not surface later as an unhandled rejection.
  work.catch(() => undefined);
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
    cancel?.removeEventListener('abort', onCancel);
  }
}

/** The first line of an error's message: Playwright appends a multi-line call log. */
export function messageOf(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n', 1)[0];
}
