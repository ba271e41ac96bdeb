import type { RequestListener } from 'node:http';
import type { Client, Connection } from '@temporalio/client';
import type { Db } from 'mongodb';
import type { ArtifactStore, Clock } from '../../activities/ports';
import { ImportJobs } from '../app/import-jobs';
import { createReportRequests } from '../app/report-requests';
import type { QuotaLimits, TenantQuotas } from '../app/tenant-quotas';
import type { ApiConfig } from '../config';
import { createApp, createOpsApp } from '../http/app';
import type { TokenAuthenticator } from '../http/auth';
import type { FindingsStore } from '../http/findings-router';
import { ApiMetrics } from '../http/ops-router';
import { PUBLISHED_SCHEMAS } from '../http/published-schemas';
import { TokenBuckets } from '../http/rate-limit';
import { rememberTokens } from '../http/token-cache';
import { DownloadLinks } from '../infra/download-links';
import { newId } from '../infra/ids';
import type { Logger } from '../infra/logger';
import { MongoAuditLog } from '../infra/mongo/audit-repo';
import { MongoEndpointsRepo } from '../infra/mongo/endpoints-repo';
import { MongoFindingsRepo } from '../infra/mongo/findings-repo';
import { MongoIdempotencyKeys } from '../infra/mongo/idempotency-repo';
import { MongoImportsRepo } from '../infra/mongo/imports-repo';
import { MongoPublishedKeys } from '../infra/mongo/published-keys-repo';
import { MongoReportsRepo } from '../infra/mongo/reports-repo';
import { MongoRunsRepo } from '../infra/mongo/runs-repo';
import { MongoTenantsRepo } from '../infra/mongo/tenants-repo';
import { MongoTokensRepo } from '../infra/mongo/tokens-repo';
import { mongoReady, temporalReady } from '../infra/readiness';
import { cachedPublishedKeys, PUBLISHED_KEYS_REFRESH_MS } from '../infra/signing/published-keys';
import { TemporalImportWorkflows } from '../infra/temporal/import-workflows';
import { TemporalReportWorkflows, type ReportWorkflows } from '../infra/temporal/report-workflows';
import { TemporalRetention } from '../infra/temporal/retention-workflows';
import { tenantAdminOf } from './tenant-admin';
import { tenantOffboardingOf } from './tenant-offboarding';
import { tenantQuotasOf } from './tenant-quotas';
import { weaknessTreatmentOf } from './weakness-treatment';

/** The configuration the API is built from. */
export type ApiSettings = Pick<ApiConfig, 'http' | 'downloads' | 'imports' | 'quotas' | 'offboarding' | 'artifacts'>;

/** What the API runs on, built by whoever starts it: the database the repositories keep their data in, the Temporal
 * client its workflows start through, the artifact store, the download-link secret, a clock and a logger. */
export interface ApiServices {
  db: Db;
  temporal: { client: Client; connection: Connection; taskQueue: string };
  store: ArtifactStore;
  /** Signs download links; their base URL and lifetime are the settings'. */
  downloadSecret: string;
  clock: Clock;
  logger: Logger;
}

/** What a caller may set apart from the configuration, each defaulting to the configured value. The server sets
 * none; the tests set what a test is about (a small limit, a token lookup that fails) and what would make them
 * slow or flaky (a revoked token remembered for seconds). */
export interface ApiOptions {
  rateLimit?: { perMinute: number; burst: number };
  unauthRateLimit?: { perMinute: number; burst: number };
  /** AUTH_CACHE_TTL_MS and AUTH_NEGATIVE_CACHE_TTL_MS. */
  authCacheTtlMs?: number;
  authNegativeCacheTtlMs?: number;
  bodyLimitBytes?: number;
  findingsBodyLimitBytes?: number;
  importMaxBytes?: number;
  quotas?: Partial<QuotaLimits>;
  trustProxy?: readonly string[];
  offboardGraceDays?: number;
  /** Whether downloads redirect to presigned URLs of the S3 store. */
  presignedDownloads?: boolean;
  /** How often the public keys are read again from the database. */
  jwksRefreshMs?: number;
  /** Starts report workflows in place of Temporal's (one that cannot reach the server, say). */
  workflows?: ReportWorkflows;
  /** Wrap what the API sees of the tokens, the reports and the findings store, to count calls or make them fail. */
  wrapTokens?: (tokens: TokenAuthenticator) => TokenAuthenticator;
  wrapReports?: (reports: MongoReportsRepo) => MongoReportsRepo;
  wrapFindingsStore?: (findings: FindingsStore) => FindingsStore;
}

/** The API as {@link composeApi} builds it: its two listeners, and the parts a process shares with them. */
export interface ComposedApi {
  /** The public API. */
  api: RequestListener;
  /** `/healthz`, `/readyz` and `/metrics`, served apart from the public port. */
  ops: RequestListener;
  links: DownloadLinks;
  /** The repositories as stored, before any wrapping of {@link ApiOptions}. */
  reports: MongoReportsRepo;
  audit: MongoAuditLog;
  quotas: TenantQuotas;
  retention: TemporalRetention;
  workflows: ReportWorkflows;
}

/**
 * Builds the API, its routers and everything they depend on, from the settings and the services it runs on. The one
 * place the API is wired: the server and the tests both call it, so the tests run the wiring the server runs (the
 * token cache, the body and rate limits, the use cases), and differ only in the {@link ApiOptions} they set.
 */
export function composeApi(settings: ApiSettings, services: ApiServices, options: ApiOptions = {}): ComposedApi {
  const { db, temporal, store, clock, logger } = services;
  const { http } = settings;
  const { taskQueue } = temporal;
  const reports = new MongoReportsRepo(db);
  const findings = new MongoFindingsRepo(db);
  const audit = new MongoAuditLog(db);
  const quotas = tenantQuotasOf(db, { ...settings.quotas, ...options.quotas }, clock, findings);
  const retention = new TemporalRetention(temporal.client, taskQueue);
  const workflows = options.workflows ?? new TemporalReportWorkflows(temporal.client, taskQueue);
  const links = new DownloadLinks(services.downloadSecret, http.publicBaseUrl, settings.downloads.ttlSeconds);
  const apiReports = options.wrapReports ? options.wrapReports(reports) : reports;
  const tokensRepo = new MongoTokensRepo(db);
  const tokens = rememberTokens(
    options.wrapTokens ? options.wrapTokens(tokensRepo) : tokensRepo,
    options.authCacheTtlMs ?? http.authCacheTtlMs,
    options.authNegativeCacheTtlMs ?? http.authNegativeCacheTtlMs,
  );
  const rateLimit = options.rateLimit ?? { perMinute: http.rateLimitPerMinute, burst: http.rateLimitBurst };
  const unauthRateLimit = options.unauthRateLimit ?? {
    perMinute: http.unauthRateLimitPerMinute,
    burst: http.unauthRateLimitBurst,
  };
  const metrics = new ApiMetrics();
  const newReportId = () => newId('rpt');
  const api = createApp({
    trustProxy: options.trustProxy ?? http.trustProxy,
    reports: apiReports,
    findingsStore: options.wrapFindingsStore ? options.wrapFindingsStore(findings) : findings,
    importJobs: new ImportJobs({
      imports: new MongoImportsRepo(db),
      workflows: new TemporalImportWorkflows(temporal.client, taskQueue),
      store,
      quotas,
      clock,
      newImportId: () => newId('imp'),
      maxBytes: options.importMaxBytes ?? settings.imports.maxBytes,
    }),
    reportRequests: createReportRequests({
      reports: apiReports,
      findings,
      workflows,
      idempotency: new MongoIdempotencyKeys(db),
      audit,
      clock,
      newReportId,
      quotas,
    }),
    quotas,
    endpointsStore: new MongoEndpointsRepo(db),
    runsStore: new MongoRunsRepo(db),
    newEndpointId: () => newId('ep'),
    findingsBodyLimitBytes: options.findingsBodyLimitBytes ?? http.findingsBodyLimitBytes,
    tokens,
    audit,
    auditEvents: audit,
    workflows,
    retention,
    tenants: new MongoTenantsRepo(db),
    tenantAdmin: tenantAdminOf(db, audit, clock),
    weaknessTreatment: weaknessTreatmentOf(db, audit, temporal.client, taskQueue, clock),
    tenantOffboarding: tenantOffboardingOf(
      db,
      { client: temporal.client, taskQueue },
      { audit, clock, graceDays: options.offboardGraceDays ?? settings.offboarding.graceDays },
    ),
    metrics,
    presignedDownloads: options.presignedDownloads ?? settings.artifacts.s3?.presignedDownloads ?? false,
    rateLimits: new TokenBuckets(rateLimit.perMinute, rateLimit.burst),
    unauthLimits: new TokenBuckets(unauthRateLimit.perMinute, unauthRateLimit.burst),
    store,
    links,
    clock,
    logger,
    bodyLimitBytes: options.bodyLimitBytes ?? http.bodyLimitBytes,
    // The API holds no private key: it serves the public keys the signing worker published to the database.
    jwks: cachedPublishedKeys(new MongoPublishedKeys(db), {
      refreshMs: options.jwksRefreshMs ?? PUBLISHED_KEYS_REFRESH_MS,
      clock,
      logger,
    }),
    schemas: PUBLISHED_SCHEMAS,
  });
  const ops = createOpsApp({
    readiness: { mongodb: mongoReady(db), temporal: temporalReady(temporal.connection) },
    reportCounts: () => reports.countByStatus(),
    metrics,
    logger,
  });
  return { api, ops, links, reports, audit, quotas, retention, workflows };
}
