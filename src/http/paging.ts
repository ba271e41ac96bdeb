import { AppError } from '../domain/errors';

const DEFAULT_PAGE = 20;
const MAX_PAGE = 100;

/** The `limit` query parameter: a whole number from 1 to `max` (100 unless a list says), 20 when absent. */
export function parseLimit(raw: unknown, max = MAX_PAGE): number {
  if (raw === undefined) return DEFAULT_PAGE;
  const n = Number(raw);
  if (typeof raw !== 'string' || !/^\d+$/.test(raw) || n < 1 || n > max) {
    throw new AppError('invalid_request', `limit: must be a whole number from 1 to ${max}`, { field: 'limit' });
  }
  return n;
}

/** An opaque cursor for the position after an item: the item's sort key, as base64url JSON. */
export function encodeCursor(position: unknown[]): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/** The position a cursor names, checked by `accept` (which returns undefined for anything it did not issue);
 * undefined when there is no cursor. */
export function decodeCursor<T>(raw: unknown, accept: (position: unknown[]) => T | undefined): T | undefined {
  if (raw === undefined) return undefined;
  try {
    const position: unknown = JSON.parse(Buffer.from(String(raw), 'base64url').toString('utf8'));
    const accepted = Array.isArray(position) ? accept(position) : undefined;
    if (accepted !== undefined) return accepted;
  } catch {
    // fall through to the error below
  }
  throw new AppError(
    'invalid_request',
    'cursor: is not a cursor this API issued; use next_cursor from a list response',
    {
      field: 'cursor',
    },
  );
}

/** A list response: one page and the cursor of the next, null on the last. Asks the store for one item more
 * than the page, which tells whether another page follows without counting. */
export function pageOf<T>(
  items: T[],
  limit: number,
  cursorOf: (last: T) => unknown[],
): { data: T[]; next: string | null } {
  const data = items.slice(0, limit);
  return { data, next: items.length > limit ? encodeCursor(cursorOf(data[data.length - 1])) : null };
}
