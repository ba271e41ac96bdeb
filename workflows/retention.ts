import { condition, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { RetentionActivities } from '../activities/retention-activities';
import {
  legalHoldSignal,
  retentionDeadlineSignal,
  retentionStateQuery,
  type RetargetInput,
  type RetentionInput,
  type RetentionState,
} from './contracts';
import { patientRetry } from './retry';

const steps = proxyActivities<RetentionActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '2 minutes',
  retry: patientRetry,
});

/** While a legal hold is in place the workflow still looks at the stored report this often, so a release
 * whose signal was lost is noticed. */
const HOLD_RECHECK_MS = 7 * 86_400_000;

/** Keeps a report's artifact until its retention deadline, then purges it. It sleeps on a durable timer;
 * a signal moves the deadline (the tenant's retention changed) or places or releases a legal hold. At the
 * deadline the purge activity checks the stored report (the truth) as of the workflow's clock: not due yet or
 * held, and the workflow goes back to waiting on what the report says. */
export async function artifactRetentionWorkflow(input: RetentionInput): Promise<RetentionState> {
  const state: RetentionState = { expiresAt: input.expiresAt, held: input.held ?? false };
  let changed = false;
  setHandler(retentionStateQuery, () => state);
  setHandler(retentionDeadlineSignal, ({ expiresAt }) => {
    state.expiresAt = expiresAt;
    changed = true;
  });
  setHandler(legalHoldSignal, ({ held }) => {
    state.held = held;
    changed = true;
  });

  for (;;) {
    changed = false;
    const wait = state.held ? HOLD_RECHECK_MS : Date.parse(state.expiresAt) - Date.now();
    if (wait > 0 && (await condition(() => changed, wait))) continue;
    const result = await steps.purgeIfDue({
      tenantId: input.tenantId,
      reportId: input.reportId,
      asOf: new Date().toISOString(),
    });
    if (result.outcome === 'purged') {
      state.purgedAt = result.purgedAt;
      return state;
    }
    if (result.outcome === 'gone') return state;
    // A signal that arrived while the activity ran is newer than what the activity read.
    if (!changed) {
      state.held = result.outcome === 'held';
      if (result.expiresAt) state.expiresAt = result.expiresAt;
    }
    if (workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof artifactRetentionWorkflow>({ ...input, expiresAt: state.expiresAt, held: state.held });
    }
  }
}

/** Carries a change of a tenant's retention to every ready report of the tenant. */
export async function retargetRetentionWorkflow(input: RetargetInput): Promise<{ reports: number }> {
  return steps.retargetTenantRetention({ tenantId: input.tenantId });
}
