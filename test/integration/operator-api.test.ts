/**
 * The operator API and a tenant's own token management through the API on the real stack: a tenant onboarded, a
 * token minted, used and revoked; a tenant suspended and resumed; the `tokens:manage` subset rule; operator and
 * tenant tokens kept apart; and every change in the tenant's audit log.
 */
import { MongoAuditLog } from '../../src/infra/mongo/audit-repo';
import { createTenant, mintToken } from '../../src/infra/mongo/tenant-admin';
import { tenantAdminOf } from '../../src/main/tenant-admin';
import { startHarness, type Harness } from '../support/harness';

jest.setTimeout(120_000);

let h: Harness;
let operator: string;
let operatorId: string;

beforeAll(async () => {
  h = await startHarness({ label: 'operator-api' });
  const minted = await tenantAdminOf(h.db, new MongoAuditLog(h.db), { now: () => new Date() }).mintOperatorToken('ops');
  operator = minted.secret;
  operatorId = minted.record.id;
});

afterAll(async () => {
  await h?.close();
});

const at = expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
const asOperator = (method: string, path: string, body?: unknown) =>
  h.request(method, `/api/v2/admin${path}`, { token: operator, ...(body !== undefined ? { body } : {}) });

async function onboard(name: string): Promise<string> {
  const res = await asOperator('POST', '/tenants', { name });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

async function mint(tenantId: string, body: unknown): Promise<{ id: string; token: string }> {
  const res = await asOperator('POST', `/tenants/${tenantId}/tokens`, body);
  expect(res.status).toBe(201);
  return res.body;
}

describe('operator API', () => {
  it('when a tenant is created, then it is answered, read back by id and listed', async () => {
    const created = await asOperator('POST', '/tenants', { name: 'Onboarded Co', audit_retention_days: 90 });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^tnt_/),
      name: 'Onboarded Co',
      audit_retention_days: 90,
      status: 'active',
      created_at: at,
    });
    expect((await asOperator('GET', `/tenants/${created.body.id}`)).body).toEqual(created.body);
    const listed = await asOperator('GET', '/tenants?limit=100');
    expect(listed.status).toBe(200);
    expect(listed.body.data).toContainEqual(created.body);
    expect(listed.body.next_cursor).toBeNull();
  });

  it('when tenants are paged one at a time, then the cursors walk them all in creation order', async () => {
    const ids = [await onboard('Paged A'), await onboard('Paged B')];
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await asOperator('GET', `/tenants?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.body.data).toHaveLength(1);
      seen.push(res.body.data[0].id);
      cursor = res.body.next_cursor;
    } while (cursor);
    expect(seen.slice(-2)).toEqual(ids);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('when the body is invalid or the tenant unknown, then 400 names the field and 404 not_found', async () => {
    const bad = await asOperator('POST', '/tenants', { name: 'x', audit_retention_days: 'long' });
    expect([bad.status, bad.body.error.code, bad.body.error.message]).toEqual([
      400,
      'invalid_request',
      'audit_retention_days: "long" is not a whole number of days from 1 to 3650',
    ]);
    const tenantId = await onboard('Validated Co');
    const scope = await asOperator('POST', `/tenants/${tenantId}/tokens`, { scopes: ['reports:read', 'root'] });
    expect([scope.status, scope.body.error.code]).toEqual([400, 'invalid_request']);
    expect(scope.body.error.message).toMatch(/^scopes\[1\]: "root" is not a scope/);
    for (const [method, path] of [
      ['GET', '/tenants/tnt_nope'],
      ['POST', '/tenants/tnt_nope/suspend'],
      ['GET', '/tenants/tnt_nope/tokens'],
      ['DELETE', '/tokens/tok_nope'],
    ]) {
      const res = await asOperator(method, path, method === 'POST' ? {} : undefined);
      expect([path, res.status, res.body.error.code]).toEqual([path, 404, 'not_found']);
    }
    const missing = await asOperator('POST', '/tenants/tnt_nope/tokens', { scopes: ['reports:read'] });
    expect([missing.status, missing.body.error.code]).toEqual([404, 'not_found']);
  });

  it('when a token is minted, used and revoked, then it works, is listed without its secret and then answers 401', async () => {
    const tenantId = await onboard('Token Co');
    const minted = await asOperator('POST', `/tenants/${tenantId}/tokens`, {
      scopes: ['findings:read', 'audit:read'],
      name: 'ci',
      expires_in_days: 30,
    });
    expect(minted.status).toBe(201);
    expect(minted.body).toEqual({
      id: expect.stringMatching(/^tok_/),
      token: expect.stringMatching(/^aer_/),
      scopes: ['findings:read', 'audit:read'],
      expires_at: at,
    });
    const days = (Date.parse(minted.body.expires_at) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);

    const used = await h.request('GET', '/api/v2/endpoints', { token: minted.body.token });
    expect(used.status).toBe(200);

    // last_used_at is written without holding the request up: wait for it.
    let listed: Awaited<ReturnType<typeof asOperator>>;
    const deadline = Date.now() + 5_000;
    do {
      listed = await asOperator('GET', `/tenants/${tenantId}/tokens`);
    } while (listed.body.data[0]?.last_used_at === null && Date.now() < deadline);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({
      data: [
        {
          id: minted.body.id,
          name: 'ci',
          scopes: ['findings:read', 'audit:read'],
          created_at: at,
          expires_at: minted.body.expires_at,
          last_used_at: at,
          revoked_at: null,
        },
      ],
      next_cursor: null,
    });
    expect(listed.text).not.toContain(minted.body.token);

    const revoked = await asOperator('DELETE', `/tokens/${minted.body.id}`);
    expect([revoked.status, revoked.text]).toEqual([204, '']);
    const after = await h.request('GET', '/api/v2/endpoints', { token: minted.body.token });
    expect([after.status, after.body.error.code]).toEqual([401, 'unauthenticated']);
    expect((await asOperator('GET', `/tenants/${tenantId}/tokens`)).body.data[0].revoked_at).toEqual(at);
    expect((await asOperator('DELETE', `/tokens/${minted.body.id}`)).status).toBe(204);
  });

  it('when operator tokens are listed, then each is shown without its secret; a revoked one shows when and answers 401', async () => {
    const second = await tenantAdminOf(h.db, new MongoAuditLog(h.db), { now: () => new Date() }).mintOperatorToken(
      'night shift',
    );
    const listed = await asOperator('GET', '/operator-tokens?limit=100');
    expect(listed.status).toBe(200);
    expect(listed.body.data).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: operatorId, name: 'ops', scopes: ['admin'] }),
        expect.objectContaining({ id: second.record.id, name: 'night shift', scopes: ['admin'] }),
      ]),
    );
    expect(JSON.stringify(listed.body)).not.toContain(second.secret);
    expect((await asOperator('DELETE', `/tokens/${second.record.id}`)).status).toBe(204);
    const after = await asOperator('GET', '/operator-tokens?limit=100');
    expect(after.body.data.find((t: { id: string }) => t.id === second.record.id)).toEqual(
      expect.objectContaining({ revoked_at: at }),
    );
    expect((await h.request('GET', '/api/v2/admin/tenants', { token: second.secret })).status).toBe(401);
  });

  it('when a tenant is suspended, then its tokens answer 403 tenant_suspended until it is resumed', async () => {
    const tenantId = await onboard('Suspended Co');
    const { token } = await mint(tenantId, { scopes: ['findings:read', 'reports:read'] });
    const suspended = await asOperator('POST', `/tenants/${tenantId}/suspend`);
    expect([suspended.status, suspended.body.status]).toEqual([200, 'suspended']);
    for (const path of ['/api/v2/endpoints', '/api/v2/reports', '/api/v2/reports/rpt_2026_x']) {
      const res = await h.request('GET', path, { token });
      expect([path, res.status, res.body.error]).toEqual([
        path,
        403,
        { code: 'tenant_suspended', message: "this token's tenant is suspended; contact the service operator" },
      ]);
    }
    expect((await asOperator('GET', `/tenants/${tenantId}`)).body.status).toBe('suspended');
    const resumed = await asOperator('POST', `/tenants/${tenantId}/resume`);
    expect([resumed.status, resumed.body.status]).toEqual([200, 'active']);
    expect((await h.request('GET', '/api/v2/endpoints', { token })).status).toBe(200);
  });

  it('when a tenant token calls /admin, then 403 missing_scope; when the operator token calls tenant routes, then 403', async () => {
    const tenantId = await onboard('Separated Co');
    const { token } = await mint(tenantId, {
      scopes: ['reports:read', 'findings:read', 'tenant:settings', 'audit:read', 'tokens:manage'],
    });
    for (const [method, path] of [
      ['GET', '/api/v2/admin/tenants'],
      ['GET', `/api/v2/admin/tenants/${tenantId}`],
      ['GET', `/api/v2/admin/tenants/${tenantId}/tokens`],
      ['POST', `/api/v2/admin/tenants/${tenantId}/suspend`],
      ['DELETE', `/api/v2/admin/tenants/${tenantId}`],
      ['GET', `/api/v2/admin/tenants/${tenantId}/deletion-receipt`],
      ['GET', `/api/v2/admin/tenants/${tenantId}/events`],
    ]) {
      const res = await h.request(method, path, { token });
      expect([method, path, res.status, res.body.error.code]).toEqual([method, path, 403, 'missing_scope']);
    }
    expect((await asOperator('GET', `/tenants/${tenantId}`)).body.status).toBe('active');
    for (const path of [
      '/api/v2/reports',
      '/api/v2/findings',
      '/api/v2/endpoints',
      '/api/v2/tenant/settings',
      '/api/v2/audit-events',
      '/api/v2/tokens',
      '/api/v2/reports/rpt_2026_x',
    ]) {
      const res = await h.request('GET', path, { token: operator });
      expect([path, res.status, res.body.error.code]).toEqual([path, 403, 'missing_scope']);
    }
    const noAuth = await h.request('GET', '/api/v2/admin/tenants');
    expect([noAuth.status, noAuth.body.error.code]).toEqual([401, 'unauthenticated']);
  });
});

describe('tenant-managed tokens (tokens:manage)', () => {
  it('when a tokens:manage token mints a subset of its scopes, then the token works and is listed; a wider scope is 400 naming it', async () => {
    const tenantId = await onboard('Self-serve Co');
    const manager = await mint(tenantId, { scopes: ['findings:read', 'audit:read', 'tokens:manage'] });
    const asManager = (method: string, path: string, body?: unknown) =>
      h.request(method, `/api/v2${path}`, { token: manager.token, ...(body !== undefined ? { body } : {}) });

    const child = await asManager('POST', '/tokens', { scopes: ['findings:read'], name: 'reader' });
    expect(child.status).toBe(201);
    expect(child.body).toEqual({
      id: expect.stringMatching(/^tok_/),
      token: expect.stringMatching(/^aer_/),
      scopes: ['findings:read'],
      expires_at: null,
    });
    expect((await h.request('GET', '/api/v2/endpoints', { token: child.body.token })).status).toBe(200);

    const wider = await asManager('POST', '/tokens', { scopes: ['findings:read', 'reports:generate'] });
    expect([wider.status, wider.body.error.code]).toEqual([400, 'invalid_request']);
    expect(wider.body.error.message).toMatch(/^scopes\[1\]: "reports:generate" is not a scope of the calling token/);

    const listed = await asManager('GET', '/tokens');
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((t: { id: string }) => t.id)).toEqual([manager.id, child.body.id]);
    expect(listed.text).not.toContain(child.body.token);

    const gone = await asManager('DELETE', `/tokens/${child.body.id}`);
    expect(gone.status).toBe(204);
    expect((await h.request('GET', '/api/v2/endpoints', { token: child.body.token })).status).toBe(401);
  });

  it("when a tenant revokes another tenant's token or lacks tokens:manage, then 404 and 403 missing_scope", async () => {
    const mine = await onboard('Mine Co');
    const theirs = await onboard('Theirs Co');
    const manager = await mint(mine, { scopes: ['tokens:manage'] });
    const other = await mint(theirs, { scopes: ['findings:read'] });
    const res = await h.request('DELETE', `/api/v2/tokens/${other.id}`, { token: manager.token });
    expect([res.status, res.body.error.code]).toEqual([404, 'not_found']);
    expect((await h.request('GET', '/api/v2/endpoints', { token: other.token })).status).toBe(200);
    const plain = await mint(mine, { scopes: ['findings:read'] });
    const refused = await h.request('GET', '/api/v2/tokens', { token: plain.token });
    expect([refused.status, refused.body.error.code]).toEqual([403, 'missing_scope']);
  });
});

describe('audit', () => {
  it('when tokens are minted and revoked and the tenant suspended and resumed, then the tenant reads each event with its actor', async () => {
    const tenantId = await onboard('Audited Ops Co');
    const reader = await mint(tenantId, { scopes: ['audit:read', 'tokens:manage'], expires_in_days: 1 });
    const child = await h.request('POST', '/api/v2/tokens', { token: reader.token, body: { scopes: ['audit:read'] } });
    expect(child.status).toBe(201);
    expect((await h.request('DELETE', `/api/v2/tokens/${child.body.id}`, { token: reader.token })).status).toBe(204);
    await asOperator('POST', `/tenants/${tenantId}/suspend`);
    await asOperator('POST', `/tenants/${tenantId}/resume`);

    const res = await h.request('GET', '/api/v2/audit-events', { token: reader.token });
    expect(res.status).toBe(200);
    const events = res.body.data.map((e: Record<string, unknown>) => [e.action, e.actor, e.details]);
    expect(events).toEqual([
      ['tenant.resumed', operatorId, {}],
      ['tenant.suspended', operatorId, {}],
      ['token.revoked', reader.id, { token_id: child.body.id }],
      ['token.minted', reader.id, { token_id: child.body.id, scopes: 'audit:read' }],
      [
        'token.minted',
        operatorId,
        { token_id: reader.id, scopes: 'audit:read,tokens:manage', expires_at: expect.any(String) },
      ],
    ]);
  });

  it('when a tenant and token are made by the seeding helpers, then the operator lists them', async () => {
    const tenantId = await createTenant(h.db, { name: 'Legacy Co', auditRetentionDays: 30 });
    const token = await mintToken(h.db, { tenantId, scopes: ['audit:read'] });
    const tokens = await asOperator('GET', `/tenants/${tenantId}/tokens`);
    expect(tokens.body.data.map((t: { id: string }) => t.id)).toEqual([token.id]);
  });
});
