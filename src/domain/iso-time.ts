/**
 * The one reader of ISO 8601 times for the whole service: the API's bodies and query strings, the CLI, and the
 * scanner files' timestamps all go through it, so that a time one of them takes is a time each of them takes.
 *
 * The grammar is ISO 8601's extended date-time with the forms tools actually write: `2026-05-02T10:00:00Z`,
 * `2026-05-02 10:00`, `2026-05-02T10:00:00,5+01:00`, `2026-05-02T10:00:00.123456789-0530`, `…+01`. Seconds and
 * their fraction are optional; a fraction of any length is cut (not rounded) to milliseconds, as `Date` does. A
 * time the calendar does not have (30 February, 24:00, a 60th second, an offset beyond ±23:59) is refused rather
 * than rolled over into the next day or month.
 */
const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?$/;

/** What a time without a zone means to its reader. */
export interface IsoTimeOptions {
  /** `refuse` (the default): the time is not an instant, and is refused. `utc`: it is read as UTC, as for scanner
   * files that write the machine's clock without a zone. */
  withoutZone?: 'refuse' | 'utc';
}

/** The instant an ISO 8601 date-time names, or undefined when the text is not one. White space is not trimmed. */
export function parseIsoTime(text: string, options: IsoTimeOptions = {}): Date | undefined {
  const m = ISO_TIME.exec(text);
  if (!m) return undefined;
  const zone = m[8];
  if (zone === undefined && options.withoutZone !== 'utc') return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number);
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const local = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Date.UTC rolls 31 April over into May; a day that rolls over is not a real date.
  if (new Date(local).getUTCDate() !== day) return undefined;
  let offsetMinutes = 0;
  if (zone !== undefined && zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const [hours, minutes] = [Number(digits.slice(0, 2)), Number(digits.slice(2) || '0')];
    if (hours > 23 || minutes > 59) return undefined;
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (hours * 60 + minutes);
  }
  const at = new Date(local - offsetMinutes * 60_000);
  return Number.isNaN(at.getTime()) ? undefined : at;
}
