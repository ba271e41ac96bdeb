import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ArtifactStore } from '../../../activities/ports';
import { AppError } from '../../domain/errors';

const KEY_PATTERN = /^(?:[A-Za-z0-9_.-]+\/)*[A-Za-z0-9_.-]+\/?$/;

/** Artifact store on the local filesystem: one file per key under a root folder, so the per-tenant key
 * layout becomes per-tenant directories. Writes go to a temporary file first and are renamed into place,
 * so a crash never leaves a half-written artifact under its real key. */
export class FsArtifactStore implements ArtifactStore {
  constructor(private readonly root: string) {}

  private pathOf(key: string): string {
    if (!KEY_PATTERN.test(key) || key.split('/').some((part) => part === '..' || part === '.')) {
      throw new Error(`storage key "${key}" is not allowed`);
    }
    const full = path.resolve(this.root, key);
    if (!full.startsWith(path.resolve(this.root) + path.sep)) throw new Error(`storage key "${key}" escapes the store`);
    return full;
  }

  // The content type is not kept: a file store serves what the report records.
  async put(key: string, body: Buffer, _contentType: string): Promise<void> {
    const target = this.pathOf(key);
    await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
    const temp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    await fs.writeFile(temp, body, { mode: 0o600 });
    await fs.rename(temp, target);
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await fs.readFile(this.pathOf(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new AppError('artifact_missing', `no stored object at ${key}`);
      }
      throw err;
    }
  }

  async deletePrefix(prefix: string): Promise<number> {
    const dir = this.pathOf(prefix.replace(/\/$/, ''));
    const count = await countFiles(dir);
    await fs.rm(dir, { recursive: true, force: true });
    return count;
  }
}

async function countFiles(dir: string): Promise<number> {
  let entries: import('node:fs').Dirent[];
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
