import { ApiError } from '../../../src/client/api-error';
import type { ImportJob, Report } from '../../../src/client/client';
import { WaitTimeoutError, waitForImport, waitForReport } from '../../../src/client/wait';

/** A clock that moves only when the wait sleeps, and remembers each pause. */
function fakeTime() {
  let now = 0;
  const pauses: number[] = [];
  return {
    pauses,
    now: () => now,
    sleep: async (ms: number) => {
      pauses.push(ms);
      now += ms;
    },
  };
}

const report = (status: Report['status'], percent = 0) =>
  ({ id: 'rpt_1', status, progress: { stage: status === 'ready' ? 'done' : 'rendering', percent } }) as Report;

/** A client whose answers are `answers` in turn: a report, or an error thrown. */
function answering<T>(answers: (T | Error)[]) {
  const calls: unknown[][] = [];
  const next = async (...args: unknown[]): Promise<T> => {
    calls.push(args);
    const answer = answers.shift();
    if (answer === undefined) throw new Error('asked once too often');
    if (answer instanceof Error) throw answer;
    return answer as T;
  };
  return { calls, next };
}

describe('waiting for a report', () => {
  it('when the report moves on to ready, then each answer is shown and the ready one is returned, reading every interval', async () => {
    const time = fakeTime();
    const { calls, next } = answering([report('queued'), report('running', 40), report('ready', 100)]);
    const seen: string[] = [];
    const ended = await waitForReport({ getReport: next }, 'rpt_1', {
      timeoutMs: 60_000,
      intervalMs: 1_000,
      onProgress: (r) => seen.push(`${r.status} ${r.progress.percent}`),
      ...time,
    });
    expect(ended.status).toBe('ready');
    expect(seen).toEqual(['queued 0', 'running 40', 'ready 100']);
    expect(calls).toEqual([['rpt_1'], ['rpt_1'], ['rpt_1']]);
    expect(time.pauses).toEqual([1_000, 1_000]);
  });

  it('when the report fails, then the wait ends with it: failed is an end like ready', async () => {
    const { next } = answering([report('running'), report('failed')]);
    await expect(waitForReport({ getReport: next }, 'rpt_1', { timeoutMs: 60_000, ...fakeTime() })).resolves.toEqual(
      report('failed'),
    );
  });

  it('when the API asks to slow down, then the wait pauses for its Retry-After and goes on', async () => {
    const time = fakeTime();
    const limited = new ApiError(429, 'rate_limited', 'slow down', undefined, 7);
    const { next } = answering<Report>([report('running'), limited, report('ready')]);
    await waitForReport({ getReport: next }, 'rpt_1', { timeoutMs: 60_000, intervalMs: 1_000, ...time });
    expect(time.pauses).toEqual([1_000, 7_000]);
  });

  it('when the API cannot be reached a few times in a row, then the wait rides it out with growing pauses', async () => {
    const time = fakeTime();
    const down = new ApiError(0, 'unreachable', 'cannot reach http://127.0.0.1:3000: ECONNREFUSED');
    const { next } = answering<Report>([down, down, new ApiError(503, 'unavailable', 'later'), report('ready')]);
    await waitForReport({ getReport: next }, 'rpt_1', { timeoutMs: 600_000, intervalMs: 1_000, ...time });
    expect(time.pauses).toEqual([2_000, 4_000, 8_000]);
  });

  it('when the API stays unreachable, then the wait gives up with its error after five failures', async () => {
    const down = new ApiError(0, 'unreachable', 'cannot reach');
    const { calls, next } = answering<Report>(Array.from({ length: 10 }, () => down));
    await expect(waitForReport({ getReport: next }, 'rpt_1', { timeoutMs: 3_600_000, ...fakeTime() })).rejects.toBe(
      down,
    );
    expect(calls).toHaveLength(6);
  });

  it('when the API refuses the read, then the wait ends at once with that error', async () => {
    const missing = new ApiError(404, 'report_not_found', 'report rpt_1 does not exist');
    const { next } = answering<Report>([missing]);
    await expect(waitForReport({ getReport: next }, 'rpt_1', { timeoutMs: 60_000, ...fakeTime() })).rejects.toBe(
      missing,
    );
  });

  it('when the time runs out, then the wait fails with how the report last stood, after no more than the timeout', async () => {
    const time = fakeTime();
    const { next } = answering(Array.from({ length: 10 }, () => report('running', 20)));
    const failure = await waitForReport({ getReport: next }, 'rpt_1', {
      timeoutMs: 5_000,
      intervalMs: 2_000,
      ...time,
    }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(WaitTimeoutError);
    expect(failure).toMatchObject({ message: 'report rpt_1 had not ended after 5 s', last: report('running', 20) });
    expect(time.pauses).toEqual([2_000, 2_000, 1_000]);
  });
});

describe('waiting for an import', () => {
  const job = (status: ImportJob['status']) => ({ id: 'imp_1', status }) as ImportJob;

  it('when the job is followed, then the long poll is asked for a few seconds at a time, with no pause between', async () => {
    const time = fakeTime();
    const { calls, next } = answering([job('running'), job('succeeded')]);
    const seen: string[] = [];
    const ended = await waitForImport({ getImport: next }, job('queued'), {
      timeoutMs: 60_000,
      onProgress: (j) => seen.push(j.status),
      ...time,
    });
    expect(ended.status).toBe('succeeded');
    expect(seen).toEqual(['queued', 'running', 'succeeded']);
    expect(calls).toEqual([
      ['imp_1', { wait: 5 }],
      ['imp_1', { wait: 5 }],
    ]);
    expect(time.pauses).toEqual([0]);
  });

  it('when the job had already ended, then nothing is asked', async () => {
    const { calls, next } = answering<ImportJob>([]);
    await expect(
      waitForImport({ getImport: next }, job('failed'), { timeoutMs: 60_000, ...fakeTime() }),
    ).resolves.toEqual(job('failed'));
    expect(calls).toEqual([]);
  });
});
