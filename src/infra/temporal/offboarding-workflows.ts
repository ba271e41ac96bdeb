import { Client, WorkflowNotFoundError } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import type { TenantWorkflows } from '../../../activities/offboarding-activities';
import {
  TenantIdAttribute,
  acceptanceWorkflowId,
  importWorkflowId,
  reportWorkflowId,
  retentionWorkflowId,
  tenantOffboardingWorkflowId,
  type TenantOffboardingInput,
} from '../../../workflows/contracts';
import { startUnlessRunning, withDeadline } from './deadline-calls';

/** How long a request waits for Temporal before answering 503, and at most for a closing run to close. */
const START_DEADLINE_MS = 10_000;

/** Starts tenants' offboarding workflows. */
export interface OffboardingWorkflows {
  /** Starts `tenant-offboarding-<tenant>` unless a run of it is open, which then carries the offboarding. With
   * `afterClosing`, an open run is taken to be one that is closing (it found a hold): the start waits for it to
   * close and starts again. Throws `AppError('unavailable')` when Temporal cannot be reached. */
  start(input: TenantOffboardingInput, opts: { afterClosing: boolean }): Promise<void>;
}

/** {@link OffboardingWorkflows} on a Temporal client. */
export class TemporalOffboarding implements OffboardingWorkflows {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
  ) {}

  async start(input: TenantOffboardingInput, opts: { afterClosing: boolean }): Promise<void> {
    if ((await this.tryStart(input)) || !opts.afterClosing) return;
    const closing = this.client.workflow.getHandle(tenantOffboardingWorkflowId(input.tenantId));
    // Its outcome is on the tenant already (blocked); only its closing is awaited. One still open after the
    // deadline is a live run, which then carries the offboarding.
    await withDeadline(this.client.connection, START_DEADLINE_MS, () => closing.result()).catch(() => undefined);
    await this.tryStart(input);
  }

  /** Starts a run unless one is open; answers whether it started one. A closed run of the same id does not stand
   * in the way: its outcome is on the tenant, which decided that another run is due. */
  private async tryStart(input: TenantOffboardingInput): Promise<boolean> {
    return startUnlessRunning(
      this.client.connection,
      START_DEADLINE_MS,
      () =>
        this.client.workflow.start('tenantOffboardingWorkflow', {
          workflowId: tenantOffboardingWorkflowId(input.tenantId),
          taskQueue: this.taskQueue,
          args: [input],
          workflowIdReusePolicy: 'ALLOW_DUPLICATE',
          typedSearchAttributes: new TypedSearchAttributes([{ key: TenantIdAttribute, value: input.tenantId }]),
        }),
      'The offboarding could not be started: the workflow service is unavailable; the tenant is marked offboarding, ask again shortly.',
    );
  }
}

/** The activities' {@link TenantWorkflows} on a Temporal client: terminates a tenant's report, retention and import
 * workflows, a run already closed or never started being no error. */
export class TemporalTenantWorkflows implements TenantWorkflows {
  constructor(private readonly client: Client) {}

  async stopReport(reportId: string, reason: string): Promise<void> {
    await this.stop(reportWorkflowId(reportId), reason);
    await this.stop(retentionWorkflowId(reportId), reason);
  }

  async stopImport(importId: string, reason: string): Promise<void> {
    await this.stop(importWorkflowId(importId), reason);
  }

  async stopAcceptance(tenantId: string, key: string, reason: string): Promise<void> {
    await this.stop(acceptanceWorkflowId(tenantId, key), reason);
  }

  private async stop(workflowId: string, reason: string): Promise<void> {
    try {
      await this.client.workflow.getHandle(workflowId).terminate(reason);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
}
