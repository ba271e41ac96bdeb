import { createHash } from 'node:crypto';
import { normaliseCategory } from '../crosswalk';
import { normaliseFingerprint } from '../report-model/weakness-index';

/** Characters of a weakness key after its `wk_` prefix: 22 of base64url, 132 bits of a SHA-256. */
const KEY_CHARS = 22;
const KEY = /^wk_[A-Za-z0-9_-]{22}$/;

/**
 * The key of a weakness: `wk_` and 132 bits of a SHA-256 over the tenant, the endpoint, and the category and
 * fingerprint in the normalised forms report rows group by (weakness-index.ts), so one report row is one weakness
 * and spellings that merge into one row share one key. The category is part of it because rows are: the same
 * fingerprint under two categories is two rows, each treated on its own. The tenant is part of it so that no key
 * names anything of another tenant's. URL-safe, stable across releases, and long enough that no two weaknesses
 * ever share one.
 */
export function weaknessKey(
  tenantId: string,
  weakness: { endpointId: string; category: string; fingerprint: string },
): string {
  return weaknessKeyOfNormalised(
    tenantId,
    weakness.endpointId,
    normaliseCategory(weakness.category),
    normaliseFingerprint(weakness.fingerprint),
  );
}

/** {@link weaknessKey} of a category and fingerprint already normalised. */
export function weaknessKeyOfNormalised(
  tenantId: string,
  endpointId: string,
  category: string,
  fingerprint: string,
): string {
  const digest = createHash('sha256');
  // Each part with its length first, so no two different lists of parts read as the same text.
  for (const part of [tenantId, endpointId, category, fingerprint]) digest.update(`${part.length}:${part}`);
  return `wk_${digest.digest('base64url').slice(0, KEY_CHARS)}`;
}

/** Whether a value has the shape of a weakness key: refused before any lookup otherwise. */
export function isWeaknessKey(value: unknown): value is string {
  return typeof value === 'string' && KEY.test(value);
}
