import { Client, WorkflowNotFoundError } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import type { RetentionSignals } from '../../../activities/ports';
import {
  TenantIdAttribute,
  legalHoldSignal,
  retargetWorkflowId,
  retentionDeadlineSignal,
  retentionWorkflowId,
  type RetentionInput,
} from '../../../workflows/contracts';
import { AppError } from '../../domain/errors';
import { withDeadline } from './deadline-calls';

/** What the API asks of retention: tell a report's workflow about a legal hold, and carry a change of a
 * tenant's retention to all its reports. */
export interface RetentionControl {
  /** Signals the report's retention workflow, if it runs (a report not yet ready has none; the hold is read
   * from the report when it starts). */
  holdChanged(ref: { tenantId: string; reportId: string }, held: boolean): Promise<void>;
  /** Starts the re-targeting of every ready report of the tenant; answers its workflow id. */
  retarget(tenantId: string, changedAt: Date): Promise<string>;
}

/** {@link RetentionControl} and {@link RetentionSignals} on a Temporal client. */
export class TemporalRetention implements RetentionControl, RetentionSignals {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
  ) {}

  async deadlineMoved(ref: { tenantId: string; reportId: string }, expiresAt: Date): Promise<void> {
    const input: RetentionInput = { ...ref, expiresAt: expiresAt.toISOString() };
    await this.client.workflow.signalWithStart('artifactRetentionWorkflow', {
      workflowId: retentionWorkflowId(ref.reportId),
      taskQueue: this.taskQueue,
      args: [input],
      signal: retentionDeadlineSignal,
      signalArgs: [{ expiresAt: input.expiresAt }],
      memo: { reportId: ref.reportId },
      typedSearchAttributes: new TypedSearchAttributes([{ key: TenantIdAttribute, value: ref.tenantId }]),
    });
  }

  async holdChanged(ref: { tenantId: string; reportId: string }, held: boolean): Promise<void> {
    try {
      await this.unavailableOnFailure(() =>
        this.client.workflow.getHandle(retentionWorkflowId(ref.reportId)).signal(legalHoldSignal, { held }),
      );
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }

  async retarget(tenantId: string, changedAt: Date): Promise<string> {
    const workflowId = retargetWorkflowId(tenantId, changedAt);
    await this.unavailableOnFailure(() =>
      this.client.workflow.start('retargetRetentionWorkflow', {
        workflowId,
        taskQueue: this.taskQueue,
        args: [{ tenantId }],
        typedSearchAttributes: new TypedSearchAttributes([{ key: TenantIdAttribute, value: tenantId }]),
      }),
    );
    return workflowId;
  }

  private async unavailableOnFailure<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await withDeadline(this.client.connection, 10_000, call);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw err;
      throw new AppError(
        'unavailable',
        'The report service is temporarily unavailable; retry shortly.',
        undefined,
        err,
      );
    }
  }
}
