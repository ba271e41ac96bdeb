import type { ArtifactStore, Clock } from '../../activities/ports';
import { importError, type ScannerFormat } from '../domain/importers/types';
import { importEnded, type ImportRecord } from '../domain/imports';
import { importPartKey, importPrefix } from '../domain/storage-keys';
import { stageUpload } from '../infra/import/staged-upload';
import type { ImportWorkflows } from '../infra/temporal/import-workflows';
import type { TenantQuotas } from './tenant-quotas';

/** Import jobs as this use case needs them (MongoImportsRepo). */
export interface ImportJobsRepo {
  insert(r: ImportRecord): Promise<void>;
  get(tenantId: string, importId: string): Promise<ImportRecord | undefined>;
  markQueued(importId: string, upload: ImportRecord['upload']): Promise<void>;
  markFailed(importId: string, error: NonNullable<ImportRecord['error']>, at: Date): Promise<void>;
  deleteQueued(tenantId: string, importId: string): Promise<void>;
  listWaitingBefore(before: Date, limit: number): Promise<ImportRecord[]>;
}

/** What starting and following imports needs. */
export interface ImportJobsDeps {
  imports: ImportJobsRepo;
  workflows: ImportWorkflows;
  store: ArtifactStore;
  quotas: Pick<TenantQuotas, 'takeImport' | 'releaseImport' | 'checkStored'>;
  clock: Clock;
  newImportId: () => string;
  /** Largest upload taken. */
  maxBytes: number;
}

/** What the caller asks of an import. */
export interface ImportRequest {
  tenantId: string;
  endpointId: string;
  format?: ScannerFormat;
  runStartedAt?: string;
  includeEvals: boolean;
}

/** How often {@link ImportJobs.waitFor} looks again, at most. */
const WAIT_POLL_MS = 500;
/** How long an upload may take to arrive, or a queued import to start, before the reconciler steps in. */
const WAITING_GRACE_MS = 10 * 60_000;

/**
 * Imports as durable jobs: the upload is staged encrypted in the tenant's storage while it arrives (never on the
 * API's disk, never whole in its memory), then a workflow `import-<id>` reads and stores it on a worker. The API
 * answers at once with the job, which the caller follows; a worker that dies mid-import resumes it. Every step
 * that can be cut short is made good: an import whose upload never arrived whole, or whose workflow never
 * started, is found by {@link reconcileImports}.
 */
export class ImportJobs {
  constructor(private readonly deps: ImportJobsDeps) {}

  /** Stages an upload and starts its import; answers the job, queued. Refused (nothing kept) when the tenant is at
   * a quota, when the upload is empty or too large, or when Temporal cannot be reached. */
  async start(request: ImportRequest, body: AsyncIterable<Buffer | string>): Promise<ImportRecord> {
    const { imports, store, quotas, clock } = this.deps;
    const { tenantId } = request;
    await quotas.checkStored(tenantId, 0);
    const id = this.deps.newImportId();
    await quotas.takeImport(tenantId, id);
    const now = clock.now();
    const record: ImportRecord = {
      id,
      tenantId,
      endpointId: request.endpointId,
      status: 'receiving',
      options: {
        ...(request.format ? { format: request.format } : {}),
        // Dated once, now: a retried or resumed import dates a hitlog's hits as its first attempt did.
        runStartedAt: request.runStartedAt ?? now.toISOString(),
        includeEvals: request.includeEvals,
      },
      upload: { bytes: 0, sha256: '', parts: 0 },
      createdAt: now,
      progress: { phase: 'receiving', bytesRead: 0, bytesTotal: 0, findings: 0 },
    };
    try {
      await imports.insert(record);
      const upload = await stageUpload(
        body,
        store,
        (n) => importPartKey(tenantId, id, n),
        importPrefix(tenantId, id),
        this.deps.maxBytes,
      );
      if (upload.bytes === 0) throw importError(0, 'the file is empty');
      await imports.markQueued(id, upload);
      await this.deps.workflows.start({ tenantId, importId: id });
      return {
        ...record,
        status: 'queued',
        upload,
        progress: { ...record.progress, phase: 'queued', bytesTotal: upload.bytes },
      };
    } catch (err) {
      await Promise.allSettled([
        imports.deleteQueued(tenantId, id),
        store.deletePrefix(importPrefix(tenantId, id)),
        quotas.releaseImport(tenantId, id),
      ]);
      throw err;
    }
  }

  /** The tenant's import, or undefined (also for another tenant's). */
  get(tenantId: string, importId: string): Promise<ImportRecord | undefined> {
    return this.deps.imports.get(tenantId, importId);
  }

  /** The import once it has ended, or as it stands after `seconds`. */
  async waitFor(tenantId: string, importId: string, seconds: number): Promise<ImportRecord | undefined> {
    const deadline = Date.now() + seconds * 1000;
    let delay = 50;
    for (;;) {
      const record = await this.get(tenantId, importId);
      if (!record || importEnded(record.status) || Date.now() >= deadline) return record;
      await new Promise((resolve) => setTimeout(resolve, Math.min(delay, Math.max(0, deadline - Date.now()))));
      delay = Math.min(delay * 2, WAIT_POLL_MS);
    }
  }
}

/**
 * Makes good imports cut short between their steps: one whose upload never arrived whole (the API stopped while it
 * was being received) ends failed, with its staged parts removed and its slot given back; one queued whose
 * workflow never started gets it started. Safe anywhere, any number of times. Returns how many it dealt with.
 */
export async function reconcileImports(
  deps: Pick<ImportJobsDeps, 'imports' | 'workflows' | 'store' | 'clock'> & {
    quotas: Pick<TenantQuotas, 'releaseImport'>;
  },
): Promise<number> {
  const { imports, store, quotas, clock } = deps;
  const stale = await imports.listWaitingBefore(new Date(clock.now().getTime() - WAITING_GRACE_MS), 100);
  let dealt = 0;
  for (const r of stale) {
    if (r.status === 'receiving') {
      await imports.markFailed(
        r.id,
        { code: 'unavailable', message: 'the upload was cut off before it arrived whole; upload the file again' },
        clock.now(),
      );
      await store.deletePrefix(importPrefix(r.tenantId, r.id));
      await quotas.releaseImport(r.tenantId, r.id);
      dealt++;
    } else if (await deps.workflows.start({ tenantId: r.tenantId, importId: r.id })) {
      dealt++;
    }
  }
  return dealt;
}
