import { MongoClient } from 'mongodb';
import { ServiceProcesses, freePort, poll, requireBuild } from '../support/processes';
import { stackEnv, uniqueSuffix } from '../support/stack';

/**
 * Two API processes over one database, as a deployment scales the API: a token revoked, expired or whose tenant is
 * suspended through one answers so on both within AUTH_CACHE_TTL_MS, although each had it cached as live. Needs the
 * test stack (MongoDB, Temporal); no worker.
 */

jest.setTimeout(120_000);

const TTL_MS = 2_000;
/** Slack for a request in flight and a loaded machine. */
const MARGIN_MS = 1_500;
const suffix = uniqueSuffix();
let first: ServiceProcesses;
let second: ServiceProcesses;
let apis: string[];
let operator: string;
let mongo: MongoClient;

async function serverProcesses(): Promise<{ services: ServiceProcesses; base: string }> {
  const stack = stackEnv();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const services = new ServiceProcesses({
    ...process.env,
    MONGO_URL: stack.mongoUrl,
    MONGO_DB: `e2e_revocation_${suffix}`,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    TEMPORAL_TASK_QUEUE: `e2e-revocation-${suffix}`,
    DATA_DIR: `${stack.dataDir}/e2e-revocation-${suffix}`,
    HTTP_PORT: String(port),
    OPS_PORT: String(await freePort()),
    PUBLIC_BASE_URL: base,
    AUTH_CACHE_TTL_MS: String(TTL_MS),
    LOG_LEVEL: 'warn',
  });
  return { services, base };
}

const call = async (base: string, method: string, path: string, token: string, body?: unknown) => {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, any>) : {} }; // eslint-disable-line @typescript-eslint/no-explicit-any
};

/** How long after `since` each API first answers `status` for the token's read of its reports. */
async function untilBoth(token: string, status: number, since: number): Promise<number[]> {
  return Promise.all(
    apis.map((base) =>
      poll(
        `${base} answers ${status}`,
        async () =>
          (await call(base, 'GET', '/api/v2/reports', token)).status === status ? Date.now() - since : undefined,
        { timeoutMs: 20_000, intervalMs: 100 },
      ),
    ),
  );
}

/** A new tenant with a token both APIs have just answered for, so that each holds it in its cache. */
async function tenantWithCachedToken(): Promise<{ tenantId: string; tokenId: string; token: string }> {
  const tenant = await call(apis[0]!, 'POST', '/api/v2/admin/tenants', operator, { name: `Revocation ${suffix}` });
  const minted = await call(apis[0]!, 'POST', `/api/v2/admin/tenants/${tenant.body.id}/tokens`, operator, {
    scopes: ['reports:read'],
  });
  for (const base of apis) expect((await call(base, 'GET', '/api/v2/reports', minted.body.token)).status).toBe(200);
  return { tenantId: tenant.body.id, tokenId: minted.body.id, token: minted.body.token };
}

beforeAll(async () => {
  await requireBuild();
  const a = await serverProcesses();
  const b = await serverProcesses();
  first = a.services;
  second = b.services;
  apis = [a.base, b.base];
  const minted = await first.cli(['operator-token', 'create', '--name', 'ops']);
  expect(minted.code).toBe(0);
  operator = (JSON.parse(minted.stdout) as { token: string }).token;
  await Promise.all([first.startServer(), second.startServer()]);
  mongo = await new MongoClient(stackEnv().mongoUrl).connect();
});

afterAll(async () => {
  await Promise.all([first?.stopAll(), second?.stopAll()]);
  await mongo?.db(`e2e_revocation_${suffix}`).dropDatabase();
  await mongo?.close();
});

it('when a token is revoked through one API, then both answer 401 within the cache TTL', async () => {
  const { tokenId, token } = await tenantWithCachedToken();
  const revokedAt = Date.now();
  expect((await call(apis[1]!, 'DELETE', `/api/v2/admin/tokens/${tokenId}`, operator)).status).toBe(204);
  const after = await untilBoth(token, 401, revokedAt);
  for (const ms of after) expect(ms).toBeLessThanOrEqual(TTL_MS + MARGIN_MS);
});

it('when a tenant is suspended and resumed, then both APIs follow within the cache TTL', async () => {
  const { tenantId, token } = await tenantWithCachedToken();
  const suspendedAt = Date.now();
  expect((await call(apis[0]!, 'POST', `/api/v2/admin/tenants/${tenantId}/suspend`, operator)).status).toBe(200);
  for (const ms of await untilBoth(token, 403, suspendedAt)) expect(ms).toBeLessThanOrEqual(TTL_MS + MARGIN_MS);
  expect((await call(apis[1]!, 'GET', '/api/v2/reports', token)).body.error.code).toBe('tenant_suspended');
  const resumedAt = Date.now();
  expect((await call(apis[1]!, 'POST', `/api/v2/admin/tenants/${tenantId}/resume`, operator)).status).toBe(200);
  for (const ms of await untilBoth(token, 200, resumedAt)) expect(ms).toBeLessThanOrEqual(TTL_MS + MARGIN_MS);
});

it('when a token reaches its expiry, then both answer 401 from then on, however recently they cached it', async () => {
  const { tokenId, token } = await tenantWithCachedToken();
  // A token minted for a day, seen a moment before its end: the stored expiry moved up, as time would move.
  const expiresAt = Date.now() + 1_000;
  await mongo
    .db(`e2e_revocation_${suffix}`)
    .collection<{ _id: string }>('api_tokens')
    .updateOne({ _id: tokenId }, { $set: { expires_at: new Date(expiresAt) } });
  for (const ms of await untilBoth(token, 401, expiresAt)) expect(ms).toBeLessThanOrEqual(TTL_MS + MARGIN_MS);
});
