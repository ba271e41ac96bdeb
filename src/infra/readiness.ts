import type { Connection } from '@temporalio/client';
import type { Db } from 'mongodb';
import { withDeadline } from './temporal/deadline-calls';

/** Answers once MongoDB answers a ping. */
export function mongoReady(db: Db): () => Promise<void> {
  return async () => {
    await db.command({ ping: 1 });
  };
}

/** Answers once the Temporal frontend says it is serving. */
export function temporalReady(connection: Connection): () => Promise<void> {
  return async () => {
    // A deadline of its own, so a dead server ends the call (and the client's retries) instead of leaving it pending.
    const { status } = await withDeadline(connection, 1_500, () => connection.healthService.check({}));
    if (status !== 1) throw new Error(`Temporal health status ${String(status)}`);
  };
}
