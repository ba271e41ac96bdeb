/** What every authenticated answer says to caches, what a refused request leaves in the log, and how much work
 * a request costs whatever it names: one token lookup, and the same for another tenant's report as for none. */
import { createHash } from 'node:crypto';
import type { TokenAuthenticator } from '../../src/http/auth';
import { createLogger } from '../../src/infra/logger';
import { SCOPES, hashToken } from '../../src/infra/mongo/tokens-repo';
import type { MongoReportsRepo } from '../../src/infra/mongo/reports-repo';
import { mintToken } from '../../src/infra/mongo/tenant-admin';
import { parseReportRequest } from '../../src/domain/report-request';
import { artifactFileName } from '../../src/domain/report';
import { queuedRecord } from '../fixtures/reports';
import { loadScenario, scenarioRequest, type Scenario } from '../fixtures/scenario';
import { startHarness, type Harness } from '../support/harness';

jest.setTimeout(60_000);

let h: Harness;
let s: Scenario;
/** Tenant A's token of every scope and tenant B's reader, with their ids. */
let a: { id: string; secret: string };
let b: { id: string; secret: string };
/** Tenant A's report, ready with a stored PDF. */
let reportId: string;
/** Every line the API logged, parsed. */
let logged: Record<string, unknown>[] = [];
/** Tokens looked up and report-repository calls made by the API, as `method(args)`. */
let tokenLookups = 0;
let reportCalls: string[] = [];

const countedTokens = (tokens: TokenAuthenticator): TokenAuthenticator => ({
  authenticate(token, now) {
    tokenLookups += 1;
    return tokens.authenticate(token, now);
  },
});

const countedReports = (reports: MongoReportsRepo): MongoReportsRepo =>
  new Proxy(reports, {
    get(target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        reportCalls.push(`${String(name)}(${args.map((x) => JSON.stringify(x)).join(', ')})`);
        return (value as (...xs: unknown[]) => unknown).apply(target, args);
      };
    },
  });

beforeAll(async () => {
  h = await startHarness({
    label: 'tracing',
    logger: createLogger('info', {}, (line) => logged.push(JSON.parse(line) as Record<string, unknown>)),
    wrapTokens: countedTokens,
    wrapReports: countedReports,
  });
  s = await loadScenario(h.db);
  a = await mintToken(h.db, { tenantId: s.a.tenantId, scopes: [...SCOPES] });
  b = await mintToken(h.db, { tenantId: s.b.tenantId, scopes: ['reports:read'] });
  const pdf = Buffer.from('%PDF-1.7 not really\n');
  const record = queuedRecord(s.a.tenantId, parseReportRequest(scenarioRequest(s)), new Date());
  const key = `tenants/${s.a.tenantId}/reports/${record.id}/artifact/${artifactFileName(record.id, 'pdf')}`;
  await h.store.put(key, pdf, 'application/pdf');
  const sha256 = createHash('sha256').update(pdf).digest('hex');
  await h.reports.insert(record);
  await h.reports.markReady(s.a.tenantId, record.id, {
    artifact: { key, sha256, size: pdf.length, contentType: 'application/pdf' },
    counts: { rows: 1, findings: 1 },
    at: new Date(),
    expiresAt: new Date(Date.now() + 86_400_000),
  });
  reportId = record.id;
});

afterAll(async () => {
  await h.close();
});

/** A request's answer with what it cost the API and what it logged. */
async function traced(method: string, path: string, token?: string) {
  tokenLookups = 0;
  reportCalls = [];
  logged = [];
  const res = await h.request(method, path, { token });
  return { res, tokenLookups, reportCalls, logged };
}

const MISSING = 'rpt_2026_0000000000000000';

describe('authenticated answers are private', () => {
  it.each([
    ['a poll of an own report (the fast path)', 'GET', () => `/api/v2/reports/${reportId}`, () => a.secret, 200],
    ['a poll with a query string (the router)', 'GET', () => `/api/v2/reports/${reportId}?view=x`, () => a.secret, 200],
    ['the report list', 'GET', () => '/api/v2/reports', () => a.secret, 200],
    ['a missing report', 'GET', () => `/api/v2/reports/${MISSING}`, () => a.secret, 404],
    ['another tenant’s report', 'GET', () => `/api/v2/reports/${reportId}`, () => b.secret, 404],
    ['the tenant settings', 'GET', () => '/api/v2/tenant/settings', () => a.secret, 200],
    ['settings without their scope', 'GET', () => '/api/v2/tenant/settings', () => b.secret, 403],
    ['the endpoints', 'GET', () => '/api/v2/endpoints', () => a.secret, 200],
    ['the findings', 'GET', () => '/api/v2/findings', () => a.secret, 200],
    [
      'the runs',
      'GET',
      () => `/api/v2/runs?endpoint_id=${s.a.endpoint}&from=2026-05-01&to=2026-05-02`,
      () => a.secret,
      200,
    ],
    ['an unknown route', 'GET', () => '/api/v2/nothing-here', () => a.secret, 404],
    ['no token', 'GET', () => `/api/v2/reports/${reportId}`, () => undefined, 401],
    ['an unknown token', 'GET', () => '/api/v2/reports', () => 'aer_thisTokenWasNeverMinted0000000000', 401],
  ])('%s answers no-store, varying by Authorization', async (_case, method, path, token, status) => {
    const { res } = await traced(method, path(), token());
    expect([res.status, res.headers.get('cache-control'), res.headers.get('vary')]).toEqual([
      status,
      'no-store',
      'Authorization',
    ]);
  });
});

describe('one token lookup per request', () => {
  it.each([
    ['a poll answered by the fast path', () => `/api/v2/reports/${reportId}`, () => a.secret],
    ['a poll of another tenant’s report', () => `/api/v2/reports/${reportId}`, () => b.secret],
    ['a poll of a missing report', () => `/api/v2/reports/${MISSING}`, () => b.secret],
    ['a poll with an unknown token', () => `/api/v2/reports/${reportId}`, () => 'aer_random0123456789abcdefghij'],
    ['the report list', () => '/api/v2/reports', () => a.secret],
    ['a route behind two routers’ authentication', () => '/api/v2/tenant/nothing', () => a.secret],
  ])('when %s is made, then the token is looked up once', async (_case, path, token) => {
    expect((await traced('GET', path(), token())).tokenLookups).toBe(1);
  });
});

describe('another tenant’s report costs what a missing one does', () => {
  it('when tenant B polls tenant A’s report and a missing id, then the answers and the report lookups are the same', async () => {
    const foreign = await traced('GET', `/api/v2/reports/${reportId}`, b.secret);
    const missing = await traced('GET', `/api/v2/reports/${MISSING}`, b.secret);
    const withoutId = (x: string) => x.replaceAll(reportId, '<id>').replaceAll(MISSING, '<id>');
    expect(withoutId(foreign.res.text)).toBe(withoutId(missing.res.text));
    expect(foreign.res.status).toBe(404);
    expect(foreign.reportCalls.map(withoutId)).toEqual(missing.reportCalls.map(withoutId));
    expect(foreign.reportCalls.map(withoutId)).toEqual([
      `get("${s.b.tenantId}", "<id>")`,
      `get("${s.b.tenantId}", "<id>")`,
    ]);
    expect([foreign.tokenLookups, missing.tokenLookups]).toEqual([1, 1]);
  });
});

describe('refused requests are logged with who sent them', () => {
  const leaks = (line: Record<string, unknown>, secret: string) =>
    JSON.stringify(line).includes(secret) || JSON.stringify(line).includes(hashToken(secret));

  it('when a token asks for another tenant’s report, then the 404 warning names its tenant and token', async () => {
    const { logged: lines } = await traced('GET', `/api/v2/reports/${reportId}`, b.secret);
    expect(lines).toEqual([
      {
        time: expect.any(String),
        level: 'warn',
        message: `report ${reportId} does not exist`,
        method: 'GET',
        path: `/api/v2/reports/${reportId}`,
        status: 404,
        code: 'report_not_found',
        tenant_id: s.b.tenantId,
        token_id: b.id,
      },
    ]);
    expect(leaks(lines[0]!, b.secret)).toBe(false);
  });

  it('when a token lacks a scope, then the 403 warning names its tenant and token', async () => {
    const { logged: lines } = await traced('GET', '/api/v2/tenant/settings', b.secret);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'warn',
        status: 403,
        code: 'missing_scope',
        tenant_id: s.b.tenantId,
        token_id: b.id,
      }),
    ]);
    expect(leaks(lines[0]!, b.secret)).toBe(false);
  });

  it('when the token is unknown, then the 401 warning names no tenant and neither the secret nor its hash', async () => {
    const secret = 'aer_probing0123456789abcdefghijkl';
    const { logged: lines } = await traced('GET', '/api/v2/reports', secret);
    expect(lines).toEqual([
      {
        time: expect.any(String),
        level: 'warn',
        message: 'the bearer token is not valid, expired or revoked',
        method: 'GET',
        path: '/api/v2/reports',
        status: 401,
        code: 'unauthenticated',
      },
    ]);
    expect(leaks(lines[0]!, secret)).toBe(false);
  });
});

describe('signed download links', () => {
  it('when the minted link is followed, then the artifact is served; when it is spelled otherwise, then 403', async () => {
    const minted = h.links.mint(
      { tenantId: s.a.tenantId, reportId, key: (await h.reports.get(s.a.tenantId, reportId))!.artifact!.key },
      artifactFileName(reportId, 'pdf'),
      new Date(),
    ).url;
    const path = minted.slice(h.baseUrl.length);
    const ok = await h.request('GET', path);
    expect([ok.status, ok.headers.get('content-type'), ok.text]).toEqual([
      200,
      'application/pdf',
      '%PDF-1.7 not really\n',
    ]);
    const signature = new URL(minted).searchParams.get('signature')!;
    for (const rewritten of [
      path.replace('/api/v2/artifacts/', '/API/V2/ARTIFACTS/'),
      path.replace('.pdf?', '.pdf/?'),
      path.replace('expires=', 'expires=0'),
      path.replace(`signature=${signature}`, `signature=${signature}=`),
      path.replace(`signature=${signature}`, `signature=!${signature}`),
    ]) {
      const res = await h.request('GET', rewritten);
      expect([rewritten, res.status, res.body?.error?.code]).toEqual([rewritten, 403, 'download_link_invalid']);
    }
  });
});
