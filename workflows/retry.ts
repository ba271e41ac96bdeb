import type { RetryPolicy } from '@temporalio/workflow';
import { NON_RETRYABLE_CODES } from '../src/domain/errors';

/** How the report workflows retry activities: back off on infrastructure faults, never retry an error the
 * error table calls final. */
export const activityRetry: RetryPolicy = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '30 seconds',
  maximumAttempts: 8,
  nonRetryableErrorTypes: [...NON_RETRYABLE_CODES],
};

/** For work that has all the time in the world (a purge due in a year can wait out an outage of a day):
 * keep trying, at most every ten minutes. */
export const patientRetry: RetryPolicy = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '10 minutes',
  nonRetryableErrorTypes: [...NON_RETRYABLE_CODES],
};
