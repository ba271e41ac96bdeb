import type { AsyncLocalStorage } from 'node:async_hooks';
import { WorkflowExecutionAlreadyStartedError, type ConnectionLike } from '@temporalio/client';
import { AppError } from '../../domain/errors';

/** Calls with a deadline in flight on each connection. */
const inFlight = new WeakMap<ConnectionLike, number>();

/** The storage the Temporal client keeps a call's deadline in (both of its connection classes have one; the
 * interface does not name it). Node 20's AsyncLocalStorage runs on async hooks. */
const callContextOf = (connection: ConnectionLike): AsyncLocalStorage<unknown> | undefined =>
  (connection as { callContextStorage?: AsyncLocalStorage<unknown> }).callContextStorage;

/** Turns off the connection's call storage when no call with a deadline is in flight: for a connection just made,
 * whose own check at connecting used one. */
export function settleCallContext(connection: ConnectionLike): void {
  if ((inFlight.get(connection) ?? 0) === 0) callContextOf(connection)?.disable();
}

/**
 * Runs `call` with a deadline `ms` from now, as `connection.withDeadline` does, and once no such call is left in
 * flight turns off the storage the deadline was carried in. The Temporal client keeps a call's deadline in an
 * AsyncLocalStorage; on Node 20 the first deadline turns on async hooks for the whole process and nothing turns
 * them off again, so every promise the API made afterwards (each report poll makes dozens) paid for hooks that
 * nothing read: about a tenth of the API's CPU once a report had been created. The next call turns the storage
 * back on, and a call's RPCs read their deadline while the call is still counted, so no deadline is lost.
 */
export async function withDeadline<T>(connection: ConnectionLike, ms: number, call: () => Promise<T>): Promise<T> {
  inFlight.set(connection, (inFlight.get(connection) ?? 0) + 1);
  try {
    return await connection.withDeadline(Date.now() + ms, call);
  } finally {
    inFlight.set(connection, (inFlight.get(connection) ?? 1) - 1);
    settleCallContext(connection);
  }
}

/**
 * Starts a workflow through `start` within `ms`, answering false when a run of its id is already open (its id names
 * the thing it works on, so that run is doing the work). Any other failure to start is `AppError('unavailable')`
 * with `unavailable` as its message: the caller's 503, whose retry is safe for the same reason.
 */
export async function startUnlessRunning(
  connection: ConnectionLike,
  ms: number,
  start: () => Promise<unknown>,
  unavailable: string,
): Promise<boolean> {
  try {
    await withDeadline(connection, ms, start);
    return true;
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw new AppError('unavailable', unavailable, undefined, err);
  }
}
