import { NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import type {
  ArtifactStore,
  AuditLog,
  Clock,
  DetachedSigning,
  FindingsRepo,
  RunsRepo,
  PdfRenderer,
  PdfSigning,
  ReportsRepo,
  RetentionSignals,
  TenantsRepo,
} from '../../../activities/ports';
import { createRenderActivities, type HtmlRenderer } from '../../../activities/render-activities';
import { createImportActivities, type ImportActivityDeps } from '../../../activities/import-activities';
import { createOffboardingActivities, type OffboardingActivityDeps } from '../../../activities/offboarding-activities';
import { createReportActivities, type ReportActivityDeps } from '../../../activities/report-activities';
import { createRetentionActivities } from '../../../activities/retention-activities';
import { createSignActivities } from '../../../activities/sign-activities';
import { createTreatmentActivities, type TreatmentActivityDeps } from '../../../activities/treatment-activities';
import { importQueueFor, renderQueueFor } from '../../../workflows/contracts';
import { reportOutline } from '../render/html-renderer';

/** What the report workers are built from. */
export interface ReportWorkerDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** A prebuilt bundle (production) or the path of the workflows module to bundle at start. */
  workflows: { workflowBundle: WorkflowBundleOption } | { workflowsPath: string };
  reports: ReportsRepo;
  findings: FindingsRepo;
  runs: RunsRepo;
  tenants: TenantsRepo;
  store: ArtifactStore;
  audit: AuditLog;
  /** Reaches the retention workflows when a tenant's retention changes. */
  retentionSignals: RetentionSignals;
  /** Lets weaknesses' risk acceptances lapse when their timers say. */
  treatment: TreatmentActivityDeps['treatment'];
  clock: Clock;
  html: HtmlRenderer;
  pdf: PdfRenderer;
  signers: { pdf: PdfSigning; json: DetachedSigning };
  /** The PDF signer's certificate subject and key id, and where the keys are published. */
  signerInfo: { subject: string; keyId: string; jwksUrl: string };
  renderConcurrency: number;
  /** The tenants' quotas: report and import slots given back, stored findings checked. */
  quotas: ReportActivityDeps['quotas'] & ImportActivityDeps['quotas'];
  /** Import jobs: their records, where their findings go, the imported runs and their results, their bounds and
   * how many run at once. */
  imports: {
    repo: ImportActivityDeps['imports'];
    findings: ImportActivityDeps['findings'];
    runs: ImportActivityDeps['runs'];
    testRuns: ImportActivityDeps['testRuns'];
    limits: ImportActivityDeps['limits'];
    concurrency: number;
  };
  /** Tenants' offboarding: their records, objects and workflows, and the key that signs deletion receipts. */
  offboarding: OffboardingActivityDeps;
}

/** Builds the workers: one hosting the workflows and light activities, one on the render queue whose
 * concurrency is bounded because each render holds a browser context, and one on the import queue, bounded
 * because an import holds a slot for as long as it reads its file. */
export async function createReportWorkers(deps: ReportWorkerDeps): Promise<Worker[]> {
  const { connection, namespace, taskQueue } = deps;
  const imports = createImportActivities({
    imports: deps.imports.repo,
    findings: deps.imports.findings,
    runs: deps.imports.runs,
    testRuns: deps.imports.testRuns,
    store: deps.store,
    quotas: deps.quotas,
    limits: deps.imports.limits,
    clock: deps.clock,
  });
  const main = await Worker.create({
    connection,
    namespace,
    taskQueue,
    ...deps.workflows,
    activities: {
      ...createReportActivities(deps),
      ...createSignActivities({ store: deps.store, reports: deps.reports, ...deps.signers, outlineOf: reportOutline }),
      ...createRetentionActivities({ ...deps, signals: deps.retentionSignals }),
      ...createTreatmentActivities({ treatment: deps.treatment }),
      ...imports,
      ...createOffboardingActivities(deps.offboarding),
    },
    // Every step is a few database and object-store calls, so more steps at once only lengthen the database's queue.
    // With the SDK's 100, a burst of 1,000 reports (scripts/bench-load.sh) queued so long in FerretDB that steps hit
    // their one-minute start-to-close timeout and were retried on top, and throughput collapsed.
    maxConcurrentActivityTaskExecutions: 10,
  });
  const render = await Worker.create({
    connection,
    namespace,
    taskQueue: renderQueueFor(taskQueue),
    activities: createRenderActivities({
      store: deps.store,
      reports: deps.reports,
      html: deps.html,
      pdf: deps.pdf,
      signer: deps.signerInfo,
    }),
    maxConcurrentActivityTaskExecutions: deps.renderConcurrency,
  });
  const importer = await Worker.create({
    connection,
    namespace,
    taskQueue: importQueueFor(taskQueue),
    activities: imports,
    maxConcurrentActivityTaskExecutions: deps.imports.concurrency,
  });
  return [main, render, importer];
}
