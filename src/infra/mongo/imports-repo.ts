import type { Collection, Db } from 'mongodb';
import type { ImportOutcome, ImportProgress, ImportRecord, ImportStatus } from '../../domain/imports';

/** An import as stored. Written by `_id` alone: by the API when it is created, then only by its workflow. */
interface ImportDoc {
  _id: string;
  tenant_id: string;
  endpoint_id: string;
  status: ImportStatus;
  options: ImportRecord['options'];
  upload: ImportRecord['upload'];
  created_at: Date;
  started_at?: Date;
  finished_at?: Date;
  progress: ImportProgress;
  outcome?: ImportOutcome;
  error?: ImportRecord['error'];
}

/** A mark per import awaiting its run, removed when the run starts: what the reconciler reads (see
 * {@link MongoImportsRepo.listWaitingBefore}), so it costs the imports waiting, not all imports. */
interface WaitingImportDoc {
  _id: string;
  tenant_id: string;
  since: Date;
}

function fromDoc(d: ImportDoc): ImportRecord {
  const r: ImportRecord = {
    id: d._id,
    tenantId: d.tenant_id,
    endpointId: d.endpoint_id,
    status: d.status,
    options: d.options,
    upload: d.upload,
    createdAt: d.created_at,
    progress: d.progress,
  };
  if (d.started_at) r.startedAt = d.started_at;
  if (d.finished_at) r.finishedAt = d.finished_at;
  if (d.outcome) {
    r.outcome = d.outcome;
    if (d.outcome.matchedRun) r.outcome.matchedRun = { ...d.outcome.matchedRun };
  }
  if (d.error) r.error = d.error;
  return r;
}

/** Import jobs in MongoDB, read and written by `_id` alone; every read is scoped to a tenant. */
export class MongoImportsRepo {
  private readonly docs: Collection<ImportDoc>;
  private readonly waiting: Collection<WaitingImportDoc>;

  constructor(db: Db) {
    this.docs = db.collection<ImportDoc>('imports');
    this.waiting = db.collection<WaitingImportDoc>('waiting_imports');
  }

  /** Stores a new import (receiving its upload) and marks it as awaiting its run. */
  async insert(r: ImportRecord): Promise<void> {
    await this.waiting.insertOne({ _id: r.id, tenant_id: r.tenantId, since: r.createdAt });
    await this.docs.insertOne({
      _id: r.id,
      tenant_id: r.tenantId,
      endpoint_id: r.endpointId,
      status: r.status,
      options: r.options,
      upload: r.upload,
      created_at: r.createdAt,
      progress: r.progress,
    });
  }

  /** The import, or undefined when there is none or it is another tenant's (the two look the same). */
  async get(tenantId: string, importId: string): Promise<ImportRecord | undefined> {
    const doc = await this.docs.findOne({ _id: importId });
    return doc && doc.tenant_id === tenantId ? fromDoc(doc) : undefined;
  }

  /** receiving → queued, once its upload is staged whole. */
  async markQueued(importId: string, upload: ImportRecord['upload']): Promise<void> {
    await this.docs.updateOne(
      { _id: importId },
      {
        $set: {
          status: 'queued',
          upload,
          progress: { phase: 'queued', bytesRead: 0, bytesTotal: upload.bytes, findings: 0 },
        },
      },
    );
  }

  /** Removes an import that never started (its workflow could not be started). */
  async deleteQueued(tenantId: string, importId: string): Promise<void> {
    const doc = await this.docs.findOne({ _id: importId });
    if (doc?.tenant_id !== tenantId || (doc.status !== 'queued' && doc.status !== 'receiving')) return;
    await this.docs.deleteOne({ _id: importId });
    await this.waiting.deleteOne({ _id: importId });
  }

  /** queued → running (a repeat leaves it running); false when it is gone or has ended. */
  async markRunning(tenantId: string, importId: string, at: Date): Promise<boolean> {
    const doc = await this.docs.findOne({ _id: importId });
    if (doc?.tenant_id !== tenantId || (doc.status !== 'queued' && doc.status !== 'running')) return false;
    if (doc.status === 'queued') {
      await this.docs.updateOne({ _id: importId }, { $set: { status: 'running', started_at: at } });
    }
    await this.waiting.deleteOne({ _id: importId });
    return true;
  }

  async setProgress(importId: string, progress: ImportProgress): Promise<void> {
    await this.docs.updateOne({ _id: importId }, { $set: { progress } });
  }

  async markSucceeded(importId: string, outcome: ImportOutcome, at: Date): Promise<void> {
    await this.docs.updateOne(
      { _id: importId },
      {
        $set: {
          status: 'succeeded',
          finished_at: at,
          outcome,
          progress: { phase: 'done', bytesRead: outcome.bytes, bytesTotal: outcome.bytes, findings: outcome.findings },
        },
      },
    );
  }

  /** Ends an import failed, unless it has ended already. */
  async markFailed(importId: string, error: NonNullable<ImportRecord['error']>, at: Date): Promise<void> {
    const doc = await this.docs.findOne({ _id: importId });
    if (!doc || doc.status === 'succeeded' || doc.status === 'failed') return;
    await this.docs.updateOne({ _id: importId }, { $set: { status: 'failed', finished_at: at, error } });
    await this.waiting.deleteOne({ _id: importId });
  }

  /** Imports of any tenant awaiting their run since before `before` (still receiving their upload, or queued),
   * oldest first: the ones whose upload was cut off or whose workflow may never have started. Reads the marks of
   * waiting imports only (an operations path); a mark whose import has moved on is removed. */
  async listWaitingBefore(before: Date, limit: number): Promise<ImportRecord[]> {
    const marks = (await this.waiting.find({}).toArray())
      .filter((m) => m.since < before)
      .sort((a, b) => a.since.getTime() - b.since.getTime())
      .slice(0, limit);
    const out: ImportRecord[] = [];
    for (const mark of marks) {
      const doc = await this.docs.findOne({ _id: mark._id });
      if (doc?.status === 'queued' || doc?.status === 'receiving') out.push(fromDoc(doc));
      else await this.waiting.deleteOne({ _id: mark._id });
    }
    return out;
  }
}
