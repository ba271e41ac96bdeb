import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { masterKeyFrom, type MasterKey } from './envelope';

/** Where the generated master key lives under the data directory. */
export const LOCAL_MASTER_KEY_FILE = path.join('keys', 'artifact-master.key');
/** Where the generated staging key lives under the data directory. */
export const LOCAL_STAGING_KEY_FILE = path.join('keys', 'staging.key');

/** Returns the configured master key (base64 of 32 bytes), or the one kept at `<dataDir>/keys/artifact-master.key`,
 * generating it (32 random bytes, owner-only file in an owner-only folder) on first use. `created` tells the caller
 * to log it: losing that file makes every artifact sealed under it unreadable. `key` names another key kept the same
 * way (the staging key): its variable, for messages, and its file under the data directory. */
export async function loadOrCreateMasterKey(opts: {
  configured?: string;
  dataDir: string;
  key?: { variable: string; file: string };
}): Promise<{ masterKey: MasterKey; created: boolean }> {
  const { variable, file: localFile } = opts.key ?? { variable: 'ARTIFACT_MASTER_KEY', file: LOCAL_MASTER_KEY_FILE };
  if (opts.configured) return { masterKey: decode(opts.configured, variable), created: false };

  const file = path.join(opts.dataDir, localFile);
  const existing = await readIfPresent(file);
  if (existing !== undefined) return { masterKey: decode(existing, file), created: false };

  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  // mkdir's mode is filtered by the umask and ignored for a folder that already exists.
  await fs.chmod(path.dirname(file), 0o700);
  const encoded = randomBytes(32).toString('base64');
  // Written whole to a private temporary file, then linked into place: link() fails if the name exists, so of two
  // processes starting together (API and worker) one wins and the other reads a complete file, never half of one.
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await fs.writeFile(tmp, `${encoded}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await fs.link(tmp, file);
    return { masterKey: decode(encoded, file), created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return { masterKey: decode(await fs.readFile(file, 'utf8'), file), created: false };
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

function decode(encoded: string, source: string): MasterKey {
  const text = encoded.trim();
  const bytes = Buffer.from(text, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || bytes.length !== 32) {
    throw new Error(`${source} must hold base64 of exactly 32 bytes`);
  }
  return masterKeyFrom(bytes);
}

async function readIfPresent(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
