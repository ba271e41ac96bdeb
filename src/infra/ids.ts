import { randomBytes } from 'node:crypto';
import { ID_RANDOM_CHARS, formatId, type IdPrefix } from '../domain/ids';

/** A new random id such as `rpt_2026_…` (80 random bits). */
export function newId(prefix: IdPrefix, at: Date = new Date()): string {
  return formatId(prefix, at, randomBytes(ID_RANDOM_CHARS));
}
