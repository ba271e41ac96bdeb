import type { Clock, ReportsRepo } from '../../../activities/ports';
import type { Logger } from '../logger';
import type { ReportWorkflows } from './report-workflows';

/** How long a report may sit queued before the reconciler assumes its workflow was never started. */
const GRACE_MS = 30_000;
const BATCH = 100;

/** Creating a report is two writes (a row, then a workflow start); a crash between them leaves a queued row
 * nobody works on. This starts the workflow of every such report. Starting one that exists is harmless (the
 * workflow id comes from the report id), so it may run anywhere, any number of times. Returns how many
 * workflows it had to start. */
export async function reconcileQueuedReports(deps: {
  reports: Pick<ReportsRepo, 'listQueuedBefore'>;
  workflows: ReportWorkflows;
  clock: Clock;
  logger: Logger;
}): Promise<number> {
  const stale = await deps.reports.listQueuedBefore(new Date(deps.clock.now().getTime() - GRACE_MS), BATCH);
  let started = 0;
  for (const report of stale) {
    const fresh = await deps.workflows.start({
      reportId: report.id,
      tenantId: report.tenantId,
      format: report.request.format,
      title: report.request.title,
    });
    if (!fresh) continue;
    started++;
    deps.logger.warn('started the missing workflow of a queued report', {
      reportId: report.id,
      tenantId: report.tenantId,
    });
  }
  return started;
}
