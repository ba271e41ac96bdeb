import { promises as fs } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../src/domain/errors';
import { masterKeyFrom } from '../../src/infra/storage/envelope';
import { FsArtifactStore } from '../../src/infra/storage/fs-artifact-store';
import { createArtifactStore } from '../../src/infra/storage';
import { loadOrCreateMasterKey, LOCAL_MASTER_KEY_FILE } from '../../src/infra/storage/master-key';
import { stackEnv, uniqueSuffix } from '../support/stack';

const MARKER = 'SECRET-FINDING-jailbreak-via-base64-7c1e';
const TENANT_A = 'tenants/tnt_2026_aaaaaaaa/reports/rpt_2026_aaaaaaaa';
const TENANT_B = 'tenants/tnt_2026_bbbbbbbb/reports/rpt_2026_bbbbbbbb';

/** Every file below `dir`, as paths relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

describe('FsArtifactStore', () => {
  const master = masterKeyFrom(Buffer.alloc(32, 3));
  let root: string;
  let store: FsArtifactStore;

  beforeEach(async () => {
    root = path.join(stackEnv().dataDir, `store-${uniqueSuffix()}`);
    await fs.mkdir(root, { recursive: true });
    store = new FsArtifactStore(root, master);
  });

  afterEach(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  it('stores objects under per-tenant directories and reads them back', async () => {
    const key = `${TENANT_A}/artifact/rpt_2026_aaaaaaaa.pdf`;
    await store.put(key, Buffer.from('%PDF-1.7 test'), 'application/pdf');
    expect((await store.get(key)).toString()).toBe('%PDF-1.7 test');
    expect(await fs.readdir(path.join(root, 'tenants'))).toEqual(['tnt_2026_aaaaaaaa']);
    expect((await fs.stat(path.join(root, key))).mode & 0o777).toBe(0o600);
  });

  it('when an object is stored, then the bytes on disk are an envelope and contain none of its plaintext', async () => {
    const key = `${TENANT_A}/staging/findings.json`;
    const body = Buffer.from(JSON.stringify({ title: MARKER, rows: Array.from({ length: 50 }, () => MARKER) }));
    await store.put(key, body, 'application/json');
    const onDisk = await fs.readFile(path.join(root, key));
    expect(onDisk.subarray(0, 4).toString('ascii')).toBe('AEV1');
    expect(onDisk.includes(Buffer.from(MARKER))).toBe(false);
    expect(onDisk.includes(Buffer.from('"rows"'))).toBe(false);
    expect(onDisk.includes(Buffer.from(MARKER, 'utf16le'))).toBe(false);
    expect(await store.get(key)).toEqual(body);
  });

  it("when another tenant's file is copied over this tenant's path, then reading it fails as artifact_corrupt", async () => {
    const mine = `${TENANT_A}/artifact/rpt_2026_aaaaaaaa.pdf`;
    const theirs = `${TENANT_B}/artifact/rpt_2026_aaaaaaaa.pdf`;
    await store.put(mine, Buffer.from('tenant A report'), 'application/pdf');
    await store.put(theirs, Buffer.from(`tenant B report ${MARKER}`), 'application/pdf');
    await fs.copyFile(path.join(root, theirs), path.join(root, mine));
    const read = store.get(mine);
    await expect(read).rejects.toBeInstanceOf(AppError);
    await expect(read).rejects.toMatchObject({ code: 'artifact_corrupt', message: expect.stringContaining(mine) });
    // The other tenant's own object is intact.
    expect((await store.get(theirs)).toString()).toBe(`tenant B report ${MARKER}`);
  });

  it('when one byte of a stored file changes, then reading it fails as artifact_corrupt', async () => {
    const key = `${TENANT_A}/artifact/rpt_2026_aaaaaaaa.json`;
    await store.put(key, Buffer.from(`{"a":"${MARKER}"}`), 'application/json');
    const file = path.join(root, key);
    const bytes = await fs.readFile(file);
    bytes[bytes.length - 3] ^= 0x20;
    await fs.writeFile(file, bytes);
    await expect(store.get(key)).rejects.toMatchObject({ code: 'artifact_corrupt' });
  });

  it('when a file was written under another master key, then reading it fails as artifact_corrupt naming both', async () => {
    const key = `${TENANT_A}/staging/model.json`;
    await new FsArtifactStore(root, masterKeyFrom(Buffer.alloc(32, 4))).put(key, Buffer.from('{}'), 'application/json');
    await expect(store.get(key)).rejects.toMatchObject({
      code: 'artifact_corrupt',
      message: expect.stringContaining(`the configured key is ${master.id}`),
    });
  });

  it('when an object is written again, then the new bytes replace the old and no temporary file is left', async () => {
    const key = 'tenants/t/reports/r/staging/model.json';
    await store.put(key, Buffer.from('one'), 'application/json');
    await store.put(key, Buffer.from('two'), 'application/json');
    expect((await store.get(key)).toString()).toBe('two');
    expect(await fs.readdir(path.dirname(path.join(root, key)))).toEqual(['model.json']);
  });

  it('when an object does not exist, then get throws artifact_missing', async () => {
    await expect(store.get('tenants/t/reports/r/none.pdf')).rejects.toEqual(expect.any(AppError));
    await expect(store.get('tenants/t/reports/r/none.pdf')).rejects.toMatchObject({ code: 'artifact_missing' });
  });

  it('deletes every object under a prefix and nothing outside it, and a second purge finds nothing', async () => {
    await store.put('tenants/t/reports/r1/staging/a.json', Buffer.from('a'), 'application/json');
    await store.put('tenants/t/reports/r1/artifact/r1.pdf', Buffer.from('b'), 'application/pdf');
    await store.put('tenants/t/reports/r10/artifact/r10.pdf', Buffer.from('c'), 'application/pdf');
    await store.put('tenants/u/reports/r1/artifact/r1.pdf', Buffer.from('d'), 'application/pdf');
    expect(await store.deletePrefix('tenants/t/reports/r1/')).toBe(2);
    expect(await store.deletePrefix('tenants/t/reports/r1/')).toBe(0);
    expect(await store.deletePrefix('tenants/t/reports/never-written/')).toBe(0);
    expect((await store.get('tenants/t/reports/r10/artifact/r10.pdf')).toString()).toBe('c');
    expect((await store.get('tenants/u/reports/r1/artifact/r1.pdf')).toString()).toBe('d');
    expect(await filesUnder(root)).toEqual([
      'tenants/t/reports/r10/artifact/r10.pdf',
      'tenants/u/reports/r1/artifact/r1.pdf',
    ]);
  });

  it.each([
    '../outside',
    'tenants/../../etc/passwd',
    'tenants/t/../../../outside',
    '/etc/passwd',
    'tenants/t/./x',
    'tenants/t//x',
    '',
    'tenants/t/..%2F..%2Foutside',
    'tenants/t/%2e%2e/outside',
    'tenants/t/x\0.pdf',
    'tenants/t/..\\..\\outside',
    'outside.pdf',
  ])('refuses the key %j for put, get and deletePrefix, and writes nothing', async (key) => {
    await expect(store.put(key, Buffer.from('x'), 'text/plain')).rejects.toThrow(/not allowed|escapes/);
    await expect(store.get(key)).rejects.toThrow(/not allowed|escapes/);
    await expect(store.deletePrefix(key)).rejects.toThrow(/not allowed|escapes/);
    await expect(fs.stat(path.join(path.dirname(root), 'outside'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await filesUnder(root)).toEqual([]);
  });

  it('refuses to purge the whole store or every tenant at once', async () => {
    await store.put('tenants/t/reports/r/x.pdf', Buffer.from('x'), 'application/pdf');
    for (const prefix of ['', '/', 'tenants', 'tenants/']) {
      await expect(store.deletePrefix(prefix)).rejects.toThrow(/not allowed/);
    }
    expect(await filesUnder(root)).toEqual(['tenants/t/reports/r/x.pdf']);
  });
});

describe('artifact master key and store factory', () => {
  let dataDir: string;

  beforeEach(async () => {
    dataDir = path.join(stackEnv().dataDir, `keys-${uniqueSuffix()}`);
  });

  afterEach(async () => {
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('when no key is configured, then one is generated once, owner-only, and every later load returns it', async () => {
    const loads = await Promise.all([1, 2, 3, 4].map(() => loadOrCreateMasterKey({ dataDir })));
    expect(loads.filter((l) => l.created)).toHaveLength(1);
    expect(new Set(loads.map((l) => l.masterKey.id)).size).toBe(1);
    const file = path.join(dataDir, LOCAL_MASTER_KEY_FILE);
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect((await fs.stat(path.dirname(file))).mode & 0o777).toBe(0o700);
    expect(Buffer.from((await fs.readFile(file, 'utf8')).trim(), 'base64')).toEqual(loads[0].masterKey.key);
    expect(await fs.readdir(path.dirname(file))).toEqual(['artifact-master.key']);
    const again = await loadOrCreateMasterKey({ dataDir });
    expect(again).toEqual({ masterKey: loads[0].masterKey, created: false });
  });

  it('when a key is configured, then it is used and nothing is written', async () => {
    const configured = Buffer.alloc(32, 5).toString('base64');
    const { masterKey, created } = await loadOrCreateMasterKey({ configured, dataDir });
    expect(created).toBe(false);
    expect(masterKey.id).toBe(masterKeyFrom(Buffer.alloc(32, 5)).id);
    await expect(fs.stat(dataDir)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('when the key file is damaged, then loading fails naming the file', async () => {
    const file = path.join(dataDir, LOCAL_MASTER_KEY_FILE);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, 'c2hvcnQ=\n');
    await expect(loadOrCreateMasterKey({ dataDir })).rejects.toThrow(`${file} must hold base64 of exactly 32 bytes`);
  });

  it('when the store is fs, then the factory builds an encrypted store under <dataDir>/artifacts and warns once', async () => {
    const warnings: string[] = [];
    const logger = { warn: (m: string) => warnings.push(m) };
    const store = await createArtifactStore({ dataDir, artifacts: { store: 'fs' } }, logger);
    const key = 'tenants/tnt_2026_aaaaaaaa/reports/rpt_2026_aaaaaaaa/artifact/rpt_2026_aaaaaaaa.json';
    await store.put(key, Buffer.from(MARKER), 'application/json');
    const onDisk = await fs.readFile(path.join(dataDir, 'artifacts', key));
    expect(onDisk.includes(Buffer.from(MARKER))).toBe(false);
    const reopened = await createArtifactStore({ dataDir, artifacts: { store: 'fs' } }, logger);
    expect((await reopened.get(key)).toString()).toBe(MARKER);
    expect(warnings).toEqual([expect.stringContaining('generated an artifact master key')]);
    expect(store.presignGet).toBeUndefined();
  });
});
