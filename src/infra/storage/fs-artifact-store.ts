import { randomBytes } from 'node:crypto';
import { promises as fs, type Dirent } from 'node:fs';
import path from 'node:path';
import type { ArtifactStore } from '../../../activities/ports';
import { AppError } from '../../domain/errors';
import { openEnvelope, sealEnvelope, type MasterKey } from './envelope';
import { checkObjectKey, checkObjectPrefix } from './object-keys';

/** Artifact store on the local filesystem: one file per key under a root folder, so the per-tenant key layout
 * becomes per-tenant directories. Every file is an envelope (see {@link sealEnvelope}): encrypted under a data key
 * of its own, wrapped by the master key, both bound to the object key, so the bytes on disk reveal nothing and a
 * file copied under another key does not open. Writes go to a temporary file first and are renamed into place, so
 * a crash never leaves a half-written artifact under its real key. */
export class FsArtifactStore implements ArtifactStore {
  private readonly root: string;

  /** `previousKeys` open files sealed before a rotation; everything written is sealed under `masterKey`. */
  constructor(
    root: string,
    private readonly masterKey: MasterKey,
    private readonly previousKeys: readonly MasterKey[] = [],
  ) {
    this.root = path.resolve(root);
  }

  private pathOf(key: string): string {
    const full = path.resolve(this.root, key);
    // The key rules already keep every key inside; this catches a rule loosened by mistake.
    if (!full.startsWith(this.root + path.sep)) throw new Error(`storage key "${key}" escapes the store`);
    return full;
  }

  // The content type is not kept: a file store serves what the report records.
  async put(key: string, body: Buffer, _contentType: string): Promise<void> {
    const target = this.pathOf(checkObjectKey(key));
    const sealed = sealEnvelope(this.masterKey, key, body);
    await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
    const temp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await fs.writeFile(temp, sealed, { mode: 0o600, flag: 'wx' });
      await fs.rename(temp, target);
    } catch (err) {
      await fs.rm(temp, { force: true });
      throw err;
    }
  }

  async get(key: string): Promise<Buffer> {
    let sealed: Buffer;
    try {
      sealed = await fs.readFile(this.pathOf(checkObjectKey(key)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new AppError('artifact_missing', `no stored object at ${key}`);
      }
      throw err;
    }
    return openEnvelope([this.masterKey, ...this.previousKeys], key, sealed);
  }

  async deletePrefix(prefix: string): Promise<number> {
    const dir = this.pathOf(checkObjectPrefix(prefix));
    const count = await countFiles(dir);
    await fs.rm(dir, { recursive: true, force: true });
    return count;
  }
}

async function countFiles(dir: string): Promise<number> {
  let entries: Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  let n = 0;
  for (const e of entries) n += e.isDirectory() ? await countFiles(path.join(dir, e.name)) : 1;
  return n;
}
