import type { ScannerFormat } from './importers/types';
import type { ImportedRun } from './importers/types';

/** An import's lifecycle: its upload arriving, staged and waiting for a worker, being read and stored, then one of
 * two ends. */
export const IMPORT_STATUSES = ['receiving', 'queued', 'running', 'succeeded', 'failed'] as const;

/** An import status. */
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

/** Whether an import has ended. */
export function importEnded(status: ImportStatus): boolean {
  return status === 'succeeded' || status === 'failed';
}

/** How the caller asked for the file to be read. */
export interface ImportRequestOptions {
  format?: ScannerFormat;
  /** The time a file that records none is dated with: the caller's `run_started_at`, else the upload's time, so
   * that a retried or resumed import dates its findings as the first attempt did. */
  runStartedAt: string;
  includeEvals: boolean;
}

/** The upload as staged: its size, digest and how many parts it was stored in. */
export interface StagedUpload {
  bytes: number;
  sha256: string;
  parts: number;
}

/** Where a running import stands. */
export interface ImportProgress {
  phase: 'receiving' | 'queued' | 'checking' | 'storing' | 'done';
  bytesRead: number;
  bytesTotal: number;
  /** Findings handed to storage so far (new and already stored alike). */
  findings: number;
}

/** What a finished import did: the run's facts, what the file held, and what was new. */
export interface ImportOutcome {
  format: ScannerFormat;
  tool: 'garak' | 'promptfoo';
  toolVersion?: string;
  runId?: string;
  fileSha256: string;
  bytes: number;
  itemsRead: number;
  findings: number;
  created: number;
  duplicates: number;
  /** Write batches the import stored. */
  batches: number;
  /** garak: probe modules this service has no weakness for (see GarakRunFacts). */
  unmappedProbeModules?: string[];
  /** promptfoo: results where the model held, and results whose test errored; neither is a finding. */
  held?: number;
  errored?: number;
  /** The service's id of the run the file recorded (`run_…`, see TestRun): the same for every import of the run,
   * whichever of its files. Absent in outcomes recorded before runs were. */
  testRunId?: string;
  /** The first import of the same run into this endpoint, when this is not it: the same file again, or the run's
   * other file (a garak report and its hitlog describe the same hits). */
  matchedRun?: ImportedRun;
}

/** An import job: one scanner file, staged encrypted in its tenant's storage, read and stored by a worker. */
export interface ImportRecord {
  id: string;
  tenantId: string;
  endpointId: string;
  status: ImportStatus;
  options: ImportRequestOptions;
  upload: StagedUpload;
  createdAt: Date;
  startedAt?: Date;
  finishedAt?: Date;
  progress: ImportProgress;
  outcome?: ImportOutcome;
  error?: { code: string; message: string; line?: number };
}
