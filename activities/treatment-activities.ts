import type { AcceptanceOutcome, WeaknessTreatment } from '../src/app/weakness-treatment';
import { withFailureTypes } from './failures';

/** What the treatment activities need. */
export interface TreatmentActivityDeps {
  treatment: Pick<WeaknessTreatment, 'expireAcceptance'>;
}

/** Builds the activities of acceptance timers. */
export function createTreatmentActivities(deps: TreatmentActivityDeps) {
  return withFailureTypes({
    /** At an acceptance's deadline, as of `asOf` (the workflow's clock, so time-skipped tests and late timers decide
     * by the deadline, not by when the worker ran): returns the weakness to open if that acceptance is still in
     * force. Idempotent: a retry finds the acceptance lapsed and records nothing twice. */
    async expireAcceptance(input: {
      tenantId: string;
      key: string;
      position: number;
      asOf: string;
    }): Promise<AcceptanceOutcome> {
      return deps.treatment.expireAcceptance(input.tenantId, input.key, input.position, new Date(input.asOf));
    },
  });
}

/** The treatment activities, as workflows see them. */
export type TreatmentActivities = ReturnType<typeof createTreatmentActivities>;
