import { Client } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import {
  ReportFormatAttribute,
  ReportStatusAttribute,
  TenantIdAttribute,
  approvalWorkflowId,
  reportWorkflowId,
  type ApproveReportInput,
  type GenerateReportInput,
} from '../../../workflows/contracts';
import { AppError } from '../../domain/errors';
import { startUnlessRunning, withDeadline } from './deadline-calls';

/** How long a create request waits for Temporal before answering 503. */
const START_DEADLINE_MS = 10_000;

/** Starts report workflows. */
export interface ReportWorkflows {
  /** Starts the generation of a report. Starting one that already runs is not an error: the workflow id is
   * derived from the report id; it answers false then. Throws `AppError('unavailable')` when Temporal cannot
   * be reached. */
  start(input: GenerateReportInput & { title: string }): Promise<boolean>;
  /** Starts another run of a report whose last run failed. That run marks the report failed as its last step and
   * closes just after, so a retry can arrive while it is still open: the start then waits (within the start
   * deadline) for it to close and starts again. Throws `AppError('unavailable')` when no new run could start. */
  startAgain(input: GenerateReportInput & { title: string }): Promise<void>;
  /** Starts the approval that makes a report's next version. Answers false when an approval of that version runs or
   * has made it already (the workflow id is the version's, and a completed one is never run again). Throws
   * `AppError('unavailable')` when Temporal cannot be reached. */
  startApproval(input: ApproveReportInput): Promise<boolean>;
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
    return startUnlessRunning(
      this.client.connection,
      this.startDeadlineMs,
      () =>
        this.client.workflow.start('generateReportWorkflow', {
          workflowId: reportWorkflowId(input.reportId),
          taskQueue: this.taskQueue,
          args: [args],
          memo: { title },
          // Each tenant's reports share the queues fairly with other tenants': one tenant's backlog of large
          // reports does not hold up another's (see scripts/stack.sh for the server side).
          priority: { fairnessKey: input.tenantId },
          typedSearchAttributes: new TypedSearchAttributes([
            { key: TenantIdAttribute, value: input.tenantId },
            { key: ReportStatusAttribute, value: 'queued' },
            { key: ReportFormatAttribute, value: input.format },
          ]),
        }),
      'The report service is temporarily unavailable; retry shortly.',
    );
  }

  async startApproval(input: ApproveReportInput): Promise<boolean> {
    return startUnlessRunning(
      this.client.connection,
      this.startDeadlineMs,
      () =>
        this.client.workflow.start('approveReportWorkflow', {
          workflowId: approvalWorkflowId(input.reportId, input.version),
          taskQueue: this.taskQueue,
          args: [input],
          // A failed approval may be asked for again under the same version; a version once made, never.
          workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
          memo: { reportId: input.reportId, version: input.version },
          priority: { fairnessKey: input.tenantId },
          typedSearchAttributes: new TypedSearchAttributes([{ key: TenantIdAttribute, value: input.tenantId }]),
        }),
      'The report service is temporarily unavailable; retry shortly.',
    );
  }

  async startAgain(input: GenerateReportInput & { title: string }): Promise<void> {
    if (await this.start(input)) return;
    const closing = this.client.workflow.getHandle(reportWorkflowId(input.reportId));
    // Its outcome is already on the report (failed); only its closing is awaited.
    await withDeadline(this.client.connection, this.startDeadlineMs, () => closing.result()).catch(() => undefined);
    if (!(await this.start(input))) {
      throw new AppError('unavailable', "The report's previous attempt is still closing; retry shortly.");
    }
  }
}
