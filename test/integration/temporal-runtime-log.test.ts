/**
 * The workers' Temporal runtime logs through the service's logger: what the SDK says about a worker is one JSON
 * line like the rest, with the SDK's fields, at the service's level, redacted the same way.
 */
import { NativeConnection, Worker } from '@temporalio/worker';
import { createLogger } from '../../src/infra/logger';
import { installTemporalRuntime, temporalLogger } from '../../src/infra/temporal/runtime';
import { workflowBundle } from '../support/harness';
import { stackEnv, uniqueSuffix } from '../support/stack';

jest.setTimeout(60_000);

/** Every line written, as written. */
const raw: string[] = [];

beforeAll(() => {
  installTemporalRuntime(createLogger('info', { service: 'worker' }, (line) => raw.push(line)));
});

describe("Temporal's runtime logger", () => {
  it('when a worker starts and stops, then the SDK logs it as JSON lines of the service, with its own fields', async () => {
    const taskQueue = `runtime-log-${uniqueSuffix()}`;
    const connection = await NativeConnection.connect({ address: stackEnv().temporalAddress });
    try {
      const worker = await Worker.create({ connection, taskQueue, workflowBundle: await workflowBundle() });
      await worker.runUntil(new Promise((resolve) => setTimeout(resolve, 500)));
    } finally {
      await connection.close();
    }
    const lines = raw.map((line) => JSON.parse(line) as Record<string, unknown>);
    const states = lines.filter((l) => l.message === 'Worker state changed' && l.taskQueue === taskQueue);
    expect(states.map((l) => l.state)).toEqual(expect.arrayContaining(['RUNNING', 'STOPPED']));
    expect(states[0]).toEqual({
      time: expect.any(String),
      level: 'info',
      service: 'worker',
      message: 'Worker state changed',
      sdkComponent: 'worker',
      taskQueue,
      state: 'RUNNING',
    });
  });

  it('when the SDK logs an error that carries evidence, then the line has the error as an object and not the evidence', () => {
    const lines: string[] = [];
    const log = temporalLogger(createLogger('info', {}, (line) => lines.push(line)));
    const failure = Object.assign(new Error('activity failed'), { details: [{ evidence: { prompt: 'leak-me' } }] });
    log.trace('not written');
    log.debug('not written at info');
    log.warn('Activity failed', { error: failure, activityType: 'storeFindings' });
    log.log('ERROR', 'Workflow task failed', { [Symbol('time')]: 1n });
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      {
        time: expect.any(String),
        level: 'warn',
        message: 'Activity failed',
        activityType: 'storeFindings',
        error: {
          type: 'Error',
          message: 'activity failed',
          stack: expect.any(String),
          details: [{ evidence: '[redacted]' }],
        },
      },
      { time: expect.any(String), level: 'error', message: 'Workflow task failed' },
    ]);
  });
});
