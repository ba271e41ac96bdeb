import { NativeConnection, type Worker } from '@temporalio/worker';
import type { Db } from 'mongodb';
import type { ArtifactStore } from '../../activities/ports';
import type { SignerFacts } from '../../activities/render-activities';
import { loadConfig, type RenderWorkerConfig } from '../config';
import { createLogger, type Logger } from '../infra/logger';
import { connectDatabase } from '../infra/mongo/database';
import { MongoPublishedKeys } from '../infra/mongo/published-keys-repo';
import { MongoReportsRepo } from '../infra/mongo/reports-repo';
import { ChromiumPdfRenderer, chromiumSandboxFor } from '../infra/render/chromium-pdf-renderer';
import { createHtmlRenderer } from '../infra/render/html-renderer';
import { PUBLISHED_KEYS_REFRESH_MS, cachedPublishedKeys, publishedPdfSigner } from '../infra/signing/published-keys';
import { createStagingStore } from '../infra/storage/staging-store';
import { stagedModelsMoved } from '../infra/storage/staging-upgrade';
import { installTemporalRuntime } from '../infra/temporal/runtime';
import { createRenderWorker } from '../infra/temporal/workers';
import { renderQueueFor } from '../../workflows/contracts';

/** The render queue's worker and what to close once it has stopped. */
export interface RenderRole {
  worker: Worker;
  /** Whether Chromium runs in its own sandbox. */
  sandbox: boolean;
  close(): Promise<void>;
}

/** Builds the render queue's worker: the templates (a template that does not parse stops the process here, naming
 * it), Chromium started at once (one that cannot start stops it too, rather than failing every report), and the
 * staging store as its only store. Shared by the render worker and the development worker that runs both roles. */
export async function startRenderRole(
  config: Pick<RenderWorkerConfig, 'render' | 'temporal'>,
  deps: {
    connection: NativeConnection;
    db: Db;
    staging: ArtifactStore;
    signer: () => Promise<SignerFacts>;
  },
): Promise<RenderRole> {
  const html = createHtmlRenderer(config.render.templatesDir);
  const sandbox = chromiumSandboxFor(config.render.sandbox, process.getuid?.());
  const pdf = new ChromiumPdfRenderer({
    executablePath: config.render.chromiumPath,
    recycleAfter: config.render.recycleAfter,
    // No tagged outline: Chromium builds bookmarks only into a tagged PDF, which measured 5–10× larger and slower
    // (a 2,000-row report took minutes and gigabytes); bookmarks are to be added at signing time instead.
    documentOutline: false,
    sandbox,
  });
  try {
    await pdf.start();
  } catch (err) {
    await pdf.close();
    if (!sandbox) throw err;
    const needs =
      process.getuid?.() === 0
        ? 'Chromium refuses its sandbox to root: run the worker as another user, or leave CHROMIUM_SANDBOX to auto'
        : "Chromium's sandbox needs the kernel to let this user create user, PID and network namespaces (in a container: a seccomp profile that allows clone and unshare with namespace flags); or set CHROMIUM_SANDBOX=off";
    throw new Error(`${(err as Error).message}. ${needs}`, { cause: err });
  }
  const worker = await createRenderWorker({
    connection: deps.connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    staging: deps.staging,
    reports: new MongoReportsRepo(deps.db),
    html,
    pdf,
    signer: deps.signer,
    renderConcurrency: config.render.concurrency,
  });
  return { worker, sandbox, close: () => pdf.close() };
}

/** A worker process with `--role render`: the render queue only. Its configuration holds no signing key, no artifact
 * master key and no download secret; it reaches the staging store alone, and learns whom to name as the signer from
 * the key set the steps worker publishes. */
export async function runRenderWorker(): Promise<void> {
  const config = loadConfig(process.env, 'render-worker');
  const logger = createLogger(config.logLevel, { service: 'worker', role: 'render' });
  installTemporalRuntime(logger, config.workerMetricsAddress);
  if (
    config.staging.store === 's3' &&
    config.staging.s3?.credentials &&
    !process.env.S3_STAGING_ACCESS_KEY_ID?.trim()
  ) {
    logger.info(
      'the render worker reaches the bucket with S3_ACCESS_KEY_ID; S3_STAGING_ACCESS_KEY_ID would limit it to staging/',
    );
  }
  const { client: mongo, db } = await connectDatabase(config.mongo.url, config.mongo.db, { prepare: false });
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const staging = await createStagingStore(config, logger);
  await stagedModelsMoved(db, {
    waiting: () => logger.info('waiting for a steps worker to move the models staged before the staging store existed'),
  });
  const keys = cachedPublishedKeys(new MongoPublishedKeys(db), {
    refreshMs: PUBLISHED_KEYS_REFRESH_MS,
    clock: { now: () => new Date() },
    logger,
  });
  const render = await startRenderRole(config, {
    connection,
    db,
    staging,
    signer: publishedPdfSigner(keys, `${config.http.publicBaseUrl}/.well-known/jwks.json`),
  });
  logRunning(logger, 'render', config, render.sandbox);
  // Worker.run() resolves once shutdown completes; the SDK handles SIGINT/SIGTERM by draining in-flight tasks.
  await render.worker.run();
  await render.close();
  await Promise.allSettled([mongo.close(), connection.close()]);
  logger.info('worker stopped');
}

/** The line tests and scripts wait for: the worker polls its queues. */
export function logRunning(
  logger: Logger,
  role: string,
  config: Pick<RenderWorkerConfig, 'render' | 'temporal'>,
  chromiumSandbox?: boolean,
): void {
  logger.info('worker running', {
    role,
    taskQueue: config.temporal.taskQueue,
    ...(chromiumSandbox === undefined
      ? {}
      : {
          renderQueue: renderQueueFor(config.temporal.taskQueue),
          renderConcurrency: config.render.concurrency,
          chromiumSandbox,
        }),
  });
}
