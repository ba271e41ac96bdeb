/** Object keys every artifact store accepts: `tenants/<tenant>/…`, plain segments of letters, digits, `_`, `.`
 * and `-` joined by single slashes. Nothing else — no `..` or `.` segment, no leading slash, no backslash, no
 * percent-encoding, no control character — so no key reaches outside its tenant's prefix, on a filesystem or in a
 * bucket, whatever an id smuggled into it. */
const SEGMENT = '[A-Za-z0-9_.-]+';
const KEY = new RegExp(`^tenants/${SEGMENT}/(?:${SEGMENT}/)*${SEGMENT}$`);
const PREFIX = new RegExp(`^tenants/${SEGMENT}/(?:${SEGMENT}/)*$`);
/** S3's limit on key length, in bytes; the keys are ASCII. */
const MAX_KEY_LENGTH = 1024;

/** Returns `key` if it is a valid object key; throws an error naming it otherwise. */
export function checkObjectKey(key: string): string {
  if (key.length > MAX_KEY_LENGTH || !KEY.test(key) || hasDotSegment(key)) {
    throw new Error(`storage key ${JSON.stringify(key)} is not allowed`);
  }
  return key;
}

/** Returns the prefix, with a trailing slash added, if it names a tenant's folder or one below it; throws an error
 * naming it otherwise. A prefix always ends in a slash, so `…/rpt_1` never also matches `…/rpt_10`. */
export function checkObjectPrefix(prefix: string): string {
  const withSlash = prefix.endsWith('/') ? prefix : `${prefix}/`;
  if (withSlash.length > MAX_KEY_LENGTH || !PREFIX.test(withSlash) || hasDotSegment(withSlash)) {
    throw new Error(`storage prefix ${JSON.stringify(prefix)} is not allowed`);
  }
  return withSlash;
}

function hasDotSegment(key: string): boolean {
  return key.split('/').some((part) => part === '.' || part === '..');
}
