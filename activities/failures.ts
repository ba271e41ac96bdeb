import { ApplicationFailure } from '@temporalio/common';
import { AppError, ERRORS } from '../src/domain/errors';

/** Converts an error leaving an activity into what Temporal should see: our `AppError`s become
 * `ApplicationFailure`s typed by their code (so the workflow and retry policies can read them), retryable as
 * the error table says. Anything else is left alone and retried as an infrastructure fault. */
export function toActivityFailure(err: unknown): unknown {
  if (err instanceof AppError) {
    return ApplicationFailure.create({
      type: err.code,
      message: err.message,
      nonRetryable: !ERRORS[err.code].retryable,
      details: err.details ? [err.details] : undefined,
    });
  }
  return err;
}

/** Wraps every function of an activity object so its errors cross the boundary as {@link toActivityFailure}
 * says. */
export function withFailureTypes<T extends Record<string, (...args: never[]) => Promise<unknown>>>(activities: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = async (...args: never[]) => {
      try {
        return await fn(...args);
      } catch (err) {
        throw toActivityFailure(err);
      }
    };
  }
  return wrapped as T;
}
