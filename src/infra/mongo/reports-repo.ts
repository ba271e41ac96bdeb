import type { Collection, Db, Filter, UpdateFilter, WithoutId } from 'mongodb';
import type { ReportsRepo } from '../../../activities/ports';
import type { FrameworkSlug } from '../../domain/frameworks';
import { versionsOf, type ApprovalRequest, type PendingApproval, type ReportVersion } from '../../domain/approval';
import {
  REPORT_STATUSES,
  fromWireScope,
  toWireScope,
  type ArtifactFacts,
  type ArtifactSignature,
  type ReportFormat,
  type ReportRecord,
  type ReportStage,
  type ReportStatus,
  type WireScope,
} from '../../domain/report';
import type { ScopeFacts } from '../../domain/report-model/front-page';
import type { LegalHold } from '../../domain/retention';
import { scansNonIdFilters } from './database';
import { AppError } from '../../domain/errors';
import { isDuplicateKey } from './idempotency-repo';

/** A report as stored in MongoDB (snake_case, dates as BSON dates). */
interface ReportDoc {
  _id: string;
  tenant_id: string;
  title: string;
  frameworks: FrameworkSlug[];
  scope: WireScope;
  format: ReportFormat;
  status: ReportStatus;
  created_at: Date;
  started_at?: Date;
  completed_at?: Date;
  failed_at?: Date;
  expires_at?: Date;
  purged_at?: Date;
  progress: { stage: ReportStage; percent: number };
  attempts: number;
  error?: { code: string; message: string };
  artifact?: {
    key: string;
    sha256: string;
    size: number;
    content_type: string;
    signature?: { type: ArtifactSignature['type']; key_id: string; jws?: string; timestamp?: string };
  };
  counts?: { rows: number; findings: number };
  legal_hold?: { reason: string; placed_at: Date; placed_by: string };
  regenerated_from?: string;
  versions?: VersionDoc[];
  pending_approval?: PendingApprovalDoc;
}

/** An approver's statement as stored. */
interface ApprovalRequestDoc {
  approver_name: string;
  approver_role: string;
  assertion: string;
  limitations: string;
}

/** One version of a report as stored. */
interface VersionDoc {
  version: number;
  created_at: Date;
  artifact: NonNullable<ReportDoc['artifact']>;
  status_as_of: Date;
  approval?: ApprovalRequestDoc & { approved_at: Date; approved_by: string };
  regenerated?: { changed_weaknesses: number };
}

/** An approval under way, or the last that failed, as stored. */
interface PendingApprovalDoc {
  version: number;
  state: PendingApproval['state'];
  request: ApprovalRequestDoc;
  requested_at: Date;
  requested_by: string;
  error?: { code: string; message: string };
}

function requestToDoc(r: ApprovalRequest): ApprovalRequestDoc {
  return {
    approver_name: r.approverName,
    approver_role: r.approverRole,
    assertion: r.assertion,
    limitations: r.limitations,
  };
}

function requestFromDoc(d: ApprovalRequestDoc): ApprovalRequest {
  return {
    approverName: d.approver_name,
    approverRole: d.approver_role,
    assertion: d.assertion,
    limitations: d.limitations,
  };
}

function versionToDoc(v: ReportVersion): VersionDoc {
  return {
    version: v.version,
    created_at: v.createdAt,
    artifact: artifactToDoc(v.artifact),
    status_as_of: v.statusAsOf,
    ...(v.approval
      ? {
          approval: {
            ...requestToDoc(v.approval),
            approved_at: v.approval.approvedAt,
            approved_by: v.approval.approvedBy,
          },
        }
      : {}),
    ...(v.regenerated ? { regenerated: { changed_weaknesses: v.regenerated.changedWeaknesses } } : {}),
  };
}

function versionFromDoc(d: VersionDoc): ReportVersion {
  return {
    version: d.version,
    createdAt: d.created_at,
    artifact: artifactFromDoc(d.artifact),
    statusAsOf: d.status_as_of,
    ...(d.approval
      ? {
          approval: {
            ...requestFromDoc(d.approval),
            approvedAt: d.approval.approved_at,
            approvedBy: d.approval.approved_by,
          },
        }
      : {}),
    ...(d.regenerated ? { regenerated: { changedWeaknesses: d.regenerated.changed_weaknesses } } : {}),
  };
}

function pendingToDoc(p: PendingApproval): PendingApprovalDoc {
  return {
    version: p.version,
    state: p.state,
    request: requestToDoc(p.request),
    requested_at: p.requestedAt,
    requested_by: p.requestedBy,
    ...(p.error ? { error: p.error } : {}),
  };
}

function pendingFromDoc(d: PendingApprovalDoc): PendingApproval {
  return {
    version: d.version,
    state: d.state,
    request: requestFromDoc(d.request),
    requestedAt: d.requested_at,
    requestedBy: d.requested_by,
    ...(d.error ? { error: d.error } : {}),
  };
}

function toDoc(r: ReportRecord): ReportDoc {
  return {
    _id: r.id,
    tenant_id: r.tenantId,
    title: r.request.title,
    frameworks: r.request.frameworks,
    scope: toWireScope(r.request.scope),
    format: r.request.format,
    status: r.status,
    created_at: r.createdAt,
    progress: r.progress,
    attempts: r.attempts,
    ...(r.regeneratedFrom ? { regenerated_from: r.regeneratedFrom } : {}),
  };
}

function artifactFromDoc(a: NonNullable<ReportDoc['artifact']>): ArtifactFacts {
  const facts: ArtifactFacts = { key: a.key, sha256: a.sha256, size: a.size, contentType: a.content_type };
  if (a.signature) {
    facts.signature = { type: a.signature.type, keyId: a.signature.key_id };
    if (a.signature.jws) facts.signature.jws = a.signature.jws;
    if (a.signature.timestamp) facts.signature.timestamp = a.signature.timestamp;
  }
  return facts;
}

function artifactToDoc(a: ArtifactFacts): NonNullable<ReportDoc['artifact']> {
  const doc: NonNullable<ReportDoc['artifact']> = {
    key: a.key,
    sha256: a.sha256,
    size: a.size,
    content_type: a.contentType,
  };
  if (a.signature) {
    doc.signature = { type: a.signature.type, key_id: a.signature.keyId };
    if (a.signature.jws) doc.signature.jws = a.signature.jws;
    if (a.signature.timestamp) doc.signature.timestamp = a.signature.timestamp;
  }
  return doc;
}

function fromDoc(d: ReportDoc): ReportRecord {
  const record: ReportRecord = {
    id: d._id,
    tenantId: d.tenant_id,
    request: {
      title: d.title,
      frameworks: d.frameworks,
      scope: fromWireScope(d.scope),
      format: d.format,
    },
    status: d.status,
    createdAt: d.created_at,
    progress: d.progress,
    attempts: d.attempts,
  };
  if (d.started_at) record.startedAt = d.started_at;
  if (d.completed_at) record.completedAt = d.completed_at;
  if (d.failed_at) record.failedAt = d.failed_at;
  if (d.expires_at) record.expiresAt = d.expires_at;
  if (d.purged_at) record.purgedAt = d.purged_at;
  if (d.error) record.error = d.error;
  if (d.artifact) record.artifact = artifactFromDoc(d.artifact);
  if (d.counts) record.counts = d.counts;
  if (d.legal_hold) {
    record.legalHold = {
      reason: d.legal_hold.reason,
      placedAt: d.legal_hold.placed_at,
      placedBy: d.legal_hold.placed_by,
    };
  }
  if (d.regenerated_from) record.regeneratedFrom = d.regenerated_from;
  if (d.versions && d.versions.length > 0) record.versions = d.versions.map(versionFromDoc);
  if (d.pending_approval) record.pendingApproval = pendingFromDoc(d.pending_approval);
  return record;
}

/** A report awaiting its run: written before the report turns queued (created or requeued), removed once its run
 * marks it running or it is deleted. {@link MongoReportsRepo.listQueuedBefore} reads these rather than the
 * reports, so the reconciler's minute-by-minute look costs as much as there are reports waiting, not as much as
 * there are reports: FerretDB reads every report for a `status` filter (a quarter-second of its CPU at 1,000
 * reports). One left behind by a crash is removed when the reconciler finds its report has moved on. */
interface QueuedMarkDoc {
  _id: string;
  tenant_id: string;
  queued_at: Date;
}

/**
 * A report's key under its tenant: `_id` is `<tenant id>/<report id>`. A lookup of a tenant's report reads this
 * first, by `_id`, and reads the report only when it is there, so another tenant's report and a report that does
 * not exist cost the same one missed read: reading the other tenant's report and comparing its tenant after, the
 * database's work (about half a millisecond more, measured over the API) told the two apart.
 */
interface ReportKeyDoc {
  _id: string;
  tenant_id: string;
}

export const reportKey = (tenantId: string, reportId: string): string => `${tenantId}/${reportId}`;

/** The collection of {@link ReportKeyDoc}s. */
export const REPORT_KEYS = 'report_keys';

/** The latest ready report's facts of one scope of a tenant, under `<tenant>/<scope key>`: a report finds the one
 * before it of the same scope by `_id` alone, with no query over the tenant's reports. */
interface ReportScopeDoc {
  _id: string;
  tenant_id: string;
  generated_at: string;
  facts: ScopeFacts;
}

/** The collection of {@link ReportScopeDoc}s. */
export const REPORT_SCOPES = 'report_scopes';

/**
 * Writes `doc` under `id`, whether or not it is there. Two creates of one report (an Idempotency-Key sent twice at
 * once) write the same marks before the report's own insert decides between them; an upsert that races another
 * answers a duplicate key, which means the document is written, and is not the report's duplicate: taken for it,
 * the create would look for a report not yet stored and fail.
 */
async function upsertRacing<T extends { _id: string }>(
  collection: Collection<T>,
  id: string,
  doc: Omit<T, '_id'>,
): Promise<void> {
  try {
    await collection.replaceOne({ _id: id } as Filter<T>, doc as WithoutId<T>, { upsert: true });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
}

/** MongoDB implementation of {@link ReportsRepo}. Every filter carries the tenant id; status changes are
 * conditional updates, so a retried activity repeats them harmlessly and never moves a report backwards. */
export class MongoReportsRepo implements ReportsRepo {
  private readonly reports: Collection<ReportDoc>;
  private readonly queued: Collection<QueuedMarkDoc>;
  private readonly keys: Collection<ReportKeyDoc>;
  private readonly scopes: Collection<ReportScopeDoc>;

  /** `writes` chooses how guarded writes are made (see {@link updateIf}); by default, by what the server is. */
  constructor(
    private readonly db: Db,
    private readonly options: { writes?: 'filtered' | 'checked' } = {},
  ) {
    this.reports = db.collection<ReportDoc>('reports');
    this.queued = db.collection<QueuedMarkDoc>('queued_reports');
    this.keys = db.collection<ReportKeyDoc>(REPORT_KEYS);
    this.scopes = db.collection<ReportScopeDoc>(REPORT_SCOPES);
  }

  /** Records that the report awaits a run from `at` on (before its status says so: see {@link QueuedMarkDoc}). */
  private async markQueued(tenantId: string, reportId: string, at: Date): Promise<void> {
    await upsertRacing(this.queued, reportId, { tenant_id: tenantId, queued_at: at });
  }

  /** Whether guarded writes are made as a read and a write by `_id` rather than one filtered update. */
  private async checksThenWrites(): Promise<boolean> {
    const { writes } = this.options;
    return writes ? writes === 'checked' : scansNonIdFilters(this.db);
  }

  async scopeFacts(tenantId: string, scopeKey: string): Promise<ScopeFacts | undefined> {
    const doc = await this.scopes.findOne({ _id: `${tenantId}/${scopeKey}` });
    return doc && doc.tenant_id === tenantId ? doc.facts : undefined;
  }

  /** A read and a write by `_id`, as FerretDB answers them from its primary key. Two reports of one scope made
   * ready in the same instant may both pass the read; the later write then wins, and the next report of the scope
   * compares against the other of the two, which is still a ready report of that scope. */
  async recordScopeFacts(tenantId: string, scopeKey: string, facts: ScopeFacts): Promise<void> {
    const _id = `${tenantId}/${scopeKey}`;
    const held = await this.scopes.findOne({ _id });
    if (held && held.generated_at >= facts.generatedAt) return;
    await upsertRacing(this.scopes, _id, { tenant_id: tenantId, generated_at: facts.generatedAt, facts });
  }

  async insert(report: ReportRecord): Promise<void> {
    if (report.status === 'queued') await this.markQueued(report.tenantId, report.id, report.createdAt);
    // The key first: a key left by an insert cut short leads to no report, which reads as none.
    await upsertRacing(this.keys, reportKey(report.tenantId, report.id), { tenant_id: report.tenantId });
    try {
      await this.reports.insertOne(toDoc(report));
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      throw new AppError('already_exists', `report ${report.id} is stored already`, { report_id: report.id }, err);
    }
  }

  /** The report, or undefined when it does not exist or belongs to another tenant (the two look the same, and cost
   * the same: see {@link ReportKeyDoc}). Every read is by `_id` alone: FerretDB answers an `_id`-only filter from
   * its primary key but reads the whole collection once another field joins the filter, and this is the call every
   * poll makes. */
  async get(tenantId: string, reportId: string): Promise<ReportRecord | undefined> {
    if (!(await this.keys.findOne({ _id: reportKey(tenantId, reportId) }))) return undefined;
    const doc = await this.reports.findOne({ _id: reportId });
    return doc && doc.tenant_id === tenantId ? fromDoc(doc) : undefined;
  }

  async deleteQueued(tenantId: string, reportId: string): Promise<void> {
    const filter = await this.guard(tenantId, reportId, ['queued']);
    if (filter && (await this.reports.deleteOne(filter)).deletedCount === 1) {
      await this.queued.deleteOne({ _id: reportId });
      await this.keys.deleteOne({ _id: reportKey(tenantId, reportId) });
    }
  }

  async list(
    tenantId: string,
    page: { limit: number; after?: { createdAt: Date; id: string } },
  ): Promise<ReportRecord[]> {
    const filter = page.after
      ? {
          tenant_id: tenantId,
          $or: [
            { created_at: { $lt: page.after.createdAt } },
            { created_at: page.after.createdAt, _id: { $lt: page.after.id } },
          ],
        }
      : { tenant_id: tenantId };
    const docs = await this.reports.find(filter).sort({ created_at: -1, _id: -1 }).limit(page.limit).toArray();
    return docs.map(fromDoc);
  }

  async markRunning(tenantId: string, reportId: string, at: Date): Promise<boolean> {
    const queued = await this.updateIf(tenantId, reportId, ['queued'], {
      $set: { status: 'running', started_at: at, progress: { stage: 'collecting', percent: 5 } },
      $unset: { error: '' },
      $inc: { attempts: 1 },
    });
    const running = queued || (await this.holds(tenantId, reportId, ['running']));
    if (running) await this.queued.deleteOne({ _id: reportId });
    return running;
  }

  async setProgress(tenantId: string, reportId: string, stage: ReportStage, percent: number): Promise<void> {
    await this.updateIf(tenantId, reportId, ['running'], { $set: { progress: { stage, percent } } });
  }

  async markReady(
    tenantId: string,
    reportId: string,
    facts: { artifact: ArtifactFacts; counts: { rows: number; findings: number }; at: Date; expiresAt: Date },
  ): Promise<void> {
    await this.updateIf(tenantId, reportId, ['queued', 'running'], {
      $set: {
        status: 'ready',
        completed_at: facts.at,
        expires_at: facts.expiresAt,
        progress: { stage: 'done', percent: 100 },
        artifact: artifactToDoc(facts.artifact),
        counts: facts.counts,
      },
      $unset: { error: '' },
    });
  }

  async markFailed(
    tenantId: string,
    reportId: string,
    error: { code: string; message: string },
    at: Date,
    keepUntil?: Date,
  ): Promise<void> {
    await this.updateIf(tenantId, reportId, ['queued', 'running'], {
      $set: {
        status: 'failed',
        failed_at: at,
        error,
        progress: { stage: 'failed', percent: 100 },
        ...(keepUntil ? { expires_at: keepUntil } : {}),
      },
    });
  }

  async markStagingPurged(tenantId: string, reportId: string, at: Date): Promise<boolean> {
    return this.updateIf(tenantId, reportId, ['failed'], { $set: { purged_at: at } });
  }

  async requeueFailed(tenantId: string, reportId: string, at: Date): Promise<boolean> {
    if (!(await this.holds(tenantId, reportId, ['failed']))) return false;
    await this.markQueued(tenantId, reportId, at);
    return this.updateIf(tenantId, reportId, ['failed'], {
      $set: { status: 'queued', progress: { stage: 'queued', percent: 0 } },
      $unset: { failed_at: '', expires_at: '', purged_at: '' },
    });
  }

  async beginPurge(tenantId: string, reportId: string): Promise<boolean> {
    return (
      (await this.updateIf(tenantId, reportId, ['ready'], { $set: { status: 'purging' } })) ||
      (await this.holds(tenantId, reportId, ['purging']))
    );
  }

  async abandonPurge(tenantId: string, reportId: string): Promise<void> {
    await this.updateIf(tenantId, reportId, ['purging'], { $set: { status: 'ready' } });
  }

  async markExpired(tenantId: string, reportId: string, purgedAt: Date): Promise<boolean> {
    return this.updateIf(tenantId, reportId, ['purging'], { $set: { status: 'expired', purged_at: purgedAt } });
  }

  async setExpiry(tenantId: string, reportId: string, expiresAt: Date): Promise<void> {
    await this.updateIf(tenantId, reportId, ['ready'], { $set: { expires_at: expiresAt } });
  }

  async setLegalHold(
    tenantId: string,
    reportId: string,
    hold: LegalHold | undefined,
  ): Promise<ReportRecord | undefined> {
    // A hold is placed only on a report whose purge has not begun; a release applies whatever the status.
    await this.updateIf(
      tenantId,
      reportId,
      hold ? REPORT_STATUSES.filter((s) => s !== 'purging' && s !== 'expired') : REPORT_STATUSES,
      hold
        ? { $set: { legal_hold: { reason: hold.reason, placed_at: hold.placedAt, placed_by: hold.placedBy } } }
        : { $unset: { legal_hold: '' } },
    );
    return this.get(tenantId, reportId);
  }

  async withdrawLegalHold(tenantId: string, reportId: string, hold: LegalHold): Promise<void> {
    const report = await this.get(tenantId, reportId);
    const held = report?.legalHold;
    if (!held || held.placedAt.getTime() !== hold.placedAt.getTime() || held.placedBy !== hold.placedBy) return;
    await this.updateIf(tenantId, reportId, REPORT_STATUSES, { $unset: { legal_hold: '' } });
  }

  async beginApproval(tenantId: string, reportId: string, pending: PendingApproval): Promise<boolean> {
    const report = await this.get(tenantId, reportId);
    if (report?.status !== 'ready') return false;
    // The same approval recorded already, by its workflow or by the request that started it, may have failed since:
    // writing it again would undo that.
    const held = report.pendingApproval;
    if (held?.version === pending.version && held.requestedAt.getTime() === pending.requestedAt.getTime()) return true;
    return this.updateIf(tenantId, reportId, ['ready'], { $set: { pending_approval: pendingToDoc(pending) } });
  }

  async recordVersion(tenantId: string, reportId: string, version: ReportVersion): Promise<boolean> {
    const report = await this.get(tenantId, reportId);
    if (!report || report.status !== 'ready') return false;
    const held = versionsOf(report);
    if (held.some((v) => v.version === version.version)) return true;
    if (held.length !== version.version - 1) return false;
    return this.updateIf(tenantId, reportId, ['ready'], {
      $set: { versions: [...held, version].map(versionToDoc), artifact: artifactToDoc(version.artifact) },
      $unset: { pending_approval: '' },
    });
  }

  async failApproval(
    tenantId: string,
    reportId: string,
    version: number,
    error: { code: string; message: string },
  ): Promise<void> {
    const report = await this.get(tenantId, reportId);
    if (report?.pendingApproval?.version !== version) return;
    await this.updateIf(tenantId, reportId, REPORT_STATUSES, {
      $set: { 'pending_approval.state': 'failed', 'pending_approval.error': error },
    });
  }

  /** Whether the report exists, is the tenant's, and stands in one of the statuses. */
  private async holds(tenantId: string, reportId: string, statuses: readonly ReportStatus[]): Promise<boolean> {
    const doc = await this.reports.findOne({ _id: reportId }, { projection: { status: 1, tenant_id: 1 } });
    return doc !== null && doc.tenant_id === tenantId && statuses.includes(doc.status);
  }

  /** Updates the report if it is the tenant's and stands in one of the statuses; returns whether it did. */
  private async updateIf(
    tenantId: string,
    reportId: string,
    statuses: readonly ReportStatus[],
    update: UpdateFilter<ReportDoc>,
  ): Promise<boolean> {
    const filter = await this.guard(tenantId, reportId, statuses);
    return filter !== undefined && (await this.reports.updateOne(filter, update)).matchedCount === 1;
  }

  /** The filter a guarded write (the report is the tenant's and stands in one of the statuses) is made with, or
   * undefined when it is known already that the guard fails. Where the server applies a filtered write atomically
   * from an index, the guard is the filter. Where it would read every report for it and apply it no more
   * atomically than this ({@link scansNonIdFilters}), the report is read by `_id` and checked here, and the
   * write is by `_id`: two key lookups, flat as reports accumulate. A report's writes come from its one
   * workflow, its retention timer and its owner's API calls, which do not race one another for the same
   * transition. */
  private async guard(
    tenantId: string,
    reportId: string,
    statuses: readonly ReportStatus[],
  ): Promise<Filter<ReportDoc> | undefined> {
    if (!(await this.checksThenWrites())) return { _id: reportId, tenant_id: tenantId, status: { $in: [...statuses] } };
    return (await this.holds(tenantId, reportId, statuses)) ? { _id: reportId } : undefined;
  }

  async countByStatus(): Promise<Record<ReportStatus, number>> {
    const counts = await Promise.all(REPORT_STATUSES.map((status) => this.reports.countDocuments({ status })));
    return Object.fromEntries(REPORT_STATUSES.map((status, i) => [status, counts[i]])) as Record<ReportStatus, number>;
  }

  async listReady(tenantId: string, page: { limit: number; afterId?: string }): Promise<ReportRecord[]> {
    const filter = page.afterId
      ? { tenant_id: tenantId, status: 'ready' as const, _id: { $gt: page.afterId } }
      : { tenant_id: tenantId, status: 'ready' as const };
    const docs = await this.reports.find(filter).sort({ _id: 1 }).limit(page.limit).toArray();
    return docs.map(fromDoc);
  }

  /** A tenant's reports of every status in id order, a page at a time: what its offboarding goes through. */
  async listById(tenantId: string, page: { limit: number; afterId?: string }): Promise<ReportRecord[]> {
    const filter = page.afterId ? { tenant_id: tenantId, _id: { $gt: page.afterId } } : { tenant_id: tenantId };
    const docs = await this.reports.find(filter).sort({ _id: 1 }).limit(page.limit).toArray();
    return docs.map(fromDoc);
  }

  async listQueuedBefore(before: Date, limit: number): Promise<ReportRecord[]> {
    const marks = await this.queued
      .find({ queued_at: { $lt: before } })
      .sort({ queued_at: 1 })
      .limit(limit)
      .toArray();
    const waiting: ReportRecord[] = [];
    for (const mark of marks) {
      const doc = await this.reports.findOne({ _id: mark._id });
      if (doc?.status === 'queued') waiting.push(fromDoc(doc));
      else await this.queued.deleteOne({ _id: mark._id });
    }
    return waiting;
  }
}
