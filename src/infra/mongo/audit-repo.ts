import type { Collection, Db, ObjectId } from 'mongodb';
import type { AuditLog } from '../../../activities/ports';
import type { AuditAction, AuditEvent, LoggedAuditEvent } from '../../domain/audit';
import { newId } from '../ids';
import { AppendLogs } from './finding-store/append-log';

/** One audit event as stored in `audit_events`: by its `event_id`, or (since the tenant logs) its `evt_` id, or
 * an ObjectId for events recorded before. */
export type AuditEventDoc = AuditEvent;

/** What {@link MongoAuditLog.list} answers: a tenant's events in a window, newest first. */
export interface AuditEventQuery {
  /** Earliest `at` listed. */
  from: Date;
  /** `at` listed must be before this; no bound when absent. */
  to?: Date;
  /** The newest time a listed event can have, which decides the first month read: `to` less a millisecond, or
   * a little past now when there is no `to`. */
  latest: Date;
  actions?: readonly AuditAction[];
  reportId?: string;
  /** Only events after this one in the newest-first order (the cursor's position). */
  before?: { at: Date; id: string };
  /** Stops once this many are found. */
  limit: number;
}

/** The log of a tenant's events of one UTC month, `audit/<tenant>/<yyyy-mm>`. */
export function auditLogKey(tenantId: string, at: Date): string {
  return `audit/${tenantId}/${at.toISOString().slice(0, 7)}`;
}

/** The event as its tenant's log holds it. */
export function loggedEvent(id: string, event: AuditEvent): LoggedAuditEvent {
  const { event_id: _key, ...fields } = event;
  return { id, ...fields };
}

/** Newest first; events of one millisecond by id, descending. */
function newestFirst(a: { at: Date; id: string }, b: { at: Date; id: string }): number {
  return b.at.getTime() - a.at.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/**
 * Append-only log of who did what to which report: an evidence product leaves evidence itself. Each event is one
 * document of `audit_events` and one entry of its tenant's month log (`audit_logs`, see {@link AppendLogs}),
 * which is what the API lists: by exact `_id` lookups of that tenant's months alone, never a scan of every
 * tenant's events. Nothing here updates or deletes an event.
 */
export class MongoAuditLog implements AuditLog {
  private readonly events: Collection<AuditEventDoc>;
  private readonly keyed: Collection<AuditEventDoc & { _id: string }>;
  private readonly logs: AppendLogs<LoggedAuditEvent>;

  constructor(db: Db) {
    this.events = db.collection<AuditEventDoc>('audit_events');
    this.keyed = db.collection<AuditEventDoc & { _id: string }>('audit_events');
    this.logs = new AppendLogs<LoggedAuditEvent>(db, 'audit_logs', 20_000);
  }

  async record(event: AuditEventDoc): Promise<void> {
    const { event_id: key, ...fields } = event;
    const id = key ?? newId('evt', event.at);
    if (key) {
      // Keyed by its id: a repeat finds the event in place and adds nothing.
      await this.keyed.updateOne({ _id: key }, { $setOnInsert: fields }, { upsert: true });
    } else {
      await this.keyed.insertOne({ _id: id, ...fields });
    }
    await this.appendToLog(id, event);
  }

  /** Adds the event to its tenant's month log unless it is there: the id is the set member, so an activity that
   * records a keyed event again (a retry) adds no second entry. */
  async appendToLog(id: string, event: AuditEvent): Promise<void> {
    await this.logs.addToSet(auditLogKey(event.tenant_id, event.at), [id], () => loggedEvent(id, event));
  }

  /** A tenant's events matching `q`, newest first: reads its month logs from the month of `q.latest` (or of the
   * cursor) back to that of `q.from`, filters in memory, and stops at the month that fills the page. */
  async list(tenantId: string, q: AuditEventQuery): Promise<LoggedAuditEvent[]> {
    const start = q.before && q.before.at < q.latest ? q.before.at : q.latest;
    const found: LoggedAuditEvent[] = [];
    let year = start.getUTCFullYear();
    let month = start.getUTCMonth();
    const last = q.from.getUTCFullYear() * 12 + q.from.getUTCMonth();
    while (year * 12 + month >= last && found.length < q.limit) {
      const seen = new Set<string>();
      const monthEvents: LoggedAuditEvent[] = [];
      for (const e of await this.logs.read(auditLogKey(tenantId, new Date(Date.UTC(year, month, 1))))) {
        // A set's log may hold a member twice (a writer stopped before marking it): the first entry stands.
        if (seen.has(e.id)) continue;
        seen.add(e.id);
        if (this.matches(e, tenantId, q)) monthEvents.push(e);
      }
      found.push(...monthEvents.sort(newestFirst));
      if (--month < 0) {
        month = 11;
        year--;
      }
    }
    return found.slice(0, q.limit);
  }

  private matches(e: LoggedAuditEvent, tenantId: string, q: AuditEventQuery): boolean {
    if (e.tenant_id !== tenantId || e.at < q.from || (q.to && e.at >= q.to)) return false;
    if (q.actions && !q.actions.includes(e.action)) return false;
    if (q.reportId !== undefined && e.report_id !== q.reportId) return false;
    return !q.before || newestFirst(q.before, e) < 0;
  }

  /** The events of one tenant not tied to a report (settings changes), oldest first. */
  async forTenant(tenantId: string): Promise<AuditEventDoc[]> {
    return this.events
      .find({ tenant_id: tenantId, report_id: { $exists: false } }, { projection: { _id: 0 } })
      .sort({ at: 1 })
      .toArray();
  }

  /** The events of one report, oldest first. */
  async forReport(tenantId: string, reportId: string): Promise<AuditEventDoc[]> {
    return this.events
      .find({ tenant_id: tenantId, report_id: reportId }, { projection: { _id: 0 } })
      .sort({ at: 1 })
      .toArray();
  }
}

/** The id an event stored in `audit_events` has in its tenant's log. */
export function storedEventId(id: string | ObjectId): string {
  return typeof id === 'string' ? id : id.toHexString();
}
