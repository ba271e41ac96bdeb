import { createHash } from 'node:crypto';
import type { ArtifactStore } from '../../../activities/ports';
import { AppError } from '../../domain/errors';
import type { StagedUpload } from '../../domain/imports';
import type { ByteSource } from './byte-source';

/** Size of each staged part: what the API holds of an upload at once, and what a worker reads at once. Each part
 * is copied a few times on its way into and out of the store (joined, sealed, opened), so a small part keeps what
 * an import holds small; 1 MiB parts of a 100 MB upload are a hundred objects. */
export const PART_BYTES = 1024 * 1024;

/** Where an upload's parts go: part `n`'s key. */
export type PartKey = (n: number) => string;

/**
 * Copies an upload into the artifact store as parts of {@link PART_BYTES} (each encrypted at rest as every object
 * of the store is), counting and hashing it on the way: the API never keeps an upload on its own disk or whole in
 * memory. Past `maxBytes` it stops, removes what it had staged (`prefix`) and refuses the upload with
 * `payload_too_large`; any other failure removes it too.
 */
export async function stageUpload(
  body: AsyncIterable<Buffer | string>,
  store: ArtifactStore,
  partKey: PartKey,
  prefix: string,
  maxBytes: number,
): Promise<StagedUpload> {
  const hash = createHash('sha256');
  let bytes = 0;
  let parts = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = async (): Promise<void> => {
    if (pendingBytes === 0) return;
    const part = pending.length === 1 ? pending[0] : Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    await store.put(partKey(parts++), part, 'application/octet-stream');
  };
  try {
    for await (const raw of body) {
      const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
      bytes += chunk.length;
      if (bytes > maxBytes) throw new AppError('payload_too_large', `the file is larger than ${maxBytes} bytes`);
      hash.update(chunk);
      let at = 0;
      while (at < chunk.length) {
        const take = Math.min(chunk.length - at, PART_BYTES - pendingBytes);
        pending.push(chunk.subarray(at, at + take));
        pendingBytes += take;
        at += take;
        if (pendingBytes === PART_BYTES) await flush();
      }
    }
    await flush();
  } catch (err) {
    await store.deletePrefix(prefix).catch(() => undefined);
    throw err;
  }
  return { bytes, sha256: hash.digest('hex'), parts };
}

/** A staged upload as a source an import reads, a part at a time. A part missing, or bytes that do not add up
 * to what was staged, is an `artifact_missing` / `artifact_corrupt` error rather than a file read short. */
export function stagedSource(store: ArtifactStore, partKey: PartKey, upload: StagedUpload): ByteSource {
  return {
    size: upload.bytes,
    async *chunks() {
      let bytes = 0;
      for (let n = 0; n < upload.parts; n++) {
        const part = await store.get(partKey(n));
        bytes += part.length;
        yield part;
      }
      if (bytes !== upload.bytes) {
        throw new AppError('artifact_corrupt', `the staged upload holds ${bytes} bytes; ${upload.bytes} were staged`);
      }
    },
  };
}
