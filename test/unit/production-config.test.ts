import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';
import { problemsOf } from '../support/config';

/** Every secret production needs, each outside DATA_DIR. */
const PRODUCTION = {
  NODE_ENV: 'production',
  DATA_DIR: '/var/lib/evidence-reports',
  PUBLIC_BASE_URL: 'https://evidence.example.com',
  DOWNLOAD_URL_SECRET: 'a'.repeat(64),
  SIGNING_P12_PATH: '/etc/evidence-reports/keys/pdf-signing.p12',
  SIGNING_P12_PASSWORD: 's3cret',
  JWS_KEYS_DIR: '/etc/evidence-reports/keys/jws',
  TSA_URL: 'https://tsa.example.com/tsr',
  ARTIFACT_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
  STAGING_KEY: Buffer.alloc(32, 9).toString('base64'),
};

describe('production configuration', () => {
  it('when every secret is configured outside DATA_DIR, then it loads in production mode with those keys', () => {
    const config = loadConfig(PRODUCTION, 'worker');

    expect(config.mode).toBe('production');
    // Only the API signs download links: the worker never reads the secret.
    expect(config.downloads.secret).toBeUndefined();
    expect(loadConfig(PRODUCTION, 'api').downloads.secret).toBe(PRODUCTION.DOWNLOAD_URL_SECRET);
    expect(config.signing).toEqual({
      p12Path: PRODUCTION.SIGNING_P12_PATH,
      p12Password: 's3cret',
      jwsKeysDir: PRODUCTION.JWS_KEYS_DIR,
      tsaUrl: 'https://tsa.example.com/tsr',
      tsaTimeoutMs: 15_000,
    });
    expect(config.artifacts).toEqual({ store: 'fs', masterKey: PRODUCTION.ARTIFACT_MASTER_KEY });
    expect(config.http.publicBaseUrl).toBe('https://evidence.example.com');
  });

  it('when nothing is configured, then one error names every missing variable and what it must hold', () => {
    let thrown: unknown;
    try {
      loadConfig({ NODE_ENV: 'production', DATA_DIR: '/var/lib/evidence-reports' }, 'worker');
    } catch (err) {
      thrown = err;
    }

    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).problems).toEqual([
      'PUBLIC_BASE_URL is required: the https:// address clients use (signed download links point there)',
      'ARTIFACT_MASTER_KEY is required with ARTIFACT_STORE=fs: base64 of 32 random bytes (e.g. openssl rand -base64 32), kept apart from DATA_DIR',
      'STAGING_KEY is required: base64 of 32 random bytes (e.g. openssl rand -base64 32) sealing what the steps and render workers hand each other',
      'SIGNING_P12_PATH is required: a PKCS#12 file outside DATA_DIR holding the PDF signing key and certificate',
      'SIGNING_P12_PASSWORD is required: the password of the PKCS#12; an unprotected key is not accepted',
      'JWS_KEYS_DIR is required: a folder outside DATA_DIR holding the JSON signing keys (create one with cli new-jws-key <folder>)',
      'TSA_URL is required: the http(s) URL of an RFC 3161 time-stamping authority; production issues no artifact whose time is only its own clock',
    ]);
    expect((thrown as Error).message).toMatch(/^Invalid configuration \(NODE_ENV=production\):\n {2}- PUBLIC_BASE_URL/);
    expect(problemsOf({ NODE_ENV: 'production', DATA_DIR: '/var/lib/evidence-reports' }, 'api')[0]).toBe(
      'DOWNLOAD_URL_SECRET is required: at least 32 random bytes (e.g. openssl rand -hex 32)',
    );
  });

  it('when the secret is short, the password empty and the address plain http, then each is named with what is allowed', () => {
    expect(
      problemsOf({
        ...PRODUCTION,
        DOWNLOAD_URL_SECRET: 'x'.repeat(31),
        SIGNING_P12_PASSWORD: '',
        PUBLIC_BASE_URL: 'http://evidence.example.com',
        HTTP_PORT: 'eighty',
      }),
    ).toEqual([
      'HTTP_PORT must be a whole number from 0 to 65535, got "eighty"',
      'PUBLIC_BASE_URL must be an https:// URL (terminate TLS in front of the API), got "http://evidence.example.com"',
      'SIGNING_P12_PASSWORD is required: the password of the PKCS#12; an unprotected key is not accepted',
    ]);
  });

  it('when the API is given a short secret, then it is named; the worker, which never reads it, ignores it', () => {
    expect(problemsOf({ ...PRODUCTION, DOWNLOAD_URL_SECRET: 'x'.repeat(31) }, 'api')).toEqual([
      'DOWNLOAD_URL_SECRET must be at least 32 bytes (e.g. openssl rand -hex 32), got 31',
    ]);
    expect(problemsOf({ ...PRODUCTION, DOWNLOAD_URL_SECRET: 'x'.repeat(31) })).toEqual([]);
  });

  it('when the secret is counted, then it is counted in bytes: 16 two-byte characters are enough', () => {
    expect(problemsOf({ ...PRODUCTION, DOWNLOAD_URL_SECRET: 'é'.repeat(16) }, 'api')).toEqual([]);
  });

  it('when key files lie inside DATA_DIR, then each is named, resolved paths compared', () => {
    expect(
      problemsOf({
        ...PRODUCTION,
        DATA_DIR: 'data/app',
        SIGNING_P12_PATH: 'data/app/../app/keys/pdf-signing.p12',
        JWS_KEYS_DIR: './data/app',
      }),
    ).toEqual([
      `SIGNING_P12_PATH must lie outside DATA_DIR (${path.resolve('data/app')}), so a copy of the data volume does not carry the key; got "${path.resolve('data/app/keys/pdf-signing.p12')}"`,
      `JWS_KEYS_DIR must lie outside DATA_DIR (${path.resolve('data/app')}), so a copy of the data volume does not carry the key; got "${path.resolve('data/app')}"`,
    ]);
  });

  it('when a key folder only shares a prefix with DATA_DIR or contains it, then it is outside', () => {
    expect(
      problemsOf({
        ...PRODUCTION,
        SIGNING_P12_PATH: '/var/lib/evidence-reports-keys/pdf-signing.p12',
        JWS_KEYS_DIR: '/var/lib/..evidence',
      }),
    ).toEqual([]);
  });

  it('when artifacts go to S3, then no file-store master key is required', () => {
    const { ARTIFACT_MASTER_KEY: _unused, ...withoutMasterKey } = PRODUCTION;
    const config = loadConfig({ ...withoutMasterKey, ARTIFACT_STORE: 's3', S3_BUCKET: 'evidence-artifacts' }, 'worker');

    expect(config.artifacts.masterKey).toBeUndefined();
  });

  it('when TSA_URL is empty in production, then it is refused; in development it means signatures carry no timestamp', () => {
    expect(problemsOf({ ...PRODUCTION, TSA_URL: ' ' })).toEqual([
      'TSA_URL is required: the http(s) URL of an RFC 3161 time-stamping authority; production issues no artifact whose time is only its own clock',
    ]);
    expect(problemsOf({ ...PRODUCTION, TSA_URL: 'tsa.example.com' })).toEqual([
      'TSA_URL must be an http(s) URL, got "tsa.example.com"',
    ]);
    expect(loadConfig({ NODE_ENV: 'development' }, 'worker').signing.tsaUrl).toBeUndefined();
    expect(
      loadConfig({ NODE_ENV: 'development', TSA_URL: 'http://127.0.0.1:8433/api/v1/timestamp' }, 'worker').signing,
    ).toMatchObject({ tsaUrl: 'http://127.0.0.1:8433/api/v1/timestamp', tsaTimeoutMs: 15_000 });
  });

  it('when NODE_ENV is misspelt, then it is refused rather than read as development', () => {
    expect(problemsOf({ ...PRODUCTION, NODE_ENV: 'prod' })).toEqual([
      'NODE_ENV must be one of production, development, test, got "prod"',
    ]);
  });
});

describe('the API process configuration', () => {
  const { SIGNING_P12_PATH: _p12, SIGNING_P12_PASSWORD: _password, JWS_KEYS_DIR: _jws, ...apiSecrets } = PRODUCTION;

  it('when production sets no signing key, then the API loads: it signs nothing and holds no private key', () => {
    const config = loadConfig(apiSecrets, 'api');

    expect(config.mode).toBe('production');
    expect(config).not.toHaveProperty('signing');
  });

  it('when signing variables are set anyway, then the API does not read them', () => {
    const config = loadConfig({ ...PRODUCTION, SIGNING_P12_PATH: 'data/in-data-dir.p12' }, 'api');

    expect(config).not.toHaveProperty('signing');
    expect(JSON.stringify(config)).not.toContain('s3cret');
    expect(JSON.stringify(config)).not.toContain('pdf-signing.p12');
  });

  it('when nothing is configured, then the API names only the secrets it needs', () => {
    expect(problemsOf({ NODE_ENV: 'production', DATA_DIR: '/var/lib/evidence-reports' }, 'api')).toEqual([
      'DOWNLOAD_URL_SECRET is required: at least 32 random bytes (e.g. openssl rand -hex 32)',
      'PUBLIC_BASE_URL is required: the https:// address clients use (signed download links point there)',
      'ARTIFACT_MASTER_KEY is required with ARTIFACT_STORE=fs: base64 of 32 random bytes (e.g. openssl rand -base64 32), kept apart from DATA_DIR',
    ]);
  });
});

describe('development configuration', () => {
  it.each([{}, { NODE_ENV: 'development' }, { NODE_ENV: 'test' }])(
    'when %j sets no secret, then it loads as today: keys to be generated into DATA_DIR',
    (env) => {
      const config = loadConfig(env, 'worker');

      expect(config.mode).toBe('development');
      expect(config.downloads.secret).toBeUndefined();
      expect(config.signing).toEqual({
        p12Path: undefined,
        p12Password: '',
        jwsKeysDir: path.join(config.dataDir, 'keys', 'jws'),
        tsaUrl: undefined,
        tsaTimeoutMs: 15_000,
      });
      expect(config.artifacts).toEqual({ store: 'fs', masterKey: undefined });
      expect(config.http.publicBaseUrl).toBe('http://127.0.0.1:3000');
    },
  );

  it('when key files lie inside DATA_DIR in development, then that is allowed', () => {
    const config = loadConfig(
      {
        DATA_DIR: '/tmp/app',
        SIGNING_P12_PATH: '/tmp/app/k.p12',
        JWS_KEYS_DIR: '/tmp/app/jws',
      },
      'worker',
    );

    expect(config.signing).toMatchObject({ p12Path: '/tmp/app/k.p12', jwsKeysDir: '/tmp/app/jws' });
  });

  it('when a set secret is short, then development refuses it too, in bytes', () => {
    expect(problemsOf({ DOWNLOAD_URL_SECRET: 'short' }, 'api')).toEqual([
      'DOWNLOAD_URL_SECRET must be at least 32 bytes (e.g. openssl rand -hex 32), got 5',
    ]);
  });
});

describe("the render worker's configuration", () => {
  /** Everything the steps worker and the API are given, the bucket's credentials and the staging ones included, as
   * a careless deployment might hand every process the same environment. */
  const EVERYTHING = {
    ...PRODUCTION,
    ARTIFACT_STORE: 's3',
    S3_ENDPOINT: 'https://s3.example.com',
    S3_BUCKET: 'evidence-artifacts',
    S3_ACCESS_KEY_ID: 'main-key-id',
    S3_SECRET_ACCESS_KEY: 'main-secret-of-the-whole-bucket',
    S3_STAGING_ACCESS_KEY_ID: 'staging-key-id',
    S3_STAGING_SECRET_ACCESS_KEY: 'staging-secret',
  };

  it('when every secret is in its environment, then its configuration holds none but the staging key and credentials', () => {
    const config = loadConfig(EVERYTHING, 'render-worker');
    const text = JSON.stringify(config);

    expect(config.mode).toBe('production');
    expect(config).not.toHaveProperty('signing');
    expect(config).not.toHaveProperty('downloads');
    expect(config).not.toHaveProperty('artifacts');
    for (const secret of [
      PRODUCTION.SIGNING_P12_PASSWORD,
      PRODUCTION.SIGNING_P12_PATH,
      PRODUCTION.JWS_KEYS_DIR,
      PRODUCTION.ARTIFACT_MASTER_KEY,
      PRODUCTION.DOWNLOAD_URL_SECRET,
      EVERYTHING.S3_SECRET_ACCESS_KEY,
      EVERYTHING.S3_ACCESS_KEY_ID,
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(config.staging).toEqual({
      store: 's3',
      key: PRODUCTION.STAGING_KEY,
      previousKey: undefined,
      s3: {
        endpoint: 'https://s3.example.com',
        region: 'us-east-1',
        bucket: 'evidence-artifacts',
        credentials: { accessKeyId: 'staging-key-id', secretAccessKey: 'staging-secret' },
        forcePathStyle: true,
      },
    });
    expect(config.http).toEqual({ publicBaseUrl: 'https://evidence.example.com' });
  });

  it('when production gives it nothing, then it names only the public address and the staging key', () => {
    expect(problemsOf({ NODE_ENV: 'production', DATA_DIR: '/var/lib/evidence-reports' }, 'render-worker')).toEqual([
      'PUBLIC_BASE_URL is required: the https:// address clients use (signed download links point there)',
      'STAGING_KEY is required: base64 of 32 random bytes (e.g. openssl rand -base64 32) sealing what the steps and render workers hand each other',
    ]);
  });

  it('when production gives it the staging key and an https address, then it starts without any other secret', () => {
    const config = loadConfig(
      { NODE_ENV: 'production', PUBLIC_BASE_URL: 'https://evidence.example.com', STAGING_KEY: PRODUCTION.STAGING_KEY },
      'render-worker',
    );
    expect(config.staging).toEqual({ store: 'fs', key: PRODUCTION.STAGING_KEY, previousKey: undefined });
  });

  it('when no staging credentials are given, then it reaches the bucket with the main ones', () => {
    const { S3_STAGING_ACCESS_KEY_ID: _id, S3_STAGING_SECRET_ACCESS_KEY: _secret, ...withoutStaging } = EVERYTHING;
    expect(loadConfig(withoutStaging, 'render-worker').staging.s3?.credentials).toEqual({
      accessKeyId: 'main-key-id',
      secretAccessKey: 'main-secret-of-the-whole-bucket',
    });
  });

  it('when nothing is set, then it serves metrics beside a steps worker, and the sandbox follows the user', () => {
    const config = loadConfig({}, 'render-worker');
    expect(config.workerMetricsAddress).toBe('127.0.0.1:9465');
    expect(config.render.sandbox).toBe('auto');
    expect(config.staging).toEqual({ store: 'fs', key: undefined, previousKey: undefined });
  });

  it('when the staging key or the sandbox setting is malformed, then each is named with what is allowed', () => {
    expect(
      problemsOf(
        { STAGING_KEY: 'c2hvcnQ=', STAGING_KEY_PREVIOUS: 'not base64!', CHROMIUM_SANDBOX: 'yes' },
        'render-worker',
      ),
    ).toEqual([
      'CHROMIUM_SANDBOX must be one of auto, on, off, got "yes"',
      'STAGING_KEY must be base64 of exactly 32 random bytes (e.g. openssl rand -base64 32), got 5 bytes',
      'STAGING_KEY_PREVIOUS must be base64 of exactly 32 random bytes (e.g. openssl rand -base64 32), got text that is not base64',
    ]);
  });
});

describe("the steps worker's staging", () => {
  it('when the staging key is the artifact master key, then it is refused, in any mode', () => {
    const master = PRODUCTION.ARTIFACT_MASTER_KEY;
    const expected = ['STAGING_KEY must differ from ARTIFACT_MASTER_KEY: the render worker holds the staging key'];
    expect(problemsOf({ ...PRODUCTION, STAGING_KEY: master })).toEqual(expected);
    expect(problemsOf({ ARTIFACT_MASTER_KEY: master, STAGING_KEY_PREVIOUS: master })).toEqual(expected);
  });

  it('when the store is s3, then staging goes to the same bucket, with the staging credentials when given', () => {
    const bucket = { ...PRODUCTION, ARTIFACT_STORE: 's3', S3_BUCKET: 'evidence-artifacts' };
    const main = { S3_ACCESS_KEY_ID: 'main-id', S3_SECRET_ACCESS_KEY: 'main-secret' };
    const staging = { S3_STAGING_ACCESS_KEY_ID: 'staging-id', S3_STAGING_SECRET_ACCESS_KEY: 'staging-secret' };

    expect(loadConfig({ ...bucket, ...main }, 'worker').staging.s3).toEqual({
      endpoint: undefined,
      region: 'us-east-1',
      bucket: 'evidence-artifacts',
      credentials: { accessKeyId: 'main-id', secretAccessKey: 'main-secret' },
      forcePathStyle: false,
    });
    expect(loadConfig({ ...bucket, ...main, ...staging }, 'worker').staging.s3?.credentials).toEqual({
      accessKeyId: 'staging-id',
      secretAccessKey: 'staging-secret',
    });
    expect(problemsOf({ ...bucket, S3_STAGING_ACCESS_KEY_ID: 'staging-id' })).toEqual([
      'S3_STAGING_ACCESS_KEY_ID and S3_STAGING_SECRET_ACCESS_KEY must be set together (or both left unset for the AWS default chain)',
    ]);
  });
});
