import { AppError } from './errors';
import { firstHiddenCharacter } from './hidden-characters';

/** An `invalid_request` error naming the offending field. */
export function invalid(field: string, message: string): AppError {
  return new AppError('invalid_request', `${field}: ${message}`, { field });
}

/** Whether a value is a JSON object (not null, not an array). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `table[key]` when `key` is one of the table's own entries; undefined for any other, `constructor`, `toString` and
 * `__proto__` included, which a plain object would answer from its prototype. For lookups keyed by what a client
 * or a file says. */
export function ownEntry<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** Refuses fields outside `allowed`, so a misspelt field is an error instead of a silent default. */
export function rejectUnknownFields(value: Record<string, unknown>, allowed: readonly string[], where = ''): void {
  const unknown = Object.keys(value).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    // The name is the client's, so it is cut short like any value quoted back.
    const name = unknown[0].length > SHOWN_CHARS ? `${unknown[0].slice(0, SHOWN_CHARS - 1)}…` : unknown[0];
    const field = where ? `${where}.${name}` : name;
    throw invalid(field, `is not a recognised field; allowed: ${allowed.join(', ')}`);
  }
}

/** The field's text, trimmed: required, 1 to `max` characters once trimmed. */
export function requiredText(body: Record<string, unknown>, field: string, max: number): string {
  const value = body[field];
  if (value === undefined) throw invalid(field, `is required: a text of 1 to ${max} characters`);
  if (typeof value !== 'string') throw invalid(field, `must be a text of 1 to ${max} characters`);
  const trimmed = value.trim();
  if (trimmed.length === 0 || trimmed.length > max) {
    throw invalid(field, `must be 1 to ${max} characters, found ${trimmed.length}`);
  }
  return trimmed;
}

/** Most characters of a client's value an error message quotes back. */
const SHOWN_CHARS = 60;
/** Levels of arrays and objects an error message opens; deeper ones read `[…]` and `{…}`. */
const SHOWN_DEPTH = 2;
/** Elements or members an error message lists of one array or object. */
const SHOWN_ITEMS = 4;

/**
 * A client's value as an error message quotes it: JSON-like, cut to {@link SHOWN_CHARS} characters, opening at most
 * {@link SHOWN_DEPTH} levels and {@link SHOWN_ITEMS} entries of each. Whatever was sent (a megabyte of text, an array
 * nested ten thousand deep) costs a few hundred steps and a short message, where `JSON.stringify` would copy all of
 * it and, deep enough, overflow the stack.
 */
export function shown(value: unknown): string {
  const text = quoteValue(value, SHOWN_DEPTH);
  return text.length <= SHOWN_CHARS ? text : `${text.slice(0, SHOWN_CHARS - 1)}…`;
}

function quoteValue(value: unknown, depth: number): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') {
    return JSON.stringify(value.length > SHOWN_CHARS ? `${value.slice(0, SHOWN_CHARS)}…` : value);
  }
  if (typeof value !== 'object' || value === null) return String(value);
  const list = Array.isArray(value);
  if (depth === 0) return list ? '[…]' : '{…}';
  // Only the first few entries are read, so the cost does not grow with the value.
  const parts: string[] = [];
  let more = false;
  if (list) {
    for (let i = 0; i < value.length; i++) {
      if (parts.length === SHOWN_ITEMS) {
        more = true;
        break;
      }
      parts.push(quoteValue(value[i], depth - 1));
    }
  } else {
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue;
      if (parts.length === SHOWN_ITEMS) {
        more = true;
        break;
      }
      parts.push(`${quoteValue(key, 0)}:${quoteValue((value as Record<string, unknown>)[key], depth - 1)}`);
    }
  }
  if (more) parts.push('…');
  return list ? `[${parts.join(',')}]` : `{${parts.join(',')}}`;
}

/** Refuses a name or title a signed report prints when it holds a control or bidirectional formatting character
 * (see hidden-characters.ts): the report would show something other than what was sent. */
export function refuseHiddenCharacters(field: string, text: string): void {
  const found = firstHiddenCharacter(text);
  if (found) {
    throw invalid(
      field,
      `must hold no control or bidirectional formatting characters (U+0000–U+001F, U+007F–U+009F, U+202A–U+202E, U+2066–U+2069); found ${found.label} at character ${found.position}`,
    );
  }
}
