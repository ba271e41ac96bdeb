import { AppError } from './errors';

/** An `invalid_request` error naming the offending field. */
export function invalid(field: string, message: string): AppError {
  return new AppError('invalid_request', `${field}: ${message}`, { field });
}

/** Whether a value is a JSON object (not null, not an array). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Refuses fields outside `allowed`, so a misspelt field is an error instead of a silent default. */
export function rejectUnknownFields(value: Record<string, unknown>, allowed: readonly string[], where = ''): void {
  const unknown = Object.keys(value).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    const field = where ? `${where}.${unknown[0]}` : unknown[0];
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
