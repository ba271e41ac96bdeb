import { promises as fs } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../config';
import { PUBLISHED_SCHEMAS } from '../http/published-schemas';
import { createApp, createOpsApp } from '../http/app';
import { ApiMetrics } from '../http/ops-router';
import { TokenBuckets } from '../http/rate-limit';
import { mongoReady, temporalReady } from '../infra/readiness';
import { DownloadLinks } from '../infra/download-links';
import { newId } from '../infra/ids';
import { createLogger } from '../infra/logger';
import { MongoAuditLog } from '../infra/mongo/audit-repo';
import { MongoIdempotencyKeys } from '../infra/mongo/idempotency-repo';
import { connectDatabase } from '../infra/mongo/database';
import { MongoEndpointsRepo } from '../infra/mongo/endpoints-repo';
import { MongoFindingsRepo } from '../infra/mongo/findings-repo';
import { MongoImportsRepo } from '../infra/mongo/imports-repo';
import { MongoReportsRepo } from '../infra/mongo/reports-repo';
import { MongoRunsRepo } from '../infra/mongo/runs-repo';
import { MongoTenantsRepo } from '../infra/mongo/tenants-repo';
import { MongoTokensRepo } from '../infra/mongo/tokens-repo';
import { rememberTokens } from '../http/token-cache';
import { loadOrCreateSecret } from '../infra/secrets';
import { MongoPublishedKeys } from '../infra/mongo/published-keys-repo';
import { cachedPublishedKeys, PUBLISHED_KEYS_REFRESH_MS } from '../infra/signing/published-keys';
import { createArtifactStore } from '../infra/storage';
import { settleCallContext } from '../infra/temporal/deadline-calls';
import { TemporalImportWorkflows } from '../infra/temporal/import-workflows';
import { TemporalReportWorkflows } from '../infra/temporal/report-workflows';
import { ImportJobs } from '../app/import-jobs';
import { tenantAdminOf } from './tenant-admin';
import { tenantOffboardingOf } from './tenant-offboarding';
import { tenantQuotasOf } from './tenant-quotas';
import { TemporalRetention } from '../infra/temporal/retention-workflows';
import { weaknessTreatmentOf } from './weakness-treatment';

async function main(): Promise<void> {
  const config = loadConfig(process.env, 'api');
  const logger = createLogger(config.logLevel, { service: 'api' });
  const { client: mongo, db } = await connectDatabase(config.mongo.url, config.mongo.db);
  const connection = await Connection.connect({ address: config.temporal.address });
  settleCallContext(connection);
  const temporal = new Client({ connection, namespace: config.temporal.namespace });
  // In production the configuration guarantees every secret is set, so nothing below generates anything.
  const { secret, created } = await loadOrCreateSecret(
    config.downloads.secret,
    path.join(config.dataDir, 'keys', 'download-url.secret'),
  );
  if (created) {
    logger.warn('development: generated a download-link secret into DATA_DIR; production requires DOWNLOAD_URL_SECRET');
  }

  const reports = new MongoReportsRepo(db);
  const audit = new MongoAuditLog(db);
  const findings = new MongoFindingsRepo(db);
  const clock = { now: () => new Date() };
  const store = await createArtifactStore(config, logger);
  const quotas = tenantQuotasOf(db, config.quotas, clock, findings);
  // Uploads are staged in the artifact store now; a local spool left by an older version is removed.
  await fs.rm(path.join(config.dataDir, 'uploads'), { recursive: true, force: true });
  const readiness = { mongodb: mongoReady(db), temporal: temporalReady(connection) };
  const reportCounts = () => reports.countByStatus();
  const metrics = new ApiMetrics();
  const app = createApp({
    trustProxy: config.http.trustProxy,
    reports,
    findings,
    findingsStore: findings,
    importJobs: new ImportJobs({
      imports: new MongoImportsRepo(db),
      workflows: new TemporalImportWorkflows(temporal, config.temporal.taskQueue),
      store,
      quotas,
      clock,
      newImportId: () => newId('imp'),
      maxBytes: config.imports.maxBytes,
    }),
    quotas,
    endpointsStore: new MongoEndpointsRepo(db),
    runsStore: new MongoRunsRepo(db),
    newEndpointId: () => newId('ep'),
    findingsBodyLimitBytes: config.http.findingsBodyLimitBytes,
    tokens: rememberTokens(new MongoTokensRepo(db), config.http.authCacheTtlMs, config.http.authNegativeCacheTtlMs),
    audit,
    auditEvents: audit,
    workflows: new TemporalReportWorkflows(temporal, config.temporal.taskQueue),
    retention: new TemporalRetention(temporal, config.temporal.taskQueue),
    tenants: new MongoTenantsRepo(db),
    tenantAdmin: tenantAdminOf(db, audit, clock),
    weaknessTreatment: weaknessTreatmentOf(db, audit, temporal, config.temporal.taskQueue, clock),
    tenantOffboarding: tenantOffboardingOf(
      db,
      { client: temporal, taskQueue: config.temporal.taskQueue },
      { audit, clock, graceDays: config.offboarding.graceDays },
    ),
    idempotency: new MongoIdempotencyKeys(db),
    metrics,
    presignedDownloads: config.artifacts.s3?.presignedDownloads ?? false,
    rateLimits: new TokenBuckets(config.http.rateLimitPerMinute, config.http.rateLimitBurst),
    unauthLimits: new TokenBuckets(config.http.unauthRateLimitPerMinute, config.http.unauthRateLimitBurst),
    store,
    links: new DownloadLinks(secret, config.http.publicBaseUrl, config.downloads.ttlSeconds),
    clock,
    logger,
    newReportId: () => newId('rpt'),
    bodyLimitBytes: config.http.bodyLimitBytes,
    // The API holds no private key: it serves the public keys the signing worker published to the database.
    jwks: cachedPublishedKeys(new MongoPublishedKeys(db), { refreshMs: PUBLISHED_KEYS_REFRESH_MS, clock, logger }),
    schemas: PUBLISHED_SCHEMAS,
  });
  const server = http.createServer(app);
  const ops = http.createServer(createOpsApp({ readiness, reportCounts, metrics, logger }));
  const listen = (what: string, listener: http.Server, host: string, port: number): void => {
    listener.once('error', (err) => {
      process.stderr.write(`${what} failed to listen on ${host}:${port}: ${err.message}\n`);
      process.exit(1);
    });
    listener.listen(port, host);
  };
  listen('API', server, config.http.host, config.http.port);
  listen('Operations endpoints', ops, config.ops.host, config.ops.port);
  server.once('listening', () => {
    logger.info('API listening', { url: config.http.publicBaseUrl, port: config.http.port });
  });
  ops.once('listening', () => {
    logger.info('operations endpoints listening', { host: config.ops.host, port: config.ops.port });
  });

  const shutdown = (signal: string): void => {
    logger.info('shutting down', { signal });
    ops.close();
    server.close(() => {
      void Promise.allSettled([mongo.close(), connection.close()]).then(() => process.exit(0));
    });
    setTimeout(() => process.exit(1), 15_000).unref();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`API failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
