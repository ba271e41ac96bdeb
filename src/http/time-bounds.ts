import { isoTime } from '../domain/finding-input';
import { isIsoDate } from '../domain/report-request';
import { invalid } from '../domain/validation';

/** A list filter bound: a day (`2026-04-01`; `to` takes the day as a whole) or an ISO 8601 time. */
export function parseBound(raw: unknown, field: 'from' | 'to'): Date | undefined {
  if (raw === undefined) return undefined;
  if (isIsoDate(raw)) {
    const day = new Date(`${raw}T00:00:00Z`);
    return field === 'to' ? new Date(day.getTime() + 86_400_000) : day;
  }
  const at = isoTime(raw);
  if (!at) throw invalid(field, 'must be a calendar day (YYYY-MM-DD) or an ISO 8601 time with a zone');
  return at;
}
