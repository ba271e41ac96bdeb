import { createHash } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import type { ImportedRun } from '../../domain/importers/types';
import { insertIgnoringDuplicates } from './keyed-docs';

/** The import of a run as stored: its `_id` follows from the tenant, endpoint, tool and run, so the first import
 * of a run claims it and every later one finds it by key. */
interface ImportedRunDoc {
  _id: string;
  tenant_id: string;
  endpoint_id: string;
  tool: string;
  run_key: string;
  format: ImportedRun['format'];
  file_sha256: string;
  imported_at: Date;
  import_id?: string;
  legacy?: true;
}

/** The key of a run's record. */
export function importedRunId(run: Pick<ImportedRun, 'tenantId' | 'endpointId' | 'tool' | 'runKey'>): string {
  const digest = createHash('sha256').update(JSON.stringify([run.tenantId, run.endpointId, run.tool, run.runKey]));
  return `run_${digest.digest('hex').slice(0, 40)}`;
}

function toDoc(run: ImportedRun): ImportedRunDoc {
  return {
    _id: importedRunId(run),
    tenant_id: run.tenantId,
    endpoint_id: run.endpointId,
    tool: run.tool,
    run_key: run.runKey,
    format: run.format,
    file_sha256: run.fileSha256,
    imported_at: run.importedAt,
    ...(run.importId ? { import_id: run.importId } : {}),
    ...(run.legacy ? { legacy: true as const } : {}),
  };
}

/** The runs each endpoint has had imported, so an import can say that a run's other file (garak writes a report
 * and a hitlog of every run) or the same file came in before. Read and written by key only. */
export class MongoImportedRuns {
  private readonly docs: Collection<ImportedRunDoc>;

  constructor(db: Db) {
    this.docs = db.collection<ImportedRunDoc>('imported_runs');
  }

  /** The first import of this run into this endpoint, if there was one. */
  async find(run: Pick<ImportedRun, 'tenantId' | 'endpointId' | 'tool' | 'runKey'>): Promise<ImportedRun | undefined> {
    const d = await this.docs.findOne({ _id: importedRunId(run) });
    if (!d || d.tenant_id !== run.tenantId) return undefined;
    return {
      tenantId: d.tenant_id,
      endpointId: d.endpoint_id,
      tool: d.tool,
      runKey: d.run_key,
      format: d.format,
      fileSha256: d.file_sha256,
      importedAt: d.imported_at,
      ...(d.import_id ? { importId: d.import_id } : {}),
      ...(d.legacy ? { legacy: true } : {}),
    };
  }

  /** Records imports of runs; a run already recorded keeps its first record. */
  async record(runs: readonly ImportedRun[]): Promise<void> {
    await insertIgnoringDuplicates(this.docs, runs.map(toDoc));
  }
}
