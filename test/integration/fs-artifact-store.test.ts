import { promises as fs } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../src/domain/errors';
import { FsArtifactStore } from '../../src/infra/storage/fs-artifact-store';
import { stackEnv, uniqueSuffix } from '../support/stack';

describe('FsArtifactStore', () => {
  let root: string;
  let store: FsArtifactStore;

  beforeEach(async () => {
    root = path.join(stackEnv().dataDir, `store-${uniqueSuffix()}`);
    await fs.mkdir(root, { recursive: true });
    store = new FsArtifactStore(root);
  });

  afterEach(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  it('stores objects under per-tenant directories and reads them back', async () => {
    const key = 'tenants/tnt_2026_aaaaaaaa/reports/rpt_2026_bbbbbbbb/artifact/rpt_2026_bbbbbbbb.pdf';
    await store.put(key, Buffer.from('%PDF-1.7 test'), 'application/pdf');
    expect((await store.get(key)).toString()).toBe('%PDF-1.7 test');
    expect(await fs.readdir(path.join(root, 'tenants'))).toEqual(['tnt_2026_aaaaaaaa']);
    expect((await fs.stat(path.join(root, key))).mode & 0o777).toBe(0o600);
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

  it('deletes every object under a prefix and nothing outside it', async () => {
    await store.put('tenants/t/reports/r1/staging/a.json', Buffer.from('a'), 'application/json');
    await store.put('tenants/t/reports/r1/artifact/r1.pdf', Buffer.from('b'), 'application/pdf');
    await store.put('tenants/t/reports/r2/artifact/r2.pdf', Buffer.from('c'), 'application/pdf');
    expect(await store.deletePrefix('tenants/t/reports/r1/')).toBe(2);
    expect(await store.deletePrefix('tenants/t/reports/r1/')).toBe(0);
    expect((await store.get('tenants/t/reports/r2/artifact/r2.pdf')).toString()).toBe('c');
  });

  it.each(['../outside', 'tenants/../../etc/passwd', '/etc/passwd', 'tenants/t/./x', 'tenants/t//x', ''])(
    'refuses the key %p',
    async (key) => {
      await expect(store.put(key, Buffer.from('x'), 'text/plain')).rejects.toThrow(/not allowed|escapes/);
    },
  );
});
