import type { FrameworkRef } from './finding';

/** One thing a run tested and how it went: a garak probe judged by one detector, or a promptfoo plugin delivered
 * by one strategy. Counted whether or not it failed, so that a clean result has a denominator. */
export interface ProbeResult {
  /** garak probe (`module.Class`) or promptfoo plugin id. */
  probe: string;
  /** garak detector that judged the attempts; absent where the tool counts the probe as a whole. */
  detector?: string;
  /** promptfoo strategy that delivered the attack (`basic` when none). */
  strategy?: string;
  /** Attempts evaluated, and how many of them the tool counted as a failure of the model (an attack that worked). */
  attempts: number;
  failures: number;
  /** The weakness category the probe's findings get (see catalogue/crosswalk.json); what a clean result is
   * evidence about. Absent when the service has no weakness for the probe. */
  category?: string;
  /** Controls the probe's findings reference explicitly (its tags, the plugin's mapping). */
  frameworkRefs: FrameworkRef[];
}

/** Where a run was recorded from. */
export type RunOrigin = 'import' | 'api';

/** A red-team run against one endpoint: what was tested, with what, and how it went, recorded whether or not it
 * found anything. Findings link to it by their source's tool and run id. */
export interface TestRun {
  /** The service's id for the run (`run_` and 20 characters). */
  id: string;
  tenantId: string;
  endpointId: string;
  tool: string;
  toolVersion?: string;
  /** The id the run's findings carry in their source: the tool's run id for an imported file (or `file:<sha256>`
   * for a file that names none), the run's own {@link id} for a run posted through the API. */
  runId: string;
  /** sha256 (hex) of the run's configuration as the tool wrote it, where it did. */
  configSha256?: string;
  /** The model or provider the run attacked, where the file names it. */
  target?: string;
  /** When the run started (ISO 8601); the run counts in a report whose period holds this day. */
  startedAt: string;
  finishedAt?: string;
  origin: RunOrigin;
  /** The scanner file the run was imported from, and the import job that did it. */
  fileSha256?: string;
  importId?: string;
  /** Whether {@link results} counts everything the run tested: false for a file that holds hits only (a garak
   * hitlog), whose run's passes cannot be known from it. */
  resultsComplete: boolean;
  results: ProbeResult[];
  recordedAt: string;
}
