import { MongoClient, type Db } from 'mongodb';
import { migrate } from './migrations';

/** A connected database and the client that owns it. */
export interface Database {
  client: MongoClient;
  db: Db;
}

/** Connects to a MongoDB-compatible server, makes sure the indexes every hot query needs exist, and brings stored
 * data up to what this version reads (migrations.ts). With `prepare: false` it only connects: the render worker
 * reads and writes two collections by `_id`, and needs neither the rights nor the time to prepare the rest. */
export async function connectDatabase(
  url: string,
  dbName: string,
  opts: { prepare?: boolean } = {},
): Promise<Database> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 5_000, appName: 'audit-evidence-reports' });
  await client.connect();
  const db = client.db(dbName);
  if (opts.prepare !== false) {
    await ensureIndexes(db);
    await migrate(db);
  }
  return { client, db };
}

/** Creates the indexes (idempotent). Only features both MongoDB and FerretDB support: plain and unique
 * compound indexes; no TTL, no collation. */
export async function ensureIndexes(db: Db): Promise<void> {
  await Promise.all([
    db.collection('reports').createIndex({ tenant_id: 1, created_at: -1, _id: -1 }, { name: 'tenant_newest' }),
    db.collection('reports').createIndex({ status: 1, created_at: 1 }, { name: 'status_age' }),
    db.collection('reports').createIndex({ tenant_id: 1, status: 1, _id: 1 }, { name: 'tenant_status' }),
    db.collection('queued_reports').createIndex({ queued_at: 1 }, { name: 'queued_age' }),
    db.collection('api_tokens').createIndex({ token_sha256: 1 }, { name: 'token_hash', unique: true }),
    db.collection('endpoints').createIndex({ tenant_id: 1, _id: 1 }, { name: 'tenant_endpoint' }),
    db.collection('endpoints').createIndex({ tenant_id: 1, name: 1 }, { name: 'tenant_endpoint_name', unique: true }),
    db.collection('audit_events').createIndex({ tenant_id: 1, report_id: 1, at: 1 }, { name: 'tenant_report' }),
  ]);
}

/**
 * Whether a server answers a filter on any field besides `_id` by reading the whole collection, and applies a
 * filtered update as a read followed by a write with nothing held between them: FerretDB 1.x does both (its
 * SQLite backend looks up only an `_id`-only filter by key). There, checking a document read by `_id` and then
 * writing it by `_id` is as safe as a filtered update and costs two key lookups instead of a scan. MongoDB
 * answers filters from indexes and applies a filtered update atomically. Asked once per database.
 */
export function scansNonIdFilters(db: Db): Promise<boolean> {
  let answer = SCANS.get(db);
  if (!answer) {
    answer = db.command({ buildInfo: 1 }).then((info) => typeof info.ferretdbVersion === 'string');
    // A failed question is asked again next time rather than remembered.
    answer.catch(() => SCANS.delete(db));
    SCANS.set(db, answer);
  }
  return answer;
}

const SCANS = new WeakMap<Db, Promise<boolean>>();
