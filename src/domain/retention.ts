import { invalid, isPlainObject, rejectUnknownFields, refuseHiddenCharacters } from './validation';

/** One day in milliseconds: retention is counted in days from the moment a report became ready. */
export const DAY_MS = 86_400_000;

/** Retention a tenant may set through the API: at least a day, at most ten years. */
export const MIN_RETENTION_DAYS = 1;
export const MAX_RETENTION_DAYS = 3650;

const MAX_HOLD_REASON = 500;

/** When a report's artifact is due for purging: `days` after it became ready. Days may be fractional, so an
 * operator (or a test) can set retention shorter than the API allows. */
export function retentionDeadline(readyAt: Date, days: number): Date {
  return new Date(readyAt.getTime() + days * DAY_MS);
}

/** A legal hold on a report: while it is in place, retention never purges the artifact. */
export interface LegalHold {
  reason: string;
  placedAt: Date;
  placedBy: string;
}

/** The tenant settings a caller may change. */
export interface TenantSettingsChange {
  auditRetentionDays: number;
}

/** Validates a `PATCH /tenant/settings` body: `audit_retention_days`, a whole number of days. */
export function parseTenantSettingsChange(body: unknown): TenantSettingsChange {
  if (!isPlainObject(body)) throw invalid('body', 'must be a JSON object such as {"audit_retention_days": 365}');
  rejectUnknownFields(body, ['audit_retention_days']);
  const days = body.audit_retention_days;
  if (typeof days !== 'number' || !Number.isInteger(days) || days < MIN_RETENTION_DAYS || days > MAX_RETENTION_DAYS) {
    throw invalid(
      'audit_retention_days',
      `is required and must be a whole number of days from ${MIN_RETENTION_DAYS} to ${MAX_RETENTION_DAYS}`,
    );
  }
  return { auditRetentionDays: days };
}

/** Validates a legal-hold body: `{ "reason": "…" }`, the matter or ticket the hold is for. */
export function parseLegalHoldRequest(body: unknown): { reason: string } {
  if (!isPlainObject(body)) throw invalid('body', 'must be a JSON object such as {"reason": "matter 2026-114"}');
  rejectUnknownFields(body, ['reason']);
  const reason = typeof body.reason === 'string' ? body.reason.trim() : '';
  if (reason.length === 0 || reason.length > MAX_HOLD_REASON) {
    throw invalid('reason', `is required: 1 to ${MAX_HOLD_REASON} characters naming the matter the hold is for`);
  }
  refuseHiddenCharacters('reason', reason);
  return { reason };
}
