import { NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import type {
  ArtifactStore,
  AuditLog,
  Clock,
  DetachedSigning,
  FindingsRepo,
  RunsRepo,
  PdfSigning,
  ReportsRepo,
  RetentionSignals,
  TenantsRepo,
} from '../../../activities/ports';
import { createApprovalActivities } from '../../../activities/approval-activities';
import { createRenderActivities, type RenderActivityDeps } from '../../../activities/render-activities';
import { createImportActivities, type ImportActivityDeps } from '../../../activities/import-activities';
import { createOffboardingActivities, type OffboardingActivityDeps } from '../../../activities/offboarding-activities';
import { createReportActivities, type ReportActivityDeps } from '../../../activities/report-activities';
import { createRetentionActivities } from '../../../activities/retention-activities';
import { createSignActivities } from '../../../activities/sign-activities';
import { createTreatmentActivities, type TreatmentActivityDeps } from '../../../activities/treatment-activities';
import { importQueueFor, renderQueueFor } from '../../../workflows/contracts';
import { reportOutline } from '../render/html-renderer';

/** What the steps worker (workflows, the pipeline's steps, signing, imports) is built from. */
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
  /** The staging store as this worker reads it (falling back to `store` for objects staged before it existed). */
  staging: ArtifactStore;
  audit: AuditLog;
  /** Reaches the retention workflows when a tenant's retention changes. */
  retentionSignals: RetentionSignals;
  /** The treatment recorded of weaknesses, which reports read as of their date. */
  weaknesses: ReportActivityDeps['weaknesses'];
  /** Lets weaknesses' risk acceptances lapse when their timers say. */
  treatment: TreatmentActivityDeps['treatment'];
  clock: Clock;
  /** How long a failed report keeps what it staged, in milliseconds (ReportActivityDeps). */
  failedRetentionMs?: number;
  signers: { pdf: PdfSigning; json: DetachedSigning };
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

/** What the render worker is built from: no signer, no artifact store, no findings. */
export interface RenderWorkerDeps extends RenderActivityDeps {
  connection: NativeConnection;
  namespace: string;
  /** The main task queue; the worker polls its render queue. */
  taskQueue: string;
  renderConcurrency: number;
}

/** Builds the steps worker's workers: one hosting the workflows and light activities, and one on the import queue,
 * bounded because an import holds a slot for as long as it reads its file. The render queue has a worker of its own
 * ({@link createRenderWorker}), usually in another process. */
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
      ...createApprovalActivities(deps),
      ...createSignActivities({
        store: deps.store,
        staging: deps.staging,
        reports: deps.reports,
        ...deps.signers,
        outlineOf: reportOutline,
      }),
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
  const importer = await Worker.create({
    connection,
    namespace,
    taskQueue: importQueueFor(taskQueue),
    activities: imports,
    maxConcurrentActivityTaskExecutions: deps.imports.concurrency,
  });
  return [main, importer];
}

/** Builds the worker on the render queue: its concurrency is bounded because each render holds a browser
 * context. It hosts no workflow and no other activity. */
export async function createRenderWorker(deps: RenderWorkerDeps): Promise<Worker> {
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: renderQueueFor(deps.taskQueue),
    activities: createRenderActivities({
      staging: deps.staging,
      reports: deps.reports,
      html: deps.html,
      pdf: deps.pdf,
      signer: deps.signer,
    }),
    maxConcurrentActivityTaskExecutions: deps.renderConcurrency,
  });
}
