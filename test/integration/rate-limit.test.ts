/** The per-token rate limit through the API: 429 rate_limited with Retry-After, per token. */
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
