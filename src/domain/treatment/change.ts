import { invalid, isPlainObject, requiredText, shown } from '../validation';
import { addDays, isCalendarDay } from './dates';
import { isSettableState, isTreatmentState, SETTABLE_STATES, type SettableState } from './states';

/** Longest name (owner, approver, role, reviewer) and longest free text (justification, reason, response,
 * evidence), in characters: a name fits a table cell, a text a paragraph of the report. */
export const MAX_NAME = 200;
export const MAX_TEXT = 4000;
/** Longest an acceptance may run, in days: a risk accepted is looked at again at least once a year. */
export const MAX_ACCEPTANCE_DAYS = 365;

/** What may accompany any change: who owns the weakness, by when it is to be treated, and management's response.
 * `null` clears a value; an absent field leaves it as it was. */
export interface Annotations {
  owner?: string | null;
  dueDate?: string | null;
  managementResponse?: string | null;
}

/** The state a change asks for, with what that state requires. */
export type StateDetails =
  | { state: 'open' }
  | { state: 'mitigated'; evidence: string; mitigatedOn: string }
  | { state: 'risk_accepted'; approver: string; approverRole: string; justification: string; expiresOn: string }
  | { state: 'false_positive'; reason: string; reviewer: string };

/** A validated `PATCH /weaknesses/:key` body: a new state (absent: the state stays) and annotations. */
export interface TreatmentChange {
  to?: StateDetails;
  annotations: Annotations;
}

const ANNOTATION_FIELDS = ['owner', 'due_date', 'management_response'] as const;

/** The fields each target state requires, in the order the API documents them. */
const REQUIRED: Readonly<Record<SettableState, readonly string[]>> = {
  open: [],
  mitigated: ['evidence', 'mitigated_on'],
  risk_accepted: ['approver', 'approver_role', 'justification', 'expires_on'],
  false_positive: ['reason', 'reviewer'],
};

function day(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (!isCalendarDay(value)) {
    throw invalid(field, `must be a calendar day written YYYY-MM-DD, found ${shown(value ?? null)}`);
  }
  return value;
}

/** Evidence of a mitigation is a text (what was done, a ticket) or a link to it; a link must be https, since
 * the report prints it for auditors to follow. Anything written like a URL is taken as one. */
function evidence(body: Record<string, unknown>): string {
  const value = requiredText(body, 'evidence', MAX_TEXT);
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return value;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || url.protocol !== 'https:' || url.hostname === '' || /\s/.test(value)) {
    throw invalid('evidence', 'a link must be an https URL such as "https://tickets.example.com/SEC-42"; or give text');
  }
  return value;
}

/** Whether mitigation evidence is a link rather than text. */
export function isEvidenceLink(evidence: string): boolean {
  return /^https:\/\//i.test(evidence);
}

function annotations(body: Record<string, unknown>): Annotations {
  const out: Annotations = {};
  const nullable = (field: string, read: () => string): string | null | undefined =>
    body[field] === undefined ? undefined : body[field] === null ? null : read();
  const owner = nullable('owner', () => requiredText(body, 'owner', MAX_NAME));
  if (owner !== undefined) out.owner = owner;
  const due = nullable('due_date', () => day(body, 'due_date'));
  if (due !== undefined) out.dueDate = due;
  const response = nullable('management_response', () => requiredText(body, 'management_response', MAX_TEXT));
  if (response !== undefined) out.managementResponse = response;
  return out;
}

/**
 * Validates a change of a weakness's treatment against `today` (UTC, `YYYY-MM-DD`): the state asked for and the
 * fields it requires, each named in the error when missing or wrong, and any field the state does not take refused
 * by name with what it allows. Whether the weakness may take the change from where it stands is decided by
 * {@link planChange}.
 */
export function parseTreatmentChange(body: unknown, today: string): TreatmentChange {
  if (!isPlainObject(body)) {
    throw invalid('body', 'must be a JSON object such as {"state": "false_positive", "reason": "…", "reviewer": "…"}');
  }
  const state = body.state;
  if (state !== undefined && !isSettableState(state)) {
    const why = isTreatmentState(state)
      ? `${shown(state)} is set by the service when a mitigated weakness is detected again`
      : `${shown(state)} is not a state`;
    throw invalid('state', `${why}; use one of ${SETTABLE_STATES.join(', ')}`);
  }
  const allowed = ['state', ...(state ? REQUIRED[state] : []), ...ANNOTATION_FIELDS];
  const unknown = Object.keys(body).find((k) => !allowed.includes(k));
  if (unknown !== undefined) {
    const of = state ? `a change to ${state}` : 'a change that names no state';
    throw invalid(unknown, `is not a field of ${of}; allowed: ${allowed.join(', ')}`);
  }
  const change: TreatmentChange = { annotations: annotations(body) };
  switch (state) {
    case undefined:
      if (Object.keys(change.annotations).length === 0) {
        throw invalid('body', `names no change: give state, or any of ${ANNOTATION_FIELDS.join(', ')}`);
      }
      break;
    case 'open':
      change.to = { state };
      break;
    case 'mitigated': {
      const ev = evidence(body);
      const on = day(body, 'mitigated_on');
      if (on > today) throw invalid('mitigated_on', `${on} is in the future; a mitigation is dated when it was done`);
      change.to = { state, evidence: ev, mitigatedOn: on };
      break;
    }
    case 'risk_accepted': {
      const approver = requiredText(body, 'approver', MAX_NAME);
      const approverRole = requiredText(body, 'approver_role', MAX_NAME);
      const justification = requiredText(body, 'justification', MAX_TEXT);
      const expiresOn = day(body, 'expires_on');
      const latest = addDays(today, MAX_ACCEPTANCE_DAYS);
      if (expiresOn <= today || expiresOn > latest) {
        throw invalid(
          'expires_on',
          `${expiresOn} must be after today (${today}) and at most ${MAX_ACCEPTANCE_DAYS} days ahead (${latest})`,
        );
      }
      change.to = { state, approver, approverRole, justification, expiresOn };
      break;
    }
    case 'false_positive':
      change.to = {
        state,
        reason: requiredText(body, 'reason', MAX_TEXT),
        reviewer: requiredText(body, 'reviewer', MAX_NAME),
      };
      break;
  }
  return change;
}

/** A change's fields as its history entry and the API show them: the body's own names, the state left out. */
export function changeFields(change: TreatmentChange): Record<string, string | null> {
  const fields: Record<string, string | null> = {};
  const to = change.to;
  if (to?.state === 'mitigated') Object.assign(fields, { evidence: to.evidence, mitigated_on: to.mitigatedOn });
  if (to?.state === 'risk_accepted') {
    Object.assign(fields, {
      approver: to.approver,
      approver_role: to.approverRole,
      justification: to.justification,
      expires_on: to.expiresOn,
    });
  }
  if (to?.state === 'false_positive') Object.assign(fields, { reason: to.reason, reviewer: to.reviewer });
  const a = change.annotations;
  if (a.owner !== undefined) fields.owner = a.owner;
  if (a.dueDate !== undefined) fields.due_date = a.dueDate;
  if (a.managementResponse !== undefined) fields.management_response = a.managementResponse;
  return fields;
}
