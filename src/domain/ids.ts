/** Crockford-style base32 without I, L, O, U: unambiguous when read aloud or copied from a PDF. */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** Random characters in an id: 16 × 5 = 80 random bits, far past any collision risk for a tenant's lifetime. */
export const ID_RANDOM_CHARS = 16;

/** The kinds of id the service issues, by prefix. */
export type IdPrefix = 'rpt' | 'ep' | 'fnd' | 'tnt' | 'tok' | 'imp' | 'run' | 'evt';

/** Formats an id like the public docs show (`rpt_2026_…`): prefix, UTC year, then random base32 characters
 * taken from `randomBytes` (one byte per character, the low five bits). */
export function formatId(prefix: IdPrefix, at: Date, randomBytes: Uint8Array): string {
  if (randomBytes.length < ID_RANDOM_CHARS) throw new Error(`formatId needs ${ID_RANDOM_CHARS} random bytes`);
  let tail = '';
  for (let i = 0; i < ID_RANDOM_CHARS; i++) tail += ALPHABET[randomBytes[i] & 31];
  return `${prefix}_${at.getUTCFullYear()}_${tail}`;
}

/** Characters of a key id ({@link formatKeyId}): 20 × 5 = 100 bits of a digest. */
export const KEY_ID_CHARS = 20;

/** Formats an id that carries no date: prefix, then {@link KEY_ID_CHARS} base32 characters taken from `digest`
 * (the low five bits of each byte). For ids that follow from what a thing is rather than from when it was
 * seen: an imported finding is the same finding whichever day it is imported with. */
export function formatKeyId(prefix: IdPrefix, digest: Uint8Array): string {
  if (digest.length < KEY_ID_CHARS) throw new Error(`formatKeyId needs ${KEY_ID_CHARS} bytes`);
  let tail = '';
  for (let i = 0; i < KEY_ID_CHARS; i++) tail += ALPHABET[digest[i] & 31];
  return `${prefix}_${tail}`;
}

const ID_PATTERN = /^(rpt|ep|fnd|tnt|tok|imp)_\d{4}_[0-9a-z]{6,40}$/;
const KEY_ID_PATTERN = /^(fnd|run)_[0-9a-z]{20}$/;

/** Whether a string has the shape of one of our ids with the given prefix (findings have two: the dated form of
 * findings sent through the API, and the key form of imported ones; runs have the key form only). Used to refuse junk before any
 * query, so a malformed id can never reach a database filter or a storage key. */
export function isId(value: unknown, prefix: IdPrefix): value is string {
  return (
    typeof value === 'string' &&
    value.startsWith(`${prefix}_`) &&
    (ID_PATTERN.test(value) || KEY_ID_PATTERN.test(value))
  );
}
