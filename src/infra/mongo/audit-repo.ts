import type { Collection, Db } from 'mongodb';
import type { AuditLog } from '../../../activities/ports';
import type { AuditEvent } from '../../domain/audit';

/** One audit event as stored. */
export type AuditEventDoc = AuditEvent;

/** Append-only log of who did what to which report: an evidence product leaves evidence itself. */
export class MongoAuditLog implements AuditLog {
  private readonly events: Collection<AuditEventDoc>;
  private readonly keyed: Collection<AuditEventDoc & { _id: string }>;

  constructor(db: Db) {
    this.events = db.collection<AuditEventDoc>('audit_events');
    this.keyed = db.collection<AuditEventDoc & { _id: string }>('audit_events');
  }

  async record(event: AuditEventDoc): Promise<void> {
    const { event_id: key, ...fields } = event;
    if (key) {
      // Keyed by its id: a repeat finds the event in place and adds nothing.
      await this.keyed.updateOne({ _id: key }, { $setOnInsert: fields }, { upsert: true });
    } else {
      await this.events.insertOne(fields);
    }
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
