import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadJwsKeys } from '../../src/infra/signing/jwks';
import { freePort } from './processes';
import { tsaEnv, type stackEnv } from './stack';

const run = promisify(execFile);

/** The signing keys an operator makes for production, in `dir` (apart from DATA_DIR, as production requires): a
 * self-signed PDF signing certificate with `subject` as a PKCS#12 under a password, and a first JSON signing key. */
export async function makeSigningKeys(
  dir: string,
  subject: string,
): Promise<{ SIGNING_P12_PATH: string; SIGNING_P12_PASSWORD: string; JWS_KEYS_DIR: string }> {
  await fs.mkdir(dir, { recursive: true });
  const [key, cert, p12] = ['key.pem', 'cert.pem', 'pdf-signing.p12'].map((f) => path.join(dir, f));
  await run('openssl', [
    ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '30'],
    ...['-subj', subject],
  ]);
  await run('openssl', ['pkcs12', '-export', '-inkey', key, '-in', cert, '-out', p12, '-passout', 'pass:s3cret']);
  await loadJwsKeys(path.join(dir, 'jws'), { create: true });
  return { SIGNING_P12_PATH: p12, SIGNING_P12_PASSWORD: 's3cret', JWS_KEYS_DIR: path.join(dir, 'jws') };
}

/** The environment every process of a production deployment on the test stack shares, with fresh secrets and no
 * signing key (the steps worker's alone): its own database and task queue named by `name`. */
export async function productionEnv(
  stack: ReturnType<typeof stackEnv>,
  opts: { name: string; dataDir: string; port: number; publicBaseUrl: string },
): Promise<NodeJS.ProcessEnv> {
  const { SIGNING_P12_PATH: _p, SIGNING_P12_PASSWORD: _w, JWS_KEYS_DIR: _j, ...inherited } = process.env;
  return {
    ...inherited,
    NODE_ENV: 'production',
    MONGO_URL: stack.mongoUrl,
    MONGO_DB: `e2e_${opts.name}`,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    TEMPORAL_TASK_QUEUE: `e2e-${opts.name}`,
    DATA_DIR: opts.dataDir,
    HTTP_PORT: String(opts.port),
    OPS_PORT: String(await freePort()),
    PUBLIC_BASE_URL: opts.publicBaseUrl,
    DOWNLOAD_URL_SECRET: randomBytes(32).toString('hex'),
    ARTIFACT_MASTER_KEY: randomBytes(32).toString('base64'),
    STAGING_KEY: randomBytes(32).toString('base64'),
    // The test stack's own time-stamping authority: production stamps every signature.
    TSA_URL: tsaEnv().url,
    CHROMIUM_PATH: stack.chromiumPath,
    LOG_LEVEL: 'warn',
    WORKER_METRICS_ADDRESS: 'off',
  };
}
