import type { AuditLog, Clock } from '../../activities/ports';
import { AppError } from '../domain/errors';
import {
  checkAcceptance,
  foldLog,
  planChange,
  treatmentAuditEvent,
  type HistoryEntry,
  type LogEntry,
  type TreatmentChange,
  type TreatmentState,
  type WeaknessRecord,
} from '../domain/treatment';

/** Where weaknesses' logs are kept (MongoWeaknessRegister). */
export interface WeaknessLogs {
  /** A weakness's log; empty when the tenant has no weakness of that key. */
  entries(tenantId: string, key: string): Promise<readonly LogEntry[]>;
  /** Writes `entry` at `position` unless another entry took it first (then answers false). */
  appendAt(tenantId: string, key: string, position: number, entry: LogEntry): Promise<boolean>;
  list(
    tenantId: string,
    filter: { endpointId?: string; states?: readonly TreatmentState[] },
    page: { after: number; limit: number },
  ): Promise<{ key: string; record: WeaknessRecord; position: number }[]>;
}

/** The acceptance made at `position` of a weakness's log, to lapse at the start of `expiresOn`. */
export interface AcceptanceRef {
  tenantId: string;
  key: string;
  position: number;
  expiresOn: string;
}

/** Durable timers of acceptances (a workflow per weakness, TemporalAcceptanceTimers). */
export interface AcceptanceTimers {
  /** Starts the weakness's timer, or moves a running one to this acceptance. Throws `unavailable` when the timers
   * cannot be reached. */
  accepted(ref: AcceptanceRef): Promise<void>;
}

/** What the treatment use cases need. */
export interface WeaknessTreatmentDeps {
  logs: WeaknessLogs;
  audit: AuditLog;
  timers: AcceptanceTimers;
  clock: Clock;
}

/** What an acceptance's timer is told at its deadline (see checkAcceptance): the acceptance lapsed, another one
 * is in force, the weakness is accepted no more, the deadline has not come, or the acceptance is not written yet. */
export type AcceptanceOutcome =
  | { outcome: 'expired' }
  | { outcome: 'superseded'; current: { position: number; expiresOn: string } }
  | { outcome: 'ended' }
  | { outcome: 'not_due' }
  | { outcome: 'pending' };

/** A change is decided again this many times when others keep writing the weakness's log meanwhile. */
const ATTEMPTS = 8;

/** The weakness's key and record. */
export interface KeyedWeakness {
  key: string;
  record: WeaknessRecord;
}

/**
 * Triage of a tenant's weaknesses: listing them, changing their treatment, reading their trail, and letting an
 * acceptance lapse when its timer says. A change is decided against the weakness's log as it stands and written at
 * the next position of it only if nothing was written there first; otherwise it is decided again against what was
 * (a finding stored meanwhile may have regressed the weakness, or another person changed it). Every change is
 * recorded in the tenant's audit log.
 */
export class WeaknessTreatment {
  constructor(private readonly deps: WeaknessTreatmentDeps) {}

  list(
    tenantId: string,
    filter: { endpointId?: string; states?: readonly TreatmentState[] },
    page: { after: number; limit: number },
  ): Promise<{ key: string; record: WeaknessRecord; position: number }[]> {
    return this.deps.logs.list(tenantId, filter, page);
  }

  /** The weakness, or `404 not_found` (another tenant's key included: no key names another tenant's weakness). */
  async get(tenantId: string, key: string): Promise<KeyedWeakness> {
    const record = foldLog(await this.deps.logs.entries(tenantId, key));
    if (!record) throw new AppError('not_found', `weakness ${key} does not exist`);
    return { key, record };
  }

  /** The weakness's trail, oldest first. */
  async history(tenantId: string, key: string): Promise<HistoryEntry[]> {
    return (await this.get(tenantId, key)).record.history;
  }

  /**
   * Changes a weakness's treatment as `actor` asks. An acceptance's timer is started (or moved) before the change is
   * written, so that an acceptance is never in force without one: if the timers cannot be reached nothing is written
   * (`503`), and a timer whose change was never written finds at its deadline that its acceptance is not in force.
   */
  async change(tenantId: string, key: string, change: TreatmentChange, actor: string): Promise<KeyedWeakness> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const entries = await this.deps.logs.entries(tenantId, key);
      const record = foldLog(entries);
      if (!record) throw new AppError('not_found', `weakness ${key} does not exist`);
      const entry = planChange(record, change, actor, this.deps.clock.now());
      const position = entries.length;
      if (change.to?.state === 'risk_accepted') {
        await this.deps.timers.accepted({ tenantId, key, position, expiresOn: change.to.expiresOn });
      }
      if (!(await this.deps.logs.appendAt(tenantId, key, position, entry))) continue;
      const after = foldLog([...entries, entry])!;
      await this.deps.audit.record(treatmentAuditEvent(tenantId, key, after.endpointId, after.history.at(-1)!));
      return { key, record: after };
    }
    throw new AppError('unavailable', `weakness ${key} is being changed by others; retry shortly`);
  }

  /**
   * At an acceptance's deadline (`asOf`, the timer's clock): returns the weakness to open if the acceptance made at
   * `position` is still in force and due, recorded by `system`. Idempotent: once it lapsed, asking again finds it
   * lapsed and records its audit event again under the same key, which adds nothing.
   */
  async expireAcceptance(tenantId: string, key: string, position: number, asOf: Date): Promise<AcceptanceOutcome> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const entries = await this.deps.logs.entries(tenantId, key);
      const record = foldLog(entries);
      if (!record) return { outcome: 'ended' };
      const lapsed = record.history.find((h) => h.cause === 'acceptance_expired' && expiredOf(entries, h) === position);
      if (lapsed) {
        await this.deps.audit.record(treatmentAuditEvent(tenantId, key, record.endpointId, lapsed));
        return { outcome: 'expired' };
      }
      const check = checkAcceptance(record, position, asOf);
      if (check.outcome !== 'expire') return check;
      // Written, then recorded on the next turn of the loop, which finds it lapsed.
      await this.deps.logs.appendAt(tenantId, key, entries.length, check.entry);
    }
    throw new AppError('unavailable', `weakness ${key} is being changed by others; retry shortly`);
  }
}

/** The acceptance an `expired` entry of the trail ended. */
function expiredOf(entries: readonly LogEntry[], h: HistoryEntry): number | undefined {
  const entry = entries[h.position];
  return entry?.k === 'expired' ? entry.of : undefined;
}
