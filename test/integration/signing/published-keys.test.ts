import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Db, MongoClient } from 'mongodb';
import { MongoPublishedKeys } from '../../../src/infra/mongo/published-keys-repo';
import { jwsSigner, pdfCertificateJwk } from '../../../src/infra/signing/artifact-signers';
import * as jwks from '../../../src/infra/signing/jwks';
import { cachedPublishedKeys, publishedPdfSigner, signingKeySet } from '../../../src/infra/signing/published-keys';
import { loadOrCreateSigningIdentity } from '../../../src/infra/signing/signing-identity';
import { verifyArtifact } from '../../../src/infra/signing/verify-artifact';
import { freshDatabase, stackEnv, uniqueSuffix } from '../../support/stack';

// Each test makes a PDF signing identity (an RSA key), which takes seconds on a loaded two-core machine.
jest.setTimeout(60_000);

// Counted, not changed: serving the JWKS must never open a key file.
jest.mock('../../../src/infra/signing/jwks', () => {
  const actual = jest.requireActual<typeof import('../../../src/infra/signing/jwks')>(
    '../../../src/infra/signing/jwks',
  );
  return { ...actual, loadJwsKeys: jest.fn(actual.loadJwsKeys) };
});

/** The worker publishes its key folder to the database; the API serves that, holding no private key. */

let client: MongoClient;
let db: Db;
let dir: string;

beforeAll(async () => {
  ({ client, db } = await freshDatabase('published_keys'));
  dir = path.join(stackEnv().dataDir, `published-keys-${uniqueSuffix()}`);
});

afterAll(async () => {
  await db.dropDatabase();
  await client.close();
  await fs.rm(dir, { recursive: true, force: true });
});

it('when a key is added to the worker folder, then the API serves it after a refresh, earlier keys and artifacts still verifying', async () => {
  const keysDir = path.join(dir, 'jws');
  const { identity } = await loadOrCreateSigningIdentity({ dataDir: dir });
  const { keys: ring } = await jwks.loadJwsKeys(keysDir, { create: true });
  const firstKid = ring.current.kid;
  const bytes = Buffer.from('{"schema_version":"1.1.0"}\n');
  const before = await jwsSigner(ring).sign(bytes);
  // The worker side publishes; the API side only reads, through its own repository.
  await new MongoPublishedKeys(db).publish(await signingKeySet(keysDir, identity), new Date());
  let now = Date.parse('2026-12-01T00:00:00Z');
  const source = new MongoPublishedKeys(db);
  const reads = jest.spyOn(source, 'read');
  const served = cachedPublishedKeys(source, {
    refreshMs: 30_000,
    clock: { now: () => new Date(now) },
    logger: { warn: () => undefined },
  });
  const loads = jest.mocked(jwks.loadJwsKeys);
  const certificate = await pdfCertificateJwk(identity);

  expect(await served()).toEqual({ keys: [...ring.publicJwks().keys, certificate] });

  // What `cli new-jws-key <folder>` does, then the worker's next publication.
  const { keys: operatorRing } = await jwks.loadJwsKeys(keysDir, { create: false });
  const secondKid = await operatorRing.rotate();
  await new MongoPublishedKeys(db).publish(await signingKeySet(keysDir, identity), new Date());
  loads.mockClear();
  reads.mockClear();
  expect((await served()).keys.map((k) => (k as { kid: string }).kid)).toEqual([firstKid, identity.keyId]);
  now += 30_000;
  const rotated = await served();
  for (let i = 0; i < 5; i++) await served();

  expect(rotated.keys.map((k) => (k as { kid: string }).kid)).toEqual([secondKid, firstKid, identity.keyId]);
  expect(JSON.stringify(rotated)).not.toMatch(/"d"/);
  expect(await verifyArtifact(bytes, rotated, before.jws)).toMatchObject({ valid: true, keyId: firstKid });
  // Serving never opens a key file: that is the worker's business.
  expect(loads).not.toHaveBeenCalled();
  expect(reads).toHaveBeenCalledTimes(1);
});

it('when the render worker names the signer on its integrity page, then it takes the published certificate, as the signing worker names it', async () => {
  const workerDb = client.db(`${db.databaseName}_signer`);
  try {
    const source = new MongoPublishedKeys(workerDb);
    const keys = cachedPublishedKeys(source, {
      refreshMs: 0,
      clock: { now: () => new Date() },
      logger: { warn: () => undefined },
    });
    const signer = publishedPdfSigner(keys, 'https://reports.example.test/.well-known/jwks.json');
    // Before any signing worker has published: a render waits (unavailable is retried), it names nobody.
    await expect(signer()).rejects.toMatchObject({ code: 'unavailable' });

    const keysDir = path.join(dir, 'signer-jws');
    const { identity } = await loadOrCreateSigningIdentity({ dataDir: dir });
    await jwks.loadJwsKeys(keysDir, { create: true });
    await source.publish(await signingKeySet(keysDir, identity), new Date());

    expect(await signer()).toEqual({
      subject: identity.subject,
      keyId: identity.keyId,
      jwksUrl: 'https://reports.example.test/.well-known/jwks.json',
    });
  } finally {
    await workerDb.dropDatabase();
  }
});
