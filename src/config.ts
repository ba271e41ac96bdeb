import fs from 'node:fs';
import path from 'node:path';
import proxyaddr from 'proxy-addr';
import { MAX_OFFBOARD_GRACE_DAYS } from './domain/offboarding';

/** Which process reads the configuration: each is given, and checked for, only the secrets its job needs. */
export type Role = 'api' | 'worker';

/** The worker's configuration, validated once at start-up: everything, signing keys included. */
export interface Config extends ApiConfig {
  signing: {
    /** PDF signing key as PKCS#12; without a path (development only), a self-signed key is generated into
     * `dataDir`. */
    p12Path?: string;
    p12Password: string;
    /** The folder holding the JSON (JWS) signing keys, one `<kid>.private.jwk.json` each; in development it defaults
     * to `<dataDir>/keys/jws`, where a first key is generated when there is none. */
    jwsKeysDir: string;
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
  render: { chromiumPath: string; concurrency: number; recycleAfter: number; templatesDir: string };
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

/** Where artifacts are kept. */
export interface ArtifactsConfig {
  /** `fs`: encrypted files under `dataDir`; `s3`: an S3-compatible bucket with server-side encryption. */
  store: 'fs' | 's3';
  /** Base64 of the 32-byte key that wraps the file store's data keys; without it (development only), one is
   * generated into `dataDir`. */
  masterKey?: string;
  /** Present when `store` is `s3`. */
  s3?: {
    /** An S3-compatible server; without it, AWS S3 in `region`. */
    endpoint?: string;
    region: string;
    bucket: string;
    /** Both or neither; without them the AWS SDK's default credential chain applies. */
    credentials?: { accessKeyId: string; secretAccessKey: string };
    forcePathStyle: boolean;
    /** Signed download URLs redirect to a short-lived presigned GET on the bucket instead of streaming through
     * the API: only where clients can reach the bucket. */
    presignedDownloads: boolean;
  };
}

type Env = Record<string, string | undefined>;

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
  'MONGO_URL',
] as const;

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

  string(env: Env, name: string, fallback?: string): string {
    const value = env[name]?.trim();
    if (value) return value;
    if (fallback !== undefined) return fallback;
    this.list.push(`${name} is required`);
    return '';
  }

  int(env: Env, name: string, fallback: number, min: number, max: number): number {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      this.list.push(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  }

  oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    this.list.push(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
    return fallback;
  }

  bool(env: Env, name: string, fallback: boolean): boolean {
    const raw = env[name]?.trim().toLowerCase();
    if (!raw) return fallback;
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    this.list.push(`${name} must be true or false, got "${env[name]?.trim()}"`);
    return fallback;
  }

  url(env: Env, name: string, fallback: string): string {
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
 * bad variable. The signing keys are read, and in production required, for the worker only. Only the composition
 * roots call this. */
export function loadConfig(env: Env, role: 'api'): ApiConfig;
export function loadConfig(env: Env, role: 'worker'): Config;
export function loadConfig(env: Env, role: Role): ApiConfig | Config;
export function loadConfig(given: Env, role: Role): ApiConfig | Config {
  const p = new Problems();
  const env = withSecretFiles(given, p);
  // Anything but these three is refused rather than read as development: a misspelt "production" must not quietly
  // generate keys. Jest sets `test`.
  const nodeEnv = p.oneOf(env, 'NODE_ENV', ['production', 'development', 'test'] as const, 'development');
  const mode = nodeEnv === 'production' ? 'production' : 'development';
  const port = p.int(env, 'HTTP_PORT', 3000, 0, 65535);
  const secret = env.DOWNLOAD_URL_SECRET?.trim() || undefined;
  if (secret !== undefined && Buffer.byteLength(secret) < 32) {
    p.list.push(
      `DOWNLOAD_URL_SECRET must be at least 32 bytes (e.g. openssl rand -hex 32), got ${Buffer.byteLength(secret)}`,
    );
  }
  const dataDir = path.resolve(p.string(env, 'DATA_DIR', '.data/dev/app'));
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
    mongo: {
      url: p.string(env, 'MONGO_URL', 'mongodb://127.0.0.1:27017'),
      db: p.string(env, 'MONGO_DB', 'evidence'),
    },
    temporal: {
      address: p.string(env, 'TEMPORAL_ADDRESS', '127.0.0.1:7233'),
      namespace: p.string(env, 'TEMPORAL_NAMESPACE', 'default'),
      taskQueue: p.string(env, 'TEMPORAL_TASK_QUEUE', 'reports'),
    },
    workerMetricsAddress: metricsAddress(p.string(env, 'WORKER_METRICS_ADDRESS', '127.0.0.1:9464'), p),
    dataDir,
    downloads: {
      secret,
      ttlSeconds: p.int(env, 'DOWNLOAD_URL_TTL_SECONDS', 300, 10, 86_400),
    },
    render: {
      chromiumPath: p.string(env, 'CHROMIUM_PATH', '/usr/bin/chromium'),
      concurrency: p.int(env, 'RENDER_CONCURRENCY', 2, 1, 16),
      recycleAfter: p.int(env, 'RENDER_RECYCLE_AFTER', 100, 1, 100_000),
      templatesDir: path.resolve(p.string(env, 'TEMPLATES_DIR', path.join(projectRoot(), 'templates'))),
    },
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
          },
        }
      : base;
  if (config.ops.port !== 0 && config.ops.port === config.http.port) {
    p.list.push(
      `OPS_PORT must differ from HTTP_PORT (both ${port}): the operations endpoints stay off the public port`,
    );
  }
  if (mode === 'production') {
    secretFileProblems(given, dataDir, p);
    productionProblems(env, config, p);
    if ('signing' in config) signingProblems(env, config, p);
  }
  if (p.list.length > 0) throw new ConfigError(p.list, mode);
  return deepFreeze(config);
}

/** What production adds for every process: every secret configured (nothing is generated) and a public address
 * clients reach over TLS. */
function productionProblems(env: Env, config: ApiConfig, p: Problems): void {
  const { downloads, artifacts } = config;
  if (downloads.secret === undefined) {
    p.list.push('DOWNLOAD_URL_SECRET is required: at least 32 random bytes (e.g. openssl rand -hex 32)');
  }
  const publicBaseUrl = env.PUBLIC_BASE_URL?.trim();
  if (!publicBaseUrl) {
    p.list.push('PUBLIC_BASE_URL is required: the https:// address clients use (signed download links point there)');
  } else if (!/^https:\/\//i.test(publicBaseUrl)) {
    p.list.push(`PUBLIC_BASE_URL must be an https:// URL (terminate TLS in front of the API), got "${publicBaseUrl}"`);
  }
  if (artifacts.store === 'fs' && artifacts.masterKey === undefined) {
    p.list.push(
      'ARTIFACT_MASTER_KEY is required with ARTIFACT_STORE=fs: base64 of 32 random bytes (e.g. openssl rand -base64 32), kept apart from DATA_DIR',
    );
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
function withSecretFiles(env: Env, p: Problems): Env {
  const resolved: Env = { ...env };
  for (const name of FILE_SECRETS) {
    const file = env[`${name}_FILE`]?.trim();
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
    const file = env[`${name}_FILE`]?.trim();
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
  // The key's value never appears in a message: only what is wrong with it.
  const masterKey = env.ARTIFACT_MASTER_KEY?.trim() || undefined;
  if (masterKey !== undefined) {
    const bytes = /^[A-Za-z0-9+/]+={0,2}$/.test(masterKey) ? Buffer.from(masterKey, 'base64').length : -1;
    if (bytes !== 32) {
      p.list.push(
        `ARTIFACT_MASTER_KEY must be base64 of exactly 32 random bytes (e.g. openssl rand -base64 32), got ${bytes < 0 ? 'text that is not base64' : `${bytes} bytes`}`,
      );
    }
  }
  if (store !== 's3') return { store, masterKey };

  const endpointRaw = env.S3_ENDPOINT?.trim();
  const endpoint = endpointRaw ? p.url(env, 'S3_ENDPOINT', '') : undefined;
  const bucket = p.string(env, 'S3_BUCKET');
  if (bucket && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    p.list.push(
      `S3_BUCKET must be an S3 bucket name (3 to 63 lowercase letters, digits, dots and hyphens), got "${bucket}"`,
    );
  }
  const accessKeyId = env.S3_ACCESS_KEY_ID?.trim();
  const secretAccessKey = env.S3_SECRET_ACCESS_KEY?.trim();
  if (Boolean(accessKeyId) !== Boolean(secretAccessKey)) {
    p.list.push(
      'S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together (or both left unset for the AWS default chain)',
    );
  }
  return {
    store,
    masterKey,
    s3: {
      endpoint,
      region: p.string(env, 'S3_REGION', 'us-east-1'),
      bucket,
      credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
      // Self-hosted servers (an S3_ENDPOINT) rarely have a DNS name per bucket; AWS wants virtual-hosted style.
      forcePathStyle: p.bool(env, 'S3_FORCE_PATH_STYLE', endpoint !== undefined),
      presignedDownloads: p.bool(env, 'S3_PRESIGNED_DOWNLOADS', false),
    },
  };
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
