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

/** Every path of `list` with the methods the sources register for it, HEAD wherever GET is, in the order the
 * `Allow` header lists them. */
function methodsByPath(list: [string, string][]): [string, string][] {
  const order = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
  const byPath = new Map<string, Set<string>>();
  for (const [method, route] of list) {
    const methods = byPath.get(route) ?? new Set<string>();
    methods.add(method);
    if (method === 'GET') methods.add('HEAD');
    byPath.set(route, methods);
  }
  return [...byPath].map(([route, methods]) => [route, order.filter((m) => methods.has(m)).join(', ')]);
}

/** A path with its first parameter written as a percent-encoding that does not decode, and the parameter's name. */
function undecodable(route: string): [string, string] {
  const name = /:([A-Za-z]+)/.exec(route)![1]!;
  return [concrete(route.replace(`:${name}`, '%ff%fe')), name];
}

describe.each([
  ['an operator token', 'admin', () => operator] as const,
  ['a tenant token with every tenant scope', 'tenant', () => tenantToken] as const,
])('%s on its own routes', (_who, kind, token) => {
  const list = kind === 'admin' ? admin : tenant;

  it.each(methodsByPath(list))(
    'when %s is sent a method it does not take, then 405 method_not_allowed with Allow: %s',
    async (route, allow) => {
      const method = ['DELETE', 'PATCH', 'PUT', 'POST'].find((m) => !allow.split(', ').includes(m))!;
      const res = await h.request(method, concrete(route), { token: token() });
      expect([method, route, res.status, res.body?.error?.code, res.headers.get('allow')]).toEqual([
        method,
        route,
        405,
        'method_not_allowed',
        allow,
      ]);
    },
  );

  it.each(list.filter(([, route]) => route.includes(':')))(
    'when %s %s has a parameter that does not decode, then 400 invalid_request names it',
    async (method, route) => {
      const [path, name] = undecodable(route);
      const body = method === 'GET' || method === 'DELETE' ? {} : { body: {} };
      const res = await h.request(method, path, { token: token(), ...body });
      expect([method, route, res.status, res.body?.error?.code, res.body?.error?.field]).toEqual([
        method,
        route,
        400,
        'invalid_request',
        name,
      ]);
    },
  );
});
