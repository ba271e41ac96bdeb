import { Client } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { TenantIdAttribute, importWorkflowId, type ImportFindingsInput } from '../../../workflows/contracts';
import { startUnlessRunning } from './deadline-calls';

/** How long a request waits for Temporal before answering 503. */
const START_DEADLINE_MS = 10_000;

/** Starts import workflows. */
export interface ImportWorkflows {
  /** Starts an import's workflow; false when it already runs (its id comes from the import id). Throws
   * `AppError('unavailable')` when Temporal cannot be reached. */
  start(input: ImportFindingsInput): Promise<boolean>;
}

/** {@link ImportWorkflows} on a Temporal client. Imports share the task queues' capacity between tenants: each
 * workflow (and so each of its activities) carries its tenant as its fairness key. */
export class TemporalImportWorkflows implements ImportWorkflows {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
  ) {}

  async start(input: ImportFindingsInput): Promise<boolean> {
    return startUnlessRunning(
      this.client.connection,
      START_DEADLINE_MS,
      () =>
        this.client.workflow.start('importFindingsWorkflow', {
          workflowId: importWorkflowId(input.importId),
          taskQueue: this.taskQueue,
          args: [input],
          priority: { fairnessKey: input.tenantId },
          typedSearchAttributes: new TypedSearchAttributes([{ key: TenantIdAttribute, value: input.tenantId }]),
        }),
      'The import service is temporarily unavailable; retry shortly.',
    );
  }
}
