import type { Collection, Db } from 'mongodb';
import type { AuditLog } from '../../../activities/ports';
import type { DeletionReceipts, PurgeLedger, StoredReceipt } from '../../../activities/offboarding-activities';
import type { AuditEvent, LoggedAuditEvent } from '../../domain/audit';
import type { DeletionReceipt, PurgedArtifact, PurgedRecordKind } from '../../domain/offboarding';
import { newId } from '../ids';
import { loggedEvent } from './audit-repo';
import { AppendLogs } from './finding-store/append-log';
import { isDuplicateKey } from './idempotency-repo';
import { insertNew } from './keyed-docs';

/** One entry of a tenant's purge ledger: `<tenant>/counts`, `<tenant>/objects/<prefix>` or
 * `<tenant>/artifact/<report>`. */
interface LedgerDoc {
  _id: string;
  counts?: Partial<Record<PurgedRecordKind, number>>;
  objects?: number;
  artifact?: {
    report_id: string;
    file: string;
    sha256: string;
    size: number;
    content_type: string;
    purged_before?: Date;
  };
}

/** `text` as a regular expression matching itself. */
function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * What a tenant's purge has removed, in `offboarding_ledgers`, until its receipt is issued: a document for the
 * counts, one per object prefix emptied and one per artifact, each under an id that names the tenant. Every write
 * can be repeated: a retried purge step records nothing twice.
 */
export class MongoPurgeLedger implements PurgeLedger {
  private readonly docs: Collection<LedgerDoc>;

  constructor(db: Db) {
    this.docs = db.collection<LedgerDoc>('offboarding_ledgers');
  }

  async counts(tenantId: string): Promise<Partial<Record<PurgedRecordKind, number>>> {
    return (await this.docs.findOne({ _id: `${tenantId}/counts` }))?.counts ?? {};
  }

  async setCount(tenantId: string, kind: PurgedRecordKind, count: number): Promise<void> {
    if ((await this.counts(tenantId))[kind] !== undefined) return;
    await this.docs.updateOne({ _id: `${tenantId}/counts` }, { $set: { [`counts.${kind}`]: count } }, { upsert: true });
  }

  async addObjects(tenantId: string, prefix: string, count: number): Promise<void> {
    await this.docs.updateOne({ _id: `${tenantId}/objects/${prefix}` }, { $max: { objects: count } }, { upsert: true });
  }

  async objects(tenantId: string): Promise<number> {
    const docs = await this.docs.find({ _id: { $regex: `^${literal(tenantId)}/objects/` } }).toArray();
    return docs.reduce((n, d) => n + (d.objects ?? 0), 0);
  }

  async recordArtifact(tenantId: string, a: PurgedArtifact): Promise<void> {
    const artifact: NonNullable<LedgerDoc['artifact']> = {
      report_id: a.reportId,
      file: a.file,
      sha256: a.sha256,
      size: a.size,
      content_type: a.contentType,
    };
    if (a.purgedBefore) artifact.purged_before = a.purgedBefore;
    // A report's first artifact is keyed by the report; a later version's by its file too.
    const version = a.file.startsWith(`${a.reportId}-v`) ? `/${a.file}` : '';
    await insertNew(this.docs, [{ _id: `${tenantId}/artifact/${a.reportId}${version}`, artifact }]);
  }

  async artifacts(tenantId: string): Promise<PurgedArtifact[]> {
    const docs = await this.docs.find({ _id: { $regex: `^${literal(tenantId)}/artifact/` } }).toArray();
    return docs.flatMap((d) => {
      const a = d.artifact;
      if (!a) return [];
      const artifact: PurgedArtifact = {
        reportId: a.report_id,
        file: a.file,
        sha256: a.sha256,
        size: a.size,
        contentType: a.content_type,
      };
      if (a.purged_before) artifact.purgedBefore = a.purged_before;
      return [artifact];
    });
  }

  async clear(tenantId: string): Promise<void> {
    await this.docs.deleteMany({ _id: { $regex: `^${literal(tenantId)}/` } });
  }
}

/** A deletion receipt as stored in `deletion_receipts`, under its tenant's id. */
interface ReceiptDoc {
  _id: string;
  receipt: DeletionReceipt;
  jws: string;
  kid: string;
  sha256: string;
  issued_at: Date;
}

/** The tenants' deletion receipts, one each, written once and never purged: after an offboarding, the receipt is
 * the record of what was deleted. */
export class MongoDeletionReceipts implements DeletionReceipts {
  private readonly docs: Collection<ReceiptDoc>;

  constructor(db: Db) {
    this.docs = db.collection<ReceiptDoc>('deletion_receipts');
  }

  async get(tenantId: string): Promise<StoredReceipt | undefined> {
    const d = await this.docs.findOne({ _id: tenantId });
    return d
      ? { tenantId: d._id, receipt: d.receipt, jws: d.jws, kid: d.kid, sha256: d.sha256, issuedAt: d.issued_at }
      : undefined;
  }

  async put(r: StoredReceipt): Promise<StoredReceipt> {
    try {
      await this.docs.insertOne({
        _id: r.tenantId,
        receipt: r.receipt,
        jws: r.jws,
        kid: r.kid,
        sha256: r.sha256,
        issued_at: r.issuedAt,
      });
      return r;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const kept = await this.get(r.tenantId);
      if (!kept) throw err;
      return kept;
    }
  }
}

/**
 * The operator's log of what was done to a tenant as a whole that must outlive the tenant's data: its offboardings
 * (started, blocked by a legal hold, purged). One append-only list per tenant in `operator_logs`
 * ({@link AppendLogs}, used as a set of event ids, so a retried step records its event once), read by exact `_id`.
 * The purge never touches it.
 */
export class MongoOperatorLog implements AuditLog {
  private readonly logs: AppendLogs<LoggedAuditEvent>;

  constructor(db: Db) {
    this.logs = new AppendLogs<LoggedAuditEvent>(db, 'operator_logs', 20_000);
  }

  async record(event: AuditEvent): Promise<void> {
    const id = event.event_id ?? newId('evt', event.at);
    await this.logs.addToSet(`tenant/${event.tenant_id}`, [id], () => loggedEvent(id, event));
  }

  /** The tenant's events, newest first. */
  async list(tenantId: string): Promise<LoggedAuditEvent[]> {
    const seen = new Set<string>();
    const events: LoggedAuditEvent[] = [];
    for (const e of await this.logs.read(`tenant/${tenantId}`)) {
      // A set's log may hold a member twice (a writer stopped before marking it): the first entry stands.
      if (seen.has(e.id)) continue;
      seen.add(e.id);
      events.push(e);
    }
    return events.reverse();
  }
}
