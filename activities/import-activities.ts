import { Context } from '@temporalio/activity';
import { AppError } from '../src/domain/errors';
import type { Finding } from '../src/domain/finding';
import type { RunFacts } from '../src/domain/importers/types';
import type { ImportOutcome, ImportProgress, ImportRecord } from '../src/domain/imports';
import { importPartKey, importPrefix } from '../src/domain/storage-keys';
import {
  importScannerFile,
  type ImportLimits,
  type RunRegister,
  type TestRunStore,
} from '../src/infra/import/scanner-import';
import { stagedSource } from '../src/infra/import/staged-upload';
import { withFailureTypes } from './failures';
import type { ArtifactStore, Clock } from './ports';

/** Import jobs as the activities need them (MongoImportsRepo). */
export interface ImportsRepo {
  get(tenantId: string, importId: string): Promise<ImportRecord | undefined>;
  markRunning(tenantId: string, importId: string, at: Date): Promise<boolean>;
  setProgress(importId: string, progress: ImportProgress): Promise<void>;
  markSucceeded(importId: string, outcome: ImportOutcome, at: Date): Promise<void>;
  markFailed(importId: string, error: NonNullable<ImportRecord['error']>, at: Date): Promise<void>;
}

/** Where imported findings are written (MongoFindingsRepo). */
export interface FindingsWriter {
  store(
    findings: readonly Finding[],
    now: Date,
    options: { writeKey: string; keepDone: boolean },
  ): Promise<{ created: number; duplicates: number }>;
  forgetWrites(tenantId: string, series: string): Promise<void>;
}

/** What the import activities need from the outside world. */
export interface ImportActivityDeps {
  imports: ImportsRepo;
  findings: FindingsWriter;
  runs: RunRegister;
  /** Where the run each file describes is recorded (MongoRunsRepo). */
  testRuns: TestRunStore;
  store: ArtifactStore;
  /** The tenant's quotas (TenantQuotas): its import slot, and the findings it may still store. */
  quotas: {
    releaseImport(tenantId: string, importId: string): Promise<void>;
    checkStored(tenantId: string, adding: number): Promise<void>;
  };
  limits: ImportLimits;
  clock: Clock;
}

/** Names an import: every activity takes at least this. */
export interface ImportRef {
  tenantId: string;
  importId: string;
}

/** What an import's run answers its workflow: counts only, never findings. */
export interface ImportRunResult {
  findings: number;
  created: number;
  duplicates: number;
}

/** How often a running import records where it stands. */
const PROGRESS_EVERY_MS = 2_000;

/** The write key of an import's batches: batch `n` is written as `<key>:<n>`, once, however often it is read. */
function writeKeyOf(importId: string): string {
  return `import:${importId}`;
}

/** Builds the activities of an import job. Each is idempotent: a run read again stores nothing twice (its
 * batches are named writes), and the ends of a job (failed, cleaned up) repeat harmlessly. */
export function createImportActivities(deps: ImportActivityDeps) {
  const { imports, findings, runs, testRuns, store, quotas, limits, clock } = deps;

  return withFailureTypes({
    /**
     * Reads the staged upload twice (check, then store) and stores its findings in named batches, heartbeating
     * where it stands: a worker killed mid-import is noticed within the heartbeat timeout, and the retry reads
     * the file again and finds its finished batches already written. The upload's digest is checked against what
     * was staged. The run the file describes is recorded here too, after its findings, under an id that follows
     * from the run: a retry records the same run, not a second one. Answers what the import did (with the run's
     * id); the workflow records it once the upload is cleaned up.
     */
    async runImport(ref: ImportRef): Promise<ImportOutcome> {
      const record = await imports.get(ref.tenantId, ref.importId);
      if (!record) throw new AppError('not_found', `import ${ref.importId} does not exist`);
      if (!(await imports.markRunning(ref.tenantId, ref.importId, clock.now()))) {
        throw new AppError('not_found', `import ${ref.importId} has ended`);
      }
      let lastSaved = 0;
      let saving: Promise<void> = Promise.resolve();
      const onProgress = (p: {
        phase: 'checking' | 'storing';
        bytesRead: number;
        bytesTotal: number;
        findings: number;
        batches: number;
      }) => {
        Context.current().heartbeat(p);
        const now = clock.now().getTime();
        if (now - lastSaved < PROGRESS_EVERY_MS) return;
        lastSaved = now;
        const progress: ImportProgress = {
          phase: p.phase,
          bytesRead: p.bytesRead,
          bytesTotal: p.bytesTotal,
          findings: p.findings,
        };
        saving = saving.then(() => imports.setProgress(ref.importId, progress)).catch(() => undefined);
      };
      const writeKey = writeKeyOf(ref.importId);
      const result = await importScannerFile(
        stagedSource(store, (n) => importPartKey(ref.tenantId, ref.importId, n), record.upload),
        {
          store: (batch, n) => findings.store(batch, clock.now(), { writeKey: `${writeKey}:${n}`, keepDone: true }),
          runs,
          testRuns,
        },
        {
          tenantId: ref.tenantId,
          endpointId: record.endpointId,
          importId: ref.importId,
          ...(record.options.format ? { format: record.options.format } : {}),
          runStartedAt: record.options.runStartedAt,
          includeEvals: record.options.includeEvals,
          limits,
          beforeStore: (facts: RunFacts) => quotas.checkStored(ref.tenantId, facts.findings),
          onProgress,
        },
      );
      await saving;
      if (result.fileSha256 !== record.upload.sha256) {
        throw new AppError(
          'artifact_corrupt',
          `the staged upload of import ${ref.importId} reads back with another digest than it was staged with`,
        );
      }
      return result;
    },

    /** Ends the import succeeded with what it did. */
    async succeedImport(ref: ImportRef & { outcome: ImportOutcome }): Promise<ImportRunResult> {
      const { outcome } = ref;
      // Dates cross the workflow as text.
      if (outcome.matchedRun) outcome.matchedRun.importedAt = new Date(outcome.matchedRun.importedAt);
      await imports.markSucceeded(ref.importId, outcome, clock.now());
      return { findings: outcome.findings, created: outcome.created, duplicates: outcome.duplicates };
    },

    /** Ends the import failed with an error a user can read (unless it has ended already). */
    async failImport(ref: ImportRef & { code: string; message: string; line?: number }): Promise<void> {
      const error: NonNullable<ImportRecord['error']> = { code: ref.code, message: ref.message };
      if (ref.line !== undefined) error.line = ref.line;
      await imports.markFailed(ref.importId, error, clock.now());
    },

    /** Whatever the import's end, before it is recorded: removes its staged upload, drops the markers of its
     * batches, and gives back the tenant's import slot. */
    async endImport(ref: ImportRef): Promise<void> {
      await store.deletePrefix(importPrefix(ref.tenantId, ref.importId));
      await findings.forgetWrites(ref.tenantId, writeKeyOf(ref.importId));
      await quotas.releaseImport(ref.tenantId, ref.importId);
    },
  });
}

/** The activity functions {@link createImportActivities} returns, for workflows to proxy by type. */
export type ImportActivities = ReturnType<typeof createImportActivities>;
