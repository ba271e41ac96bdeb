import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createServer } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import {
  DefaultLogger,
  NativeConnection,
  Runtime,
  bundleWorkflowCode,
  type Worker,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import type { Db, MongoClient } from 'mongodb';
import type { ArtifactStore, PdfRenderer } from '../../activities/ports';
import { offboardingActivityDepsOf } from '../../src/main/tenant-offboarding';
import { DownloadLinks } from '../../src/infra/download-links';
import { silentLogger, type Logger } from '../../src/infra/logger';
import type { TokenAuthenticator } from '../../src/http/auth';
import type { FindingsStore } from '../../src/http/findings-router';
import { MongoAuditLog } from '../../src/infra/mongo/audit-repo';
import { ensureIndexes } from '../../src/infra/mongo/database';
import { MongoFindingsRepo } from '../../src/infra/mongo/findings-repo';
import { MongoImportedRuns } from '../../src/infra/mongo/import-runs-repo';
import { MongoRunsRepo } from '../../src/infra/mongo/runs-repo';
import { MongoTenantsRepo } from '../../src/infra/mongo/tenants-repo';
import { MongoReportsRepo } from '../../src/infra/mongo/reports-repo';
import { MongoPublishedKeys } from '../../src/infra/mongo/published-keys-repo';
import { MongoWeaknessRegister } from '../../src/infra/mongo/weakness-register';
import { jwsSigner } from '../../src/infra/signing/artifact-signers';
import { loadOrCreateJwsKeys } from '../../src/infra/signing/jwks';
import { cachedPublishedKeys, publishedPdfSigner, signingKeySet } from '../../src/infra/signing/published-keys';
import { PdfSigner } from '../../src/infra/signing/pdf-signer';
import { loadOrCreateSigningIdentity } from '../../src/infra/signing/signing-identity';
import { httpTimestampAuthority } from '../../src/infra/signing/timestamp-authority';
import { FsArtifactStore, loadOrCreateMasterKey } from '../../src/infra/storage';
import { masterKeyFrom } from '../../src/infra/storage/envelope';
import { S3ArtifactStore } from '../../src/infra/storage/s3-artifact-store';
import {
  STAGING_BUCKET_PREFIX,
  STAGING_DIR,
  SealedStore,
  withArtifactStoreFallback,
} from '../../src/infra/storage/staging-store';
import type { ReportWorkflows } from '../../src/infra/temporal/report-workflows';
import { createRenderWorker, createReportWorkers } from '../../src/infra/temporal/workers';
import { MongoImportsRepo } from '../../src/infra/mongo/imports-repo';
import type { QuotaLimits } from '../../src/app/tenant-quotas';
import { weaknessTreatmentOf } from '../../src/main/weakness-treatment';
import { composeApi } from '../../src/main/compose-api';
import { loadConfig } from '../../src/config';
import { CHECK_ID_HEADER, ContractCheck } from './contract-check';
import { freshDatabase, s3Env, stackEnv, tsaEnv, uniqueSuffix } from './stack';

/** A response as the tests look at it. */
export interface ApiResponse {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  text: string;
}

/** The API, workers and stores of one test file, on the real test stack. */
export interface Harness {
  baseUrl: string;
  /** The operations listener (`/healthz`, `/readyz`, `/metrics`), apart from the API as in the server. */
  opsUrl: string;
  db: Db;
  temporal: Client;
  taskQueue: string;
  links: DownloadLinks;
  reports: MongoReportsRepo;
  audit: MongoAuditLog;
  store: ArtifactStore;
  /** The staging store the render worker reads and writes, on the same backend as `store`. */
  staging: ArtifactStore;
  workflows: ReportWorkflows;
  request(
    method: string,
    urlPath: string,
    opts?: { token?: string; body?: unknown; headers?: Record<string, string>; raw?: string },
  ): Promise<ApiResponse>;
  close(): Promise<void>;
}

/** The test stack's S3 server as the S3 store takes it. */
function s3Connection() {
  const s3 = s3Env();
  return {
    endpoint: s3.endpoint,
    region: s3.region,
    bucket: s3.bucket,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  };
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** The workflow bundle, built once per test file (≈2 s). */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: { ...silentLoggerForBundler },
  });
  return bundle;
}

const noop = (): void => undefined;
const silentLoggerForBundler = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, log: noop };

/** Keeps the SDK's own logging to warnings, so test output shows what matters. Installed once per file. */
export function quietRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // Already installed by an earlier harness in this file.
  }
}

/** Starts the API on an ephemeral port against the test stack. With `workers`, the pipeline's workers run
 * in-process on a task queue of this harness alone, with a real Chromium. `workflows` replaces the Temporal
 * starter (to point at an unreachable server, say). */
export async function startHarness(
  opts: {
    workers?: boolean;
    workflows?: ReportWorkflows;
    label?: string;
    /** A browser path for the workers, e.g. a missing one to make every render fail. */
    chromiumPath?: string;
    /** The time-stamping authority the workers' signers ask (default: the test stack's); null signs without
     * timestamps, as development without TSA_URL does. */
    tsaUrl?: string | null;
    /** `s3`: artifacts in the test stack's S3 server, downloads redirected to presigned GETs. */
    store?: 'fs' | 's3';
    /** Per-token rate limit; generous unless a test is about the limit. */
    rateLimitPerMinute?: number;
    rateLimitBurst?: number;
    /** Per-address limit on requests without a live token; generous unless a test is about it. */
    unauthRateLimitPerMinute?: number;
    unauthRateLimitBurst?: number;
    /** TRUST_PROXY: the proxies whose `X-Forwarded-For` is believed. */
    trustProxy?: string[];
    /** Remember failed token lookups for this long (the server's AUTH_NEGATIVE_CACHE_TTL_MS); 0, the default, keeps
     * every lookup visible to a wrapped tokens repo. */
    authNegativeCacheTtlMs?: number;
    /** Limits of the findings API, small when a test is about them. */
    findingsBodyLimitBytes?: number;
    importMaxBytes?: number;
    importMaxFindings?: number;
    importMaxDetectors?: number;
    /** The tenants' quotas; the defaults of the configuration unless a test is about them. */
    quotas?: Partial<QuotaLimits>;
    /** Where the API logs; silent unless a test reads the logs. */
    logger?: Logger;
    /** Wrap what the API (not the test) sees of the tokens, the reports and the findings store, to count its calls
     * or make it fail. */
    wrapTokens?: (tokens: TokenAuthenticator) => TokenAuthenticator;
    wrapReports?: (reports: MongoReportsRepo) => MongoReportsRepo;
    wrapFindingsStore?: (findings: FindingsStore) => FindingsStore;
    /** OFFBOARD_GRACE_DAYS of the API; 0 (purge at once) unless a test is about the grace period. */
    offboardGraceDays?: number;
    /** How long a failed report keeps what it staged (FAILED_REPORT_RETENTION_HOURS), in milliseconds. */
    failedRetentionMs?: number;
  } = {},
): Promise<Harness> {
  const env = stackEnv();
  const { client: mongo, db } = await freshDatabase(opts.label ?? 'api');
  await ensureIndexes(db);
  const connection = await Connection.connect({ address: env.temporalAddress });
  const temporal = new Client({ connection });
  const taskQueue = `reports-test-${uniqueSuffix()}`;
  const artifactsDir = path.join(env.dataDir, `artifacts-${uniqueSuffix()}`);
  const store: ArtifactStore =
    opts.store === 's3'
      ? new S3ArtifactStore({ ...s3Connection(), forcePathStyle: true })
      : new FsArtifactStore(artifactsDir, (await loadOrCreateMasterKey({ dataDir: env.dataDir })).masterKey);
  // As the workers build it: the same backend, apart from the artifacts, under a key of its own.
  const stagingKey = masterKeyFrom(randomBytes(32));
  const staging: ArtifactStore =
    opts.store === 's3'
      ? new SealedStore(
          new S3ArtifactStore({ ...s3Connection(), forcePathStyle: true, keyPrefix: STAGING_BUCKET_PREFIX }),
          stagingKey,
        )
      : new FsArtifactStore(`${artifactsDir}-${STAGING_DIR}`, stagingKey);
  // Listen first: signed links are minted against the real address, known only once the port is bound.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const logger = opts.logger ?? silentLogger;
  const clock = { now: () => new Date() };
  // The configuration as the server reads it, with its defaults (body limits, quotas, token cache...), at this
  // harness's address; the options below set only what a test is about or what would slow every test down.
  const settings = loadConfig({ NODE_ENV: 'test', DATA_DIR: env.dataDir, PUBLIC_BASE_URL: baseUrl }, 'api');
  const composed = composeApi(
    settings,
    {
      db,
      temporal: { client: temporal, connection, taskQueue },
      store,
      downloadSecret: 'test-secret-'.padEnd(40, 'x'),
      clock,
      logger,
    },
    {
      // Generous unless a test is about them: every test's requests come from one address and a few tokens.
      rateLimit: { perMinute: opts.rateLimitPerMinute ?? 6_000, burst: opts.rateLimitBurst ?? 1_000 },
      unauthRateLimit: {
        perMinute: opts.unauthRateLimitPerMinute ?? 60_000,
        burst: opts.unauthRateLimitBurst ?? 10_000,
      },
      // Tests revoke tokens and suspend tenants and read the effect at once, so a token is looked up on every request
      // unless a test is about the cache (the server's default remembers it for AUTH_CACHE_TTL_MS).
      authCacheTtlMs: 0,
      authNegativeCacheTtlMs: opts.authNegativeCacheTtlMs ?? 0,
      findingsBodyLimitBytes: opts.findingsBodyLimitBytes,
      importMaxBytes: opts.importMaxBytes,
      quotas: opts.quotas,
      trustProxy: opts.trustProxy,
      offboardGraceDays: opts.offboardGraceDays ?? 0,
      presignedDownloads: opts.store === 's3',
      // The keys are published below, after the API is built, and some tests publish more: the API reads them at once.
      jwksRefreshMs: 0,
      workflows: opts.workflows,
      wrapTokens: opts.wrapTokens,
      wrapReports: opts.wrapReports,
      wrapFindingsStore: opts.wrapFindingsStore,
    },
  );
  const { reports, audit, quotas, retention, links, workflows } = composed;
  const findings = new MongoFindingsRepo(db);
  const tenants = new MongoTenantsRepo(db);
  const imports = new MongoImportsRepo(db);

  // One set of signing keys for the whole test run, in the test data folder: creating them is race-safe.
  const keysDir = path.join(env.dataDir, 'keys');
  const { identity } = await loadOrCreateSigningIdentity({ dataDir: env.dataDir });
  const { keys: jwsKeys } = await loadOrCreateJwsKeys(keysDir);
  // Published as the worker publishes them; the API side below only reads what is published.
  const publishedKeys = new MongoPublishedKeys(db);
  await publishedKeys.publish(await signingKeySet(path.join(keysDir, 'jws'), identity), new Date());

  const closers: (() => Promise<unknown>)[] = [];
  if (opts.workers) {
    quietRuntime();
    const native = await NativeConnection.connect({ address: env.temporalAddress });
    // Loaded here so harnesses without workers need no browser.
    const { ChromiumPdfRenderer } = await import('../../src/infra/render/chromium-pdf-renderer');
    const { createHtmlRenderer } = await import('../../src/infra/render/html-renderer');
    const pdf: PdfRenderer = new ChromiumPdfRenderer({
      executablePath: opts.chromiumPath ?? env.chromiumPath,
    });
    const testRuns = new MongoRunsRepo(db);
    const tsaUrl = opts.tsaUrl === undefined ? tsaEnv().url : opts.tsaUrl;
    const timestamps = tsaUrl ? httpTimestampAuthority({ url: tsaUrl, timeoutMs: 5_000 }) : undefined;
    const stepsStaging = withArtifactStoreFallback(staging, store);
    const workers = await createReportWorkers({
      connection: native,
      namespace: 'default',
      taskQueue,
      workflows: { workflowBundle: await workflowBundle() },
      reports,
      findings,
      runs: testRuns,
      tenants,
      store,
      staging: stepsStaging,
      audit,
      retentionSignals: retention,
      weaknesses: new MongoWeaknessRegister(db, audit),
      treatment: weaknessTreatmentOf(db, audit, temporal, taskQueue, clock),
      clock,
      failedRetentionMs: opts.failedRetentionMs,
      signers: { pdf: new PdfSigner(identity, { timestamps }), json: jwsSigner(jwsKeys, timestamps) },
      quotas,
      imports: {
        repo: imports,
        findings,
        runs: new MongoImportedRuns(db),
        testRuns,
        limits: { maxFindings: opts.importMaxFindings ?? 200_000, maxDetectors: opts.importMaxDetectors ?? 64 },
        concurrency: 2,
      },
      offboarding: offboardingActivityDepsOf(db, {
        store,
        staging,
        temporal,
        jwsKeys,
        audit,
        clock,
        jwksUrl: `${baseUrl}/.well-known/jwks.json`,
      }),
    });
    // The render worker as its own process builds it: the staging store alone, the signer from the published keys.
    workers.push(
      await createRenderWorker({
        connection: native,
        namespace: 'default',
        taskQueue,
        staging,
        reports,
        html: createHtmlRenderer(path.resolve(__dirname, '../../templates')),
        pdf,
        signer: publishedPdfSigner(
          cachedPublishedKeys(publishedKeys, { refreshMs: 30_000, clock, logger: silentLogger }),
          `${baseUrl}/.well-known/jwks.json`,
        ),
        renderConcurrency: 2,
      }),
    );
    const running = workers.map((w: Worker) => w.run());
    closers.push(async () => {
      workers.forEach((w) => w.shutdown());
      await Promise.all(running);
      await pdf.close();
      await native.close();
    });
  }

  const opsServer = createServer(composed.ops);
  await new Promise<void>((resolve) => opsServer.listen(0, '127.0.0.1', resolve));
  const opsUrl = `http://127.0.0.1:${(opsServer.address() as AddressInfo).port}`;
  // Every answer is checked against the OpenAPI document, so the document stays true of what the API answers.
  const contract = new ContractCheck();
  server.on('request', contract.wrap(composed.api));
  let checked = 0;

  return {
    baseUrl,
    opsUrl,
    db,
    temporal,
    taskQueue,
    links,
    reports,
    audit,
    store,
    staging,
    workflows,
    async request(method, urlPath, o = {}) {
      const checkId = String(++checked);
      const headers: Record<string, string> = { ...o.headers, [CHECK_ID_HEADER]: checkId };
      if (o.token) headers.authorization = `Bearer ${o.token}`;
      let body: string | undefined = o.raw;
      if (o.body !== undefined) {
        body = JSON.stringify(o.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fetch(`${baseUrl}${urlPath}`, { method, headers, body, redirect: 'manual' });
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      const mismatches = contract.take(checkId);
      if (mismatches.length > 0) {
        throw new Error(`the answer does not match the OpenAPI document:\n  ${mismatches.join('\n  ')}`);
      }
      return { status: res.status, headers: res.headers, body: parsed, text };
    },
    async close() {
      await new Promise((resolve) => server.close(resolve));
      await new Promise((resolve) => opsServer.close(resolve));
      for (const close of closers) await close();
      await connection.close();
      await db.dropDatabase().catch(() => undefined);
      await (mongo as MongoClient).close();
      await fs.rm(artifactsDir, { recursive: true, force: true });
      await fs.rm(`${artifactsDir}-${STAGING_DIR}`, { recursive: true, force: true });
      // Answers to requests made without `request` (a fetch of its own, a poll) are checked too.
      if (contract.unclaimed.length > 0) {
        throw new Error(`answers did not match the OpenAPI document:\n  ${contract.unclaimed.join('\n  ')}`);
      }
    },
  };
}

/** Polls a report until it leaves queued/running, or fails the test after `timeoutMs`. */
export async function waitForReport(h: Harness, id: string, token: string, timeoutMs = 60_000): Promise<ApiResponse> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await h.request('GET', `/api/v2/reports/${id}`, { token });
    if (res.status !== 200) throw new Error(`GET report answered ${res.status}: ${res.text}`);
    if (!['queued', 'running'].includes(res.body.status)) return res;
    if (Date.now() > deadline) throw new Error(`report ${id} still ${res.body.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
