/**
 * Every recorded history in test/fixtures/histories replayed on the current workflow code, with Temporal's replayer:
 * a change that would give a workflow in flight another command sequence than its history (an activity added before a
 * timer, say) fails here as the non-determinism it would cause in production, where it would stop every retention
 * workflow waiting on its deadline. Change a workflow behind `patched()` and record its new histories with
 * scripts/record-histories.sh (see workflows/README.md).
 */
import { DefaultLogger, Runtime, Worker, bundleWorkflowCode, type ReplayResult } from '@temporalio/worker';
import * as workflows from '../../workflows';
import { readHistories } from '../support/histories/history-files';

jest.setTimeout(120_000);

const histories = readHistories();
const results = new Map<string, ReplayResult>();

beforeAll(async () => {
  try {
    // The replayer logs the workflows' own warnings and every violation it finds; the test reports them itself.
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // Installed already by another test of this worker process.
  }
  const noop = (): void => undefined;
  const workflowBundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: { trace: noop, debug: noop, info: noop, warn: noop, error: noop, log: noop },
  });
  // Histories carry no workflow id; the file name stands in for it.
  const replays = Worker.runReplayHistories(
    { workflowBundle, replayName: 'recorded-histories' },
    histories.map(({ file, history }) => ({ workflowId: file, history })),
  );
  for await (const result of replays) results.set(result.workflowId, result);
});

describe('recorded workflow histories', () => {
  it.each(histories.map(({ file, workflowType }) => [file, workflowType]))(
    'when %s (%s) is replayed on the current code, then it replays without a determinism violation',
    (file) => {
      const result = results.get(file);
      expect(result).toBeDefined();
      if (result?.error) throw result.error;
    },
  );

  it('when a workflow type is exported for the worker, then at least one recorded history replays it', () => {
    const exported = Object.entries(workflows)
      .filter(([, value]) => typeof value === 'function')
      .map(([name]) => name)
      .sort();
    const recorded = new Set(histories.map((h) => h.workflowType));
    expect(exported.filter((name) => !recorded.has(name))).toEqual([]);
    expect(exported.length).toBeGreaterThan(0);
  });
});
