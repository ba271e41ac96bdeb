import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';

/** Our error code, message and (for an import) the line it names, carried by a failure, whichever layer it
 * surfaced from. */
export function describeFailure(err: unknown): { code: string; message: string; line?: number } {
  let cause: unknown = err;
  while (cause instanceof ActivityFailure) cause = cause.cause;
  if (cause instanceof ApplicationFailure && cause.type) {
    const details = cause.details?.[0] as { line?: unknown } | undefined;
    const line = typeof details?.line === 'number' && details.line > 0 ? details.line : undefined;
    return { code: cause.type, message: cause.message, ...(line !== undefined ? { line } : {}) };
  }
  return { code: 'internal', message: cause instanceof Error ? cause.message : String(cause) };
}
