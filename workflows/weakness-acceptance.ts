import { condition, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { TreatmentActivities } from '../activities/treatment-activities';
import { acceptanceEndsAt } from '../src/domain/treatment/dates';
import { acceptanceSignal, acceptanceStateQuery, type AcceptanceInput, type AcceptanceTimerState } from './contracts';
import { patientRetry } from './retry';

const steps = proxyActivities<TreatmentActivities>({
  startToCloseTimeout: '1 minute',
  retry: patientRetry,
});

/** How long the timer waits before looking again for an acceptance not written yet, and how often it looks: the
 * write follows the timer's start within a request, so ten minutes without it means the request failed after
 * starting the timer, and no acceptance was made. */
const PENDING_RECHECK_MS = 60_000;
const PENDING_CHECKS = 10;

/**
 * Lets a weakness's risk acceptance lapse on its expiry day: sleeps on a durable timer until the start of
 * `expiresOn` (UTC), then asks the weakness's log, as of the workflow's clock, whether that acceptance is still in
 * force, and if so returns the weakness to open. The log is the truth and the timer only says when to look: a
 * later change supersedes the acceptance, and a renewed acceptance (signalled, or found in force at the deadline)
 * moves the timer to its own expiry. A deadline that comes before its acceptance is written (see checkAcceptance)
 * is looked at again a minute later, for ten minutes.
 */
export async function weaknessAcceptanceWorkflow(input: AcceptanceInput): Promise<AcceptanceTimerState> {
  const state: AcceptanceTimerState = { position: input.position, expiresOn: input.expiresOn };
  let changed = false;
  setHandler(acceptanceStateQuery, () => state);
  setHandler(acceptanceSignal, ({ position, expiresOn }) => {
    // Signals may arrive out of order; the acceptance written later is the one in force.
    if (position <= state.position) return;
    state.position = position;
    state.expiresOn = expiresOn;
    changed = true;
  });

  let pendingChecks = 0;
  for (;;) {
    changed = false;
    const wait = acceptanceEndsAt(state.expiresOn) - Date.now();
    if (wait > 0 && (await condition(() => changed, wait))) continue;
    const result = await steps.expireAcceptance({
      tenantId: input.tenantId,
      key: input.key,
      position: state.position,
      asOf: new Date().toISOString(),
    });
    if (result.outcome === 'pending' && !changed) {
      if (++pendingChecks >= PENDING_CHECKS) {
        state.outcome = 'ended';
        return state;
      }
      // A signal (the request decided again, at a later position) ends the wait early.
      await condition(() => changed, PENDING_RECHECK_MS);
      continue;
    }
    if (result.outcome === 'expired' || result.outcome === 'ended') {
      // A renewal signalled while the activity ran is newer than what it read: wait for that one instead.
      if (!changed) {
        state.outcome = result.outcome;
        return state;
      }
    } else if (result.outcome === 'superseded' && !changed) {
      if (result.current.position <= state.position) {
        state.outcome = 'ended';
        return state;
      }
      state.position = result.current.position;
      state.expiresOn = result.current.expiresOn;
    }
    if (workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof weaknessAcceptanceWorkflow>({ ...input, ...state });
    }
  }
}
