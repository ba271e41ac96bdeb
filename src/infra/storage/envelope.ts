import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { AppError } from '../../domain/errors';

/** A key-encryption key: wraps the per-object data keys. `id` names it in every object it sealed, so a read
 * under another master key fails with a message that says so instead of a bare authentication error. */
export interface MasterKey {
  readonly id: string;
  readonly key: Buffer;
}

const MAGIC = Buffer.from('AEV1', 'ascii');
const VERSION = 1;
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Hex characters of the master key's fingerprint kept in each header. */
const KEY_ID_CHARS = 16;
const ALGORITHM = 'aes-256-gcm';

/** Makes a master key from 32 raw bytes; its id is a truncated SHA-256 fingerprint, which names the key without
 * revealing it. Throws when the length is wrong. */
export function masterKeyFrom(bytes: Buffer): MasterKey {
  if (bytes.length !== KEY_BYTES)
    throw new Error(`an artifact master key must be ${KEY_BYTES} bytes, got ${bytes.length}`);
  const id = createHash('sha256').update('artifact-master-key\0').update(bytes).digest('hex').slice(0, KEY_ID_CHARS);
  return Object.freeze({ id, key: Buffer.from(bytes) });
}

/** Encrypts `plaintext` for storage under `objectKey`: a fresh random data key encrypts the content with
 * AES-256-GCM, and the master key wraps that data key with AES-256-GCM. Both use the header and the object key as
 * additional authenticated data, so a sealed object (or just its wrapped key) moved to another key — another
 * tenant's, another report's — no longer opens.
 *
 * Layout (version 1): `"AEV1"`, version byte, key-id length byte, key id (ASCII), wrap IV (12), wrapped data key
 * (32), wrap tag (16), content IV (12), content tag (16), ciphertext. */
export function sealEnvelope(master: MasterKey, objectKey: string, plaintext: Buffer): Buffer {
  const fixed = fixedHeader(master.id);
  const dataKey = randomBytes(KEY_BYTES);
  try {
    const wrapIv = randomBytes(IV_BYTES);
    const wrap = createCipheriv(ALGORITHM, master.key, wrapIv, { authTagLength: TAG_BYTES });
    wrap.setAAD(aad(fixed, 'wrap', objectKey));
    const wrappedKey = Buffer.concat([wrap.update(dataKey), wrap.final()]);
    const wrapTag = wrap.getAuthTag();

    const contentIv = randomBytes(IV_BYTES);
    const content = createCipheriv(ALGORITHM, dataKey, contentIv, { authTagLength: TAG_BYTES });
    content.setAAD(aad(fixed, 'content', objectKey));
    const ciphertext = Buffer.concat([content.update(plaintext), content.final()]);
    return Buffer.concat([fixed, wrapIv, wrappedKey, wrapTag, contentIv, content.getAuthTag(), ciphertext]);
  } finally {
    dataKey.fill(0);
  }
}

/** Decrypts what {@link sealEnvelope} stored under `objectKey`, with whichever of `keys` sealed it (a key and those
 * it replaced, while objects sealed under them remain). Throws `AppError('artifact_corrupt')` when the bytes are not
 * an envelope, were sealed under none of the keys, were sealed for another object key, or were changed in any way. */
export function openEnvelope(keys: MasterKey | readonly MasterKey[], objectKey: string, sealed: Buffer): Buffer {
  const header = parseHeader(sealed, objectKey);
  const ring = Array.isArray(keys) ? (keys as readonly MasterKey[]) : [keys as MasterKey];
  const master = ring.find((k) => k.id === header.keyId);
  if (!master) {
    const configured =
      ring.length === 1
        ? `the configured key is ${ring[0].id}`
        : `the configured keys are ${ring.map((k) => k.id).join(', ')}`;
    throw corrupt(objectKey, `it was sealed under master key ${header.keyId}, and ${configured}`);
  }
  let dataKey: Buffer | undefined;
  try {
    const unwrap = createDecipheriv(ALGORITHM, master.key, header.wrapIv, { authTagLength: TAG_BYTES });
    unwrap.setAAD(aad(header.fixed, 'wrap', objectKey));
    unwrap.setAuthTag(header.wrapTag);
    dataKey = Buffer.concat([unwrap.update(header.wrappedKey), unwrap.final()]);

    const content = createDecipheriv(ALGORITHM, dataKey, header.contentIv, { authTagLength: TAG_BYTES });
    content.setAAD(aad(header.fixed, 'content', objectKey));
    content.setAuthTag(header.contentTag);
    return Buffer.concat([content.update(header.ciphertext), content.final()]);
  } catch (err) {
    throw corrupt(objectKey, 'it fails authentication (changed, or copied from another key)', err);
  } finally {
    dataKey?.fill(0);
  }
}

interface Header {
  fixed: Buffer;
  keyId: string;
  wrapIv: Buffer;
  wrappedKey: Buffer;
  wrapTag: Buffer;
  contentIv: Buffer;
  contentTag: Buffer;
  ciphertext: Buffer;
}

function fixedHeader(keyId: string): Buffer {
  const id = Buffer.from(keyId, 'ascii');
  return Buffer.concat([MAGIC, Buffer.from([VERSION, id.length]), id]);
}

function parseHeader(sealed: Buffer, objectKey: string): Header {
  const idStart = MAGIC.length + 2;
  if (sealed.length < idStart || !sealed.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw corrupt(objectKey, 'it is not an encrypted artifact envelope');
  }
  const version = sealed[MAGIC.length];
  if (version !== VERSION) throw corrupt(objectKey, `its envelope version ${version} is not supported`);
  const idEnd = idStart + sealed[MAGIC.length + 1];
  const fieldsEnd = idEnd + IV_BYTES + KEY_BYTES + TAG_BYTES + IV_BYTES + TAG_BYTES;
  if (sealed.length < fieldsEnd) throw corrupt(objectKey, 'its envelope is truncated');
  let at = idEnd;
  const take = (n: number): Buffer => sealed.subarray(at, (at += n));
  return {
    fixed: sealed.subarray(0, idEnd),
    keyId: sealed.subarray(idStart, idEnd).toString('ascii'),
    wrapIv: take(IV_BYTES),
    wrappedKey: take(KEY_BYTES),
    wrapTag: take(TAG_BYTES),
    contentIv: take(IV_BYTES),
    contentTag: take(TAG_BYTES),
    ciphertext: sealed.subarray(fieldsEnd),
  };
}

/** Authenticated data: the header up to the key id, what the cipher protects, and the object key. The purpose label
 * keeps the two encryptions from ever being confused with each other. */
function aad(fixed: Buffer, purpose: 'wrap' | 'content', objectKey: string): Buffer {
  return Buffer.concat([fixed, Buffer.from(`\0${purpose}\0${objectKey}`, 'utf8')]);
}

function corrupt(objectKey: string, why: string, cause?: unknown): AppError {
  return new AppError('artifact_corrupt', `stored object ${objectKey} cannot be decrypted: ${why}`, undefined, cause);
}
