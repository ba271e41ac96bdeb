/** Crockford-style base32 without I, L, O, U: unambiguous when read aloud or copied from a PDF. */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** Random characters in an id: 16 × 5 = 80 random bits, far past any collision risk for a tenant's lifetime. */
export const ID_RANDOM_CHARS = 16;

/** The kinds of id the service issues, by prefix. */
export type IdPrefix = 'rpt' | 'ep' | 'fnd' | 'tnt' | 'tok';

/** Formats an id like the public docs show (`rpt_2026_…`): prefix, UTC year, then random base32 characters
 * taken from `randomBytes` (one byte per character, the low five bits). */
export function formatId(prefix: IdPrefix, at: Date, randomBytes: Uint8Array): string {
  if (randomBytes.length < ID_RANDOM_CHARS) throw new Error(`formatId needs ${ID_RANDOM_CHARS} random bytes`);
  let tail = '';
  for (let i = 0; i < ID_RANDOM_CHARS; i++) tail += ALPHABET[randomBytes[i] & 31];
  return `${prefix}_${at.getUTCFullYear()}_${tail}`;
}

const ID_PATTERN = /^(rpt|ep|fnd|tnt|tok)_\d{4}_[0-9a-z]{6,40}$/;

/** Whether a string has the shape of one of our ids with the given prefix. Used to refuse junk before any
 * query, so a malformed id can never reach a database filter or a storage key. */
export function isId(value: unknown, prefix: IdPrefix): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value) && value.startsWith(`${prefix}_`);
}
