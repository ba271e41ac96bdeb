import { AsyncLocalStorage } from 'node:async_hooks';
import type { ConnectionLike } from '@temporalio/client';
import { settleCallContext, withDeadline } from '../../src/infra/temporal/deadline-calls';

interface CallContext {
  deadline: number;
}

/** A connection that keeps a call's deadline as the Temporal client's does: in an AsyncLocalStorage that each
 * call runs in. Only what the helper uses is there. */
function connectionWithStorage(): { connection: ConnectionLike; storage: AsyncLocalStorage<CallContext> } {
  const storage = new AsyncLocalStorage<CallContext>();
  const connection = {
    callContextStorage: storage,
    withDeadline: <R>(deadline: number | Date, fn: () => Promise<R>): Promise<R> =>
      storage.run({ deadline: Number(deadline) }, fn),
  } as unknown as ConnectionLike;
  return { connection, storage };
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('withDeadline', () => {
  it('runs the call with its deadline and answers what the call answers', async () => {
    const { connection, storage } = connectionWithStorage();
    const before = Date.now();
    const seen = await withDeadline(connection, 1_500, async () => {
      await Promise.resolve();
      return storage.getStore()?.deadline;
    });
    expect(seen).toBeGreaterThanOrEqual(before + 1_500);
    expect(seen).toBeLessThanOrEqual(Date.now() + 1_500);
  });

  it('turns the storage off only when the last call in flight ends, and a call still running keeps its deadline', async () => {
    const { connection, storage } = connectionWithStorage();
    const disable = jest.spyOn(storage, 'disable');
    const release = deferred();
    const seenByFirst: (number | undefined)[] = [];
    const first = withDeadline(connection, 10_000, async () => {
      seenByFirst.push(storage.getStore()?.deadline);
      await release.promise;
      seenByFirst.push(storage.getStore()?.deadline);
    });

    await withDeadline(connection, 1_000, async () => undefined);
    expect(disable).not.toHaveBeenCalled();

    release.resolve();
    await first;
    expect(seenByFirst[0]).toBeDefined();
    expect(seenByFirst[1]).toBe(seenByFirst[0]);
    expect(disable).toHaveBeenCalledTimes(1);

    // The next call turns it on again and still sees its deadline.
    const again = await withDeadline(connection, 2_000, async () => storage.getStore()?.deadline);
    expect(again).toBeDefined();
    expect(disable).toHaveBeenCalledTimes(2);
  });

  it('turns the storage off when the call fails too, and passes the failure on', async () => {
    const { connection, storage } = connectionWithStorage();
    const disable = jest.spyOn(storage, 'disable');
    await expect(
      withDeadline(connection, 1_000, async () => {
        throw new Error('unreachable');
      }),
    ).rejects.toThrow('unreachable');
    expect(disable).toHaveBeenCalledTimes(1);
  });

  it('leaves a connection without such a storage alone', async () => {
    const connection = {
      withDeadline: <R>(_deadline: number | Date, fn: () => Promise<R>): Promise<R> => fn(),
    } as unknown as ConnectionLike;
    await expect(withDeadline(connection, 1_000, async () => 'answered')).resolves.toBe('answered');
    expect(() => settleCallContext(connection)).not.toThrow();
  });
});

describe('settleCallContext', () => {
  it('turns the storage off when no call is in flight and leaves it on while one is', async () => {
    const { connection, storage } = connectionWithStorage();
    const disable = jest.spyOn(storage, 'disable');
    const release = deferred();
    const running = withDeadline(connection, 10_000, () => release.promise);
    settleCallContext(connection);
    expect(disable).not.toHaveBeenCalled();
    release.resolve();
    await running;
    disable.mockClear();
    settleCallContext(connection);
    expect(disable).toHaveBeenCalledTimes(1);
  });
});
