import { createHash } from 'node:crypto';

/** Whether a value is a plain JSON object: built by a literal, JSON.parse or Object.create(null). A Date, Map or
 * class instance is refused rather than written as whatever JSON.stringify would make of it. */
function isPlainRecord(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function write(value: unknown, path: string, open: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value))
        throw new Error(`${path}: ${value} has no JSON form; RFC 8785 allows finite numbers only`);
      // ECMAScript's Number-to-String is the serialisation RFC 8785 §3.2.2.3 prescribes; it also writes -0 as 0.
      return JSON.stringify(value);
    case 'object':
      break;
    default:
      throw new Error(`${path}: a ${typeof value} has no JSON form`);
  }
  if (value === null) return 'null';
  if (open.has(value)) throw new Error(`${path}: refers back to an enclosing value; JSON cannot hold a cycle`);
  open.add(value);
  let out: string;
  if (Array.isArray(value)) {
    out = `[${value.map((item, i) => write(item, `${path}[${i}]`, open)).join(',')}]`;
  } else if (isPlainRecord(value)) {
    // Array.prototype.sort without a comparator orders strings by UTF-16 code units, as RFC 8785 §3.2.3 requires.
    const keys = Object.keys(value).sort();
    out = `{${keys.map((k) => `${JSON.stringify(k)}:${write(value[k], `${path}.${k}`, open)}`).join(',')}}`;
  } else {
    throw new Error(`${path}: a ${value.constructor?.name ?? 'non-plain'} object has no canonical JSON form`);
  }
  open.delete(value);
  return out;
}

/**
 * The RFC 8785 (JSON Canonicalization Scheme) text of a JSON value: object members sorted by the UTF-16 code units
 * of their names, no whitespace, strings and numbers written as ECMAScript's JSON.stringify writes them. Hashing
 * this text gives a digest that anyone can recompute from the same data with any RFC 8785 implementation.
 *
 * Refuses, naming the path (`$.records[3].id`), what JSON cannot carry faithfully: NaN and ±Infinity, undefined
 * (JSON.stringify would drop the member or write null, silently changing the data), functions, symbols, bigints,
 * cycles and non-plain objects. A lone UTF-16 surrogate is written as a `\udxxx` escape, as JSON.stringify does;
 * RFC 8785 rests on I-JSON, which forbids them, so other implementations may refuse such a string.
 */
export function canonicalJson(value: unknown): string {
  return write(value, '$', new Set());
}

/** The SHA-256 of a text's UTF-8 bytes, as lowercase hex. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
