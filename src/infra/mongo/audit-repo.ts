import type { Collection, Db } from 'mongodb';

/** Things done to a report that an auditor may ask about. */
export type AuditAction = 'report.created' | 'report.download_link_issued' | 'report.artifact_fetched';

/** One audit event as stored. */
export interface AuditEventDoc {
  tenant_id: string;
  report_id: string;
  action: AuditAction;
  actor: string;
  at: Date;
  details?: Record<string, string | number>;
}

/** Append-only log of who did what to which report: an evidence product leaves evidence itself. */
export class MongoAuditLog {
  private readonly events: Collection<AuditEventDoc>;

  constructor(db: Db) {
    this.events = db.collection<AuditEventDoc>('audit_events');
  }

  async record(event: AuditEventDoc): Promise<void> {
    await this.events.insertOne({ ...event });
  }

  /** The events of one report, oldest first. */
  async forReport(tenantId: string, reportId: string): Promise<AuditEventDoc[]> {
    return this.events
      .find({ tenant_id: tenantId, report_id: reportId }, { projection: { _id: 0 } })
      .sort({ at: 1 })
      .toArray();
  }
}
