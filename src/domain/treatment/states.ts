/**
 * The treatment of a weakness: what the organisation decided and did about it. A weakness starts `open`; people
 * move it to `mitigated`, `risk_accepted` or `false_positive` and back; the service itself moves a mitigated
 * weakness that is detected again to `regressed`, and an accepted risk whose acceptance lapses back to `open`.
 */
export const TREATMENT_STATES = ['open', 'mitigated', 'risk_accepted', 'false_positive', 'regressed'] as const;

/** One of {@link TREATMENT_STATES}. */
export type TreatmentState = (typeof TREATMENT_STATES)[number];

/** The states a person may ask for. `regressed` is the service's finding, never a person's choice. */
export const SETTABLE_STATES = ['open', 'mitigated', 'risk_accepted', 'false_positive'] as const;

/** One of {@link SETTABLE_STATES}. */
export type SettableState = (typeof SETTABLE_STATES)[number];

/**
 * Where a person may take a weakness from each state. A mitigation that did not hold is reopened (or found again,
 * which regresses it); a risk that was accepted may be accepted again with a new expiry, fixed after all, or
 * withdrawn; a false positive can only be reopened, since what was never a weakness cannot be fixed or accepted.
 * Asking for the state a weakness is already in is refused, except a renewed acceptance: an owner or a response
 * alone is changed by a change that names no state.
 */
const NEXT: Readonly<Record<TreatmentState, readonly SettableState[]>> = Object.freeze({
  open: ['mitigated', 'risk_accepted', 'false_positive'],
  regressed: ['open', 'mitigated', 'risk_accepted', 'false_positive'],
  mitigated: ['open', 'false_positive'],
  risk_accepted: ['open', 'mitigated', 'false_positive', 'risk_accepted'],
  false_positive: ['open'],
});

/** The states a person may move a weakness to from `from`. */
export function allowedTargets(from: TreatmentState): readonly SettableState[] {
  return NEXT[from];
}

export function isTreatmentState(value: unknown): value is TreatmentState {
  return (TREATMENT_STATES as readonly unknown[]).includes(value);
}

export function isSettableState(value: unknown): value is SettableState {
  return (SETTABLE_STATES as readonly unknown[]).includes(value);
}

/** Whether a weakness in this state still needs treating: a regressed weakness is open again. */
export function isOpenState(state: TreatmentState): boolean {
  return state === 'open' || state === 'regressed';
}
