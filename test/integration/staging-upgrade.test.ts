import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Db, MongoClient } from 'mongodb';
import { parseReportRequest } from '../../src/domain/report-request';
import { stagingKey } from '../../src/domain/storage-keys';
import { ensureIndexes } from '../../src/infra/mongo/database';
import { MongoReportsRepo } from '../../src/infra/mongo/reports-repo';
import { masterKeyFrom } from '../../src/infra/storage/envelope';
import { FsArtifactStore } from '../../src/infra/storage/fs-artifact-store';
import { moveEarlierStagedModels, stagedModelsMoved } from '../../src/infra/storage/staging-upgrade';
import { documentedRequest } from '../fixtures/requests';
import { queuedRecord } from '../fixtures/reports';
import { freshDatabase, stackEnv, uniqueSuffix } from '../support/stack';

/**
 * A deployment upgraded to the staging store while reports were in flight: the models an earlier version staged in
 * the artifact store, under the master key, are copied into the staging store by the steps worker before it takes
 * work, and a render worker starts taking renders only once that is done. Real database, real encrypted stores.
 */

let mongo: MongoClient;
let db: Db;
let dir: string;
let artifacts: FsArtifactStore;
let staging: FsArtifactStore;
const TENANT = 'tnt_2026_upgradeco01';

beforeAll(async () => {
  ({ client: mongo, db } = await freshDatabase('staging_upgrade'));
  await ensureIndexes(db);
  dir = path.join(stackEnv().dataDir, `staging-upgrade-${uniqueSuffix()}`);
  artifacts = new FsArtifactStore(path.join(dir, 'artifacts'), masterKeyFrom(randomBytes(32)));
  staging = new FsArtifactStore(path.join(dir, 'staging'), masterKeyFrom(randomBytes(32)));
});

afterAll(async () => {
  await db?.dropDatabase().catch(() => undefined);
  await mongo?.close();
  await fs.rm(dir, { recursive: true, force: true });
});

/** A report in `status`, in `format`, whose model the earlier version staged in the artifact store. */
async function reportStagedBefore(status: 'running' | 'ready', format: 'pdf' | 'json'): Promise<string> {
  const record = queuedRecord(TENANT, parseReportRequest(documentedRequest(['ep_2026_abc123'], format)), new Date(), {
    status,
    attempts: 1,
  });
  await new MongoReportsRepo(db).insert(record);
  await artifacts.put(stagingKey(TENANT, record.id, 'model.json'), Buffer.from(`{"report":"${record.id}"}`), 'x');
  return record.id;
}

it('when a steps worker of the new version starts, then running PDF reports get their model in the staging store, once', async () => {
  const inFlight = await reportStagedBefore('running', 'pdf');
  const json = await reportStagedBefore('running', 'json');
  const done = await reportStagedBefore('ready', 'pdf');
  const alreadyMoved = await reportStagedBefore('running', 'pdf');
  await staging.put(stagingKey(TENANT, alreadyMoved, 'model.json'), Buffer.from('staged by the new version'), 'x');
  const model = (id: string) => stagingKey(TENANT, id, 'model.json');

  // A render worker that starts first waits, and says so once.
  const waits: string[] = [];
  const stop = new AbortController();
  const renderWorker = stagedModelsMoved(db, { waiting: () => waits.push('waiting'), signal: stop.signal, pollMs: 50 });
  let started = false;
  void renderWorker.then(() => (started = true));
  await new Promise((r) => setTimeout(r, 200));
  expect(started).toBe(false);

  expect(await moveEarlierStagedModels(db, { artifacts, staging })).toBe(1);

  await renderWorker;
  expect(waits).toEqual(['waiting']);
  // What the render worker reads: the staging store alone, under the staging key.
  expect((await staging.get(model(inFlight))).toString()).toBe(`{"report":"${inFlight}"}`);
  expect((await staging.get(model(alreadyMoved))).toString()).toBe('staged by the new version');
  for (const id of [json, done])
    await expect(staging.get(model(id))).rejects.toMatchObject({ code: 'artifact_missing' });
  // Copied, not moved: the steps worker can still read the original.
  expect((await artifacts.get(model(inFlight))).toString()).toBe(`{"report":"${inFlight}"}`);

  // Once per database: a later start moves nothing more, and a render worker starts at once.
  const later = await reportStagedBefore('running', 'pdf');
  expect(await moveEarlierStagedModels(db, { artifacts, staging })).toBe(0);
  await expect(staging.get(model(later))).rejects.toMatchObject({ code: 'artifact_missing' });
  const again: string[] = [];
  await stagedModelsMoved(db, { waiting: () => again.push('waiting'), pollMs: 50 });
  expect(again).toEqual([]);
});
