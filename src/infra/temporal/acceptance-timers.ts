import { Client } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import {
  TenantIdAttribute,
  acceptanceSignal,
  acceptanceWorkflowId,
  type AcceptanceInput,
} from '../../../workflows/contracts';
import type { AcceptanceRef, AcceptanceTimers } from '../../app/weakness-treatment';
import { AppError } from '../../domain/errors';
import { withDeadline } from './deadline-calls';

/** How long a request waits for Temporal before answering 503. */
const DEADLINE_MS = 10_000;

/** {@link AcceptanceTimers} on a Temporal client: a workflow per weakness, started with its first acceptance, or
 * signalled with a later one while it runs (signal-with-start does whichever applies, atomically). */
export class TemporalAcceptanceTimers implements AcceptanceTimers {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
  ) {}

  async accepted(ref: AcceptanceRef): Promise<void> {
    const input: AcceptanceInput = { ...ref };
    try {
      await withDeadline(this.client.connection, DEADLINE_MS, () =>
        this.client.workflow.signalWithStart('weaknessAcceptanceWorkflow', {
          workflowId: acceptanceWorkflowId(ref.tenantId, ref.key),
          taskQueue: this.taskQueue,
          args: [input],
          signal: acceptanceSignal,
          signalArgs: [{ position: ref.position, expiresOn: ref.expiresOn }],
          typedSearchAttributes: new TypedSearchAttributes([{ key: TenantIdAttribute, value: ref.tenantId }]),
        }),
      );
    } catch (err) {
      throw new AppError(
        'unavailable',
        'The treatment service is temporarily unavailable; nothing was changed; retry shortly.',
        undefined,
        err,
      );
    }
  }
}
