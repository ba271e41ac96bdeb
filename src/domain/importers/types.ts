import { AppError } from '../errors';
import type { Evidence, FrameworkRef, ScanEvidence } from '../finding';
import type { Severity } from '../severity';

/** The scanners whose output the service imports. */
export const SCANNER_FORMATS = ['garak-report', 'garak-hitlog', 'promptfoo'] as const;

/** A scanner output format the importers read. */
export type ScannerFormat = (typeof SCANNER_FORMATS)[number];

/** Whether a value names a format the importers read. */
export function isScannerFormat(value: unknown): value is ScannerFormat {
  return typeof value === 'string' && (SCANNER_FORMATS as readonly string[]).includes(value);
}

/** Where an imported finding came from, kept with it as provenance. `item` names the finding inside its run
 * (garak attempt uuid, promptfoo result id or position): with the tool and run id it identifies the finding,
 * whichever of the run's files it was read from and whenever, so importing the run again gives the same
 * findings. */
export interface ImportSource {
  tool: 'garak' | 'promptfoo';
  toolVersion?: string;
  runId?: string;
  item: string;
  /** The tool's own record of how it judged the finding. */
  scan: ScanEvidence;
}

/** A finding as an importer reads it from a scanner file, before it is given an endpoint, a tenant and an id. */
export interface ImportedFinding {
  title: string;
  /** A crosswalk category (see catalogue/crosswalk.json), so the same weakness from two tools merges. */
  category: string;
  severity: Severity;
  /** ISO 8601 time the tool observed it (the run's time when the tool records no finer time). */
  detectedAt: string;
  /** Tool-independent weakness key (`weakness:<id>` from weaknesses.ts). */
  fingerprint: string;
  frameworkRefs: FrameworkRef[];
  evidence: Evidence;
  source: ImportSource;
}

/** A scanner run as first imported into an endpoint. */
export interface ImportedRun {
  tenantId: string;
  endpointId: string;
  tool: string;
  /** The tool's run id, or `file:<sha256>` for a file that names no run. */
  runKey: string;
  /** The file the run was first imported from. */
  format: ScannerFormat | 'unknown';
  fileSha256: string;
  importedAt: Date;
  /** The import job that first imported it (absent for imports outside a job and for legacy records). */
  importId?: string;
  /** Imported before findings were identified by their run and item alone (their ids carry a year): findings of
   * the run cannot be matched one by one, so a later import of the run stores none of them. */
  legacy?: boolean;
}

/** What a parser knows about the run once it has read the file. */
export interface RunFacts {
  tool: 'garak' | 'promptfoo';
  toolVersion?: string;
  runId?: string;
  /** Items the file holds (garak attempts, promptfoo results) and how many of them became findings. */
  itemsRead: number;
  findings: number;
}

/** The error for a file that cannot be imported: names the line (1-based; 0 when the file as a whole is
 * wrong) and the problem, e.g. `line 17: not valid JSON (Unexpected end of JSON input)`. */
export function importError(line: number, problem: string): AppError {
  const where = line > 0 ? `line ${line}: ` : '';
  return new AppError('import_invalid', `${where}${problem}`, { line, problem });
}
