import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { problemsOf } from '../support/config';

/** Production without the secrets this file gives through files instead. */
const PRODUCTION = {
  NODE_ENV: 'production',
  DATA_DIR: '/var/lib/evidence-reports',
  PUBLIC_BASE_URL: 'https://evidence.example.com',
  SIGNING_P12_PATH: '/run/secrets/pdf_signing_p12',
  TSA_URL: 'https://tsa.example.com/tsr',
  JWS_KEYS_DIR: '/etc/evidence-reports/keys/jws',
  ARTIFACT_STORE: 's3',
  S3_BUCKET: 'evidence-artifacts',
};

const DOWNLOAD_SECRET = 'd'.repeat(64);
const MASTER_KEY = Buffer.alloc(32, 7).toString('base64');
const STAGING_KEY = Buffer.alloc(32, 9).toString('base64');
const MONGO_URL = 'mongodb://evidence:p4ss@mongodb:27017/evidence?authSource=evidence';

let dir: string;
/** Writes `content` to a file of its own, as a secret mount holds it, and returns its path. */
const secretFile = (name: string, content: string): string => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content, { mode: 0o600 });
  return file;
};

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'config-secrets-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('secrets given as files', () => {
  it('when every secret comes from a *_FILE, then each is read, without the line break openssl writes after it', () => {
    const config = loadConfig(
      {
        ...PRODUCTION,
        DOWNLOAD_URL_SECRET_FILE: secretFile('download', `${DOWNLOAD_SECRET}\n`),
        SIGNING_P12_PASSWORD_FILE: secretFile('p12-password', 'pass word \n'),
        ARTIFACT_MASTER_KEY_FILE: secretFile('master', `${MASTER_KEY}\r\n`),
        STAGING_KEY_FILE: secretFile('staging', `${STAGING_KEY}\n`),
        S3_ACCESS_KEY_ID: 'evidence-reports',
        S3_SECRET_ACCESS_KEY_FILE: secretFile('s3', 's3-secret\n\n'),
        MONGO_URL_FILE: secretFile('mongo-url', MONGO_URL),
      },
      'worker',
    );

    // The worker never opens the download secret's file: only the API signs links.
    expect(config.downloads.secret).toBeUndefined();
    expect(
      loadConfig({ ...PRODUCTION, DOWNLOAD_URL_SECRET_FILE: secretFile('download', `${DOWNLOAD_SECRET}\n`) }, 'api')
        .downloads.secret,
    ).toBe(DOWNLOAD_SECRET);
    expect(config.signing.p12Password).toBe('pass word ');
    expect(config.artifacts.masterKey).toBe(MASTER_KEY);
    expect(config.staging.key).toBe(STAGING_KEY);
    expect(config.artifacts.s3?.credentials).toEqual({ accessKeyId: 'evidence-reports', secretAccessKey: 's3-secret' });
    expect(config.mongo.url).toBe(MONGO_URL);
  });

  it('when a value read from a file is bad, then it is judged as if it had been set directly', () => {
    expect(problemsOf({ ...PRODUCTION, DOWNLOAD_URL_SECRET_FILE: secretFile('download', 'short\n') }, 'api')).toEqual([
      'DOWNLOAD_URL_SECRET must be at least 32 bytes (e.g. openssl rand -hex 32), got 5',
    ]);
  });

  it('when a file is missing or empty, then its variable and path are named, and nothing else is required of it', () => {
    const missing = path.join(dir, 'absent');
    const empty = secretFile('empty', '\n');

    expect(problemsOf({ ...PRODUCTION, DOWNLOAD_URL_SECRET_FILE: missing, MONGO_URL_FILE: empty }, 'api')).toEqual([
      `DOWNLOAD_URL_SECRET_FILE: cannot read "${missing}" (ENOENT)`,
      `MONGO_URL_FILE: "${empty}" is empty`,
      'DOWNLOAD_URL_SECRET is required: at least 32 random bytes (e.g. openssl rand -hex 32)',
    ]);
  });

  it('when both a secret and its *_FILE are set, then both are named and neither is chosen', () => {
    const problems = problemsOf(
      {
        ...PRODUCTION,
        DOWNLOAD_URL_SECRET: DOWNLOAD_SECRET,
        DOWNLOAD_URL_SECRET_FILE: secretFile('download', `${'e'.repeat(64)}\n`),
      },
      'api',
    );

    expect(problems).toEqual(['DOWNLOAD_URL_SECRET and DOWNLOAD_URL_SECRET_FILE are both set; set one of them']);
  });

  it('when a secret file lies inside DATA_DIR in production, then it is refused like a key file', () => {
    const dataDir = path.join(dir, 'data');
    fs.mkdirSync(dataDir);
    const inside = path.join(dataDir, 'download');
    fs.writeFileSync(inside, DOWNLOAD_SECRET);

    expect(problemsOf({ ...PRODUCTION, DATA_DIR: dataDir, DOWNLOAD_URL_SECRET_FILE: inside }, 'api')).toEqual([
      `DOWNLOAD_URL_SECRET_FILE must lie outside DATA_DIR (${dataDir}), so a copy of the data volume does not carry the secret; got "${inside}"`,
    ]);
  });

  it('when a problem names a secret file, then the message never carries what the file holds', () => {
    const problems = problemsOf(
      {
        ...PRODUCTION,
        DOWNLOAD_URL_SECRET: 'f'.repeat(64),
        DOWNLOAD_URL_SECRET_FILE: secretFile('download', 'the-secret-value-itself-0123456789abcdef'),
        ARTIFACT_MASTER_KEY_FILE: secretFile('master', 'not base64 at all!'),
      },
      'api',
    );

    expect(problems).toHaveLength(2);
    expect(problems.join('\n')).not.toContain('the-secret-value-itself');
    expect(problems.join('\n')).not.toContain('not base64 at all');
  });
});
