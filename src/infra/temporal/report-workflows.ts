import { Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import {
  ReportFormatAttribute,
  ReportStatusAttribute,
  TenantIdAttribute,
  reportWorkflowId,
  type GenerateReportInput,
} from '../../../workflows/contracts';
import { AppError } from '../../domain/errors';

/** How long a create request waits for Temporal before answering 503. */
const START_DEADLINE_MS = 10_000;

/** Starts report workflows. */
export interface ReportWorkflows {
  /** Starts the generation of a report. Starting one that already runs is not an error: the workflow id is
   * derived from the report id; it answers false then. Throws `AppError('unavailable')` when Temporal cannot
   * be reached. */
  start(input: GenerateReportInput & { title: string }): Promise<boolean>;
}

/** {@link ReportWorkflows} on a Temporal client. */
export class TemporalReportWorkflows implements ReportWorkflows {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly startDeadlineMs: number = START_DEADLINE_MS,
  ) {}

  async start(input: GenerateReportInput & { title: string }): Promise<boolean> {
    const { title, ...args } = input;
    try {
      await this.client.withDeadline(Date.now() + this.startDeadlineMs, () =>
        this.client.workflow.start('generateReportWorkflow', {
          workflowId: reportWorkflowId(input.reportId),
          taskQueue: this.taskQueue,
          args: [args],
          memo: { title },
          typedSearchAttributes: new TypedSearchAttributes([
            { key: TenantIdAttribute, value: input.tenantId },
            { key: ReportStatusAttribute, value: 'queued' },
            { key: ReportFormatAttribute, value: input.format },
          ]),
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
      throw new AppError(
        'unavailable',
        'The report service is temporarily unavailable; retry shortly.',
        undefined,
        err,
      );
    }
  }
}
