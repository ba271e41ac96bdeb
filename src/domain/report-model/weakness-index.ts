import { normaliseCategory } from '../crosswalk';

/** Folds the spellings of a fingerprint (case, surrounding and repeated white space) into one key. */
export function normaliseFingerprint(fingerprint: string): string {
  return isFolded(fingerprint) ? fingerprint : fingerprint.trim().toLowerCase().replace(/\s+/g, ' ');
}

/** Whether a fingerprint is folded already: printable ASCII with no capitals, single spaces only between
 * words, as scanners and importers mostly write them. Anything else, non-ASCII included, takes the full fold. */
function isFolded(s: string): boolean {
  const last = s.length - 1;
  for (let i = 0; i <= last; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7e || (c >= 0x41 && c <= 0x5a)) return false;
    if (c <= 0x20 && (c !== 0x20 || i === 0 || i === last || s.charCodeAt(i - 1) === 0x20)) return false;
  }
  return true;
}

/** What makes two findings repeats of one weakness: the same endpoint, category and fingerprint, the latter two
 * in their normalised forms. */
export interface WeaknessKey {
  endpointId: string;
  category: string;
  fingerprint: string;
}

/**
 * One value per weakness ({@link WeaknessKey}), for the model's rows and for whatever must group findings as the
 * model does, in nested maps by endpoint, category and fingerprint; categories are normalised once per spelling.
 */
export class WeaknessIndex<V> {
  private readonly byEndpoint = new Map<string, Map<string, Map<string, V>>>();
  private readonly categories = new Map<string, string>();

  /** A category in its normalised form. */
  category(raw: string): string {
    let key = this.categories.get(raw);
    if (key === undefined) {
      key = normaliseCategory(raw);
      this.categories.set(raw, key);
    }
    return key;
  }

  /** The value of the finding's weakness, if the index holds it; looks, never adds. */
  find(f: WeaknessKey): V | undefined {
    return this.byEndpoint.get(f.endpointId)?.get(this.category(f.category))?.get(normaliseFingerprint(f.fingerprint));
  }

  /** The value of the finding's weakness: made by `make` the first time the weakness is seen, handed to
   * `repeat` with the finding on every later time. */
  upsert<F extends WeaknessKey>(f: F, make: (f: F) => V, repeat: (held: V, f: F) => void): V {
    let byCategory = this.byEndpoint.get(f.endpointId);
    if (!byCategory) {
      byCategory = new Map();
      this.byEndpoint.set(f.endpointId, byCategory);
    }
    const category = this.category(f.category);
    let byFingerprint = byCategory.get(category);
    if (!byFingerprint) {
      byFingerprint = new Map();
      byCategory.set(category, byFingerprint);
    }
    const fingerprint = normaliseFingerprint(f.fingerprint);
    let value = byFingerprint.get(fingerprint);
    if (value === undefined) {
      value = make(f);
      byFingerprint.set(fingerprint, value);
    } else repeat(value, f);
    return value;
  }
}
