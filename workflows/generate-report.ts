import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  ApplicationFailure,
  ParentClosePolicy,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { ReportActivities } from '../activities/report-activities';
import type { SignActivities } from '../activities/sign-activities';
import type { ReportStatus } from '../src/domain/report';
import {
  ReportStatusAttribute,
  TenantIdAttribute,
  reportProgressQuery,
  retentionWorkflowId,
  type RetentionInput,
  type GenerateReportInput,
  type GenerateReportResult,
  type ReportProgress,
} from './contracts';
import { artifactRetentionWorkflow } from './retention';
import { describeFailure } from './describe-failure';
import { renderSteps } from './render-steps';
import { activityRetry } from './retry';

/** The patch that gives a failed report a retention workflow, which purges what it staged once `/retry` has had its
 * time (FAILED_REPORT_RETENTION_HOURS). */
export const FAILED_REPORT_RETENTION = 'failed-report-retention';

const steps = proxyActivities<ReportActivities & SignActivities>({
  startToCloseTimeout: '1 minute',
  retry: activityRetry,
});

/** Starts the report's retention workflow, which outlives this one. Already running (a retention change
 * re-targeted the report first) is fine: it holds the current deadline. */
async function startRetention(input: RetentionInput): Promise<void> {
  try {
    await startChild(artifactRetentionWorkflow, {
      workflowId: retentionWorkflowId(input.reportId),
      args: [input],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      memo: { reportId: input.reportId },
      typedSearchAttributes: [{ key: TenantIdAttribute, value: input.tenantId }],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

/** Generates one report: collect the findings in scope, build the model, render, sign, store, mark ready.
 * Activities pass storage keys between them, never findings or bytes. When a step gives up, the report is
 * marked failed with an error code, its retention workflow is started to purge what it staged when the time for a
 * retry has passed, and the workflow fails too, so operators see it in the Web UI. */
export async function generateReportWorkflow(input: GenerateReportInput): Promise<GenerateReportResult> {
  const ref = { tenantId: input.tenantId, reportId: input.reportId };
  const progress: ReportProgress = { status: 'queued', stage: 'queued' };
  setHandler(reportProgressQuery, () => progress);

  const setStatus = (status: ReportStatus): void => {
    progress.status = status;
    // TenantId and ReportFormat never change: they are set when the workflow is started.
    upsertSearchAttributes([{ key: ReportStatusAttribute, value: status }]);
  };
  const render = renderSteps();

  try {
    await steps.markRunning(ref);
    setStatus('running');
    progress.stage = 'collecting';
    const collected = await steps.collectFindings(ref);
    progress.stage = 'modelling';
    const model = await steps.buildReportModel({ ...ref, snapshotKey: collected.snapshotKey });
    progress.stage = 'rendering';
    const rendered =
      input.format === 'pdf'
        ? await render.renderPdf({ ...ref, modelKey: model.modelKey })
        : await steps.renderJson({ ...ref, modelKey: model.modelKey });
    progress.stage = 'signing';
    const signed = await steps.signArtifact({
      ...ref,
      format: input.format,
      renderedKey: rendered.renderedKey,
      modelKey: model.modelKey,
    });
    progress.stage = 'storing';
    const artifact = await steps.storeArtifact({ ...ref, format: input.format, ...signed });
    const kept = await steps.markReady({ ...ref, artifact, rows: model.rows, findings: collected.findings });
    await startRetention({ ...ref, ...kept });
    progress.stage = 'done';
    setStatus('ready');
    return {
      reportId: input.reportId,
      artifactKey: artifact.key,
      sha256: artifact.sha256,
      size: artifact.size,
      rows: model.rows,
    };
  } catch (err) {
    const { code, message } = describeFailure(err);
    const failure = { code, message };
    progress.stage = 'failed';
    progress.error = failure;
    const kept = await steps.markFailed({ ...ref, ...failure });
    setStatus('failed');
    // Added after reports were already failing without it: histories recorded before it replay as they ran.
    if (patched(FAILED_REPORT_RETENTION) && kept) await startRetention({ ...ref, expiresAt: kept.expiresAt });
    throw ApplicationFailure.create({ type: failure.code, message: failure.message, nonRetryable: true });
  }
}
