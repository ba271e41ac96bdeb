import { createHash, randomBytes } from 'node:crypto';
import { ID_RANDOM_CHARS, formatId, formatKeyId, type IdPrefix } from '../domain/ids';

/** A new random id such as `rpt_2026_…` (80 random bits). */
export function newId(prefix: IdPrefix, at: Date = new Date()): string {
  return formatId(prefix, at, randomBytes(ID_RANDOM_CHARS));
}

/** An id derived from `parts` instead of drawn at random: the same parts always give the same id, which is
 * what makes re-sending or re-importing a finding idempotent. 80 bits of a SHA-256 of the parts. */
export function stableId(prefix: IdPrefix, at: Date, parts: readonly string[]): string {
  return formatId(prefix, at, digestOf(parts));
}

/** An id derived from `parts` alone, with no year in it (`fnd_` and 100 bits of a SHA-256): what an imported
 * finding is identified by, so the same hit is the same finding whatever time its run is dated with. */
export function keyId(prefix: IdPrefix, parts: readonly string[]): string {
  return formatKeyId(prefix, digestOf(parts));
}

function digestOf(parts: readonly string[]): Buffer {
  const digest = createHash('sha256');
  for (const part of parts) digest.update(`${part.length}:${part}`);
  return digest.digest();
}
