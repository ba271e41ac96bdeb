import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { ConfigError, loadConfig, type Config } from '../config';
import { createLogger } from '../infra/logger';
import { MongoAuditLog } from '../infra/mongo/audit-repo';
import { connectDatabase } from '../infra/mongo/database';
import { MongoFindingsRepo } from '../infra/mongo/findings-repo';
import { MongoImportedRuns } from '../infra/mongo/import-runs-repo';
import { MongoImportsRepo } from '../infra/mongo/imports-repo';
import { MongoRunsRepo } from '../infra/mongo/runs-repo';
import { MongoTenantsRepo } from '../infra/mongo/tenants-repo';
import { MongoWeaknessRegister } from '../infra/mongo/weakness-register';
import { MongoReportsRepo } from '../infra/mongo/reports-repo';
import { MongoPublishedKeys } from '../infra/mongo/published-keys-repo';
import { jwsSigner } from '../infra/signing/artifact-signers';
import { PUBLISHED_KEYS_REFRESH_MS, signingKeySet } from '../infra/signing/published-keys';
import { loadJwsKeys } from '../infra/signing/jwks';
import { PdfSigner } from '../infra/signing/pdf-signer';
import {
  LOCAL_SIGNING_ROOT_FILE,
  loadOrCreateSigningIdentity,
  trustRootInstructions,
} from '../infra/signing/signing-identity';
import { httpTimestampAuthority } from '../infra/signing/timestamp-authority';
import { createArtifactStore } from '../infra/storage';
import { createStagingStore, withArtifactStoreFallback } from '../infra/storage/staging-store';
import { moveEarlierStagedModels } from '../infra/storage/staging-upgrade';
import { reconcileQueuedReports } from '../infra/temporal/reconciler';
import { installTemporalRuntime } from '../infra/temporal/runtime';
import { TemporalReportWorkflows } from '../infra/temporal/report-workflows';
import { TemporalRetention } from '../infra/temporal/retention-workflows';
import { createReportWorkers } from '../infra/temporal/workers';
import { TemporalImportWorkflows } from '../infra/temporal/import-workflows';
import { reconcileImports } from '../app/import-jobs';
import { tenantQuotasOf } from './tenant-quotas';
import { weaknessTreatmentOf } from './weakness-treatment';
import { logRunning, runRenderWorker, startRenderRole } from './render-worker';
import { offboardingActivityDepsOf } from './tenant-offboarding';
import { parseWorkerArgs, type WorkerRole } from './worker-args';

/** How often the worker looks for queued reports whose workflow never started, and for writes of findings cut
 * short and never finished. */
const RECONCILE_EVERY_MS = 60_000;
/** How long a write of findings may stay unfinished before its claims are let go (a write unit takes seconds). */
const ABANDONED_WRITE_MS = 15 * 60_000;

/** The worker's configuration. A production worker without a role is one more problem, named with the others: the
 * browser would share a process with every key. */
function stepsConfig(role: WorkerRole): Config {
  const problems: string[] = [];
  let config: Config | undefined;
  try {
    config = loadConfig(process.env, 'worker');
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
  }
  const production = process.env.NODE_ENV?.trim() === 'production';
  if (role === 'both' && production) {
    problems.push(
      '--role is required: run one worker with --role steps and another with --role render, so that Chromium never shares a process with the signing keys and the master key',
    );
  }
  if (problems.length > 0 || !config) throw new ConfigError(problems, production ? 'production' : 'development');
  return config;
}

async function main(role: WorkerRole): Promise<void> {
  if (role === 'render') return runRenderWorker();
  const config = stepsConfig(role);
  const logger = createLogger(config.logLevel, { service: 'worker', role });
  installTemporalRuntime(logger, config.workerMetricsAddress);
  const { client: mongo, db } = await connectDatabase(config.mongo.url, config.mongo.db);
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const signing = await loadOrCreateSigningIdentity({
    p12Path: config.signing.p12Path,
    password: config.signing.p12Password,
    dataDir: config.dataDir,
  });
  // In production the configuration guarantees every key is set, so nothing here generates anything.
  if (signing.created) {
    const root = path.join(config.dataDir, LOCAL_SIGNING_ROOT_FILE);
    logger.warn(
      'development: generated a local root CA and a PDF signing key it issued into DATA_DIR; production requires SIGNING_P12_PATH and SIGNING_P12_PASSWORD',
      { keyId: signing.identity.keyId, root, trustWith: trustRootInstructions(root) },
    );
  }
  // Production requires an authority (see config.ts); development without one signs with the signer's clock alone.
  const timestamps = config.signing.tsaUrl
    ? httpTimestampAuthority({ url: config.signing.tsaUrl, timeoutMs: config.signing.tsaTimeoutMs })
    : undefined;
  if (!timestamps) {
    logger.warn('development: no TSA_URL, so signatures carry no timestamp; production requires one');
  }
  const jws = await loadJwsKeys(config.signing.jwsKeysDir, { create: config.mode === 'development' });
  if (jws.created) {
    logger.warn('development: generated a JSON signing key; production requires JWS_KEYS_DIR', {
      kid: jws.keys.current.kid,
      folder: config.signing.jwsKeysDir,
    });
  }
  // The API serves what is published here and holds no private key itself. Published before any work is taken, so
  // a report's key is served before the report exists; re-published from the folder on a timer, so a key added to
  // it is served (and earlier ones stay) without a restart.
  const publishedKeys = new MongoPublishedKeys(db);
  const publishKeys = async (): Promise<void> =>
    publishedKeys.publish(await signingKeySet(config.signing.jwsKeysDir, signing.identity), new Date());
  await publishKeys();
  const keyPublisher = setInterval(() => {
    publishKeys().catch((err: unknown) => logger.warn('publishing the signing keys failed', { error: err }));
  }, PUBLISHED_KEYS_REFRESH_MS);
  const reports = new MongoReportsRepo(db);
  const findings = new MongoFindingsRepo(db);
  const imports = new MongoImportsRepo(db);
  const clock = { now: () => new Date() };
  const quotas = tenantQuotasOf(db, config.quotas, clock, findings);
  const store = await createArtifactStore(config, logger);
  const staging = await createStagingStore(config, logger);
  // Before any work is taken: a report whose model an earlier version staged under the master key gets it where the
  // render worker reads.
  const moved = await moveEarlierStagedModels(db, { artifacts: store, staging });
  if (moved > 0) logger.info('moved models staged before the staging store into it', { models: moved });
  const client = new Client({
    connection: await Connection.connect({ address: config.temporal.address }),
    namespace: config.temporal.namespace,
  });
  const testRuns = new MongoRunsRepo(db);
  const audit = new MongoAuditLog(db);
  const workers = await createReportWorkers({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    workflows: { workflowsPath: require.resolve('../../workflows') },
    reports,
    findings,
    runs: testRuns,
    tenants: new MongoTenantsRepo(db),
    store,
    staging: withArtifactStoreFallback(staging, store),
    audit,
    retentionSignals: new TemporalRetention(client, config.temporal.taskQueue),
    weaknesses: new MongoWeaknessRegister(db, audit),
    treatment: weaknessTreatmentOf(db, audit, client, config.temporal.taskQueue, clock),
    clock,
    failedRetentionMs: config.failedReportRetentionHours * 3_600_000,
    signers: { pdf: new PdfSigner(signing.identity, { timestamps }), json: jwsSigner(jws.keys, timestamps) },
    quotas,
    imports: {
      repo: imports,
      findings,
      runs: new MongoImportedRuns(db),
      testRuns,
      limits: { maxFindings: config.imports.maxFindings, maxDetectors: config.imports.maxDetectors },
      concurrency: config.imports.concurrency,
    },
    offboarding: offboardingActivityDepsOf(db, {
      store,
      staging,
      temporal: client,
      jwsKeys: jws.keys,
      audit: new MongoAuditLog(db),
      clock,
      jwksUrl: `${config.http.publicBaseUrl}/.well-known/jwks.json`,
    }),
  });
  // In development one process may run both roles, as it did before they existed; it renders from the staging
  // store alone all the same.
  const signer = {
    subject: signing.identity.subject,
    keyId: signing.identity.keyId,
    jwksUrl: `${config.http.publicBaseUrl}/.well-known/jwks.json`,
  };
  const render =
    role === 'both'
      ? await startRenderRole(config, { connection, db, staging, signer: async () => signer })
      : undefined;
  if (render) workers.push(render.worker);
  logRunning(logger, role, config, render?.sandbox);
  const reconcile = {
    reports,
    workflows: new TemporalReportWorkflows(client, config.temporal.taskQueue),
    clock,
    logger,
  };
  const reconciler = setInterval(() => {
    reconcileQueuedReports(reconcile).catch((err: unknown) =>
      logger.warn('reconciling queued reports failed', { error: err }),
    );
    reconcileImports({
      imports,
      workflows: new TemporalImportWorkflows(client, config.temporal.taskQueue),
      store,
      quotas,
      clock,
    }).catch((err: unknown) => logger.warn('reconciling waiting imports failed', { error: err }));
    findings
      .releaseAbandonedWrites(new Date(clock.now().getTime() - ABANDONED_WRITE_MS))
      .then((n) => n > 0 && logger.warn('released the claims of abandoned writes of findings', { writes: n }))
      .catch((err: unknown) => logger.warn('releasing abandoned writes of findings failed', { error: err }));
  }, RECONCILE_EVERY_MS);
  // Worker.run() resolves once shutdown completes; the SDK handles SIGINT/SIGTERM by draining in-flight tasks.
  await Promise.all(workers.map((w) => w.run()));
  clearInterval(reconciler);
  clearInterval(keyPublisher);
  await render?.close();
  await Promise.allSettled([mongo.close(), connection.close(), client.connection.close()]);
  logger.info('worker stopped');
}

let role: WorkerRole;
try {
  role = parseWorkerArgs(process.argv.slice(2));
} catch (err) {
  // A usage error exits 2, as the CLI's do, apart from a worker that started and failed (1).
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(2);
}

main(role).catch((err: unknown) => {
  // A configuration error is a list for the operator; a stack would only bury it.
  const reason =
    err instanceof ConfigError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`worker failed: ${reason}\n`);
  process.exit(1);
});
