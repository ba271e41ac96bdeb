import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK, type KeyLike } from 'jose';

/** The only algorithm artifact signatures use: ECDSA on P-256 with SHA-256. */
export const JWS_ALG = 'ES256';

/** A private key that signs artifacts, named by its key id. */
export interface JwsSigningKey {
  kid: string;
  privateKey: KeyLike;
}

/** The public part of a signing key as published in the JWKS. */
export interface PublicJwk extends JWK {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  kid: string;
  alg: typeof JWS_ALG;
  use: 'sig';
}

/** The artifact signing keys: the newest one signs; all of them verify. */
export interface JwsKeyRing {
  /** The newest key: the one new artifacts are signed with. */
  readonly current: JwsSigningKey;
  /** The public part of every key, newest first, so artifacts signed before a rotation still verify. */
  publicJwks(): { keys: PublicJwk[] };
  /** Generates and stores a new key, makes it current and returns its kid. Earlier keys stay published. */
  rotate(): Promise<string>;
}

/** A key file: the private JWK plus when it was made, which orders keys without trusting file times. */
interface KeyFile {
  jwk: JWK;
  createdAt: string;
}

interface StoredKey {
  kid: string;
  createdAt: string;
  privateKey: KeyLike;
  publicJwk: PublicJwk;
}

const KEY_DIR = 'jws';
const KEY_FILE_SUFFIX = '.private.jwk.json';
/** A kid is a base64url SHA-256 thumbprint: 43 characters. */
const KEY_FILE_PATTERN = /^([A-Za-z0-9_-]{43})\.private\.jwk\.json$/;

/** Loads the artifact signing keys kept under `<dir>/jws/`, generating a first key when there is none (see
 * {@link loadJwsKeys}). */
export async function loadOrCreateJwsKeys(dir: string): Promise<{ keys: JwsKeyRing; created: boolean }> {
  return loadJwsKeys(path.join(dir, KEY_DIR), { create: true });
}

/** Loads the artifact signing keys kept in `keyDir` (one `<kid>.private.jwk.json` per key, mode 0600). With `create`
 * (development), the folder is made owner-only and a first key is generated when there is none; `created` says
 * whether one was. Without it (production), the folder is only read, so it may be a read-only mount, and having no
 * key is an error. A kid is the key's RFC 7638 thumbprint. Throws when a key file is unreadable or does not hold
 * the key its name says. */
export async function loadJwsKeys(
  keyDir: string,
  opts: { create: boolean },
): Promise<{ keys: JwsKeyRing; created: boolean }> {
  if (!opts.create) {
    const stored = await readKeys(keyDir).catch((err: NodeJS.ErrnoException) => {
      throw err.code === 'ENOENT' ? new Error(`JSON signing key folder ${keyDir} does not exist`) : err;
    });
    if (stored.length === 0) {
      throw new Error(`JSON signing key folder ${keyDir} holds no key (create one with cli new-jws-key ${keyDir})`);
    }
    return { keys: new KeyRing(keyDir, stored), created: false };
  }
  await fs.mkdir(keyDir, { recursive: true, mode: 0o700 });
  // mkdir's mode is filtered by the umask and ignored for a directory that already exists.
  await fs.chmod(keyDir, 0o700);

  let stored = await readKeys(keyDir);
  let created = false;
  if (stored.length === 0) {
    await writeKey(keyDir, await generateKey(new Date()));
    created = true;
    // Re-read rather than trust what was written: a process starting at the same moment may have added its own
    // first key, and every process must then agree on which one is current.
    stored = await readKeys(keyDir);
  }
  return { keys: new KeyRing(keyDir, stored), created };
}

class KeyRing implements JwsKeyRing {
  constructor(
    private readonly keyDir: string,
    private keys: StoredKey[],
  ) {}

  get current(): JwsSigningKey {
    const { kid, privateKey } = this.keys[0];
    return { kid, privateKey };
  }

  publicJwks(): { keys: PublicJwk[] } {
    return { keys: this.keys.map((k) => ({ ...k.publicJwk })) };
  }

  async rotate(): Promise<string> {
    // A clock that steps back must not leave the new key ordered behind the one it replaces.
    const after = Date.parse(this.keys[0].createdAt) + 1;
    const key = await generateKey(new Date(Math.max(Date.now(), after)));
    await writeKey(this.keyDir, key);
    this.keys = sortNewestFirst([key, ...this.keys.filter((k) => k.kid !== key.kid)]);
    return key.kid;
  }
}

function sortNewestFirst(keys: StoredKey[]): StoredKey[] {
  return [...keys].sort((a, b) =>
    a.createdAt !== b.createdAt ? (a.createdAt < b.createdAt ? 1 : -1) : a.kid < b.kid ? -1 : 1,
  );
}

async function generateKey(at: Date): Promise<StoredKey> {
  const { privateKey } = await generateKeyPair(JWS_ALG, { extractable: true });
  return toStoredKey(await exportJWK(privateKey), at.toISOString());
}

async function toStoredKey(jwk: JWK, createdAt: string): Promise<StoredKey> {
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.x || !jwk.y || !jwk.d) {
    throw new Error('not an EC P-256 private key');
  }
  const publicPart = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
  const kid = await calculateJwkThumbprint(publicPart, 'sha256');
  const privateKey = await importJWK({ ...publicPart, d: jwk.d }, JWS_ALG);
  if (privateKey instanceof Uint8Array) throw new Error('not an asymmetric key');
  return {
    kid,
    createdAt,
    privateKey,
    publicJwk: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, kid, alg: JWS_ALG, use: 'sig' },
  };
}

/** Writes a key file so that no reader ever sees half of it and no existing key is ever replaced: the content goes
 * to a private temporary file first, which is then hard-linked to its final name (failing if that exists). */
async function writeKey(keyDir: string, key: StoredKey): Promise<void> {
  const file: KeyFile = {
    jwk: { ...(await exportJWK(key.privateKey)), kid: key.kid, alg: JWS_ALG, use: 'sig' },
    createdAt: key.createdAt,
  };
  const temporary = path.join(keyDir, `.${key.kid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await fs.open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(file, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.link(temporary, path.join(keyDir, `${key.kid}${KEY_FILE_SUFFIX}`));
  } finally {
    await fs.unlink(temporary);
  }
}

async function readKeys(keyDir: string): Promise<StoredKey[]> {
  const keys: StoredKey[] = [];
  for (const name of await fs.readdir(keyDir)) {
    const match = KEY_FILE_PATTERN.exec(name);
    if (!match) continue;
    const file = path.join(keyDir, name);
    let parsed: KeyFile;
    try {
      parsed = JSON.parse(await fs.readFile(file, 'utf8')) as KeyFile;
    } catch (err) {
      throw new Error(`JWS key file ${file} is not readable JSON: ${(err as Error).message}`);
    }
    if (typeof parsed?.createdAt !== 'string' || Number.isNaN(Date.parse(parsed.createdAt))) {
      throw new Error(`JWS key file ${file}: createdAt must be an ISO timestamp`);
    }
    let key: StoredKey;
    try {
      key = await toStoredKey(parsed.jwk ?? {}, parsed.createdAt);
    } catch (err) {
      throw new Error(`JWS key file ${file}: ${(err as Error).message}`);
    }
    // The name is what the JWKS and every signature point at; a file holding another key would break them all.
    if (key.kid !== match[1]) throw new Error(`JWS key file ${file} holds the key with kid ${key.kid}`);
    keys.push(key);
  }
  return sortNewestFirst(keys);
}
