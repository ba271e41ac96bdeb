import fs from 'node:fs';
import path from 'node:path';
import proxyaddr from 'proxy-addr';
import type { Variable } from './config-variables';
import { MAX_OFFBOARD_GRACE_DAYS } from './domain/offboarding';

/** Which process reads the configuration: each is given, and checked for, only the secrets its job needs. `worker`
 * is the steps worker (workflows, the pipeline's steps, signing, imports), and in development also the worker
 * that runs both roles in one process; `render-worker` only prints PDFs. */
export type Role = 'api' | 'worker' | 'render-worker';

/** The worker's configuration, validated once at start-up: everything, signing keys included. */
export interface Config extends ApiConfig {
  staging: StagingConfig;
  /** FAILED_REPORT_RETENTION_HOURS: how long a failed report keeps what it staged, for `/retry`, before its retention
   * workflow purges it. */
  failedReportRetentionHours: number;
  signing: {
    /** PDF signing key as PKCS#12; without a path (development only), a local root CA and a signing key it issued
     * are generated into `dataDir`. */
    p12Path?: string;
    p12Password: string;
    /** The folder holding the JSON (JWS) signing keys, one `<kid>.private.jwk.json` each; in development it defaults
     * to `<dataDir>/keys/jws`, where a first key is generated when there is none. */
    jwsKeysDir: string;
    /** The RFC 3161 time-stamping authority every signature is stamped by; absent (development only), signatures
     * carry no timestamp. */
    tsaUrl?: string;
    /** How long one request to the authority may take. */
    tsaTimeoutMs: number;
  };
}

/** The API's (and the CLI's) configuration: no signing key. The API serves the public keys the worker publishes,
 * so a compromised API cannot sign evidence. */
export interface ApiConfig {
  /** `production` (NODE_ENV=production): every secret and key must be configured, outside `dataDir`, and nothing is
   * generated. `development`: what is missing is generated into `dataDir`, with a warning. */
  mode: 'production' | 'development';
  http: {
    port: number;
    host: string;
    publicBaseUrl: string;
    bodyLimitBytes: number;
    /** Body limit of `POST /findings`, which carries up to 1,000 findings with their evidence. */
    findingsBodyLimitBytes: number;
    rateLimitPerMinute: number;
    rateLimitBurst: number;
    /** How long the API remembers what a token resolved to; 0 asks the database on every request. */
    authCacheTtlMs: number;
    /** How long the API remembers that a token resolved to nothing; 0 asks the database every time. */
    authNegativeCacheTtlMs: number;
    /** The proxies in front of the API whose `X-Forwarded-For` names the client (see {@link trustedProxies});
     * empty: the client is the peer. */
    trustProxy: string[];
    /** Per client address: requests that present no live token (or a signed URL that does not verify), before any
     * database work. */
    unauthRateLimitPerMinute: number;
    unauthRateLimitBurst: number;
  };
  /** Where `/healthz`, `/readyz` and `/metrics` are served: a listener apart from the public port. */
  ops: { port: number; host: string };
  mongo: { url: string; db: string };
  temporal: { address: string; namespace: string; taskQueue: string };
  /** Where the worker serves Prometheus metrics (`host:port`); empty turns the exporter off. */
  workerMetricsAddress: string;
  /** Where the local artifact store (and, in development, generated keys) live. */
  dataDir: string;
  /** Without a secret (development only), one is generated into `dataDir`. */
  downloads: { secret?: string; ttlSeconds: number };
  render: RenderConfig;
  artifacts: ArtifactsConfig;
  /** Bounds on one scanner file `POST /findings/imports` takes: its bytes, the findings it may give, the
   * detectors one garak attempt may carry. A file past any of them is refused and nothing is stored. And how many
   * imports a worker runs at once. */
  imports: { maxBytes: number; maxFindings: number; maxDetectors: number; concurrency: number };
  /** What one tenant may have at once: imports in flight, reports queued or running, findings stored. */
  quotas: { importsInFlight: number; activeReports: number; storedFindings: number };
  /** How many days an offboarded tenant's data is kept before its purge (0: purged at once). */
  offboarding: { graceDays: number };
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

/** The render worker's configuration: what printing a PDF needs and nothing else. It holds no signing key, no
 * artifact master key and no download secret, so a browser exploited by a report's hostile text finds none of them
 * in its process; only the staging key, which opens the objects in flight between the two workers. */
export interface RenderWorkerConfig {
  mode: ApiConfig['mode'];
  /** Only the public address: the integrity page of every PDF names the key set published there. */
  http: { publicBaseUrl: string };
  mongo: ApiConfig['mongo'];
  temporal: ApiConfig['temporal'];
  workerMetricsAddress: string;
  /** Where the `fs` staging store keeps its files (`<dataDir>/staging`) and, in development, its generated key. */
  dataDir: string;
  render: RenderConfig;
  staging: StagingConfig;
  logLevel: ApiConfig['logLevel'];
}

/** How PDFs are printed. */
export interface RenderConfig {
  chromiumPath: string;
  concurrency: number;
  recycleAfter: number;
  templatesDir: string;
  /** Chromium's own sandbox: `auto` turns it on when the process does not run as root (Chromium refuses it as
   * root). It needs user namespaces; see docs/production.md, "The render worker". */
  sandbox: 'auto' | 'on' | 'off';
}

/** Where the objects the steps worker and the render worker hand each other wait (the report model, the printed
 * PDF): on the artifacts' backend, apart from the artifacts (`<dataDir>/staging`, or `staging/` in the bucket), each
 * sealed under the staging key, never the artifact master key. */
export interface StagingConfig {
  store: 'fs' | 's3';
  /** Base64 of 32 bytes; without it (development only), one is generated into `dataDir`. */
  key?: string;
  /** The key before the last rotation: objects sealed under it still open, nothing new is sealed under it. */
  previousKey?: string;
  /** The bucket, with the staging credentials when given (they need reach only `staging/`), else the store's. */
  s3?: S3Connection;
}

/** An S3-compatible bucket and how to reach it. */
export interface S3Connection {
  /** An S3-compatible server; without it, AWS S3 in `region`. */
  endpoint?: string;
  region: string;
  bucket: string;
  /** Both or neither; without them the AWS SDK's default credential chain applies. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  forcePathStyle: boolean;
}

/** Where artifacts are kept. */
export interface ArtifactsConfig {
  /** `fs`: encrypted files under `dataDir`; `s3`: an S3-compatible bucket with server-side encryption. */
  store: 'fs' | 's3';
  /** Base64 of the 32-byte key that wraps the file store's data keys; without it (development only), one is
   * generated into `dataDir`. */
  masterKey?: string;
  /** Present when `store` is `s3`. */
  s3?: S3Connection & {
    /** Signed download URLs redirect to a short-lived presigned GET on the bucket instead of streaming through
     * the API: only where clients can reach the bucket. */
    presignedDownloads: boolean;
  };
}

/** The environment as the caller has it (`process.env`, or a test's own). */
type GivenEnv = Record<string, string | undefined>;

/** The environment as `loadConfig` reads it: only the variables declared, with their documentation, in
 * config-variables.ts, so reading an undocumented one does not compile. */
type Env = { [K in Variable]?: string };

/** The secrets that may come from a file instead: `<NAME>_FILE` names a file holding the value (a container
 * platform's secret mount, e.g. `/run/secrets/<name>`), so the value never sits in the process's environment, where
 * `docker inspect`, a crash report or a child process would see it. `MONGO_URL` carries the database password.
 * `STAGING_KEY` protects transient staging objects. */
export const FILE_SECRETS = [
  'DOWNLOAD_URL_SECRET',
  'SIGNING_P12_PASSWORD',
  'ARTIFACT_MASTER_KEY',
  'STAGING_KEY',
  'S3_SECRET_ACCESS_KEY',
  'S3_STAGING_SECRET_ACCESS_KEY',
  'MONGO_URL',
] as const;
type FileSecret = (typeof FILE_SECRETS)[number];

/** The variable naming the file that holds `name`'s value. */
function fileVariable<N extends FileSecret>(name: N): `${N}_FILE` {
  return `${name}_FILE`;
}

/** The secret files each process opens: those its job needs, so that a process handed another's path never reads
 * it. The API signs download links and stages uploads in the artifact store; the steps worker signs artifacts and
 * hands the render worker its input under the staging key; the render worker holds nothing else. */
const SECRETS_OF: Record<Role, readonly FileSecret[]> = {
  api: ['DOWNLOAD_URL_SECRET', 'ARTIFACT_MASTER_KEY', 'S3_SECRET_ACCESS_KEY', 'MONGO_URL'],
  worker: [
    'SIGNING_P12_PASSWORD',
    'ARTIFACT_MASTER_KEY',
    'STAGING_KEY',
    'S3_SECRET_ACCESS_KEY',
    'S3_STAGING_SECRET_ACCESS_KEY',
    'MONGO_URL',
  ],
  'render-worker': ['STAGING_KEY', 'S3_SECRET_ACCESS_KEY', 'S3_STAGING_SECRET_ACCESS_KEY', 'MONGO_URL'],
};

/** What `loadConfig` throws: one message listing every bad variable, meant to be printed as it is. */
export class ConfigError extends Error {
  constructor(
    readonly problems: readonly string[],
    mode: ApiConfig['mode'],
  ) {
    const where = mode === 'production' ? ' (NODE_ENV=production)' : '';
    super(`Invalid configuration${where}:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** `host:port` for the worker's metrics exporter, or `off`. */
function metricsAddress(value: string, p: Problems): string {
  if (value === 'off') return '';
  if (!/^[A-Za-z0-9.-]+:\d{1,5}$/.test(value)) {
    p.list.push(`WORKER_METRICS_ADDRESS must be host:port (e.g. 127.0.0.1:9464) or off; got "${value}"`);
  }
  return value;
}

/** The proxies whose `X-Forwarded-For` is believed (TRUST_PROXY): addresses, CIDR ranges, or `loopback`,
 * `linklocal`, `uniquelocal`, comma-separated; none by default. Each is checked as Express will compile it. */
function trustedProxies(env: Env, p: Problems): string[] {
  const items = (env.TRUST_PROXY ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');
  for (const item of items) {
    try {
      proxyaddr.compile(item);
    } catch {
      p.list.push(
        `TRUST_PROXY must list IP addresses, CIDR ranges or loopback, linklocal, uniquelocal, comma-separated; got "${item}"`,
      );
    }
  }
  return items;
}

class Problems {
  readonly list: string[] = [];

  string(env: Env, name: Variable, fallback?: string): string {
    const value = env[name]?.trim();
    if (value) return value;
    if (fallback !== undefined) return fallback;
    this.list.push(`${name} is required`);
    return '';
  }

  int(env: Env, name: Variable, fallback: number, min: number, max: number): number {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      this.list.push(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  }

  oneOf<T extends string>(env: Env, name: Variable, allowed: readonly T[], fallback: T): T {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    this.list.push(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
    return fallback;
  }

  bool(env: Env, name: Variable, fallback: boolean): boolean {
    const raw = env[name]?.trim().toLowerCase();
    if (!raw) return fallback;
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    this.list.push(`${name} must be true or false, got "${env[name]?.trim()}"`);
    return fallback;
  }

  url(env: Env, name: Variable, fallback: string): string {
    const value = this.string(env, name, fallback);
    try {
      const url = new URL(value);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('protocol');
      return value.replace(/\/+$/, '');
    } catch {
      this.list.push(`${name} must be an http(s) URL, got "${value}"`);
      return value;
    }
  }
}

/** Reads and validates the environment for `role`, returning a frozen config or throwing one error that names every
 * bad variable. The signing keys are read, and in production required, for the worker only; the render worker reads
 * no key but the staging key. Only the composition roots call this. */
export function loadConfig(env: GivenEnv, role: 'api'): ApiConfig;
export function loadConfig(env: GivenEnv, role: 'worker'): Config;
export function loadConfig(env: GivenEnv, role: 'render-worker'): RenderWorkerConfig;
export function loadConfig(env: GivenEnv, role: Role): ApiConfig | Config | RenderWorkerConfig;
export function loadConfig(given: GivenEnv, role: Role): ApiConfig | Config | RenderWorkerConfig {
  const p = new Problems();
  const env = withSecretFiles(given, p, SECRETS_OF[role]);
  // Anything but these three is refused rather than read as development: a misspelt "production" must not quietly
  // generate keys. Jest sets `test`.
  const nodeEnv = p.oneOf(env, 'NODE_ENV', ['production', 'development', 'test'] as const, 'development');
  const mode = nodeEnv === 'production' ? 'production' : 'development';
  const port = p.int(env, 'HTTP_PORT', 3000, 0, 65535);
  const dataDir = path.resolve(p.string(env, 'DATA_DIR', '.data/dev/app'));
  if (role === 'render-worker') return renderWorkerConfig(env, p, { mode, port, dataDir });
  // Only the API signs download links: a worker never reads the secret.
  const secret = role === 'api' ? env.DOWNLOAD_URL_SECRET?.trim() || undefined : undefined;
  if (secret !== undefined && Buffer.byteLength(secret) < 32) {
    p.list.push(
      `DOWNLOAD_URL_SECRET must be at least 32 bytes (e.g. openssl rand -hex 32), got ${Buffer.byteLength(secret)}`,
    );
  }
  const base: ApiConfig = {
    mode,
    http: {
      port,
      host: p.string(env, 'HTTP_HOST', '127.0.0.1'),
      publicBaseUrl: p.url(env, 'PUBLIC_BASE_URL', `http://127.0.0.1:${port}`),
      bodyLimitBytes: p.int(env, 'HTTP_BODY_LIMIT_BYTES', 64 * 1024, 1024, 10 * 1024 * 1024),
      findingsBodyLimitBytes: p.int(env, 'HTTP_FINDINGS_BODY_LIMIT_BYTES', 16 * 1024 * 1024, 1024, 256 * 1024 * 1024),
      rateLimitPerMinute: p.int(env, 'RATE_LIMIT_PER_MINUTE', 600, 1, 1_000_000),
      rateLimitBurst: p.int(env, 'RATE_LIMIT_BURST', 120, 1, 100_000),
      authCacheTtlMs: p.int(env, 'AUTH_CACHE_TTL_MS', 5_000, 0, 60_000),
      authNegativeCacheTtlMs: p.int(env, 'AUTH_NEGATIVE_CACHE_TTL_MS', 5_000, 0, 60_000),
      unauthRateLimitPerMinute: p.int(env, 'UNAUTH_RATE_LIMIT_PER_MINUTE', 60, 1, 1_000_000),
      unauthRateLimitBurst: p.int(env, 'UNAUTH_RATE_LIMIT_BURST', 20, 1, 100_000),
      trustProxy: trustedProxies(env, p),
    },
    ops: {
      port: p.int(env, 'OPS_PORT', 9400, 0, 65535),
      host: p.string(env, 'OPS_HOST', '127.0.0.1'),
    },
    mongo: mongoConfig(env, p),
    temporal: temporalConfig(env, p),
    workerMetricsAddress: metricsAddress(p.string(env, 'WORKER_METRICS_ADDRESS', '127.0.0.1:9464'), p),
    dataDir,
    downloads: {
      secret,
      ttlSeconds: p.int(env, 'DOWNLOAD_URL_TTL_SECONDS', 300, 10, 86_400),
    },
    render: renderConfig(env, p),
    artifacts: artifactsConfig(env, p),
    imports: {
      maxBytes: p.int(env, 'IMPORT_MAX_BYTES', 512 * 1024 * 1024, 1024, 8 * 1024 * 1024 * 1024),
      maxFindings: p.int(env, 'IMPORT_MAX_FINDINGS', 200_000, 1, 10_000_000),
      maxDetectors: p.int(env, 'IMPORT_MAX_DETECTORS', 64, 1, 10_000),
      concurrency: p.int(env, 'IMPORT_CONCURRENCY', 2, 1, 16),
    },
    quotas: {
      importsInFlight: p.int(env, 'TENANT_MAX_IMPORTS_IN_FLIGHT', 2, 1, 100),
      activeReports: p.int(env, 'TENANT_MAX_ACTIVE_REPORTS', 20, 1, 10_000),
      storedFindings: p.int(env, 'TENANT_MAX_STORED_FINDINGS', 5_000_000, 1, 1_000_000_000),
    },
    offboarding: { graceDays: p.int(env, 'OFFBOARD_GRACE_DAYS', 30, 0, MAX_OFFBOARD_GRACE_DAYS) },
    logLevel: p.oneOf(env, 'LOG_LEVEL', ['debug', 'info', 'warn', 'error'] as const, 'info'),
  };
  const config: ApiConfig | Config =
    role === 'worker'
      ? {
          ...base,
          signing: {
            p12Path: env.SIGNING_P12_PATH?.trim() ? path.resolve(env.SIGNING_P12_PATH.trim()) : undefined,
            p12Password: env.SIGNING_P12_PASSWORD ?? '',
            jwsKeysDir: path.resolve(env.JWS_KEYS_DIR?.trim() || path.join(dataDir, 'keys', 'jws')),
            tsaUrl: env.TSA_URL?.trim() ? p.url(env, 'TSA_URL', '') : undefined,
            tsaTimeoutMs: p.int(env, 'TSA_TIMEOUT_MS', 15_000, 100, 300_000),
          },
          staging: stagingConfig(env, p, base.artifacts.store, stagingBucket(env, p, base.artifacts.s3)),
          failedReportRetentionHours: p.int(env, 'FAILED_REPORT_RETENTION_HOURS', 72, 1, 8_760),
        }
      : base;
  if (config.ops.port !== 0 && config.ops.port === config.http.port) {
    p.list.push(
      `OPS_PORT must differ from HTTP_PORT (both ${port}): the operations endpoints stay off the public port`,
    );
  }
  if ('staging' in config) sharedKeyProblems(config, p);
  if (mode === 'production') {
    secretFileProblems(given, dataDir, p);
    productionProblems(env, config, role, p);
    if ('staging' in config) stagingProblems(config.staging, p);
    if ('signing' in config) signingProblems(env, config, p);
  }
  if (p.list.length > 0) throw new ConfigError(p.list, mode);
  return deepFreeze(config);
}

/** The render worker's part of {@link loadConfig}: no variable holding a signing key, the artifact master key, the
 * download secret or (given its own) the bucket's main credentials is read at all. */
function renderWorkerConfig(
  env: Env,
  p: Problems,
  { mode, port, dataDir }: { mode: ApiConfig['mode']; port: number; dataDir: string },
): RenderWorkerConfig {
  const store = p.oneOf(env, 'ARTIFACT_STORE', ['fs', 's3'] as const, 'fs');
  const config: RenderWorkerConfig = {
    mode,
    http: { publicBaseUrl: p.url(env, 'PUBLIC_BASE_URL', `http://127.0.0.1:${port}`) },
    mongo: mongoConfig(env, p),
    temporal: temporalConfig(env, p),
    // Beside a steps worker's 9464 on the same host.
    workerMetricsAddress: metricsAddress(p.string(env, 'WORKER_METRICS_ADDRESS', '127.0.0.1:9465'), p),
    dataDir,
    render: renderConfig(env, p),
    staging: stagingConfig(
      env,
      p,
      store,
      store === 's3' ? s3Connection(env, p, () => stagingCredentials(env, p) ?? mainCredentials(env, p)) : undefined,
    ),
    logLevel: p.oneOf(env, 'LOG_LEVEL', ['debug', 'info', 'warn', 'error'] as const, 'info'),
  };
  if (mode === 'production') {
    publicUrlProblems(env, p);
    stagingProblems(config.staging, p);
  }
  if (p.list.length > 0) throw new ConfigError(p.list, mode);
  return deepFreeze(config);
}

function mongoConfig(env: Env, p: Problems): ApiConfig['mongo'] {
  return {
    url: p.string(env, 'MONGO_URL', 'mongodb://127.0.0.1:27017'),
    db: p.string(env, 'MONGO_DB', 'evidence'),
  };
}

function temporalConfig(env: Env, p: Problems): ApiConfig['temporal'] {
  return {
    address: p.string(env, 'TEMPORAL_ADDRESS', '127.0.0.1:7233'),
    namespace: p.string(env, 'TEMPORAL_NAMESPACE', 'default'),
    taskQueue: p.string(env, 'TEMPORAL_TASK_QUEUE', 'reports'),
  };
}

function renderConfig(env: Env, p: Problems): RenderConfig {
  return {
    chromiumPath: p.string(env, 'CHROMIUM_PATH', '/usr/bin/chromium'),
    concurrency: p.int(env, 'RENDER_CONCURRENCY', 2, 1, 16),
    recycleAfter: p.int(env, 'RENDER_RECYCLE_AFTER', 100, 1, 100_000),
    templatesDir: path.resolve(p.string(env, 'TEMPLATES_DIR', path.join(projectRoot(), 'templates'))),
    sandbox: p.oneOf(env, 'CHROMIUM_SANDBOX', ['auto', 'on', 'off'] as const, 'auto'),
  };
}

/** The staging store: on the artifacts' backend (`s3`: the same bucket, reached as `s3` says), under its own key. */
function stagingConfig(
  env: Env,
  p: Problems,
  store: StagingConfig['store'],
  s3: S3Connection | undefined,
): StagingConfig {
  const key = base64Key(env, 'STAGING_KEY', p);
  const previousKey = base64Key(env, 'STAGING_KEY_PREVIOUS', p);
  return store === 's3' && s3 ? { store, key, previousKey, s3 } : { store, key, previousKey };
}

/** Credentials an operator may issue for `staging/` alone; read before the bucket's own, which a process given them
 * never reads. */
function stagingCredentials(env: Env, p: Problems): S3Connection['credentials'] {
  return credentialPair(env, p, 'S3_STAGING_ACCESS_KEY_ID', 'S3_STAGING_SECRET_ACCESS_KEY');
}

/** What production adds for every process: every secret configured (nothing is generated) and a public address
 * clients reach over TLS. */
function productionProblems(env: Env, config: ApiConfig, role: Role, p: Problems): void {
  const { downloads, artifacts } = config;
  if (role === 'api' && downloads.secret === undefined) {
    p.list.push('DOWNLOAD_URL_SECRET is required: at least 32 random bytes (e.g. openssl rand -hex 32)');
  }
  publicUrlProblems(env, p);
  if (artifacts.store === 'fs' && artifacts.masterKey === undefined) {
    p.list.push(
      'ARTIFACT_MASTER_KEY is required with ARTIFACT_STORE=fs: base64 of 32 random bytes (e.g. openssl rand -base64 32), kept apart from DATA_DIR',
    );
  }
}

/** A public address clients reach over TLS: signed links point there, and every PDF names the keys published there. */
function publicUrlProblems(env: Env, p: Problems): void {
  const publicBaseUrl = env.PUBLIC_BASE_URL?.trim();
  if (!publicBaseUrl) {
    p.list.push('PUBLIC_BASE_URL is required: the https:// address clients use (signed download links point there)');
  } else if (!/^https:\/\//i.test(publicBaseUrl)) {
    p.list.push(`PUBLIC_BASE_URL must be an https:// URL (terminate TLS in front of the API), got "${publicBaseUrl}"`);
  }
}

/** What production adds for the two workers, which exchange staged objects: the staging key configured, whatever
 * the backend (the bucket's own encryption is under a key anyone with the bucket's credentials uses). */
function stagingProblems(staging: StagingConfig, p: Problems): void {
  if (staging.key === undefined) {
    p.list.push(
      'STAGING_KEY is required: base64 of 32 random bytes (e.g. openssl rand -base64 32) sealing what the steps and render workers hand each other',
    );
  }
}

/** The staging key is the one key the render worker holds: were it the master key too, the render worker could open
 * every artifact. Checked in every mode, since a development setup copied into production should not carry it. */
function sharedKeyProblems(config: Config, p: Problems): void {
  const { staging, artifacts } = config;
  const same = (a?: string, b?: string) =>
    a !== undefined && b !== undefined && Buffer.from(a, 'base64').equals(Buffer.from(b, 'base64'));
  if (same(staging.key, artifacts.masterKey) || same(staging.previousKey, artifacts.masterKey)) {
    p.list.push('STAGING_KEY must differ from ARTIFACT_MASTER_KEY: the render worker holds the staging key');
  }
}

/** What production adds for the worker, the only process that signs: both signing keys configured, neither inside
 * `DATA_DIR` (a backup or a leak of the data volume must not carry the keys that vouch for it). Pure: paths are
 * compared as resolved, never looked at. */
function signingProblems(env: Env, config: Config, p: Problems): void {
  const { signing, dataDir } = config;
  if (signing.p12Path === undefined) {
    p.list.push(
      'SIGNING_P12_PATH is required: a PKCS#12 file outside DATA_DIR holding the PDF signing key and certificate',
    );
  }
  if (signing.p12Password.trim() === '') {
    p.list.push('SIGNING_P12_PASSWORD is required: the password of the PKCS#12; an unprotected key is not accepted');
  }
  if (!env.JWS_KEYS_DIR?.trim()) {
    p.list.push(
      'JWS_KEYS_DIR is required: a folder outside DATA_DIR holding the JSON signing keys (create one with cli new-jws-key <folder>)',
    );
  }
  if (signing.tsaUrl === undefined) {
    p.list.push(
      'TSA_URL is required: the http(s) URL of an RFC 3161 time-stamping authority; production issues no artifact whose time is only its own clock',
    );
  }
  const keyFiles: [string, string | undefined][] = [
    ['SIGNING_P12_PATH', signing.p12Path],
    ['JWS_KEYS_DIR', env.JWS_KEYS_DIR?.trim() ? signing.jwsKeysDir : undefined],
  ];
  for (const [name, file] of keyFiles) {
    if (file !== undefined && isInside(file, dataDir)) {
      p.list.push(
        `${name} must lie outside DATA_DIR (${dataDir}), so a copy of the data volume does not carry the key; got "${file}"`,
      );
    }
  }
}

/** Reads each `<NAME>_FILE` of {@link FILE_SECRETS} once, returning the environment with `<NAME>` set to the file's
 * content (without its final line break, which `openssl rand -hex 32 > file` adds). Setting both is refused: which
 * one wins would be a guess. A file that cannot be read or is empty is named, its content never. */
function withSecretFiles(env: Env, p: Problems, names: readonly FileSecret[]): Env {
  const resolved: Env = { ...env };
  for (const name of names) {
    const file = env[fileVariable(name)]?.trim();
    if (!file) continue;
    if (env[name]?.trim()) {
      p.list.push(`${name} and ${name}_FILE are both set; set one of them`);
      continue;
    }
    let value: string;
    try {
      value = fs.readFileSync(file, 'utf8').replace(/(\r?\n)+$/, '');
    } catch (err) {
      p.list.push(`${name}_FILE: cannot read "${file}" (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
      continue;
    }
    if (value.trim() === '') {
      p.list.push(`${name}_FILE: "${file}" is empty`);
      continue;
    }
    resolved[name] = value;
  }
  return resolved;
}

/** What production adds for secret files: none inside `DATA_DIR`, for the same reason as the key files. */
function secretFileProblems(env: Env, dataDir: string, p: Problems): void {
  for (const name of FILE_SECRETS) {
    const file = env[fileVariable(name)]?.trim();
    if (file && isInside(path.resolve(file), dataDir)) {
      p.list.push(
        `${name}_FILE must lie outside DATA_DIR (${dataDir}), so a copy of the data volume does not carry the secret; got "${file}"`,
      );
    }
  }
}

/** Whether `file` is `dir` or lies below it, comparing resolved paths only. */
function isInside(file: string, dir: string): boolean {
  const rel = path.relative(path.resolve(dir), path.resolve(file));
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

function artifactsConfig(env: Env, p: Problems): ArtifactsConfig {
  const store = p.oneOf(env, 'ARTIFACT_STORE', ['fs', 's3'] as const, 'fs');
  const masterKey = base64Key(env, 'ARTIFACT_MASTER_KEY', p);
  if (store !== 's3') return { store, masterKey };
  return {
    store,
    masterKey,
    s3: {
      ...s3Connection(env, p, () => mainCredentials(env, p)),
      presignedDownloads: p.bool(env, 'S3_PRESIGNED_DOWNLOADS', false),
    },
  };
}

/** The bucket of the `s3` store. `credentials` is asked for between the bucket and the options, so problems are
 * listed in the order the variables are documented. */
function s3Connection(env: Env, p: Problems, credentials: () => S3Connection['credentials']): S3Connection {
  const endpointRaw = env.S3_ENDPOINT?.trim();
  const endpoint = endpointRaw ? p.url(env, 'S3_ENDPOINT', '') : undefined;
  const bucket = p.string(env, 'S3_BUCKET');
  if (bucket && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    p.list.push(
      `S3_BUCKET must be an S3 bucket name (3 to 63 lowercase letters, digits, dots and hyphens), got "${bucket}"`,
    );
  }
  return {
    endpoint,
    bucket,
    credentials: credentials(),
    region: p.string(env, 'S3_REGION', 'us-east-1'),
    // Self-hosted servers (an S3_ENDPOINT) rarely have a DNS name per bucket; AWS wants virtual-hosted style.
    forcePathStyle: p.bool(env, 'S3_FORCE_PATH_STYLE', endpoint !== undefined),
  };
}

function mainCredentials(env: Env, p: Problems): S3Connection['credentials'] {
  return credentialPair(env, p, 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY');
}

/** The staging store's bucket as the steps worker reaches it: the artifacts' bucket, with the staging credentials
 * when they are set. */
function stagingBucket(env: Env, p: Problems, artifacts: ArtifactsConfig['s3']): S3Connection | undefined {
  if (!artifacts) return undefined;
  const { presignedDownloads: _served, ...bucket } = artifacts;
  return { ...bucket, credentials: stagingCredentials(env, p) ?? bucket.credentials };
}

/** An access key pair from two variables: both, or neither (undefined); one alone is a problem. */
function credentialPair(
  env: Env,
  p: Problems,
  idVar: Variable,
  secretVar: Variable,
): { accessKeyId: string; secretAccessKey: string } | undefined {
  const accessKeyId = env[idVar]?.trim();
  const secretAccessKey = env[secretVar]?.trim();
  if (Boolean(accessKeyId) !== Boolean(secretAccessKey)) {
    p.list.push(`${idVar} and ${secretVar} must be set together (or both left unset for the AWS default chain)`);
  }
  return accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined;
}

/** A key given as base64 of 32 bytes, or undefined when the variable is unset. The key's value never appears in a
 * message: only what is wrong with it. */
function base64Key(env: Env, name: Variable, p: Problems): string | undefined {
  const value = env[name]?.trim() || undefined;
  if (value !== undefined) {
    const bytes = /^[A-Za-z0-9+/]+={0,2}$/.test(value) ? Buffer.from(value, 'base64').length : -1;
    if (bytes !== 32) {
      p.list.push(
        `${name} must be base64 of exactly 32 random bytes (e.g. openssl rand -base64 32), got ${bytes < 0 ? 'text that is not base64' : `${bytes} bytes`}`,
      );
    }
  }
  return value;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** The folder holding package.json above this file, whether it runs from source or from the build output. */
function projectRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
}
