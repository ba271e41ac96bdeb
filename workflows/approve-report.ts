import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { ApprovalActivities } from '../activities/approval-activities';
import type { ReportActivities } from '../activities/report-activities';
import type { SignActivities } from '../activities/sign-activities';
import { type ApproveReportInput, type ApproveReportResult } from './contracts';
import { describeFailure } from './describe-failure';
import { renderSteps } from './render-steps';
import { activityRetry } from './retry';

const steps = proxyActivities<ApprovalActivities & ReportActivities & SignActivities>({
  startToCloseTimeout: '1 minute',
  retry: activityRetry,
});

/** Makes the next version of a ready report from an approval: the treatment of its weaknesses read again as of the
 * approval, the model built again over the same findings with the approval in it, printed, signed and stored beside
 * the versions before it, then recorded as the report's latest. The report stays ready throughout, its earlier
 * versions downloadable. When a step gives up, the approval is marked failed on the report (which is otherwise
 * unchanged) and the workflow fails too, so operators see it in the Web UI. */
export async function approveReportWorkflow(input: ApproveReportInput): Promise<ApproveReportResult> {
  const ref = { tenantId: input.tenantId, reportId: input.reportId };
  const render = renderSteps();
  try {
    const prepared = await steps.prepareApproval(input);
    const model = await steps.buildReportModel({
      ...ref,
      snapshotKey: prepared.snapshotKey,
      release: prepared.release,
    });
    const version = input.version;
    const rendered =
      prepared.format === 'pdf'
        ? await render.renderPdf({ ...ref, modelKey: model.modelKey, version })
        : await steps.renderJson({ ...ref, modelKey: model.modelKey, version });
    const signed = await steps.signArtifact({
      ...ref,
      format: prepared.format,
      renderedKey: rendered.renderedKey,
      modelKey: model.modelKey,
      version,
    });
    const artifact = await steps.storeArtifact({ ...ref, format: prepared.format, ...signed, version });
    await steps.recordApproval({ ...input, artifact, release: prepared.release });
    return { reportId: input.reportId, version, sha256: artifact.sha256 };
  } catch (err) {
    const { code, message } = describeFailure(err);
    await steps.markApprovalFailed({
      ...ref,
      version: input.version,
      requestedAt: input.requestedAt,
      requestedBy: input.requestedBy,
      code,
      message,
    });
    throw ApplicationFailure.create({ type: code, message, nonRetryable: true });
  }
}
