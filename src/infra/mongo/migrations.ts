import type { Db } from 'mongodb';
import type { ImportedRun } from '../../domain/importers/types';
import type { FindingDoc } from './findings-repo';
import { MongoImportedRuns } from './import-runs-repo';
import { isDuplicateKey } from './idempotency-repo';

/** A one-time change to stored data, applied once per database: its marker in `migrations` says it is done. */
interface Migration {
  id: string;
  run(db: Db): Promise<void>;
}

/** A finding id of the dated form (`fnd_2026_…`) every finding had before imported findings were identified by
 * their run and item alone. */
const DATED_FINDING_ID = /^fnd_\d{4}_/;

/**
 * Imports made before runs were recorded become records of their runs, marked legacy: their findings' ids carry
 * the year of the time they were dated with, so a later import of the same run cannot match them one by one, and
 * stores none of them instead of storing each hit a second time. Reads every stored finding once.
 */
const legacyImportedRuns: Migration = {
  id: '2026-12-imported-runs-from-findings',
  async run(db) {
    const runs = new Map<string, ImportedRun>();
    const cursor = db
      .collection<FindingDoc>('findings')
      .find(
        { 'source.file_sha256': { $exists: true } },
        { projection: { _id: 1, tenant_id: 1, endpoint_id: 1, source: 1, stored_at: 1 } },
      );
    for await (const d of cursor) {
      if (!DATED_FINDING_ID.test(d._id) || !d.source?.file_sha256) continue;
      const run: ImportedRun = {
        tenantId: d.tenant_id,
        endpointId: d.endpoint_id,
        tool: d.source.tool,
        runKey: d.source.run_id ?? `file:${d.source.file_sha256}`,
        format: 'unknown',
        fileSha256: d.source.file_sha256,
        importedAt: d.stored_at ?? new Date(0),
        legacy: true,
      };
      const key = JSON.stringify([run.tenantId, run.endpointId, run.tool, run.runKey]);
      const known = runs.get(key);
      if (!known || run.importedAt < known.importedAt) runs.set(key, run);
    }
    await new MongoImportedRuns(db).record([...runs.values()]);
  },
};

const MIGRATIONS: readonly Migration[] = [legacyImportedRuns];

/** Applies the migrations this database has not had, in order. Safe to run from several processes at once: each
 * migration's writes are idempotent, and its marker is written after them. */
export async function migrate(db: Db): Promise<void> {
  const done = db.collection<{ _id: string; at: Date }>('migrations');
  for (const m of MIGRATIONS) {
    if (await done.findOne({ _id: m.id })) continue;
    await m.run(db);
    try {
      await done.insertOne({ _id: m.id, at: new Date() });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }
}
