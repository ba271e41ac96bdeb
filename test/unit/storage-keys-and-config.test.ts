import { loadConfig } from '../../src/config';
import { checkObjectKey, checkObjectPrefix } from '../../src/infra/storage/object-keys';

const KEY = 'tenants/tnt_2026_aaaaaaaa/reports/rpt_2026_bbbbbbbb/artifact/rpt_2026_bbbbbbbb.pdf';

describe('object keys', () => {
  it('accepts the keys and prefixes the pipeline builds', () => {
    expect(checkObjectKey(KEY)).toBe(KEY);
    expect(checkObjectPrefix('tenants/tnt_2026_aaaaaaaa/reports/rpt_2026_bbbbbbbb/')).toBe(
      'tenants/tnt_2026_aaaaaaaa/reports/rpt_2026_bbbbbbbb/',
    );
    expect(checkObjectPrefix('tenants/t/reports/r1')).toBe('tenants/t/reports/r1/');
  });

  it.each([
    '',
    '../outside',
    'tenants/../../etc/passwd',
    'tenants/t/../u/x',
    'tenants/t/reports/..',
    'tenants/../x',
    '/etc/passwd',
    '/tenants/t/x',
    'tenants/t/./x',
    'tenants/t//x',
    'tenants/t/x/',
    'tenants/t',
    'reports/r/x.pdf',
    'tenants/t/..%2F..%2Fu/x',
    'tenants/t/%2e%2e/x',
    'tenants/t/x%00.pdf',
    'tenants/t/x\0.pdf',
    'tenants/t/..\\..\\u\\x',
    'tenants/t/x\n.pdf',
    'tenants/t/ü.pdf',
  ])('refuses the key %j', (key) => {
    expect(() => checkObjectKey(key)).toThrow(/is not allowed/);
  });

  it('refuses a key longer than S3 allows (1,024 bytes)', () => {
    expect(checkObjectKey(`tenants/t/${'a'.repeat(1014)}`)).toHaveLength(1024);
    expect(() => checkObjectKey(`tenants/t/${'a'.repeat(1015)}`)).toThrow(/is not allowed/);
  });

  it.each(['', 'tenants/', 'tenants', '/', 'tenants/../', 'tenants/t/../u/', 'tenants/t/%2F', 'tenants/t\0/', '../'])(
    'refuses the prefix %j, so no purge reaches beyond one tenant',
    (prefix) => {
      expect(() => checkObjectPrefix(prefix)).toThrow(/is not allowed/);
    },
  );
});

describe('artifact store configuration', () => {
  const s3 = { ARTIFACT_STORE: 's3', S3_BUCKET: 'evidence-artifacts' };
  const masterKey = Buffer.alloc(32, 1).toString('base64');

  it('when nothing is set, then the encrypted filesystem store with a generated master key is the default', () => {
    expect(loadConfig({}, 'worker').artifacts).toEqual({ store: 'fs', masterKey: undefined });
    expect(loadConfig({ ARTIFACT_MASTER_KEY: masterKey }, 'worker').artifacts).toEqual({ store: 'fs', masterKey });
  });

  it('when S3 is chosen with an endpoint, then every S3 setting is read and path style is the default', () => {
    const config = loadConfig(
      {
        ...s3,
        S3_ENDPOINT: 'http://127.0.0.1:9000/',
        S3_REGION: 'eu-west-1',
        S3_ACCESS_KEY_ID: 'app',
        S3_SECRET_ACCESS_KEY: 'secret-value',
        S3_PRESIGNED_DOWNLOADS: 'true',
      },
      'worker',
    );
    expect(config.artifacts).toEqual({
      store: 's3',
      masterKey: undefined,
      s3: {
        endpoint: 'http://127.0.0.1:9000',
        region: 'eu-west-1',
        bucket: 'evidence-artifacts',
        credentials: { accessKeyId: 'app', secretAccessKey: 'secret-value' },
        forcePathStyle: true,
        presignedDownloads: true,
      },
    });
  });

  it('when S3 is chosen without an endpoint, then AWS with virtual-hosted style and the default chain apply', () => {
    expect(loadConfig(s3, 'worker').artifacts.s3).toEqual({
      endpoint: undefined,
      region: 'us-east-1',
      bucket: 'evidence-artifacts',
      credentials: undefined,
      forcePathStyle: false,
      presignedDownloads: false,
    });
    expect(loadConfig({ ...s3, S3_FORCE_PATH_STYLE: 'true' }, 'worker').artifacts.s3?.forcePathStyle).toBe(true);
  });

  it('when the settings are wrong, then one error names every bad variable and never echoes the master key', () => {
    const badKey = Buffer.alloc(16, 9).toString('base64');
    let message = '';
    try {
      loadConfig(
        {
          ARTIFACT_STORE: 's3',
          ARTIFACT_MASTER_KEY: badKey,
          S3_ENDPOINT: 'ftp://store',
          S3_BUCKET: 'Evidence_Artifacts',
          S3_ACCESS_KEY_ID: 'app',
          S3_FORCE_PATH_STYLE: 'sometimes',
        },
        'worker',
      );
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message.split('\n').slice(1)).toEqual([
      '  - ARTIFACT_MASTER_KEY must be base64 of exactly 32 random bytes (e.g. openssl rand -base64 32), got 16 bytes',
      '  - S3_ENDPOINT must be an http(s) URL, got "ftp://store"',
      '  - S3_BUCKET must be an S3 bucket name (3 to 63 lowercase letters, digits, dots and hyphens), got "Evidence_Artifacts"',
      '  - S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together (or both left unset for the AWS default chain)',
      '  - S3_FORCE_PATH_STYLE must be true or false, got "sometimes"',
    ]);
    expect(message).not.toContain(badKey);
  });

  it('when the store is unknown, the bucket missing or the master key not base64, then each is named', () => {
    expect(() => loadConfig({ ARTIFACT_STORE: 'minio' }, 'worker')).toThrow(
      'ARTIFACT_STORE must be one of fs, s3, got "minio"',
    );
    expect(() => loadConfig({ ARTIFACT_STORE: 's3' }, 'worker')).toThrow('S3_BUCKET is required');
    expect(() => loadConfig({ ARTIFACT_MASTER_KEY: 'not base64!' }, 'worker')).toThrow(
      'ARTIFACT_MASTER_KEY must be base64 of exactly 32 random bytes (e.g. openssl rand -base64 32), got text that is not base64',
    );
  });
});

describe('operations configuration', () => {
  it('when nothing is set, then the rate limit and worker metrics address have their defaults', () => {
    const config = loadConfig({}, 'worker');
    expect(config.http).toMatchObject({ rateLimitPerMinute: 600, rateLimitBurst: 120 });
    expect(config.workerMetricsAddress).toBe('127.0.0.1:9464');
    expect(loadConfig({ WORKER_METRICS_ADDRESS: 'off' }, 'worker').workerMetricsAddress).toBe('');
  });

  it('when nothing is set, then the operations port is 9400 on the loopback and failed logins are limited', () => {
    const config = loadConfig({}, 'worker');
    expect(config.ops).toEqual({ port: 9400, host: '127.0.0.1' });
    expect(config.http).toMatchObject({
      authNegativeCacheTtlMs: 5_000,
      unauthRateLimitPerMinute: 60,
      unauthRateLimitBurst: 20,
    });
  });

  it('when the operations port is the public one or the new limits are malformed, then each is named', () => {
    expect(() =>
      loadConfig(
        {
          HTTP_PORT: '8080',
          OPS_PORT: '8080',
          AUTH_NEGATIVE_CACHE_TTL_MS: '-1',
          UNAUTH_RATE_LIMIT_PER_MINUTE: '0',
          UNAUTH_RATE_LIMIT_BURST: 'many',
        },
        'worker',
      ),
    ).toThrow(
      /AUTH_NEGATIVE_CACHE_TTL_MS[\s\S]*UNAUTH_RATE_LIMIT_PER_MINUTE[\s\S]*UNAUTH_RATE_LIMIT_BURST[\s\S]*OPS_PORT must differ from HTTP_PORT/,
    );
  });

  it('when TRUST_PROXY lists proxies, then they are kept; when one is no address or range, it is named', () => {
    expect(loadConfig({}, 'api').http.trustProxy).toEqual([]);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8 ,fd00::1' }, 'api').http.trustProxy).toEqual([
      'loopback',
      '10.0.0.0/8',
      'fd00::1',
    ]);
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/8,the-load-balancer' }, 'api')).toThrow(
      /TRUST_PROXY must list IP addresses, CIDR ranges or loopback, linklocal, uniquelocal, comma-separated; got "the-load-balancer"/,
    );
  });

  it('when they are malformed, then the error names each variable', () => {
    expect(() =>
      loadConfig({ RATE_LIMIT_PER_MINUTE: '0', RATE_LIMIT_BURST: 'lots', WORKER_METRICS_ADDRESS: '9464' }, 'worker'),
    ).toThrow(/RATE_LIMIT_PER_MINUTE[\s\S]*RATE_LIMIT_BURST[\s\S]*WORKER_METRICS_ADDRESS must be host:port/);
  });
});
