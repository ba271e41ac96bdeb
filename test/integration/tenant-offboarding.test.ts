/**
 * Offboarding a tenant through the operator API on the real stack (FerretDB, Temporal, the S3-compatible store,
 * Chromium), with no grace period: everything of the tenant is purged from every collection and from the object
 * store while another tenant keeps all of its own; the deletion receipt verifies against the JWKS the API serves;
 * a legal hold refuses the offboarding (409, nothing changed) or, appearing before the purge, blocks it; asking twice
 * answers the one offboarding; a purge cut short and run again finishes and counts what the first attempt removed,
 * and a held report found when the records are purged stops the purge before anything is deleted.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { WorkflowNotFoundError } from '@temporalio/client';
import { compactVerify, createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet } from 'jose';
import type { Db } from 'mongodb';
import {
  createOffboardingActivities,
  type OffboardingActivityDeps,
  type TenantRecords,
} from '../../activities/offboarding-activities';
import { acceptanceWorkflowId, retentionWorkflowId, tenantOffboardingWorkflowId } from '../../workflows/contracts';
import { PURGED_RECORD_KINDS } from '../../src/domain/offboarding';
import { parseReportRequest } from '../../src/domain/report-request';
import { SCOPES } from '../../src/domain/tokens';
import { hashToken } from '../../src/infra/mongo/tokens-repo';
import { MongoAuditLog } from '../../src/infra/mongo/audit-repo';
import { createEndpoint, createTenant, insertFindings, mintToken } from '../../src/infra/mongo/tenant-admin';
import { loadOrCreateJwsKeys } from '../../src/infra/signing/jwks';
import { offboardingActivityDepsOf } from '../../src/main/tenant-offboarding';
import { tenantAdminOf } from '../../src/main/tenant-admin';
import { buildFinding } from '../fixtures/findings';
import { pngImage } from '../fixtures/images';
import { queuedRecord } from '../fixtures/reports';
import { stagingKey } from '../../src/domain/storage-keys';
import { startHarness, waitForReport, type ApiResponse, type Harness } from '../support/harness';
import { s3Env, stackEnv } from '../support/stack';

jest.setTimeout(240_000);

/* eslint-disable @typescript-eslint/no-explicit-any -- answers are read as the untyped JSON a client gets */
type Json = any;

const FIXTURES = path.resolve(__dirname, '../fixtures/scanners');
const at = expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

let h: Harness;
let operator: string;
let operatorId: string;
let s3: S3Client;

beforeAll(async () => {
  h = await startHarness({ workers: true, store: 's3', label: 'offboarding' });
  const minted = await tenantAdminOf(h.db, new MongoAuditLog(h.db), { now: () => new Date() }).mintOperatorToken('ops');
  operator = minted.secret;
  operatorId = minted.record.id;
  const env = s3Env();
  s3 = new S3Client({
    endpoint: env.endpoint,
    region: env.region,
    credentials: { accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey },
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
});

afterAll(async () => {
  s3?.destroy();
  await h?.close();
});

const asOperator = (method: string, urlPath: string, opts: { headers?: Record<string, string> } = {}) =>
  h.request(method, `/api/v2/admin${urlPath}`, { token: operator, ...opts });

/** A tenant onboarded through the operator API with a token of every scope. */
async function onboard(name: string): Promise<{ id: string; token: string; tokenId: string }> {
  const created = await h.request('POST', '/api/v2/admin/tenants', { token: operator, body: { name } });
  expect(created.status).toBe(201);
  const minted = await h.request('POST', `/api/v2/admin/tenants/${created.body.id}/tokens`, {
    token: operator,
    body: { scopes: [...SCOPES] },
  });
  expect(minted.status).toBe(201);
  return { id: created.body.id, token: minted.body.token, tokenId: minted.body.id };
}

const reportRequest = (endpointId: string, format: 'json' | 'pdf') => ({
  title: `Offboarding evidence ${format}`,
  frameworks: ['OWASP_LLM', 'NIST_AI_600_1'],
  scope: { endpoint_ids: [endpointId], from: '2025-01-01', to: '2026-12-31' },
  format,
});

/** A ready report of the tenant; answers it as the API shows it. */
async function readyReport(
  t: { token: string },
  endpointId: string,
  format: 'json' | 'pdf',
  key?: string,
): Promise<Json> {
  const created = await h.request('POST', '/api/v2/reports', {
    token: t.token,
    body: reportRequest(endpointId, format),
    ...(key ? { headers: { 'idempotency-key': key } } : {}),
  });
  expect(created.status).toBe(202);
  const ready = await waitForReport(h, created.body.id, t.token, 120_000);
  expect(ready.body.status).toBe('ready');
  return ready.body;
}

/** A tenant with what a tenant accumulates: an endpoint, findings sent and imported (with the import's run), an
 * applicability profile, branding with a logo, ready reports (PDF and JSON, one created with an Idempotency-Key), a download, a legal hold
 * placed and released. */
async function populated(name: string, formats: ('json' | 'pdf')[]) {
  const t = await onboard(name);
  const as = (method: string, urlPath: string, body?: unknown, headers?: Record<string, string>) =>
    h.request(method, `/api/v2${urlPath}`, { token: t.token, ...(body !== undefined ? { body } : {}), headers });
  const endpoint = await as('POST', '/endpoints', { name: 'Claims assistant' });
  expect(endpoint.status).toBe(201);
  const endpointId = endpoint.body.id as string;
  const raw = await fs.readFile(path.join(FIXTURES, 'garak-0.10-report.jsonl'), 'utf8');
  const imported = await h.request('POST', `/api/v2/findings/imports?endpoint_id=${endpointId}&wait=60`, {
    token: t.token,
    raw,
    headers: { 'content-type': 'application/octet-stream' },
  });
  expect(imported.status).toBe(201);
  await insertFindings(h.db, [buildFinding({ tenantId: t.id, endpointId, detectedAt: '2026-05-10T12:00:00.000Z' })]);
  expect(
    (await as('PUT', '/tenant/applicability', { eu_ai_act: { role: 'provider', default_risk_class: 'minimal' } }))
      .status,
  ).toBe(200);
  const logo = { content_type: 'image/png', data_base64: pngImage(20, 10).toString('base64') };
  expect((await as('PUT', '/tenant/branding', { organisation_name: name, logo })).status).toBe(200);
  const reports: Json[] = [];
  for (const [i, format] of formats.entries()) {
    reports.push(await readyReport(t, endpointId, format, i === 0 ? `first-report-of-${t.id}` : undefined));
  }
  const first = reports[0].id as string;
  expect((await as('GET', `/reports/${first}/download`)).status).toBe(302);
  expect((await as('PUT', `/reports/${first}/legal-hold`, { reason: 'Matter 7' })).status).toBe(200);
  expect((await as('DELETE', `/reports/${first}/legal-hold`)).status).toBe(200);
  // A risk accepted for sixty days: its timer runs until then.
  const weaknesses = await as('GET', `/weaknesses?endpoint_id=${endpointId}`);
  const acceptedKey = weaknesses.body.data[0].key as string;
  const accepted = await as('PATCH', `/weaknesses/${acceptedKey}`, {
    state: 'risk_accepted',
    approver: 'Dana K',
    approver_role: 'CISO',
    justification: 'Reviewed by a person until the fix ships',
    expires_on: new Date(Date.now() + 60 * 86_400_000).toISOString().slice(0, 10),
  });
  expect(accepted.status).toBe(200);
  return { ...t, endpointId, reports, acceptedKey };
}

/** Every document of the test database that names the tenant, by collection: its id anywhere in the document. A
 * tenant's data always names it (a field, or its id in the document's own id), so this finds whatever a purge
 * would miss, without knowing the collections. */
async function footprint(db: Db, tenantId: string): Promise<Record<string, string[]>> {
  const found: Record<string, string[]> = {};
  for (const { name } of await db.listCollections().toArray()) {
    const ids: string[] = [];
    for await (const d of db.collection(name).find({})) {
      if (JSON.stringify(d).includes(tenantId)) ids.push(String(d._id));
    }
    if (ids.length > 0) found[name] = ids.sort();
  }
  return found;
}

/** A staging object of the tenant's, as a report cut short leaves it. */
const strayStaged = (tenantId: string): string => stagingKey(tenantId, 'rpt_2026_strayrenderinput00', 'model.json');

/** The keys the object store holds under the tenant's prefix. */
async function objectsOf(tenantId: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: s3Env().bucket, Prefix: `tenants/${tenantId}/`, ContinuationToken: token }),
    );
    keys.push(...(page.Contents ?? []).flatMap((o) => (o.Key ? [o.Key] : [])));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys.sort();
}

async function workflowStatus(workflowId: string): Promise<string> {
  return (await h.temporal.workflow.getHandle(workflowId).describe()).status.name;
}

/** Waits for the tenant's offboarding run to close and answers its result. */
function offboardingResult(tenantId: string): Promise<Json> {
  return h.temporal.workflow.getHandle(tenantOffboardingWorkflowId(tenantId)).result();
}

/** Verifies a compact JWS against the key set the API serves, as an auditor would; answers the payload. */
async function verifiedAgainstServedJwks(jws: string): Promise<Buffer> {
  const served = await h.request('GET', '/.well-known/jwks.json');
  expect(served.status).toBe(200);
  const { payload, protectedHeader } = await compactVerify(jws, createLocalJWKSet(served.body as JSONWebKeySet), {
    algorithms: ['ES256'],
  });
  expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: 'JOSE', cty: 'json' });
  return Buffer.from(payload);
}

describe('DELETE /admin/tenants/:id with no grace period', () => {
  let a: Awaited<ReturnType<typeof populated>>;
  let b: Awaited<ReturnType<typeof populated>>;
  let answered: ApiResponse;
  let bBefore: Record<string, string[]>;
  let bObjects: string[];

  beforeAll(async () => {
    a = await populated('Leaving Co', ['pdf', 'json']);
    b = await populated('Staying Co', ['json']);
    expect(await objectsOf(a.id)).not.toEqual([]);
    expect(await workflowStatus(retentionWorkflowId(a.reports[0].id))).toBe('RUNNING');
    bBefore = await footprint(h.db, b.id);
    bObjects = await objectsOf(b.id);
    expect(bObjects).not.toEqual([]);
    // A staged model whose report never reached its end, left where the render worker reads.
    await h.staging.put(strayStaged(a.id), Buffer.from('{}'), 'application/json');
    await h.staging.put(strayStaged(b.id), Buffer.from('{}'), 'application/json');
    answered = await asOperator('DELETE', `/tenants/${a.id}`);
  });

  it('when an operator offboards a tenant, then 202 answers its offboarding and the workflow purges it', async () => {
    expect(answered.status).toBe(202);
    expect(answered.body).toEqual({
      tenant_id: a.id,
      status: 'offboarding',
      started_at: at,
      started_by: operatorId,
      purge_after: answered.body.started_at,
      workflow_id: `tenant-offboarding-${a.id}`,
      purged_at: null,
      blocked_at: null,
      held_report_ids: null,
    });
    // Refused from the moment of the request (offboarding), then unknown (revoked, then purged).
    expect([401, 403]).toContain((await h.request('GET', '/api/v2/reports', { token: a.token })).status);
    // Asked again at once, while it runs (or just after): the same offboarding.
    const again = await asOperator('DELETE', `/tenants/${a.id}`);
    expect([202, 200]).toContain(again.status);
    expect(again.body).toMatchObject({
      tenant_id: a.id,
      started_at: answered.body.started_at,
      workflow_id: answered.body.workflow_id,
    });

    const result = await offboardingResult(a.id);
    expect(result).toEqual({
      status: 'offboarded',
      purgedAt: at,
      receiptSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const tenant = await asOperator('GET', `/tenants/${a.id}`);
    expect(tenant.status).toBe(200);
    expect(tenant.body).toMatchObject({
      id: a.id,
      name: 'Leaving Co',
      status: 'offboarded',
      offboarding: { started_at: answered.body.started_at, purged_at: result.purgedAt, blocked_at: null },
    });
    const refused = await h.request('GET', '/api/v2/reports', { token: a.token });
    expect([refused.status, refused.body.error.code]).toEqual([401, 'unauthenticated']);
  });

  it('when the purge is done, then no document and no object of the tenant is left but its record, its receipt and the operator log', async () => {
    await offboardingResult(a.id);
    const left = await footprint(h.db, a.id);
    expect(Object.keys(left).sort()).toEqual(['deletion_receipts', 'directory_logs', 'operator_logs', 'tenants']);
    expect(left.tenants).toEqual([a.id]);
    expect(left.deletion_receipts).toEqual([a.id]);
    // The list of every tenant, which keeps naming the tenant as its record stays.
    expect(left.directory_logs.every((id) => id.startsWith('tenants'))).toBe(true);
    const record = await h.db.collection('tenants').findOne({ _id: a.id as never });
    expect(record).not.toHaveProperty('applicability');
    expect(record).not.toHaveProperty('branding');
    expect(await objectsOf(a.id)).toEqual([]);
    await expect(h.staging.get(strayStaged(a.id))).rejects.toMatchObject({ code: 'artifact_missing' });
    expect((await h.staging.get(strayStaged(b.id))).toString()).toBe('{}');
    // A token's hash key names no tenant, so the footprint cannot see it: the key of each tenant's token is looked up.
    const hashes = h.db.collection<{ _id: string }>('api_token_hashes');
    expect(await hashes.findOne({ _id: hashToken(a.token) })).toBeNull();
    expect(await hashes.findOne({ _id: hashToken(b.token) })).not.toBeNull();
    // The report's retention timer was stopped rather than left to fire on purged data.
    expect(await workflowStatus(retentionWorkflowId(a.reports[0].id))).toBe('TERMINATED');
    // So was the timer of its accepted risk; the other tenant's runs on.
    expect(await workflowStatus(acceptanceWorkflowId(a.id, a.acceptedKey))).toBe('TERMINATED');
    expect(await workflowStatus(acceptanceWorkflowId(b.id, b.acceptedKey))).toBe('RUNNING');
  });

  it('when one tenant is purged, then the other keeps every document and object it had, and its token works', async () => {
    await offboardingResult(a.id);
    expect(await footprint(h.db, b.id)).toEqual(bBefore);
    expect(await objectsOf(b.id)).toEqual(bObjects);
    const report = await h.request('GET', `/api/v2/reports/${b.reports[0].id}`, { token: b.token });
    expect([report.status, report.body.status]).toEqual([200, 'ready']);
    const download = await h.request('GET', `/api/v2/reports/${b.reports[0].id}/download`, { token: b.token });
    expect(download.status).toBe(302);
    const fetched = await fetch(download.headers.get('location')!);
    expect(fetched.status).toBe(200);
    expect(
      createHash('sha256')
        .update(Buffer.from(await fetched.arrayBuffer()))
        .digest('hex'),
    ).toBe(b.reports[0].artifact.sha256);
  });

  it('when the receipt is fetched, then it verifies against the served JWKS and lists what was purged', async () => {
    const result = await offboardingResult(a.id);
    const res = await asOperator('GET', `/tenants/${a.id}/deletion-receipt`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.body).toEqual({
      receipt: expect.any(Object),
      jws: expect.any(String),
      kid: expect.any(String),
      sha256: result.receiptSha256,
    });
    const payload = await verifiedAgainstServedJwks(res.body.jws);
    expect(createHash('sha256').update(payload).digest('hex')).toBe(result.receiptSha256);
    expect(decodeProtectedHeader(res.body.jws).kid).toBe(res.body.kid);
    const receipt = JSON.parse(payload.toString('utf8'));
    expect(receipt).toEqual(res.body.receipt);

    const artifacts = a.reports
      .map((r: Json) => ({
        report_id: r.id,
        file: r.artifact.file_name,
        sha256: r.artifact.sha256,
        size: r.artifact.size,
        content_type: r.artifact.content_type,
        purged_before: null,
      }))
      .sort((x: Json, y: Json) => (x.report_id < y.report_id ? -1 : 1));
    expect(receipt).toMatchObject({
      type: 'tenant_deletion_receipt',
      version: 1,
      tenant: { id: a.id, name: 'Leaving Co', created_at: at },
      workflow_id: `tenant-offboarding-${a.id}`,
      requested_by: operatorId,
      grace: { started_at: answered.body.started_at, ended_at: answered.body.purge_after },
      purge: { started_at: at, finished_at: result.purgedAt },
      artifacts,
      jwks_url: `${h.baseUrl}/.well-known/jwks.json`,
    });
    expect(Date.parse(receipt.purge.started_at)).toBeGreaterThanOrEqual(Date.parse(receipt.grace.ended_at));
    expect(Date.parse(receipt.purge.finished_at)).toBeGreaterThanOrEqual(Date.parse(receipt.purge.started_at));
    const { counts } = receipt;
    expect(Object.keys(counts).sort()).toEqual(['artifacts', 'objects', ...PURGED_RECORD_KINDS].sort());
    expect(counts).toMatchObject({
      reports: 2,
      report_keys: 2,
      artifacts: 2,
      endpoints: 1,
      tokens: 1,
      token_hashes: 1,
      // The applicability profile and the branding.
      tenant_settings: 2,
      imports: 1,
    });
    // The imported findings and the one sent; each report staged its model and render beside its artifact.
    expect(counts.findings).toBeGreaterThan(1);
    expect(counts.objects).toBeGreaterThanOrEqual(4);
    expect(counts.test_runs).toBe(1);
    expect(counts.idempotency_keys).toBe(1);
    expect(counts.audit_events).toBeGreaterThanOrEqual(8);
    expect(counts.audit_log_entries).toBeGreaterThanOrEqual(counts.audit_events);

    const jose = await asOperator('GET', `/tenants/${a.id}/deletion-receipt`, {
      headers: { accept: 'application/jose' },
    });
    expect([jose.status, jose.headers.get('content-type'), jose.text]).toEqual([
      200,
      expect.stringMatching(/^application\/jose/),
      res.body.jws,
    ]);
  });

  it('when the operator reads the tenant events, then the offboarding and the purge are listed with their actors', async () => {
    const result = await offboardingResult(a.id);
    const res = await asOperator('GET', `/tenants/${a.id}/events`);
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([
      {
        id: `tenant.purged:${a.id}`,
        action: 'tenant.purged',
        at: result.purgedAt,
        actor: 'offboarding',
        details: expect.objectContaining({ receipt_sha256: result.receiptSha256, reports: 2, artifacts: 2 }),
      },
      {
        id: expect.stringMatching(/^tenant\.offboarding_started:/),
        action: 'tenant.offboarding_started',
        at: answered.body.started_at,
        actor: operatorId,
        details: { purge_after: answered.body.purge_after, workflow_id: `tenant-offboarding-${a.id}` },
      },
    ]);
  });

  it('when the offboarding is asked for again, then the same offboarding is answered and no other run starts', async () => {
    await offboardingResult(a.id);
    const handle = h.temporal.workflow.getHandle(tenantOffboardingWorkflowId(a.id));
    const run = await handle.describe();
    const again = await asOperator('DELETE', `/tenants/${a.id}`);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ...answered.body, status: 'offboarded', purged_at: at });
    // The latest run of the id is still the one that purged: no other was started.
    const latest = await handle.describe();
    expect([latest.runId, latest.status.name]).toEqual([run.runId, 'COMPLETED']);
    const events = (await asOperator('GET', `/tenants/${a.id}/events`)).body.data;
    expect(events.filter((e: Json) => e.action === 'tenant.offboarding_started')).toHaveLength(1);
    const mint = await h.request('POST', `/api/v2/admin/tenants/${a.id}/tokens`, {
      token: operator,
      body: { scopes: ['reports:read'] },
    });
    expect([mint.status, mint.body.error.code]).toEqual([409, 'tenant_offboarded']);
    const resume = await asOperator('POST', `/tenants/${a.id}/resume`);
    expect([resume.status, resume.body.error.code]).toEqual([409, 'tenant_offboarded']);
  });
});

describe('offboarding and legal holds', () => {
  it('when a report is on legal hold, then 409 legal_hold_active names it and nothing changes', async () => {
    const t = await onboard('Held Co');
    const endpointId = await createEndpoint(h.db, { tenantId: t.id, name: 'Bot', description: 'chat' });
    await insertFindings(h.db, [buildFinding({ tenantId: t.id, endpointId, detectedAt: '2026-05-10T12:00:00.000Z' })]);
    const report = await readyReport(t, endpointId, 'json');
    const held = await h.request('PUT', `/api/v2/reports/${report.id}/legal-hold`, {
      token: t.token,
      body: { reason: 'Matter 9' },
    });
    expect(held.status).toBe(200);
    const before = await footprint(h.db, t.id);
    const objects = await objectsOf(t.id);

    const refused = await asOperator('DELETE', `/tenants/${t.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toEqual({
      code: 'legal_hold_active',
      message: `tenant ${t.id} has reports on legal hold (${report.id}); release every hold before offboarding it`,
      tenant_id: t.id,
      report_ids: [report.id],
    });
    expect(await footprint(h.db, t.id)).toEqual(before);
    expect(await objectsOf(t.id)).toEqual(objects);
    expect((await asOperator('GET', `/tenants/${t.id}`)).body.status).toBe('active');
    expect((await h.request('GET', `/api/v2/reports/${report.id}`, { token: t.token })).status).toBe(200);
    await expect(h.temporal.workflow.getHandle(tenantOffboardingWorkflowId(t.id)).describe()).rejects.toBeInstanceOf(
      WorkflowNotFoundError,
    );
    expect((await asOperator('GET', `/tenants/${t.id}/events`)).body).toEqual({ data: [] });
    const receipt = await asOperator('GET', `/tenants/${t.id}/deletion-receipt`);
    expect([receipt.status, receipt.body.error.code]).toEqual([404, 'receipt_not_found']);
  });

  it('when a hold appears before the purge is due, then the purge is refused, the tenant is offboarding_blocked and kept whole; released, a new request purges it', async () => {
    const t = await onboard('Blocked Co');
    const endpointId = await createEndpoint(h.db, { tenantId: t.id, name: 'Bot', description: 'chat' });
    await insertFindings(h.db, [buildFinding({ tenantId: t.id, endpointId, detectedAt: '2026-05-10T12:00:00.000Z' })]);
    const report = await readyReport(t, endpointId, 'json');
    const objects = await objectsOf(t.id);

    // The workflow as a request starts it, with a grace period of a few seconds, during which a hold is placed
    // (directly: the tenant's own tokens are refused by then).
    const startedAt = new Date();
    const handle = await h.temporal.workflow.start('tenantOffboardingWorkflow', {
      workflowId: tenantOffboardingWorkflowId(t.id),
      taskQueue: h.taskQueue,
      args: [
        {
          tenantId: t.id,
          requestedBy: operatorId,
          startedAt: startedAt.toISOString(),
          purgeAfter: new Date(startedAt.getTime() + 4_000).toISOString(),
        },
      ],
    });
    await h.reports.setLegalHold(t.id, report.id, { reason: 'Late matter', placedAt: new Date(), placedBy: 'counsel' });
    expect(await handle.result()).toEqual({ status: 'offboarding_blocked', heldReportIds: [report.id] });

    const tenant = await asOperator('GET', `/tenants/${t.id}`);
    expect(tenant.body).toMatchObject({
      status: 'offboarding_blocked',
      offboarding: { blocked_at: at, held_report_ids: [report.id], purged_at: null },
    });
    expect(await objectsOf(t.id)).toEqual(objects);
    expect((await h.reports.get(t.id, report.id))?.status).toBe('ready');
    const events = (await asOperator('GET', `/tenants/${t.id}/events`)).body.data;
    expect(events[0]).toMatchObject({
      action: 'tenant.offboarding_blocked',
      actor: 'offboarding',
      details: { reports_held: 1, report_ids: report.id },
    });
    expect((await asOperator('GET', `/tenants/${t.id}/deletion-receipt`)).status).toBe(404);
    const stillHeld = await asOperator('DELETE', `/tenants/${t.id}`);
    expect([stillHeld.status, stillHeld.body.error.code]).toEqual([409, 'legal_hold_active']);

    await h.reports.setLegalHold(t.id, report.id, undefined);
    const again = await asOperator('DELETE', `/tenants/${t.id}`);
    expect([again.status, again.body.status, again.body.blocked_at]).toEqual([202, 'offboarding', null]);
    expect(await offboardingResult(t.id)).toMatchObject({ status: 'offboarded' });
    expect(await objectsOf(t.id)).toEqual([]);
    expect((await asOperator('GET', `/tenants/${t.id}/deletion-receipt`)).body.receipt.counts.reports).toBe(1);
  });
});

describe('the offboarding routes refuse', () => {
  it('when a tenant token calls them, then 403 missing_scope; when the tenant is unknown, then 404 not_found', async () => {
    const t = await onboard('Curious Co');
    for (const [method, urlPath] of [
      ['DELETE', `/api/v2/admin/tenants/${t.id}`],
      ['GET', `/api/v2/admin/tenants/${t.id}/deletion-receipt`],
      ['GET', `/api/v2/admin/tenants/${t.id}/events`],
    ]) {
      const res = await h.request(method, urlPath, { token: t.token });
      expect([method, urlPath, res.status, res.body.error.code]).toEqual([method, urlPath, 403, 'missing_scope']);
    }
    expect((await asOperator('GET', `/tenants/${t.id}`)).body.status).toBe('active');
    for (const [method, urlPath] of [
      ['DELETE', '/tenants/tnt_2026_nope000000000000'],
      ['GET', '/tenants/tnt_2026_nope000000000000/deletion-receipt'],
      ['GET', '/tenants/tnt_2026_nope000000000000/events'],
    ]) {
      const res = await asOperator(method, urlPath);
      expect([urlPath, res.status, res.body.error]).toEqual([
        urlPath,
        404,
        {
          code: 'not_found',
          message: 'tenant tnt_2026_nope000000000000 does not exist',
          tenant_id: 'tnt_2026_nope000000000000',
        },
      ]);
    }
  });
});

describe('the purge steps run on their own', () => {
  it('when the record purge fails midway and runs again, then it finishes and counts what the first attempt removed', async () => {
    const tenantId = await createTenant(h.db, { name: 'Crashing Co', auditRetentionDays: 30 });
    const endpointId = await createEndpoint(h.db, { tenantId, name: 'Bot', description: 'chat' });
    const findings = Array.from({ length: 1_200 }, (_, i) =>
      buildFinding({ tenantId, endpointId, detectedAt: `2026-0${1 + (i % 3)}-10T12:00:00.000Z` }),
    );
    await insertFindings(h.db, findings);
    await mintToken(h.db, { tenantId, scopes: ['reports:read'] });
    const { keys } = await loadOrCreateJwsKeys(path.join(stackEnv().dataDir, 'keys'));
    const deps: OffboardingActivityDeps = offboardingActivityDepsOf(h.db, {
      store: h.store,
      staging: h.staging,
      temporal: h.temporal,
      jwsKeys: keys,
      audit: h.audit,
      clock: { now: () => new Date() },
      jwksUrl: `${h.baseUrl}/.well-known/jwks.json`,
    });
    // The crash: the third batch never returns (its process died after the deletion, or before).
    let batches = 0;
    const crashing: TenantRecords = {
      ...deps.records,
      heldReports: (t, l) => deps.records.heldReports(t, l),
      reportsAfter: (t, a, l) => deps.records.reportsAfter(t, a, l),
      importsAfter: (t, a, l) => deps.records.importsAfter(t, a, l),
      count: (t, k) => deps.records.count(t, k),
      async deleteSome(t, kind, limit) {
        const n = await deps.records.deleteSome(t, kind, limit);
        if (n > 0 && ++batches === 3) throw new Error('worker lost');
        return n;
      },
    };
    await expect(
      createOffboardingActivities({ ...deps, records: crashing }).purgeRecords({ tenantId }),
    ).rejects.toThrow('worker lost');
    expect(await h.db.collection('finding_keys').countDocuments({ t: tenantId })).toBeLessThan(1_200);

    const activities = createOffboardingActivities(deps);
    const counts = await activities.purgeRecords({ tenantId });
    expect(counts).toMatchObject({ findings: 1_200, endpoints: 1, tokens: 1, token_hashes: 1 });
    expect(await activities.purgeRecords({ tenantId })).toEqual(counts);
    const ref = {
      tenantId,
      requestedBy: 'cli',
      startedAt: new Date().toISOString(),
      purgeAfter: new Date().toISOString(),
      workflowId: tenantOffboardingWorkflowId(tenantId),
    };
    const issued = await activities.issueDeletionReceipt({ ...ref, purgeStartedAt: new Date().toISOString() });
    expect(await activities.issueDeletionReceipt({ ...ref, purgeStartedAt: new Date().toISOString() })).toEqual(issued);
    const receipt = JSON.parse((await verifiedAgainstServedJwks((await deps.receipts.get(tenantId))!.jws)).toString());
    expect(receipt.counts).toMatchObject({ findings: 1_200, endpoints: 1, tokens: 1 });
    expect(Object.keys(await footprint(h.db, tenantId)).sort()).toEqual([
      'deletion_receipts',
      'directory_logs',
      'operator_logs',
      'tenants',
    ]);
  });

  it('when a report is found on legal hold at the record purge, then it refuses and deletes nothing', async () => {
    const tenantId = await createTenant(h.db, { name: 'Late Hold Co', auditRetentionDays: 30 });
    const endpointId = await createEndpoint(h.db, { tenantId, name: 'Bot', description: 'chat' });
    const report = queuedRecord(tenantId, parseReportRequest(reportRequest(endpointId, 'json')), new Date());
    await h.reports.insert(report);
    await h.reports.setLegalHold(tenantId, report.id, {
      reason: 'Matter 12',
      placedAt: new Date(),
      placedBy: 'counsel',
    });
    const before = await footprint(h.db, tenantId);
    const { keys } = await loadOrCreateJwsKeys(path.join(stackEnv().dataDir, 'keys'));
    const activities = createOffboardingActivities(
      offboardingActivityDepsOf(h.db, {
        store: h.store,
        staging: h.staging,
        temporal: h.temporal,
        jwsKeys: keys,
        audit: h.audit,
        clock: { now: () => new Date() },
        jwksUrl: `${h.baseUrl}/.well-known/jwks.json`,
      }),
    );
    await expect(activities.purgeRecords({ tenantId })).rejects.toMatchObject({
      type: 'legal_hold_active',
      nonRetryable: true,
    });
    expect(await activities.purgeReportObjects({ tenantId })).toEqual({ held: [report.id] });
    expect(await footprint(h.db, tenantId)).toEqual(before);
  });
});
