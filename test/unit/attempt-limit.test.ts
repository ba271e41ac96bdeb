import type { IncomingMessage } from 'node:http';
import { resolvePrincipal, type TokenAuthenticator } from '../../src/http/auth';
import { TokenBuckets } from '../../src/http/rate-limit';
import { rememberTokens } from '../../src/http/token-cache';
import type { Principal } from '../../src/infra/mongo/tokens-repo';

const LIVE = 'live-secret-0123456789abcdef';
const principal: Principal = { tokenId: 'tok_1', tenantId: 'tnt_1', scopes: ['reports:read'] };

function countingStore(): TokenAuthenticator & { lookups: number } {
  const store = {
    lookups: 0,
    async authenticate(token: string): Promise<Principal | undefined> {
      store.lookups++;
      return token === LIVE ? principal : undefined;
    },
  };
  return store;
}

/** A fresh request each time: resolvePrincipal remembers its answer per request. */
const request = (token: string | undefined, address = '203.0.113.7'): IncomingMessage =>
  ({
    headers: token ? { authorization: `Bearer ${token}` } : {},
    socket: { remoteAddress: address },
  }) as unknown as IncomingMessage;

const random = (i: number) => `random-token-${i}-0123456789`;

describe('the per-address limit on requests without a live token', () => {
  it('when one address presents made-up tokens past the burst, then it gets 429 rate_limited before any lookup', async () => {
    const store = countingStore();
    const attempts = new TokenBuckets(60, 5);
    for (let i = 0; i < 5; i++)
      await expect(resolvePrincipal(request(random(i)), store, attempts)).resolves.toBeUndefined();
    await expect(resolvePrincipal(request(random(5)), store, attempts)).rejects.toMatchObject({
      code: 'rate_limited',
      details: { retry_after_seconds: 1 },
    });
    expect(store.lookups).toBe(5);
  });

  it('when requests carry no token, then they count too, and another address is not affected', async () => {
    const store = countingStore();
    const attempts = new TokenBuckets(60, 2);
    await resolvePrincipal(request(undefined), store, attempts);
    await resolvePrincipal(request(undefined), store, attempts);
    await expect(resolvePrincipal(request(undefined), store, attempts)).rejects.toMatchObject({ code: 'rate_limited' });
    await expect(resolvePrincipal(request(random(0), '198.51.100.1'), store, attempts)).resolves.toBeUndefined();
    expect(store.lookups).toBe(1);
  });

  it("when a live token is used many times, then its requests do not use up its address's attempts", async () => {
    const store = countingStore();
    const attempts = new TokenBuckets(60, 2);
    for (let i = 0; i < 10; i++)
      await expect(resolvePrincipal(request(LIVE), store, attempts)).resolves.toEqual(principal);
    await expect(resolvePrincipal(request(random(0)), store, attempts)).resolves.toBeUndefined();
    await expect(resolvePrincipal(request(random(1)), store, attempts)).resolves.toBeUndefined();
    await expect(resolvePrincipal(request(random(2)), store, attempts)).rejects.toMatchObject({ code: 'rate_limited' });
  });

  it('when the address has used up its attempts, then a token remembered as live still gets through', async () => {
    const store = countingStore();
    const tokens = rememberTokens(store, 60_000, 5_000);
    const attempts = new TokenBuckets(60, 1);
    await expect(resolvePrincipal(request(LIVE), tokens, attempts)).resolves.toEqual(principal);
    await resolvePrincipal(request(random(0)), tokens, attempts);
    await expect(resolvePrincipal(request(random(1)), tokens, attempts)).rejects.toMatchObject({
      code: 'rate_limited',
    });
    await expect(resolvePrincipal(request(LIVE), tokens, attempts)).resolves.toEqual(principal);
    expect(store.lookups).toBe(2);
  });

  it('when one request is resolved twice (poll fast path, then router), then it takes one attempt', async () => {
    const store = countingStore();
    const attempts = new TokenBuckets(60, 1);
    const req = request(random(0));
    await resolvePrincipal(req, store, attempts);
    await resolvePrincipal(req, store, attempts);
    expect(store.lookups).toBe(1);
    await expect(resolvePrincipal(request(random(1)), store, attempts)).rejects.toMatchObject({ code: 'rate_limited' });
  });
});
