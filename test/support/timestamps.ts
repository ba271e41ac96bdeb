import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { tsaEnv } from './stack';

const run = promisify(execFile);

/** Checks an RFC 3161 token with `openssl ts -verify` against the test stack's authority chain (its root trusted,
 * the rest offered as untrusted intermediates), for the SHA-256 digest given as hex. Returns what openssl printed,
 * which says `Verification: OK` or `Verification: FAILED` with the reason. */
export async function opensslVerifyToken(token: Buffer, digestHex: string): Promise<string> {
  const chain = (await fs.readFile(tsaEnv().chain, 'utf8')).match(
    /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g,
  );
  if (!chain || chain.length !== 3) throw new Error(`${tsaEnv().chain} does not hold a three-certificate chain`);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ts-verify-'));
  try {
    const [root, untrusted, tokenFile] = ['root.pem', 'untrusted.pem', 'token.der'].map((f) => path.join(dir, f));
    await fs.writeFile(root!, `${chain[2]}\n`);
    await fs.writeFile(untrusted!, `${chain[0]}\n${chain[1]}\n`);
    await fs.writeFile(tokenFile!, token);
    const args = ['ts', '-verify', '-token_in', '-in', tokenFile!, '-digest', digestHex];
    try {
      const { stdout, stderr } = await run('openssl', [...args, '-CAfile', root!, '-untrusted', untrusted!]);
      return `${stdout}${stderr}`;
    } catch (err) {
      const failed = err as { stdout?: string; stderr?: string };
      return `${failed.stdout ?? ''}${failed.stderr ?? ''}`;
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
