/** A group of variables, as docs/configuration.md lists them. */
export const VARIABLE_GROUPS = {
  process: 'Every process',
  api: 'The API',
  services: 'Database and Temporal',
  storage: 'Artifacts and staging',
  signing: 'Signing (steps worker)',
  render: 'Rendering (render worker)',
  limits: 'Imports, quotas and offboarding',
  files: 'Secrets from files',
} as const;

/** What docs/configuration.md says of a variable: its default as a reader should understand it (Markdown), and one
 * sentence on what it means. */
export interface VariableDoc {
  group: keyof typeof VARIABLE_GROUPS;
  default: string;
  doc: string;
}

/**
 * Every environment variable `loadConfig` (src/config.ts) reads, with its documentation. `loadConfig` can read no
 * other (its environment is typed by these names), and docs/configuration.md is written from this table
 * (`npm run docs:config`), which a unit test compares with the file: a variable cannot be added, or its meaning
 * changed, without the documentation following. Links are relative to docs/.
 */
export const VARIABLES = {
  NODE_ENV: {
    group: 'process',
    default: '`development`',
    doc: '`production` (every secret configured, nothing generated: see [Production](production.md#what-production-requires)), `development` or `test`; anything else is refused.',
  },
  LOG_LEVEL: {
    group: 'process',
    default: '`info`',
    doc: 'The least severe level logged: `debug`, `info`, `warn` or `error`.',
  },

  HTTP_PORT: { group: 'api', default: '`3000`', doc: 'The port the API listens on.' },
  HTTP_HOST: { group: 'api', default: '`127.0.0.1`', doc: 'The address the API listens on.' },
  PUBLIC_BASE_URL: {
    group: 'api',
    default: '`http://127.0.0.1:$HTTP_PORT`',
    doc: 'The base of signed download URLs and of the JWKS URL in artifacts; `https://` and required in production.',
  },
  OPS_PORT: {
    group: 'api',
    default: '`9400`',
    doc: 'The port where the API serves `/healthz`, `/readyz` and `/metrics`, apart from the public one; never publish it.',
  },
  OPS_HOST: { group: 'api', default: '`127.0.0.1`', doc: 'The address of that operations listener.' },
  TRUST_PROXY: {
    group: 'api',
    default: 'none',
    doc: 'The proxies in front of the API (addresses, CIDR ranges, `loopback`, `linklocal`, `uniquelocal`, comma-separated) whose `X-Forwarded-For` names the client for the per-address limit and the audit log; with none the client is the peer.',
  },
  HTTP_BODY_LIMIT_BYTES: { group: 'api', default: '`65536`', doc: 'The JSON body limit of every call.' },
  HTTP_FINDINGS_BODY_LIMIT_BYTES: {
    group: 'api',
    default: '`16777216`',
    doc: 'The JSON body limit of `POST /findings`, which carries up to 1,000 findings with their evidence.',
  },
  RATE_LIMIT_PER_MINUTE: { group: 'api', default: '`600`', doc: 'The per-token request rate of the API.' },
  RATE_LIMIT_BURST: { group: 'api', default: '`120`', doc: 'The burst the per-token rate allows.' },
  UNAUTH_RATE_LIMIT_PER_MINUTE: {
    group: 'api',
    default: '`60`',
    doc: "Per client address, the rate of requests that present no live token (or a signed URL that does not verify), refused with `429` before any database work; a live token's requests do not count.",
  },
  UNAUTH_RATE_LIMIT_BURST: { group: 'api', default: '`20`', doc: 'The burst the per-address rate allows.' },
  AUTH_CACHE_TTL_MS: {
    group: 'api',
    default: '`5000`',
    doc: 'How long the API remembers what a live token resolved to (0: ask the database on every request); a token revoked elsewhere stops working within it.',
  },
  AUTH_NEGATIVE_CACHE_TTL_MS: {
    group: 'api',
    default: '`5000`',
    doc: 'How long the API remembers that a token resolved to nothing (0: ask every time), so a repeated wrong token costs one lookup per this long.',
  },
  DOWNLOAD_URL_SECRET: {
    group: 'api',
    default: 'generated into `DATA_DIR/keys`',
    doc: 'The HMAC key of signed URLs (at least 32 bytes, `openssl rand -hex 32`), read by the API only; required in production.',
  },
  DOWNLOAD_URL_TTL_SECONDS: { group: 'api', default: '`300`', doc: 'The lifetime of a signed download URL.' },

  MONGO_URL: {
    group: 'services',
    default: '`mongodb://127.0.0.1:27017`',
    doc: 'The address of the MongoDB-compatible database.',
  },
  MONGO_DB: { group: 'services', default: '`evidence`', doc: "The database's name." },
  TEMPORAL_ADDRESS: { group: 'services', default: '`127.0.0.1:7233`', doc: "Temporal's frontend address." },
  TEMPORAL_NAMESPACE: { group: 'services', default: '`default`', doc: 'The Temporal namespace.' },
  TEMPORAL_TASK_QUEUE: {
    group: 'services',
    default: '`reports`',
    doc: 'The main task queue, which also names the render (`<queue>-render`) and import (`<queue>-import`) queues.',
  },
  WORKER_METRICS_ADDRESS: {
    group: 'services',
    default: '`127.0.0.1:9464`, render worker `127.0.0.1:9465`',
    doc: 'Where a worker serves Prometheus metrics, or `off`.',
  },

  DATA_DIR: {
    group: 'storage',
    default: '`.data/dev/app`',
    doc: 'Local artifacts (`artifacts/`), the staging store (`staging/`) and, in development, generated secrets; in production no key file may lie inside it.',
  },
  ARTIFACT_STORE: {
    group: 'storage',
    default: '`fs`',
    doc: "`fs`: files under `DATA_DIR/artifacts`, each encrypted (AES-256-GCM, a data key per object, bound to its tenant's key); `s3`: an S3-compatible bucket, every object written with SSE-S3.",
  },
  ARTIFACT_MASTER_KEY: {
    group: 'storage',
    default: 'generated into `DATA_DIR/keys`',
    doc: "Base64 of 32 bytes that wraps the `fs` store's data keys (`openssl rand -base64 32`); losing it loses the artifacts; required in production with the `fs` store.",
  },
  STAGING_KEY: {
    group: 'storage',
    default: 'generated into `DATA_DIR/keys`',
    doc: "Both workers: base64 of 32 bytes sealing the staging store's objects (the model to print, the printed PDF), on either backend; required in production, never the master key.",
  },
  STAGING_KEY_PREVIOUS: {
    group: 'storage',
    default: 'none',
    doc: 'Both workers: the staging key before a rotation, under which objects sealed earlier still open.',
  },
  S3_ENDPOINT: {
    group: 'storage',
    default: 'none (AWS)',
    doc: 'The S3-compatible server of the `s3` store; without it, AWS S3 in `S3_REGION`.',
  },
  S3_REGION: { group: 'storage', default: '`us-east-1`', doc: "The bucket's region." },
  S3_BUCKET: { group: 'storage', default: 'required with `s3`', doc: 'The bucket of the `s3` store.' },
  S3_ACCESS_KEY_ID: {
    group: 'storage',
    default: "the AWS SDK's default chain",
    doc: "The `s3` store's access key id, set with `S3_SECRET_ACCESS_KEY` (both or neither).",
  },
  S3_SECRET_ACCESS_KEY: {
    group: 'storage',
    default: "the AWS SDK's default chain",
    doc: "The `s3` store's secret key, set with `S3_ACCESS_KEY_ID` (both or neither).",
  },
  S3_STAGING_ACCESS_KEY_ID: {
    group: 'storage',
    default: '`S3_ACCESS_KEY_ID`',
    doc: 'The access key id for the staging store, `staging/` in the same bucket: give the render worker these credentials alone, limited to that prefix (both or neither).',
  },
  S3_STAGING_SECRET_ACCESS_KEY: {
    group: 'storage',
    default: '`S3_SECRET_ACCESS_KEY`',
    doc: 'The secret key of those staging credentials, set with `S3_STAGING_ACCESS_KEY_ID` (both or neither).',
  },
  S3_FORCE_PATH_STYLE: {
    group: 'storage',
    default: '`true` with `S3_ENDPOINT`, else `false`',
    doc: 'The bucket in the path rather than the host name (self-hosted servers).',
  },
  S3_PRESIGNED_DOWNLOADS: {
    group: 'storage',
    default: '`false`',
    doc: 'A valid signed URL redirects to a 60-second presigned GET on the bucket instead of streaming through the API (only where clients reach the bucket).',
  },

  SIGNING_P12_PATH: {
    group: 'signing',
    default: 'generated into `DATA_DIR/keys`',
    doc: 'The PDF signing key and certificate (PKCS#12), read by the steps worker only; required in production.',
  },
  SIGNING_P12_PASSWORD: {
    group: 'signing',
    default: 'generated with the key',
    doc: 'The password of that PKCS#12; required in production, and not empty.',
  },
  JWS_KEYS_DIR: {
    group: 'signing',
    default: '`DATA_DIR/keys/jws`, a first key generated',
    doc: 'The folder of the JSON (JWS) signing keys, one `<kid>.private.jwk.json` each (`cli new-jws-key <folder>` adds one); required in production.',
  },

  TSA_URL: {
    group: 'signing',
    default: 'none: signatures carry no timestamp (development only)',
    doc: "The RFC 3161 time-stamping authority (`http(s)://`) whose token every signature carries, so that its time is a third party's; the activity retries while it is down and the report then fails with `timestamp_unavailable`; required in production (see [Verifying artifacts](verifying-artifacts.md)).",
  },
  TSA_TIMEOUT_MS: {
    group: 'signing',
    default: '`15000`',
    doc: 'How long one request to the time-stamping authority may take before it counts as down.',
  },

  CHROMIUM_PATH: { group: 'render', default: '`/usr/bin/chromium`', doc: 'The Chromium the renderer drives.' },
  CHROMIUM_SANDBOX: {
    group: 'render',
    default: '`auto`',
    doc: "Chromium's own sandbox, `on`, `off`, or `auto` (on unless the process runs as root, where Chromium refuses it); it needs user namespaces (see [The render worker](production.md#the-render-worker)).",
  },
  RENDER_CONCURRENCY: { group: 'render', default: '`2`', doc: 'The PDFs a render worker prints at once.' },
  RENDER_RECYCLE_AFTER: {
    group: 'render',
    default: '`100`',
    doc: "The renders after which a worker's Chromium is replaced by a fresh one.",
  },
  TEMPLATES_DIR: {
    group: 'render',
    default: "the repository's `templates/`",
    doc: "The folder of the report's Handlebars templates, partials and CSS.",
  },

  IMPORT_MAX_BYTES: {
    group: 'limits',
    default: '`536870912`',
    doc: 'The largest scanner file `POST /findings/imports` takes (staged in the artifact store while its import runs).',
  },
  IMPORT_MAX_FINDINGS: { group: 'limits', default: '`200000`', doc: 'The most findings one scanner file may give.' },
  IMPORT_MAX_DETECTORS: { group: 'limits', default: '`64`', doc: 'The most detectors one garak attempt may carry.' },
  IMPORT_CONCURRENCY: { group: 'limits', default: '`2`', doc: 'The imports a worker runs at once.' },
  TENANT_MAX_IMPORTS_IN_FLIGHT: { group: 'limits', default: '`2`', doc: "A tenant's imports in flight." },
  TENANT_MAX_ACTIVE_REPORTS: { group: 'limits', default: '`20`', doc: "A tenant's reports queued or running." },
  TENANT_MAX_STORED_FINDINGS: { group: 'limits', default: '`5000000`', doc: 'The findings a tenant may store.' },
  OFFBOARD_GRACE_DAYS: {
    group: 'limits',
    default: '`30`',
    doc: "Days between `DELETE /admin/tenants/:id` and the purge of the tenant's data (0–3650; 0 purges at once), read by the API, which stamps each offboarding with its `purge_after`.",
  },
  FAILED_REPORT_RETENTION_HOURS: {
    group: 'limits',
    default: '`72`',
    doc: 'Hours a failed report keeps what it staged (its findings snapshot, its render) for `/retry` before its retention workflow purges them (1–8760), read by the steps worker.',
  },

  DOWNLOAD_URL_SECRET_FILE: {
    group: 'files',
    default: 'none',
    doc: 'A file holding the value of `DOWNLOAD_URL_SECRET` (e.g. `/run/secrets/<name>`), read once at start-up; not with that variable too, and outside `DATA_DIR` in production.',
  },
  SIGNING_P12_PASSWORD_FILE: {
    group: 'files',
    default: 'none',
    doc: 'The same, for `SIGNING_P12_PASSWORD`.',
  },
  ARTIFACT_MASTER_KEY_FILE: { group: 'files', default: 'none', doc: 'The same, for `ARTIFACT_MASTER_KEY`.' },
  STAGING_KEY_FILE: { group: 'files', default: 'none', doc: 'The same, for `STAGING_KEY`.' },
  S3_SECRET_ACCESS_KEY_FILE: { group: 'files', default: 'none', doc: 'The same, for `S3_SECRET_ACCESS_KEY`.' },
  S3_STAGING_SECRET_ACCESS_KEY_FILE: {
    group: 'files',
    default: 'none',
    doc: 'The same, for `S3_STAGING_SECRET_ACCESS_KEY`.',
  },
  MONGO_URL_FILE: {
    group: 'files',
    default: 'none',
    doc: 'The same, for `MONGO_URL`, which carries the database password.',
  },
} as const satisfies Record<string, VariableDoc>;

/** The name of an environment variable `loadConfig` reads. */
export type Variable = keyof typeof VARIABLES;
