import type { Db } from 'mongodb';
import type { ArtifactStore } from '../../../activities/ports';
import { AppError } from '../../domain/errors';
import { stagingKey } from '../../domain/storage-keys';
import { isDuplicateKey } from '../mongo/idempotency-repo';

/** The marker in `migrations` saying that the models staged before the staging store existed were moved into it. */
export const STAGED_MODELS_MOVED = '2027-02-staged-models-to-staging-store';

/** How often a render worker looks for that marker while it waits. */
const MARKER_POLL_MS = 2_000;

/**
 * Moves into the staging store the model of every PDF report still running whose model an earlier version staged
 * in the artifact store (under the master key, which the render worker does not hold), then marks the move done.
 * Such a report's render, queued or about to be, then finds its model where the render worker reads. Run by the
 * steps worker at start-up, before it takes work; once per database, as migrations are (a rolling upgrade that
 * keeps earlier workers running after it would stage more such models: stop them first). Copies, never moves: the
 * steps worker still reads the original if the copy is missing. Returns how many models it copied.
 */
export async function moveEarlierStagedModels(
  db: Db,
  stores: { artifacts: ArtifactStore; staging: ArtifactStore },
): Promise<number> {
  const done = db.collection<{ _id: string; at: Date }>('migrations');
  if (await done.findOne({ _id: STAGED_MODELS_MOVED })) return 0;
  let copied = 0;
  // Reads every report once (FerretDB answers no other filter from an index); once per database.
  const running = db
    .collection<{ _id: string; tenant_id: string }>('reports')
    .find({ status: 'running', format: 'pdf' }, { projection: { _id: 1, tenant_id: 1 } });
  for await (const report of running) {
    const key = stagingKey(report.tenant_id, report._id, 'model.json');
    if (await present(stores.staging, key)) continue;
    const earlier = await readIfPresent(stores.artifacts, key);
    if (!earlier) continue;
    await stores.staging.put(key, earlier, 'application/json');
    copied++;
  }
  try {
    await done.insertOne({ _id: STAGED_MODELS_MOVED, at: new Date() });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
  return copied;
}

/** Waits until a steps worker has moved the models staged before the staging store (see
 * {@link moveEarlierStagedModels}), so that a render worker never takes a render whose model it could not open.
 * Calls `waiting` once if it has to wait. */
export async function stagedModelsMoved(
  db: Db,
  opts: { waiting: () => void; signal?: AbortSignal; pollMs?: number },
): Promise<void> {
  const done = db.collection<{ _id: string }>('migrations');
  let told = false;
  while (!(await done.findOne({ _id: STAGED_MODELS_MOVED }))) {
    if (opts.signal?.aborted) throw new Error('stopped while waiting for a steps worker');
    if (!told) opts.waiting();
    told = true;
    await new Promise((resolve) => setTimeout(resolve, opts.pollMs ?? MARKER_POLL_MS));
  }
}

async function present(store: ArtifactStore, key: string): Promise<boolean> {
  return (await readIfPresent(store, key)) !== undefined;
}

async function readIfPresent(store: ArtifactStore, key: string): Promise<Buffer | undefined> {
  try {
    return await store.get(key);
  } catch (err) {
    if (err instanceof AppError && err.code === 'artifact_missing') return undefined;
    throw err;
  }
}
