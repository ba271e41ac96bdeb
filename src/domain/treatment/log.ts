import type { AuditEvent } from '../audit';
import { AppError } from '../errors';
import { severityRank, type Severity } from '../severity';
import { invalid } from '../validation';
import { changeFields, type TreatmentChange } from './change';
import { acceptanceEndsAt, dayOf, detectedAfterMitigation } from './dates';
import { allowedTargets, type TreatmentState } from './states';

/**
 * A weakness's log: everything that happened to it, in the order it happened, one entry per position, written
 * once and never changed. Findings stored of it (`seen`), people's changes (`change`) and an acceptance lapsing
 * (`expired`) share one log, so one order decides between them: a finding stored just before a weakness is marked
 * mitigated counts against the mitigation's date, one stored just after regresses it, whichever process wrote
 * first. Its state and its trail are read from the log ({@link foldLog}); nothing else holds them.
 */
export type LogEntry = SeenEntry | ChangeEntry | ExpiredEntry;

/** Findings of the weakness stored by one write: how many, the detection times they span, the latest of them. Every
 * entry names the weakness (endpoint, normalised category and fingerprint), so the log needs nothing beside it. */
export interface SeenEntry {
  k: 'seen';
  /** The write that stored them, by its tag (the one its pages' ids carry): a write done again after a crash
   * appends its entry again, and the register's migration may record a write that also recorded itself; each write
   * counts once. */
  w: string;
  /** When they were stored (ISO 8601). */
  at: string;
  e: string;
  c: string;
  f: string;
  n: number;
  /** Earliest and latest detection (ISO 8601), and the finding detected latest. */
  first: string;
  last: string;
  last_id: string;
  /** The title of the finding detected latest, and the worst severity among them. */
  title: string;
  sev: Severity;
}

/** A person's change: who, when, from which state to which, and the fields given, named as the API names them. */
export interface ChangeEntry {
  k: 'change';
  at: string;
  actor: string;
  from: TreatmentState;
  to: TreatmentState;
  fields: Record<string, string | null>;
}

/** The acceptance made at position `of` lapsed on its expiry day, as its timer found. */
export interface ExpiredEntry {
  k: 'expired';
  at: string;
  of: number;
  expires_on: string;
}

/** Why a weakness changed: a person's triage, a finding detected after its mitigation, an acceptance that lapsed. */
export type ChangeCause = 'triage' | 'redetected' | 'acceptance_expired';

/** One entry of a weakness's trail. `position` is the entry's place in the log: increasing, not consecutive (the
 * log holds the stored findings too). */
export interface HistoryEntry {
  position: number;
  at: string;
  /** The token that made the change, or `system`. */
  actor: string;
  from: TreatmentState;
  to: TreatmentState;
  cause: ChangeCause;
  fields: Record<string, string | null>;
}

/** The actor of the service's own changes. */
export const SYSTEM_ACTOR = 'system';

/** Where a weakness's treatment stands. */
export interface Treatment {
  state: TreatmentState;
  owner: string | null;
  dueDate: string | null;
  managementResponse: string | null;
  /** The mitigation claimed: while mitigated, and once regressed (what was claimed and did not hold). */
  mitigation: { evidence: string; mitigatedOn: string } | null;
  /** The acceptance in force, with the position of the change that made it. */
  acceptance: {
    approver: string;
    approverRole: string;
    justification: string;
    expiresOn: string;
    position: number;
  } | null;
  falsePositive: { reason: string; reviewer: string } | null;
  /** The finding whose detection regressed the weakness, while regressed. */
  regression: { findingId: string; detectedAt: string } | null;
  /** When the treatment last changed; null while it never has. */
  changedAt: string | null;
}

/** What the stored findings say of the weakness. */
export interface Sightings {
  findings: number;
  firstSeen: string;
  lastSeen: string;
  /** The title of the finding detected latest. */
  title: string;
  worst: Severity;
}

/** A weakness as its log tells it. */
export interface WeaknessRecord {
  endpointId: string;
  category: string;
  fingerprint: string;
  seen: Sightings;
  treatment: Treatment;
  history: HistoryEntry[];
  /** Entries read: the position the next entry takes. */
  length: number;
}

/** The treatment of a weakness nobody has treated yet: open, with nothing said of it. */
export function initialTreatment(): Treatment {
  return {
    state: 'open',
    owner: null,
    dueDate: null,
    managementResponse: null,
    mitigation: null,
    acceptance: null,
    falsePositive: null,
    regression: null,
    changedAt: null,
  };
}

/** A field of a change entry that the change's state requires, so always there. */
const required = (fields: Record<string, string | null>, name: string): string => fields[name] ?? '';

/** Applies a person's change to a treatment: a new state drops the details of the one left (a mitigation, an
 * acceptance, a false-positive review, a regression) and takes its own; annotations change only where given. */
function applyChange(t: Treatment, entry: ChangeEntry, position: number): void {
  const f = entry.fields;
  if (entry.to !== entry.from) {
    t.mitigation = null;
    t.acceptance = null;
    t.falsePositive = null;
    t.regression = null;
  }
  if (entry.to === 'mitigated' && 'mitigated_on' in f) {
    t.mitigation = { evidence: required(f, 'evidence'), mitigatedOn: required(f, 'mitigated_on') };
  }
  if (entry.to === 'risk_accepted' && 'expires_on' in f) {
    t.acceptance = {
      approver: required(f, 'approver'),
      approverRole: required(f, 'approver_role'),
      justification: required(f, 'justification'),
      expiresOn: required(f, 'expires_on'),
      position,
    };
  }
  if (entry.to === 'false_positive' && 'reason' in f) {
    t.falsePositive = { reason: required(f, 'reason'), reviewer: required(f, 'reviewer') };
  }
  if ('owner' in f) t.owner = f.owner;
  if ('due_date' in f) t.dueDate = f.due_date;
  if ('management_response' in f) t.managementResponse = f.management_response;
  t.state = entry.to;
  t.changedAt = entry.at;
}

/**
 * Reads a weakness's log into its record: identity, what was seen, where its treatment stands and its trail.
 * With `until` (ISO 8601), only entries made up to that instant count: the record as it stood then. A log without
 * a finding seen (none is made so, but a cut-off before the first) gives undefined.
 *
 * A finding seen while the weakness is mitigated, detected on a day after the mitigation's date, regresses it: the
 * trail shows the service (`system`) making the change when the finding was stored, naming the finding.
 */
export function foldLog(entries: readonly LogEntry[], until?: string): WeaknessRecord | undefined {
  const limit = until === undefined ? Infinity : Date.parse(until);
  const t = initialTreatment();
  const history: HistoryEntry[] = [];
  let record: WeaknessRecord | undefined;
  const writes = new Set<string>();
  entries.forEach((entry, position) => {
    if (Date.parse(entry.at) > limit) return;
    if (entry.k === 'seen') {
      if (writes.has(entry.w)) return;
      writes.add(entry.w);
      if (!record) {
        record = {
          endpointId: entry.e,
          category: entry.c,
          fingerprint: entry.f,
          seen: { findings: 0, firstSeen: entry.first, lastSeen: entry.last, title: entry.title, worst: entry.sev },
          treatment: t,
          history,
          length: 0,
        };
      }
      const s = record.seen;
      s.findings += entry.n;
      if (entry.first < s.firstSeen) s.firstSeen = entry.first;
      if (entry.last >= s.lastSeen) {
        s.lastSeen = entry.last;
        s.title = entry.title;
      }
      if (severityRank(entry.sev) < severityRank(s.worst)) s.worst = entry.sev;
      if (t.state === 'mitigated' && t.mitigation && detectedAfterMitigation(t.mitigation.mitigatedOn, entry.last)) {
        const fields = { finding_id: entry.last_id, detected_at: entry.last, mitigated_on: t.mitigation.mitigatedOn };
        history.push({
          position,
          at: entry.at,
          actor: SYSTEM_ACTOR,
          from: 'mitigated',
          to: 'regressed',
          cause: 'redetected',
          fields,
        });
        t.state = 'regressed';
        t.regression = { findingId: entry.last_id, detectedAt: entry.last };
        t.changedAt = entry.at;
      }
    } else if (entry.k === 'change') {
      history.push({
        position,
        at: entry.at,
        actor: entry.actor,
        from: entry.from,
        to: entry.to,
        cause: 'triage',
        fields: entry.fields,
      });
      applyChange(t, entry, position);
    } else if (t.state === 'risk_accepted' && t.acceptance?.position === entry.of) {
      history.push({
        position,
        at: entry.at,
        actor: SYSTEM_ACTOR,
        from: 'risk_accepted',
        to: 'open',
        cause: 'acceptance_expired',
        fields: { expires_on: entry.expires_on },
      });
      t.state = 'open';
      t.acceptance = null;
      t.changedAt = entry.at;
    }
  });
  if (record) record.length = entries.length;
  return record;
}

/** The entry a person's change appends, decided against the weakness as it stands (`record`): refused with `409
 * transition_refused` naming the states it may take from where it is, or `400` for a mitigation dated before the
 * weakness was last seen (a finding already stored would contradict it). */
export function planChange(record: WeaknessRecord, change: TreatmentChange, actor: string, at: Date): ChangeEntry {
  const from = record.treatment.state;
  const to = change.to?.state ?? from;
  if (change.to) {
    const allowed = allowedTargets(from);
    if (!allowed.includes(change.to.state)) {
      throw new AppError(
        'transition_refused',
        `state: a weakness that is ${from} can become ${allowed.join(', ')}; not ${change.to.state}`,
        { field: 'state', from, requested: change.to.state, allowed: [...allowed] },
      );
    }
  }
  if (change.to?.state === 'mitigated') {
    const lastSeenDay = dayOf(record.seen.lastSeen);
    if (change.to.mitigatedOn < lastSeenDay) {
      throw invalid(
        'mitigated_on',
        `${change.to.mitigatedOn} is before the weakness was last detected (${record.seen.lastSeen}); date the mitigation on or after ${lastSeenDay}`,
      );
    }
  }
  return { k: 'change', at: at.toISOString(), actor, from, to, fields: changeFields(change) };
}

/** What an acceptance's timer finds at its deadline: the acceptance made at `position` lapses now (`expire`, with the
 * entry to append), another acceptance is in force (`superseded`, with its position and expiry), the weakness is no
 * longer accepted (`ended`), the deadline has not come (`not_due`) as of `asOf`, or nothing is written at
 * `position` yet (`pending`). */
export type AcceptanceCheck =
  | { outcome: 'expire'; entry: ExpiredEntry }
  | { outcome: 'superseded'; current: { position: number; expiresOn: string } }
  | { outcome: 'ended' }
  | { outcome: 'not_due' }
  | { outcome: 'pending' };

/** Decides {@link AcceptanceCheck} for the acceptance made at `position`. The entry is dated at the start of the
 * expiry day, when the acceptance stopped holding, however late its timer ran. A timer is started just before its
 * acceptance is written, so one whose deadline comes at once (accepted in the last moments before the expiry day)
 * may look before the write: the log then ends before `position`, which is `pending`, not `ended`. */
export function checkAcceptance(record: WeaknessRecord, position: number, asOf: Date): AcceptanceCheck {
  if (record.length <= position) return { outcome: 'pending' };
  const acceptance = record.treatment.state === 'risk_accepted' ? record.treatment.acceptance : null;
  if (!acceptance) return { outcome: 'ended' };
  if (acceptance.position !== position) {
    return { outcome: 'superseded', current: { position: acceptance.position, expiresOn: acceptance.expiresOn } };
  }
  const endsAt = acceptanceEndsAt(acceptance.expiresOn);
  if (asOf.getTime() < endsAt) return { outcome: 'not_due' };
  return {
    outcome: 'expire',
    entry: { k: 'expired', at: new Date(endsAt).toISOString(), of: position, expires_on: acceptance.expiresOn },
  };
}

/** The audit event of a change in a weakness's trail, keyed to its place in the log, so recording it again (a retried
 * activity, a write done again) adds nothing. */
export function treatmentAuditEvent(
  tenantId: string,
  key: string,
  endpointId: string,
  entry: HistoryEntry,
): AuditEvent {
  const details: Record<string, string> = {
    weakness: key,
    endpoint_id: endpointId,
    from: entry.from,
    to: entry.to,
    cause: entry.cause,
  };
  for (const [name, value] of Object.entries(entry.fields)) {
    // Long texts stay in the weakness's trail; the audit log says who changed what, and when.
    if (value !== null && value.length <= 200) details[name] = value;
  }
  return {
    event_id: `weakness.treated:${tenantId}/${key}#${entry.position}`,
    tenant_id: tenantId,
    action: 'weakness.treated',
    actor: entry.actor,
    at: new Date(entry.at),
    details,
  };
}
