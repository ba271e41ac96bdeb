import { promises as fs } from 'node:fs';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { MongoPublishedKeys } from '../../src/infra/mongo/published-keys-repo';
import { loadJwsKeys } from '../../src/infra/signing/jwks';
import { signingKeySet } from '../../src/infra/signing/published-keys';
import { LOCAL_SIGNING_KEY_FILE, loadOrCreateSigningIdentity } from '../../src/infra/signing/signing-identity';
import { ServiceProcesses, freePort, requireBuild } from '../support/processes';
import { stackEnv, uniqueSuffix } from '../support/stack';

/**
 * The built API started in development with no signing variable and no key folder: it generates and loads no
 * private key, and serves exactly the key set a worker published to the database. Needs the test stack (MongoDB).
 */

jest.setTimeout(60_000);

const suffix = uniqueSuffix();
let services: ServiceProcesses;
let mongo: MongoClient;
let dataDir: string;
let workerKeys: string;
let base: string;

beforeAll(async () => {
  await requireBuild();
  const stack = stackEnv();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  dataDir = path.join(stack.dataDir, `e2e-api-keys-${suffix}`);
  // The worker's keys live elsewhere, as they would on another host.
  workerKeys = path.join(stack.dataDir, `e2e-worker-keys-${suffix}`);
  mongo = await new MongoClient(stack.mongoUrl).connect();
  const { SIGNING_P12_PATH: _p12, SIGNING_P12_PASSWORD: _password, JWS_KEYS_DIR: _jws, ...inherited } = process.env;
  services = new ServiceProcesses({
    ...inherited,
    NODE_ENV: 'development',
    MONGO_URL: stack.mongoUrl,
    MONGO_DB: `e2e_keys_${suffix}`,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    DATA_DIR: dataDir,
    HTTP_PORT: String(port),
    OPS_PORT: String(await freePort()),
    PUBLIC_BASE_URL: base,
    LOG_LEVEL: 'warn',
  });
  await services.startServer();
});

afterAll(async () => {
  await services?.stopAll();
  await mongo?.db(`e2e_keys_${suffix}`).dropDatabase();
  await mongo?.close();
  await fs.rm(dataDir, { recursive: true, force: true });
  await fs.rm(workerKeys, { recursive: true, force: true });
});

it('when the API starts without signing keys, then it makes none and serves the key set the worker published', async () => {
  const before = await fetch(`${base}/.well-known/jwks.json`);
  expect(before.status).toBe(503);
  expect(await before.json()).toEqual({
    error: {
      code: 'unavailable',
      message: 'no signing keys are published yet: they appear once a worker has started',
    },
  });

  // What the worker does at start-up.
  const { identity } = await loadOrCreateSigningIdentity({ dataDir: workerKeys });
  await loadJwsKeys(path.join(workerKeys, 'jws'), { create: true });
  const published = await signingKeySet(path.join(workerKeys, 'jws'), identity);
  await new MongoPublishedKeys(mongo.db(`e2e_keys_${suffix}`)).publish(published, new Date());

  const after = await fetch(`${base}/.well-known/jwks.json`);
  expect(after.status).toBe(200);
  expect(await after.json()).toEqual(JSON.parse(JSON.stringify(published)));
  // Neither a PDF signing key nor a JSON signing key was generated (nor, so, loaded) by the API.
  await expect(fs.stat(path.join(dataDir, LOCAL_SIGNING_KEY_FILE))).rejects.toMatchObject({ code: 'ENOENT' });
  await expect(fs.stat(path.join(dataDir, 'keys', 'jws'))).rejects.toMatchObject({ code: 'ENOENT' });
  expect(services.logTail()).not.toMatch(/generated [^"]*signing key/);
});
