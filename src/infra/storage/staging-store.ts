import path from 'node:path';
import type { ArtifactStore } from '../../../activities/ports';
import type { StagingConfig } from '../../config';
import { AppError } from '../../domain/errors';
import type { Logger } from '../logger';
import { openEnvelope, sealEnvelope, type MasterKey } from './envelope';
import { FsArtifactStore } from './fs-artifact-store';
import { LOCAL_STAGING_KEY_FILE, loadOrCreateMasterKey } from './master-key';

/** Where the staging store lives in the bucket: a prefix of its own, so that credentials restricted to it reach
 * nothing else. */
export const STAGING_BUCKET_PREFIX = 'staging/';
/** Where the staging store lives on the filesystem, under the data directory: a folder of its own, which a render
 * worker can be given without the artifacts beside it. */
export const STAGING_DIR = 'staging';

/**
 * Builds the staging store: where the objects the steps worker and the render worker hand each other wait (the
 * report model, the printed PDF), on the artifacts' backend but apart from the artifacts, each object sealed under
 * the staging key (a data key of its own, wrapped by the staging key, bound to the object's key, as the file store
 * does with the master key). The render worker is given this store alone, so it never needs the master key, and what
 * it can open is only what is in flight. `staging.previousKey` opens objects sealed before a rotation. In development
 * a missing staging key is generated into `<dataDir>/keys/staging.key`, with a warning; production requires it.
 */
export async function createStagingStore(
  config: { dataDir: string; staging: StagingConfig },
  logger: Pick<Logger, 'warn'>,
): Promise<ArtifactStore> {
  const { staging, dataDir } = config;
  const { masterKey: key, created } = await loadOrCreateMasterKey({
    configured: staging.key,
    dataDir,
    key: { variable: 'STAGING_KEY', file: LOCAL_STAGING_KEY_FILE },
  });
  if (created) {
    logger.warn('development: generated a staging key into DATA_DIR; production requires STAGING_KEY', {
      stagingKeyId: key.id,
    });
  }
  const previous = staging.previousKey
    ? [
        (
          await loadOrCreateMasterKey({
            configured: staging.previousKey,
            dataDir,
            key: { variable: 'STAGING_KEY_PREVIOUS', file: LOCAL_STAGING_KEY_FILE },
          })
        ).masterKey,
      ]
    : [];
  if (staging.store === 's3') {
    if (!staging.s3) throw new Error('ARTIFACT_STORE is s3 but the S3 settings are missing');
    // Loaded only when chosen: the AWS SDK is large, and the default filesystem store needs none of it.
    const { S3ArtifactStore } = await import('./s3-artifact-store');
    return new SealedStore(new S3ArtifactStore({ ...staging.s3, keyPrefix: STAGING_BUCKET_PREFIX }), key, previous);
  }
  return new FsArtifactStore(path.join(dataDir, STAGING_DIR), key, previous);
}

/** A store whose objects are sealed before they reach `inner` and opened when read back: the bucket's own
 * encryption is under a key that anyone holding the bucket's credentials uses, this one is not. Objects cannot be
 * served from the bucket directly, so there is no `presignGet`. */
export class SealedStore implements ArtifactStore {
  constructor(
    private readonly inner: ArtifactStore,
    private readonly key: MasterKey,
    private readonly previousKeys: readonly MasterKey[] = [],
  ) {}

  async put(key: string, body: Buffer, _contentType: string): Promise<void> {
    await this.inner.put(key, sealEnvelope(this.key, key, body), 'application/octet-stream');
  }

  async get(key: string): Promise<Buffer> {
    return openEnvelope([this.key, ...this.previousKeys], key, await this.inner.get(key));
  }

  deletePrefix(prefix: string): Promise<number> {
    return this.inner.deletePrefix(prefix);
  }
}

/**
 * The staging store as the steps worker reads it: an object not found there is read from the artifact store, where
 * every staged object lived before the staging store existed. A report in flight across that upgrade (its model
 * staged by the earlier version, its PDF printed by it) therefore goes on; writes and deletes go to the staging store
 * only. Only the steps worker, which holds both keys, reads this way; the render worker reads what the steps worker
 * moved for it (see `staging-upgrade.ts`).
 */
export function withArtifactStoreFallback(staging: ArtifactStore, artifacts: ArtifactStore): ArtifactStore {
  return {
    put: (key, body, contentType) => staging.put(key, body, contentType),
    async get(key) {
      try {
        return await staging.get(key);
      } catch (err) {
        if (!(err instanceof AppError) || err.code !== 'artifact_missing') throw err;
        return artifacts.get(key);
      }
    },
    deletePrefix: (prefix) => staging.deletePrefix(prefix),
  };
}
