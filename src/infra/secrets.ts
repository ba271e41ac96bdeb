import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** Returns the configured secret, or the one kept in `file`, creating it (32 random bytes, owner-only) on first
 * use. `created` tells the caller to say so in the log: a generated secret belongs to this machine only. */
export async function loadOrCreateSecret(
  configured: string | undefined,
  file: string,
): Promise<{ secret: string; created: boolean }> {
  if (configured) return { secret: configured, created: false };
  try {
    return { secret: (await fs.readFile(file, 'utf8')).trim(), created: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString('base64url');
  try {
    await fs.writeFile(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return { secret, created: true };
  } catch (err) {
    // Another process (the worker beside the server) created it first: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST')
      return { secret: (await fs.readFile(file, 'utf8')).trim(), created: false };
    throw err;
  }
}
