import { ApplicationFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { ImportActivities, ImportRunResult } from '../activities/import-activities';
import type { ImportOutcome } from '../src/domain/imports';
import { importQueueFor, type ImportFindingsInput } from './contracts';
import { describeFailure } from './describe-failure';
import { activityRetry } from './retry';

const steps = proxyActivities<ImportActivities>({
  startToCloseTimeout: '1 minute',
  retry: activityRetry,
});

/**
 * Imports one staged scanner file: reads and stores it on the import queue, then, however that went, removes the
 * staged upload and gives the tenant's import slot back, and only then records how it ended. A file the importer
 * refuses ends the import failed with the importer's error (code, message, line); a worker lost mid-import is
 * noticed by its heartbeat and the read starts again, storing nothing twice. When the import fails the workflow
 * fails too, so operators see it in the Web UI.
 */
export async function importFindingsWorkflow(input: ImportFindingsInput): Promise<ImportRunResult> {
  const ref = { tenantId: input.tenantId, importId: input.importId };
  const run = proxyActivities<ImportActivities>({
    taskQueue: importQueueFor(workflowInfo().taskQueue),
    // Two passes over a file of up to half a gigabyte on a busy machine, with room to spare.
    startToCloseTimeout: '2 hours',
    // The import heartbeats every few megabytes and every batch: a worker that died mid-import is noticed in
    // half a minute.
    heartbeatTimeout: '30 seconds',
    retry: { ...activityRetry, maximumAttempts: 10 },
  });
  let failure: ReturnType<typeof describeFailure> | undefined;
  let outcome: ImportOutcome | undefined;
  try {
    outcome = await run.runImport(ref);
  } catch (err) {
    failure = describeFailure(err);
  }
  // Cleaned up before the end is recorded: whoever sees the import ended finds nothing of it left behind.
  await steps.endImport(ref);
  if (failure || !outcome) {
    const { code, message, line } = failure ?? { code: 'internal', message: 'the import gave no result' };
    await steps.failImport({ ...ref, code, message, ...(line !== undefined ? { line } : {}) });
    throw ApplicationFailure.create({ type: code, message, nonRetryable: true });
  }
  return steps.succeedImport({ ...ref, outcome });
}
