import path from 'node:path';
import type { ArtifactStore } from '../../../activities/ports';
import type { ArtifactsConfig } from '../../config';
import type { Logger } from '../logger';
import { FsArtifactStore } from './fs-artifact-store';
import { loadOrCreateMasterKey } from './master-key';

export { FsArtifactStore } from './fs-artifact-store';
export { loadOrCreateMasterKey } from './master-key';

/** Builds the configured artifact store: `fs` keeps encrypted files under `<dataDir>/artifacts` (master key from
 * the configuration, or generated once into `<dataDir>/keys/`), `s3` a bucket with server-side encryption. Logs a
 * warning when it generated a master key, since that file must then be backed up with the artifacts. */
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
      'generated an artifact master key for this machine; back it up with the artifacts, or set ARTIFACT_MASTER_KEY',
      { masterKeyId: masterKey.id },
    );
  }
  return new FsArtifactStore(path.join(config.dataDir, 'artifacts'), masterKey);
}
