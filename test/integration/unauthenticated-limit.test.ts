/** Requests without a live token on the real stack: a flood from one address is refused before it costs a token
 * or report lookup, a repeated wrong token is looked up once, and a live token's traffic does not count. */
import type { TokenAuthenticator } from '../../src/http/auth';
import type { MongoReportsRepo } from '../../src/infra/mongo/reports-repo';
import { loadScenario, type Scenario } from '../fixtures/scenario';
import { startHarness, type Harness } from '../support/harness';

jest.setTimeout(60_000);

const BURST = 5;
let h: Harness;
let s: Scenario;
let tokenLookups = 0;
let reportLookups = 0;

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
      if (name !== 'get' || typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        reportLookups += 1;
        return (value as (...xs: unknown[]) => unknown).apply(target, args);
      };
    },
  });

/** A fresh harness per test: the limit is per address, and every request here comes from 127.0.0.1. */
beforeEach(async () => {
  h = await startHarness({
    label: 'unauth',
    wrapTokens: countedTokens,
    wrapReports: countedReports,
    // One a minute: nothing refills during a test.
    unauthRateLimitPerMinute: 1,
    unauthRateLimitBurst: BURST,
    authNegativeCacheTtlMs: 5_000,
  });
  s = await loadScenario(h.db);
  tokenLookups = 0;
  reportLookups = 0;
});

afterEach(async () => {
  await h?.close();
});

const random = (i: number) => `made-up-token-${i}-${Math.random().toString(36).slice(2)}`;
const POLL = '/api/v2/reports/rpt_2026_0000000000000000';

describe('requests without a live token, per client address', () => {
  it('when one address sends a burst of random tokens, then past the burst it gets 429 before any lookup', async () => {
    const answers = [];
    for (let i = 0; i < 3 * BURST; i++) {
      // Both the poll fast path and the routers.
      answers.push(await h.request('GET', i % 2 ? POLL : '/api/v2/endpoints', { token: random(i) }));
    }
    expect(answers.slice(0, BURST).map((r) => r.status)).toEqual(Array(BURST).fill(401));
    const refused = answers.slice(BURST);
    expect(refused.map((r) => r.status)).toEqual(Array(2 * BURST).fill(429));
    expect(refused[0].body).toEqual({
      error: { code: 'rate_limited', message: expect.stringMatching(/address/), retry_after_seconds: 60 },
    });
    expect(refused[0].headers.get('retry-after')).toBe('60');
    expect(tokenLookups).toBe(BURST);
    expect(reportLookups).toBe(0);
  });

  it('when the same wrong token is presented again, then it is looked up once', async () => {
    for (let i = 0; i < BURST; i++) {
      expect((await h.request('GET', '/api/v2/endpoints', { token: 'the-same-wrong-token-0123' })).status).toBe(401);
    }
    expect(tokenLookups).toBe(1);
  });

  it("when a live token is used past the burst, then its requests do not use up its address's attempts", async () => {
    for (let i = 0; i < 3 * BURST; i++) {
      expect((await h.request('GET', '/api/v2/reports', { token: s.a.token })).status).toBe(200);
    }
    const strangers = [];
    for (let i = 0; i <= BURST; i++) strangers.push((await h.request('GET', '/api/v2/endpoints')).status);
    expect(strangers).toEqual([...Array(BURST).fill(401), 429]);
  });

  it('when signed links that do not verify arrive past the burst, then 429 before the report is looked up', async () => {
    const statuses = [];
    for (let i = 0; i <= BURST; i++) {
      const res = await h.request(
        'GET',
        `/api/v2/artifacts/rpt_2026_0000000000000000/rpt_2026_0000000000000000.pdf?tenant=${s.a.tenantId}&expires=9999999999&signature=forged${i}`,
      );
      statuses.push(res.status);
    }
    expect(statuses).toEqual([...Array(BURST).fill(403), 429]);
    expect(reportLookups).toBe(BURST);
  });
});

describe('the client address behind a proxy', () => {
  const strangerStatuses = async (forwardedFor: string): Promise<number[]> => {
    const statuses = [];
    for (let i = 0; i <= BURST; i++) {
      statuses.push(
        (await h.request('GET', '/api/v2/endpoints', { headers: { 'X-Forwarded-For': forwardedFor } })).status,
      );
    }
    return statuses;
  };

  it('when no proxy is trusted, then X-Forwarded-For is ignored and a changed header does not refill the attempts', async () => {
    expect(await strangerStatuses('203.0.113.1')).toEqual([...Array(BURST).fill(401), 429]);
    expect((await strangerStatuses('203.0.113.2'))[0]).toBe(429);
  });

  it('when the proxy is trusted, then each client it forwards has attempts of its own', async () => {
    await h.close();
    h = await startHarness({
      label: 'unauth-proxy',
      unauthRateLimitPerMinute: 1,
      unauthRateLimitBurst: BURST,
      trustProxy: ['loopback'],
    });
    expect(await strangerStatuses('203.0.113.1')).toEqual([...Array(BURST).fill(401), 429]);
    expect(await strangerStatuses('203.0.113.2')).toEqual([...Array(BURST).fill(401), 429]);
  });
});

describe('a flood of random bearer tokens at the default limits', () => {
  it('when one address sends 2,000 requests with random tokens, then all past the burst get 429 and at most the burst is looked up', async () => {
    await h.close();
    // The defaults a deployment runs with: 60 a minute, a burst of 20.
    h = await startHarness({
      label: 'unauth-flood',
      wrapTokens: countedTokens,
      unauthRateLimitPerMinute: 60,
      unauthRateLimitBurst: 20,
    });
    tokenLookups = 0;
    const started = Date.now();
    const statuses = new Map<number, number>();
    for (let i = 0; i < 2_000; i++) {
      const res = await h.request('GET', i % 2 ? POLL : '/api/v2/reports', { token: random(i) });
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    }
    // A minute refills 60 attempts; the flood takes seconds, so at most a few more than the burst pass.
    const refilled = Math.ceil(((Date.now() - started) / 60_000) * 60);
    expect(statuses.get(401)).toBeGreaterThanOrEqual(20);
    expect(statuses.get(401)).toBeLessThanOrEqual(20 + refilled);
    expect(statuses.get(429)).toBe(2_000 - statuses.get(401)!);
    expect([...statuses.keys()].sort()).toEqual([401, 429]);
    expect(tokenLookups).toBe(statuses.get(401));
  });
});
