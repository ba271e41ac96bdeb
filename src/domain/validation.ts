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
