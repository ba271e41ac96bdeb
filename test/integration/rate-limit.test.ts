/** The per-token rate limit through the API: 429 rate_limited with Retry-After, per token. */
import { mintToken } from '../../src/infra/mongo/tenant-admin';
import { parseReportRequest } from '../../src/domain/report-request';
import { queuedRecord } from '../fixtures/reports';
import { documentedRequest } from '../fixtures/requests';
import { loadScenario, type Scenario } from '../fixtures/scenario';
import { startHarness, type Harness } from '../support/harness';

let h: Harness;
let s: Scenario;

beforeAll(async () => {
  h = await startHarness({ label: 'limits', rateLimitPerMinute: 6, rateLimitBurst: 3 });
  s = await loadScenario(h.db);
});

afterAll(async () => {
  await h?.close();
});

it('when a token exceeds its burst, then 429 rate_limited with Retry-After, and another token of the tenant still gets through', async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 4; i += 1)
    statuses.push((await h.request('GET', '/api/v2/reports', { token: s.a.token })).status);
  expect(statuses).toEqual([200, 200, 200, 429]);
  const limited = await h.request('GET', '/api/v2/reports', { token: s.a.token });
  expect(limited.status).toBe(429);
  expect(limited.body.error).toMatchObject({ code: 'rate_limited', retry_after_seconds: 10 });
  expect(limited.headers.get('retry-after')).toBe('10');
  expect((await h.request('GET', '/api/v2/reports', { token: s.a.readOnly })).status).toBe(200);
});

it('when a token polls reports, then each poll draws one request from its bucket, found or not', async () => {
  const { secret: token } = await mintToken(h.db, { tenantId: s.a.tenantId, scopes: ['reports:read'] });
  const mine = queuedRecord(s.a.tenantId, parseReportRequest(documentedRequest([s.a.endpoint])), new Date());
  const theirs = queuedRecord(s.b.tenantId, parseReportRequest(documentedRequest([s.b.endpoint])), new Date());
  await h.reports.insert(mine);
  await h.reports.insert(theirs);
  const statuses: number[] = [];
  for (const id of [mine.id, 'rpt_2026_0000000000000000', theirs.id, mine.id])
    statuses.push((await h.request('GET', `/api/v2/reports/${id}`, { token })).status);
  expect(statuses).toEqual([200, 404, 404, 429]);
});
