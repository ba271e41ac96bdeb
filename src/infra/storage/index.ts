import path from 'node:path';
import type { ArtifactStore } from '../../../activities/ports';
import type { ArtifactsConfig } from '../../config';
import type { Logger } from '../logger';
import { FsArtifactStore } from './fs-artifact-store';
import { loadOrCreateMasterKey } from './master-key';

export { FsArtifactStore } from './fs-artifact-store';
export { loadOrCreateMasterKey } from './master-key';

/** Builds the configured artifact store: `fs` keeps encrypted files under `<dataDir>/artifacts` (master key from
 * the configuration, or in development generated once into `<dataDir>/keys/`), `s3` a bucket with server-side
 * encryption. Logs a warning when it generated a master key: it then sits beside the objects it protects. In
 * production the configuration refuses an `fs` store without a master key, so nothing is generated. */
export async function createArtifactStore(
  config: { dataDir: string; artifacts: ArtifactsConfig },
  logger: Pick<Logger, 'warn'>,
): Promise<ArtifactStore> {
  const { artifacts } = config;
  if (artifacts.store === 's3') {
    if (!artifacts.s3) throw new Error('ARTIFACT_STORE is s3 but the S3 settings are missing');
    // Loaded only when chosen: the AWS SDK is large, and the default filesystem store needs none of it.
    const { S3ArtifactStore } = await import('./s3-artifact-store');
    return new S3ArtifactStore(artifacts.s3);
  }
  const { masterKey, created } = await loadOrCreateMasterKey({
    configured: artifacts.masterKey,
    dataDir: config.dataDir,
  });
  if (created) {
    logger.warn(
      'development: generated an artifact master key into DATA_DIR, beside the artifacts it protects; production requires ARTIFACT_MASTER_KEY',
      { masterKeyId: masterKey.id },
    );
  }
  return new FsArtifactStore(path.join(config.dataDir, 'artifacts'), masterKey);
}
