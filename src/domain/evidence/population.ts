import { createHash } from 'node:crypto';
import { sha256Hex } from './canonical-json';

/** One item of a report's population: the finding's id and the digest of its evidence ({@link evidenceDigest}). */
export interface PopulationRecord {
  id: string;
  evidenceSha256: string;
}

/** Whether a text is 64 lowercase hex digits: a loop rather than a pattern, as it runs once per record of a
 * population (100k of them for a large report). */
function isSha256Hex(text: string): boolean {
  if (text.length !== 64) return false;
  for (let i = 0; i < 64; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/**
 * The digest of a report's whole population, so an auditor can check that the items they were given are all
 * the items there were, and that none was changed.
 *
 * To recompute it from the JSON export with any RFC 8785 library:
 * 1. take every record as an object with exactly two members, `{"id": …, "evidence_sha256": …}`;
 * 2. sort the records by `id`, comparing the ids' UTF-16 code units (the order RFC 8785 uses for member names;
 *    for ASCII ids it is plain byte order);
 * 3. canonicalise that array with RFC 8785 and encode it as UTF-8;
 * 4. take SHA-256 of those bytes, written as 64 lowercase hex digits.
 * An empty population is the array `[]`, whose digest is that of the two bytes `[]`.
 *
 * Throws when an id repeats (a population counts each item once) or an evidence digest is not 64 lowercase hex
 * digits.
 */
export function populationDigest(records: readonly PopulationRecord[]): string {
  // A report's records come in id order already; only a list that is not is copied and sorted.
  let inOrder = true;
  for (let i = 1; i < records.length && inOrder; i++) inOrder = records[i - 1].id <= records[i].id;
  const sorted = inOrder ? records : [...records].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  // Written out directly rather than through canonicalJson (why: bench/report-model-tuning.md). For two string
  // members in key order the canonical form is exactly this: RFC 8785 escapes strings as JSON.stringify does, and a checked hex digest needs no escaping
  // (test/unit/evidence/population.test.ts holds the two to the same bytes). Hashed in chunks, never one string.
  const hash = createHash('sha256');
  let chunk = '[';
  sorted.forEach((r, i) => {
    if (i > 0 && sorted[i - 1].id === r.id) throw new Error(`records: id "${r.id}" appears more than once`);
    if (!isSha256Hex(r.evidenceSha256)) {
      throw new Error(`records: evidenceSha256 of "${r.id}" must be 64 lowercase hex digits`);
    }
    chunk += `${i > 0 ? ',' : ''}{"evidence_sha256":"${r.evidenceSha256}","id":${JSON.stringify(r.id)}}`;
    if (chunk.length > 65_536) {
      hash.update(chunk, 'utf8');
      chunk = '';
    }
  });
  hash.update(`${chunk}]`, 'utf8');
  return hash.digest('hex');
}

/**
 * The digest of one finding's evidence: SHA-256 (lowercase hex) of the UTF-8 bytes of the RFC 8785 form of
 * `{"prompt": …, "response": …}`, exactly these two members. A reader can recompute it only from the same texts:
 * digest the texts the reader is given (if an export carries redacted evidence, the redacted texts), never an
 * excerpt.
 */
export function evidenceDigest(evidence: { prompt: string; response: string }): string {
  // Two string members in key order: JSON.stringify writes their canonical form (as populationDigest explains).
  return sha256Hex(JSON.stringify({ prompt: evidence.prompt, response: evidence.response }));
}
