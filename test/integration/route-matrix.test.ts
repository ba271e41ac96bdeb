/**
 * Operator and tenant tokens kept apart on every route: the routes are read from the routers' sources, so a route
 * added later joins the matrix by itself. A tenant token holding every tenant scope gets `403 missing_scope` on
 * each operator route, and an operator token gets `403 missing_scope` on each tenant route, before any work.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { MongoAuditLog } from '../../src/infra/mongo/audit-repo';
import { mintToken } from '../../src/infra/mongo/tenant-admin';
import { SCOPES } from '../../src/infra/mongo/tokens-repo';
import { tenantAdminOf } from '../../src/main/tenant-admin';
import { loadScenario } from '../fixtures/scenario';
import { startHarness, type Harness } from '../support/harness';

jest.setTimeout(120_000);

/** Routers whose routes take no bearer token: the public keys and schemas, the API's own description, signed links,
 * and the ops listener. */
const WITHOUT_TOKEN = new Set(['public-router.ts', 'docs-router.ts', 'artifacts-router.ts', 'ops-router.ts']);

/** Every `router.<method>('<path>'` of the API's routers, as `[METHOD, /api/v2 path]`. */
function routes(): { admin: [string, string][]; tenant: [string, string][] } {
  const dir = path.resolve(__dirname, '../../src/http');
  const found: [string, string][] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('-router.ts') && !WITHOUT_TOKEN.has(f))) {
    const source = readFileSync(path.join(dir, file), 'utf8');
    for (const m of source.matchAll(/router\.(get|post|put|patch|delete)\(\s*'([^']+)'/g)) {
      found.push([m[1]!.toUpperCase(), `/api/v2${m[2]!}`]);
    }
  }
  return {
    admin: found.filter(([, p]) => p.startsWith('/api/v2/admin/')),
    tenant: found.filter(([, p]) => !p.startsWith('/api/v2/admin/')),
  };
}

/** A path with its parameters filled in with well-formed ids that name nothing. */
const concrete = (p: string): string =>
  p
    .replace(':reportId', 'rpt_2026_0000000000000000')
    .replace(/\/reports\/:id/, '/reports/rpt_2026_0000000000000000')
    .replace(/\/tenants\/:id/, '/tenants/tnt_2026_000000000000000000')
    .replace(/:[A-Za-z]+/g, 'x_2026_0000000000000000');

let h: Harness;
let operator: string;
let tenantToken: string;

beforeAll(async () => {
  h = await startHarness({ label: 'route-matrix' });
  const s = await loadScenario(h.db);
  operator = (await tenantAdminOf(h.db, new MongoAuditLog(h.db), { now: () => new Date() }).mintOperatorToken('ops'))
    .secret;
  tenantToken = (await mintToken(h.db, { tenantId: s.a.tenantId, scopes: [...SCOPES] })).secret;
});

afterAll(async () => {
  await h?.close();
});

const { admin, tenant } = routes();

it('finds the routes of both kinds in the routers', () => {
  expect(admin.length).toBeGreaterThanOrEqual(8);
  expect(tenant.length).toBeGreaterThanOrEqual(25);
  expect(admin).toContainEqual(['GET', '/api/v2/admin/operator-tokens']);
  expect(tenant).toContainEqual(['POST', '/api/v2/reports']);
});

describe.each([
  ['a tenant token with every tenant scope', 'admin', () => tenantToken] as const,
  ['an operator token', 'tenant', () => operator] as const,
])('%s', (_who, kind, token) => {
  it.each(kind === 'admin' ? admin : tenant)(`when it calls %s %s, then 403 missing_scope`, async (method, route) => {
    const body = method === 'GET' || method === 'DELETE' ? {} : { body: {} };
    const res = await h.request(method, concrete(route), { token: token(), ...body });
    expect([method, route, res.status, res.body?.error?.code]).toEqual([method, route, 403, 'missing_scope']);
  });
});
