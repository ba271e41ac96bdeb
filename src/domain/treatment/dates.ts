/** Calendar days as the treatment API writes them (`YYYY-MM-DD`, UTC), and the instants they stand for. Pure and
 * free of Node built-ins: the acceptance workflow computes its deadline with them. */

const DAY_MS = 86_400_000;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether a string is a real calendar day written `YYYY-MM-DD` (so `2026-02-30` is not). */
export function isCalendarDay(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = DAY.exec(value);
  if (!m) return false;
  const at = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return at.toISOString().slice(0, 10) === value;
}

/** The UTC day of an instant. */
export function dayOf(at: Date | string): string {
  return (typeof at === 'string' ? new Date(at) : at).toISOString().slice(0, 10);
}

/** The day `days` after `day`. */
export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00.000Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The first instant of a day (00:00 UTC), in epoch milliseconds. */
export function startOfDay(day: string): number {
  return Date.parse(`${day}T00:00:00.000Z`);
}

/** When an acceptance that `expires_on` a day stops holding: the start of that day, so that on its expiry day the
 * weakness is open again. */
export function acceptanceEndsAt(expiresOn: string): number {
  return startOfDay(expiresOn);
}

/** Whether a finding detected at `detectedAt` (ISO 8601) was detected after a mitigation dated `mitigatedOn`: on a
 * later day. A detection on the mitigation's own day may predate the fix (a day gives no hour), and taking it for a
 * failed fix would report a regression that did not happen. */
export function detectedAfterMitigation(mitigatedOn: string, detectedAt: string): boolean {
  return Date.parse(detectedAt) >= startOfDay(addDays(mitigatedOn, 1));
}

/**
 * The instant a report reads treatment as of: the end of its period, or its creation when that came first (a
 * report of a period still running). Not the step's own clock: the creation is fixed when the report is asked
 * for, so a retry, or a second attempt of a failed report, reads the same treatment. A change recorded after that
 * instant, even before the report is built, belongs to the next report.
 */
export function reportTreatmentAsOf(periodTo: string, createdAt: Date): Date {
  const endOfPeriod = Date.parse(`${periodTo}T23:59:59.999Z`);
  return new Date(Math.min(endOfPeriod, createdAt.getTime()));
}
