import { createHash } from 'node:crypto';
import { MongoServerError, type Collection, type Db } from 'mongodb';
import type { IdempotencyKeys } from '../../../activities/ports';
import { AppError } from '../../domain/errors';

/** How long a key is remembered: a client retrying within a day gets the same report. */
const KEY_LIFETIME_MS = 86_400_000;

/** An idempotency key as stored: the key itself only as a hash, scoped to its tenant by the id. */
interface IdempotencyDoc {
  _id: string;
  tenant_id: string;
  body_sha256: string;
  report_id: string;
  created_at: Date;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Whether an error is MongoDB's duplicate-key refusal. */
export function isDuplicateKey(err: unknown): boolean {
  return err instanceof MongoServerError && err.code === 11000;
}

/** MongoDB implementation of {@link IdempotencyKeys}. The unique `_id` decides races: of two requests with one
 * key, one inserts and the other reads what it inserted. */
export class MongoIdempotencyKeys implements IdempotencyKeys {
  private readonly keys: Collection<IdempotencyDoc>;

  constructor(db: Db) {
    this.keys = db.collection<IdempotencyDoc>('idempotency_keys');
  }

  async claim(
    tenantId: string,
    key: string,
    bodySha256: string,
    candidateReportId: string,
    now: Date,
  ): Promise<{ reportId: string; replay: boolean }> {
    const doc: IdempotencyDoc = {
      _id: sha256(`${tenantId}\n${key}`),
      tenant_id: tenantId,
      body_sha256: bodySha256,
      report_id: candidateReportId,
      created_at: now,
    };
    try {
      await this.keys.insertOne(doc);
      return { reportId: candidateReportId, replay: false };
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    // By `_id` alone, which names the tenant already: FerretDB scans the collection for any other filter.
    const existing = await this.keys.findOne({ _id: doc._id });
    if (!existing) return this.claim(tenantId, key, bodySha256, candidateReportId, now);
    if (now.getTime() - existing.created_at.getTime() > KEY_LIFETIME_MS) {
      // Expired: the key starts over, unless another request renewed it first.
      const renewed = await this.keys.replaceOne({ _id: doc._id, created_at: existing.created_at }, doc);
      if (renewed.modifiedCount === 1) return { reportId: candidateReportId, replay: false };
      return this.claim(tenantId, key, bodySha256, candidateReportId, now);
    }
    if (existing.body_sha256 !== bodySha256) {
      throw new AppError(
        'idempotency_key_reused',
        'Idempotency-Key: this key was used with a different request body; use a new key for a new request',
        { field: 'Idempotency-Key' },
      );
    }
    return { reportId: existing.report_id, replay: true };
  }
}
