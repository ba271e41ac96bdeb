import type { ArtifactStore } from '../../activities/ports';
import { AppError } from '../../src/domain/errors';
import { masterKeyFrom } from '../../src/infra/storage/envelope';
import { SealedStore, withArtifactStoreFallback } from '../../src/infra/storage/staging-store';

const MODEL = 'tenants/tnt_2026_aaaaaaaa/reports/rpt_2026_aaaaaaaa/staging/model.json';
const RENDERED = 'tenants/tnt_2026_aaaaaaaa/reports/rpt_2026_aaaaaaaa/staging/rendered.pdf';
const SECRET = 'Evidence: the model printed the system prompt';

/** Objects in memory, as a bucket holds them. */
class MemoryStore implements ArtifactStore {
  readonly objects = new Map<string, Buffer>();
  readonly deleted: string[] = [];

  async put(key: string, body: Buffer): Promise<void> {
    this.objects.set(key, body);
  }

  async get(key: string): Promise<Buffer> {
    const body = this.objects.get(key);
    if (!body) throw new AppError('artifact_missing', `no stored object at ${key}`);
    return body;
  }

  async deletePrefix(prefix: string): Promise<number> {
    this.deleted.push(prefix);
    const keys = [...this.objects.keys()].filter((k) => k.startsWith(prefix));
    for (const k of keys) this.objects.delete(k);
    return keys.length;
  }
}

describe('the sealed staging store', () => {
  const current = masterKeyFrom(Buffer.alloc(32, 1));
  const previous = masterKeyFrom(Buffer.alloc(32, 2));

  it('when an object is put, then the bucket holds only its envelope, and it reads back whole', async () => {
    const bucket = new MemoryStore();
    const staging = new SealedStore(bucket, current);

    await staging.put(MODEL, Buffer.from(SECRET), 'application/json');

    expect(bucket.objects.get(MODEL)!.subarray(0, 4).toString()).toBe('AEV1');
    expect(bucket.objects.get(MODEL)!.toString('latin1')).not.toContain('system prompt');
    expect((await staging.get(MODEL)).toString()).toBe(SECRET);
  });

  it('when the staging key was rotated, then what the previous key sealed still opens, and an unsealed object does not', async () => {
    const bucket = new MemoryStore();
    await new SealedStore(bucket, previous).put(MODEL, Buffer.from(SECRET), 'application/json');
    const rotated = new SealedStore(bucket, current, [previous]);

    expect((await rotated.get(MODEL)).toString()).toBe(SECRET);
    await expect(new SealedStore(bucket, current).get(MODEL)).rejects.toMatchObject({ code: 'artifact_corrupt' });
    // Written to the bucket by anything that holds no staging key (the render worker's output replaced, say).
    await bucket.put(RENDERED, Buffer.from('%PDF-1.7 forged'));
    await expect(rotated.get(RENDERED)).rejects.toMatchObject({
      code: 'artifact_corrupt',
      message: expect.stringContaining('not an encrypted artifact envelope'),
    });
  });
});

describe('the staging store as the steps worker reads it', () => {
  it('when an object is not in the staging store, then it is read from the artifact store, where earlier versions staged it', async () => {
    const staging = new MemoryStore();
    const artifacts = new MemoryStore();
    await artifacts.put(MODEL, Buffer.from('staged before the upgrade'));
    await staging.put(RENDERED, Buffer.from('printed after it'));
    const steps = withArtifactStoreFallback(staging, artifacts);

    expect((await steps.get(MODEL)).toString()).toBe('staged before the upgrade');
    expect((await steps.get(RENDERED)).toString()).toBe('printed after it');
    await expect(steps.get(`${MODEL}.missing`)).rejects.toMatchObject({ code: 'artifact_missing' });
  });

  it('when both hold an object, then the staging store wins; writes and deletes touch the staging store alone', async () => {
    const staging = new MemoryStore();
    const artifacts = new MemoryStore();
    await artifacts.put(MODEL, Buffer.from('old'));
    const steps = withArtifactStoreFallback(staging, artifacts);

    await steps.put(MODEL, Buffer.from('new'), 'application/json');
    expect((await steps.get(MODEL)).toString()).toBe('new');
    expect(await steps.deletePrefix('tenants/tnt_2026_aaaaaaaa/')).toBe(1);
    expect(artifacts.objects.get(MODEL)?.toString()).toBe('old');
    expect(artifacts.deleted).toEqual([]);
  });

  it('when the staging store cannot open an object, then that is the answer: no fallback hides a tampered one', async () => {
    const bucket = new MemoryStore();
    const artifacts = new MemoryStore();
    await artifacts.put(RENDERED, Buffer.from('%PDF-1.7 old'));
    await bucket.put(RENDERED, Buffer.from('%PDF-1.7 forged'));
    const steps = withArtifactStoreFallback(new SealedStore(bucket, masterKeyFrom(Buffer.alloc(32, 3))), artifacts);

    await expect(steps.get(RENDERED)).rejects.toMatchObject({ code: 'artifact_corrupt' });
  });
});
