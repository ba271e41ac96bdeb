import { ApiError } from './api-error';
import type { EvidenceClient, ImportJob, Report } from './client';

/** How long to wait, and whom to tell about each answer on the way. */
export interface WaitOptions<T> {
  /** Give up after this long; the report or job is not changed by it. */
  timeoutMs: number;
  /** Called with every answer read, the last one included. */
  onProgress?: (current: T) => void;
  /** Between two reads of a report (default 2 s): the reports API has no long poll. */
  intervalMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** The wait ran out before the report or job ended; `last` is how it stood. */
export class WaitTimeoutError<T> extends Error {
  override readonly name = 'WaitTimeoutError';

  constructor(
    message: string,
    readonly last: T,
  ) {
    super(message);
  }
}

/** Consecutive failures to get an answer (no connection, a 5xx) a wait rides out before it gives up. */
const TRANSIENT_LIMIT = 5;

/** Whether waiting might bring a different answer: a rate limit, an unreachable or failing server. */
function transient(err: unknown): err is ApiError {
  return err instanceof ApiError && (err.status === 0 || err.status === 429 || err.status >= 500);
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether a report has stopped changing by itself: `queued` and `running` still move on. */
export function reportSettled(report: Pick<Report, 'status'>): boolean {
  return report.status !== 'queued' && report.status !== 'running';
}

/** Whether an import job has ended. */
export function importEnded(job: Pick<ImportJob, 'status'>): boolean {
  return job.status === 'succeeded' || job.status === 'failed';
}

/**
 * Reads a value until `settled` says it has ended or the time runs out. A rate limit is waited out for as long as
 * its `Retry-After` says; a few failures in a row to get any answer (a restart of the API, a 503) are ridden out
 * with a growing pause; any other error ends the wait at once.
 */
async function pollUntil<T>(
  what: string,
  read: (remainingMs: number) => Promise<T>,
  settled: (value: T) => boolean,
  options: WaitOptions<T>,
  first?: T,
): Promise<T> {
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  const interval = options.intervalMs ?? 2_000;
  const deadline = now() + options.timeoutMs;
  let last = first;
  let failures = 0;
  if (last !== undefined) {
    options.onProgress?.(last);
    if (settled(last)) return last;
  }
  for (;;) {
    let pause = interval;
    try {
      last = await read(Math.max(0, deadline - now()));
      failures = 0;
      options.onProgress?.(last);
      if (settled(last)) return last;
    } catch (err) {
      if (!transient(err) || (err.status !== 429 && ++failures > TRANSIENT_LIMIT)) throw err;
      pause =
        err.retryAfterSeconds !== undefined
          ? err.retryAfterSeconds * 1_000
          : Math.max(interval, 1_000) * 2 ** Math.min(failures, 4);
    }
    const remaining = deadline - now();
    if (remaining <= 0) {
      if (last === undefined) throw new Error(`${what}: no answer within ${Math.round(options.timeoutMs / 1_000)} s`);
      throw new WaitTimeoutError(`${what} had not ended after ${Math.round(options.timeoutMs / 1_000)} s`, last);
    }
    await sleep(Math.min(pause, remaining));
  }
}

/** Reads report `id` every `intervalMs` until it is no longer queued or running, and answers it as it ended. */
export function waitForReport(
  client: Pick<EvidenceClient, 'getReport'>,
  id: string,
  options: WaitOptions<Report>,
): Promise<Report> {
  return pollUntil(`report ${id}`, () => client.getReport(id), reportSettled, options);
}

/** Most seconds one long poll of an import holds: short enough to show progress between answers. */
const IMPORT_POLL_SECONDS = 5;

/**
 * Follows import job `job` until it succeeds or fails, through the API's long poll (`?wait=`), which answers as
 * soon as the job ends. Each answer in between shows how far the job has read.
 */
export function waitForImport(
  client: Pick<EvidenceClient, 'getImport'>,
  job: ImportJob,
  options: WaitOptions<ImportJob>,
): Promise<ImportJob> {
  return pollUntil(
    `import ${job.id}`,
    (remainingMs) =>
      client.getImport(job.id, { wait: Math.max(1, Math.min(IMPORT_POLL_SECONDS, Math.floor(remainingMs / 1_000))) }),
    importEnded,
    { ...options, intervalMs: 0 },
    job,
  );
}
