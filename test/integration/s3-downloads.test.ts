/**
 * The pipeline on the S3 store against the test stack's S3 server: the artifact lands in the bucket with
 * server-side encryption, a signed download URL redirects to a short presigned GET for that one object, and
 * retention's purge empties the report's prefix in the bucket.
 */
import { createHash } from 'node:crypto';
import { reportPrefix } from '../../src/domain/storage-keys';
import { createEndpoint, createTenant, insertFindings, mintToken } from '../../src/infra/mongo/tenant-admin';
import { buildFinding } from '../fixtures/findings';
import { documentedRequest } from '../fixtures/requests';
import { startHarness, waitForReport, type Harness } from '../support/harness';

jest.setTimeout(120_000);

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ workers: true, label: 's3dl', store: 's3' });
});

afterAll(async () => {
  await h?.close();
});

it('when a JSON report is made on the S3 store, then the signed URL redirects to a presigned GET of its bytes, and the purge empties its prefix', async () => {
  const tenantId = await createTenant(h.db, { name: 'Bucket Co', auditRetentionDays: 6 / 86_400 });
  const endpoint = await createEndpoint(h.db, { tenantId, name: 'Bot', description: 'chat' });
  await insertFindings(h.db, [buildFinding({ tenantId, endpointId: endpoint })]);
  const { secret: token } = await mintToken(h.db, { tenantId, scopes: ['reports:generate', 'reports:read'] });
  const created = await h.request('POST', '/api/v2/reports', { token, body: documentedRequest([endpoint], 'json') });
  const ready = await waitForReport(h, created.body.id, token);
  expect(ready.body.status).toBe('ready');

  const link = await h.request('GET', `/api/v2/reports/${created.body.id}/download`, { token });
  const signed = await fetch(link.headers.get('location')!, { redirect: 'manual' });
  expect(signed.status).toBe(302);
  const presigned = new URL(signed.headers.get('location')!);
  expect(presigned.searchParams.get('X-Amz-Expires')).toBe('60');
  expect(presigned.pathname).toContain(`/tenants/${tenantId}/reports/${created.body.id}/artifact/`);
  const object = await fetch(presigned);
  expect(object.status).toBe(200);
  expect(object.headers.get('content-disposition')).toBe(`attachment; filename="${created.body.id}.json"`);
  const bytes = Buffer.from(await object.arrayBuffer());
  expect(createHash('sha256').update(bytes).digest('hex')).toBe(ready.body.artifact.sha256);

  const deadline = Date.now() + 60_000;
  let report = ready;
  while (report.body.status === 'ready' && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    report = await h.request('GET', `/api/v2/reports/${created.body.id}`, { token });
  }
  expect(report.body.status).toBe('expired');
  expect(await h.store.deletePrefix(reportPrefix(tenantId, created.body.id))).toBe(0);
  expect((await fetch(presigned)).status).toBe(404);
});
