import { randomBytes } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { loadConfig } from '../../src/config';
import { AppError } from '../../src/domain/errors';
import { S3ArtifactStore } from '../../src/infra/storage/s3-artifact-store';
import { createArtifactStore } from '../../src/infra/storage';
import { createStagingStore } from '../../src/infra/storage/staging-store';
import { s3Env, uniqueSuffix } from '../support/stack';

/** Against the S3-compatible server of the test stack (see scripts/stack.sh); every test writes under tenants of
 * its own, so runs never see each other's objects. */
describe('S3ArtifactStore', () => {
  const env = s3Env();
  const options = {
    endpoint: env.endpoint,
    region: env.region,
    bucket: env.bucket,
    credentials: { accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey },
    forcePathStyle: true,
  };
  const store = new S3ArtifactStore(options);
  // An independent client, to look at what the server holds without going through the store.
  const raw = new S3Client({ ...options, requestChecksumCalculation: 'WHEN_REQUIRED' });

  const tenant = (): string => `tnt_2026_${uniqueSuffix()}`;
  const reportKey = (t: string, r: string, name: string): string => `tenants/${t}/reports/${r}/artifact/${name}`;

  afterAll(() => {
    store.close();
    raw.destroy();
  });

  it('when an object is put, then the server stores it encrypted (SSE AES256) with its content type, and get returns it', async () => {
    const key = reportKey(tenant(), 'rpt_2026_aaaaaaaa', 'rpt_2026_aaaaaaaa.pdf');
    const body = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(70_000)]);
    await store.put(key, body, 'application/pdf');
    const head = await raw.send(new HeadObjectCommand({ Bucket: env.bucket, Key: key }));
    expect(head).toMatchObject({
      ServerSideEncryption: 'AES256',
      ContentType: 'application/pdf',
      ContentLength: body.length,
    });
    expect(await store.get(key)).toEqual(body);
  });

  it('when an object does not exist, then get throws artifact_missing', async () => {
    const read = store.get(reportKey(tenant(), 'rpt_2026_aaaaaaaa', 'none.pdf'));
    await expect(read).rejects.toBeInstanceOf(AppError);
    await expect(read).rejects.toMatchObject({ code: 'artifact_missing' });
  });

  it('when the bucket does not exist, then get fails as a fault, not as a missing artifact', async () => {
    const elsewhere = new S3ArtifactStore({ ...options, bucket: `missing-${uniqueSuffix()}` });
    const read = elsewhere.get(reportKey(tenant(), 'rpt_2026_aaaaaaaa', 'x.pdf'));
    await expect(read).rejects.not.toBeInstanceOf(AppError);
    await expect(read).rejects.toMatchObject({ name: 'NoSuchBucket' });
    elsewhere.close();
  });

  it('when a presigned GET is fetched with plain fetch, then it answers the bytes as an attachment of the given name and type', async () => {
    const key = reportKey(tenant(), 'rpt_2026_bbbbbbbb', 'rpt_2026_bbbbbbbb.json');
    const body = Buffer.from(JSON.stringify({ id: 'rpt_2026_bbbbbbbb', marker: uniqueSuffix() }));
    await store.put(key, body, 'application/json');
    const url = await store.presignGet(key, {
      expiresInSeconds: 60,
      fileName: 'rpt_2026_bbbbbbbb.json',
      contentType: 'application/json',
    });
    expect(new URL(url).searchParams.get('X-Amz-Expires')).toBe('60');
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="rpt_2026_bbbbbbbb.json"');
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(Buffer.from(await res.arrayBuffer())).toEqual(body);
  });

  it('when a presigned URL is tampered with, expired, or missing its signature, then the server refuses it', async () => {
    const mine = tenant();
    const theirs = tenant();
    const key = reportKey(mine, 'rpt_2026_cccccccc', 'rpt_2026_cccccccc.pdf');
    const otherKey = reportKey(theirs, 'rpt_2026_cccccccc', 'rpt_2026_cccccccc.pdf');
    await store.put(key, Buffer.from('%PDF-1.7 mine'), 'application/pdf');
    await store.put(otherKey, Buffer.from('%PDF-1.7 theirs'), 'application/pdf');
    const good = await store.presignGet(key, {
      expiresInSeconds: 60,
      fileName: 'rpt_2026_cccccccc.pdf',
      contentType: 'application/pdf',
    });
    expect((await fetch(good)).status).toBe(200);

    const variants: Record<string, string> = {};
    // Another tenant's object under the same signature.
    variants.otherKey = good.replace(`/tenants/${mine}/`, `/tenants/${theirs}/`);
    const withParam = (name: string, value: string | undefined): string => {
      const url = new URL(good);
      if (value === undefined) url.searchParams.delete(name);
      else url.searchParams.set(name, value);
      return url.toString();
    };
    variants.longerExpiry = withParam('X-Amz-Expires', '604800');
    variants.otherFileName = withParam('response-content-disposition', 'attachment; filename="evil.html"');
    variants.otherType = withParam('response-content-type', 'text/html');
    const signature = new URL(good).searchParams.get('X-Amz-Signature') ?? '';
    variants.flippedSignature = withParam(
      'X-Amz-Signature',
      `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`,
    );
    variants.noSignature = withParam('X-Amz-Signature', undefined);
    const unsigned = new URL(good);
    unsigned.search = '';
    variants.plainGet = unsigned.toString();

    for (const [what, url] of Object.entries(variants)) {
      expect(url).not.toBe(good);
      const res = await fetch(url);
      const text = await res.text();
      // 403 for a signature that does not match; a URL with no signature at all is malformed (400).
      expect({ what, refused: [400, 403].includes(res.status), leaked: text.includes('%PDF') }).toEqual({
        what,
        refused: true,
        leaked: false,
      });
    }

    const shortLived = await store.presignGet(key, {
      expiresInSeconds: 1,
      fileName: 'rpt_2026_cccccccc.pdf',
      contentType: 'application/pdf',
    });
    await new Promise((r) => setTimeout(r, 2_500));
    expect((await fetch(shortLived)).status).toBe(403);
  });

  it('when a presigned URL is asked with a file name that could break the header, or an impossible expiry, then it is refused', async () => {
    const key = reportKey(tenant(), 'rpt_2026_dddddddd', 'rpt_2026_dddddddd.pdf');
    const ask = (fileName: string, expiresInSeconds: number): Promise<string> =>
      store.presignGet(key, { fileName, expiresInSeconds, contentType: 'application/pdf' });
    await expect(ask('a"; filename="evil.html', 60)).rejects.toThrow(/file name .* is not allowed/);
    await expect(ask('../x.pdf', 60)).rejects.toThrow(/file name .* is not allowed/);
    await expect(ask('x.pdf', 0)).rejects.toThrow(/1 to 604800 seconds/);
    await expect(ask('x.pdf', 604_801)).rejects.toThrow(/1 to 604800 seconds/);
    await expect(
      store.presignGet('tenants/../x.pdf', { fileName: 'x.pdf', expiresInSeconds: 60, contentType: 'a/b' }),
    ).rejects.toThrow(/not allowed/);
  });

  it("deletes every object under a report's prefix, page by page, and nothing of a sibling report or another tenant", async () => {
    const paged = new S3ArtifactStore({ ...options, pageSize: 3 });
    const t = tenant();
    const other = tenant();
    const prefix = `tenants/${t}/reports/rpt_2026_eeeeeeee/`;
    const doomed = [
      ...Array.from({ length: 5 }, (_, i) => `${prefix}staging/part-${i}.json`),
      `${prefix}artifact/rpt_2026_eeeeeeee.pdf`,
      `${prefix}artifact/deep/er/x.json`,
    ];
    const kept = [
      `tenants/${t}/reports/rpt_2026_eeeeeeee0/artifact/rpt_2026_eeeeeeee0.pdf`,
      `tenants/${other}/reports/rpt_2026_eeeeeeee/artifact/rpt_2026_eeeeeeee.pdf`,
    ];
    for (const key of [...doomed, ...kept]) await paged.put(key, Buffer.from(key), 'application/octet-stream');

    expect(await paged.deletePrefix(prefix)).toBe(doomed.length);
    const left = await raw.send(new ListObjectsV2Command({ Bucket: env.bucket, Prefix: prefix }));
    expect(left.Contents ?? []).toEqual([]);
    for (const key of kept) expect((await store.get(key)).toString()).toBe(key);
    expect(await paged.deletePrefix(prefix)).toBe(0);
    expect(await store.deletePrefix(`tenants/${t}/reports/rpt_2026_never/`)).toBe(0);
    await expect(store.deletePrefix('tenants/')).rejects.toThrow(/not allowed/);
    await expect(store.deletePrefix('')).rejects.toThrow(/not allowed/);
    paged.close();
  });

  it('refuses keys outside a tenant prefix before sending anything', async () => {
    for (const key of ['../x', '/tenants/t/x', 'tenants/t/../u/x', 'tenants/t/%2e%2e/x', 'tenants/t/x\0', 'x.pdf']) {
      await expect(store.put(key, Buffer.from('x'), 'text/plain')).rejects.toThrow(/not allowed/);
      await expect(store.get(key)).rejects.toThrow(/not allowed/);
    }
  });

  it('when the configuration says s3, then the factory builds a store on that bucket that presigns', async () => {
    // Through loadConfig, so the settings arrive frozen as they do in the server and the worker.
    const config = loadConfig(
      {
        ARTIFACT_STORE: 's3',
        S3_ENDPOINT: env.endpoint,
        S3_REGION: env.region,
        S3_BUCKET: env.bucket,
        S3_ACCESS_KEY_ID: env.accessKeyId,
        S3_SECRET_ACCESS_KEY: env.secretAccessKey,
        DATA_DIR: '/nonexistent',
      },
      'api',
    );
    const built = await createArtifactStore(config, { warn: () => undefined });
    const key = reportKey(tenant(), 'rpt_2026_ffffffff', 'rpt_2026_ffffffff.pdf');
    await built.put(key, Buffer.from('%PDF-1.7 factory'), 'application/pdf');
    expect((await store.get(key)).toString()).toBe('%PDF-1.7 factory');
    expect(built.presignGet).toBeInstanceOf(Function);
    (built as S3ArtifactStore).close();
  });

  it("when the render worker's configuration says s3, then its staging store lives under staging/ in the bucket, sealed under the staging key", async () => {
    const stagingKey = randomBytes(32).toString('base64');
    const config = loadConfig(
      {
        ARTIFACT_STORE: 's3',
        S3_ENDPOINT: env.endpoint,
        S3_REGION: env.region,
        S3_BUCKET: env.bucket,
        S3_STAGING_ACCESS_KEY_ID: env.accessKeyId,
        S3_STAGING_SECRET_ACCESS_KEY: env.secretAccessKey,
        STAGING_KEY: stagingKey,
        DATA_DIR: '/nonexistent',
      },
      'render-worker',
    );
    const staging = await createStagingStore(config, { warn: () => undefined });
    const t = tenant();
    const key = `tenants/${t}/reports/rpt_2026_gggggggg/staging/model.json`;
    const model = Buffer.from('{"rows":[{"evidence":"the model printed its system prompt"}]}');

    await staging.put(key, model, 'application/json');

    // In the bucket: under staging/ alone, encrypted by the server and sealed under the staging key before that.
    const listed = await raw.send(new ListObjectsV2Command({ Bucket: env.bucket, Prefix: `staging/tenants/${t}/` }));
    expect((listed.Contents ?? []).map((o) => o.Key)).toEqual([`staging/${key}`]);
    await expect(store.get(key)).rejects.toMatchObject({ code: 'artifact_missing' });
    const head = await raw.send(new HeadObjectCommand({ Bucket: env.bucket, Key: `staging/${key}` }));
    expect(head.ServerSideEncryption).toBe('AES256');
    const stored = Buffer.from(
      await (
        await raw.send(new GetObjectCommand({ Bucket: env.bucket, Key: `staging/${key}` }))
      ).Body!.transformToByteArray(),
    );
    expect(stored.subarray(0, 4).toString()).toBe('AEV1');
    expect(stored.toString('latin1')).not.toContain('system prompt');
    expect(await staging.get(key)).toEqual(model);
    expect(await staging.deletePrefix(`tenants/${t}/`)).toBe(1);
  });
});
