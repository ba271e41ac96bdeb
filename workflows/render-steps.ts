import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { RenderActivities } from '../activities/render-activities';
import { renderQueueFor } from './contracts';
import { activityRetry } from './retry';

/** The render activity as a workflow calls it, on the render queue derived from the workflow's own. Called inside the
 * workflow, where the workflow's task queue is known. */
export function renderSteps() {
  return proxyActivities<RenderActivities>({
    taskQueue: renderQueueFor(workflowInfo().taskQueue),
    // A 2,000-row report takes over a minute to print on two cores; leave room for a loaded machine.
    startToCloseTimeout: '5 minutes',
    scheduleToCloseTimeout: '30 minutes',
    // The render heartbeats every few seconds: a worker that died mid-render is noticed in half a minute.
    heartbeatTimeout: '30 seconds',
    retry: { ...activityRetry, maximumAttempts: 5 },
  });
}
