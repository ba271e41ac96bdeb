/** What a log line shows in place of a value it may not hold. */
export const REDACTED = '[redacted]';

/** Keys are compared lower-case without `-` and `_`, so `x-api-key`, `apiKey` and `API_KEY` are one key. */
const normalised = (key: string): string => key.toLowerCase().replace(/[-_]/g, '');

/** Keys whose values are credentials wherever they sit: request headers, configuration, a driver's error. */
const CREDENTIAL_KEYS = new Set([
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'credentials',
  'passphrase',
  'secretaccesskey',
  'masterkey',
  'stagingkey',
]);
/** Endings that make any key a credential: `downloadUrlSecret`, `p12Password`, `sessionToken`, `X-Amz-Signature`. */
const CREDENTIAL_ENDINGS = ['token', 'secret', 'password', 'privatekey', 'apikey', 'signature'];

/** A finding's evidence and the scanner text around it: attacker-controlled and often a customer's data, so it
 * belongs in the evidence store and the report, never in a log line that outlives both and reaches anyone with
 * access to the logs. `evidence` is the whole `{prompt, response}`; the rest are where importers and drivers carry
 * the same text. */
const EVIDENCE_KEYS = new Set([
  'evidence',
  'prompt',
  'prompts',
  'response',
  'responses',
  'output',
  'outputs',
  'messages',
  'trigger',
  'triggers',
  'excerpt',
  'goal',
  'graderreason',
  'check',
]);

/** Whether a field of this name is never written to a log. */
export function isRedactedKey(key: string): boolean {
  const k = normalised(key);
  return CREDENTIAL_KEYS.has(k) || EVIDENCE_KEYS.has(k) || CREDENTIAL_ENDINGS.some((end) => k.endsWith(end));
}

/** Credentials that travel inside text (a message, a URL, an error's stack): the key is unknown there, so the shape
 * gives them away. Each pattern is linear: a prefix, then one bounded character class. */
const SECRET_TEXT: readonly [RegExp, string][] = [
  // Long enough to be a credential rather than prose ("the bearer token is not valid").
  [/\b(Bearer)\s+[\w.~+/=-]{16,}/gi, '$1 [redacted]'],
  [/\b(Basic)\s+[A-Za-z0-9+/=]{8,}/gi, '$1 [redacted]'],
  // The API's own tokens, should one be quoted without its scheme.
  [/\baer_[\w-]{16,}/g, REDACTED],
  // A signed download link's or a presigned S3 URL's signature and credentials.
  [
    /([?&](?:signature|x-amz-signature|x-amz-credential|x-amz-security-token|token|access_token)=)[^&#\s"']+/gi,
    '$1[redacted]',
  ],
  // A password inside a connection string: `mongodb://user:password@host`.
  [/(\/\/[^/\s:@]+:)[^/\s@]+@/g, '$1[redacted]@'],
];

/** Text with any credential it carries replaced by `[redacted]`. */
export function redactText(text: string): string {
  let out = text;
  for (const [pattern, replacement] of SECRET_TEXT) out = out.replace(pattern, replacement);
  return out;
}

/** Deep enough for a driver's error inside a cause inside an error; a log field deeper than this is not read. */
const MAX_DEPTH = 10;

const isErrorLike = (value: object): value is Error =>
  value instanceof Error || typeof (value as { message?: unknown }).message === 'string';

/** An error as fields: its type, message and stack, its own fields (`code`, `details`, a driver's `errInfo`), its
 * cause and an AggregateError's errors, each of which is walked in turn (so a cause is an object, not a string).
 * pino's `errWithCause` does the same but writes the causes it serialises itself, beyond the reach of redaction. */
function errorFields(err: Error): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    type: err.constructor?.name && err.constructor.name !== 'Object' ? err.constructor.name : err.name,
    message: err.message,
    stack: err.stack,
  };
  for (const key of Object.keys(err))
    if (!(key in fields)) fields[key] = (err as unknown as Record<string, unknown>)[key];
  // Set by `new Error(message, { cause })` and by AggregateError, neither enumerable.
  if (err.cause !== undefined) fields.cause = err.cause;
  if (err instanceof AggregateError) fields.errors = err.errors;
  return fields;
}

function redactValue(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return redactText(value);
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[too deep]';
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1, seen));
    if (isErrorLike(value)) return redactFields(errorFields(value), depth + 1, seen);
    // Dates, ObjectIds and Buffers say how they are written themselves; what they give is redacted in turn.
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return redactValue(toJSON.call(value), depth + 1, seen);
    return redactFields(value as Record<string, unknown>, depth + 1, seen);
  } finally {
    seen.delete(value);
  }
}

function redactFields(fields: Record<string, unknown>, depth: number, seen: WeakSet<object>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(fields)) {
    const value = fields[key];
    if (value === undefined) continue;
    out[key] = isRedactedKey(key) ? REDACTED : redactValue(value, depth, seen);
  }
  return out;
}

/**
 * A log object safe to write: credentials (authorization and cookie headers, tokens, secrets, passwords, signatures)
 * and a finding's evidence replaced by `[redacted]` under whatever key and at whatever depth they appear, credentials
 * inside text (a bearer token in a message, a signature in a URL) masked, and errors turned into fields with their
 * causes. A copy: the caller's object is left as it was.
 *
 * By key name rather than pino's path list: a path list names where a secret is expected, and the leaks that matter
 * are the unexpected ones (a driver's error carrying the document it failed to write, evidence and all).
 */
export function redactLogFields(fields: Record<string, unknown>): Record<string, unknown> {
  return redactFields(fields, 0, new WeakSet());
}
