import type { TokenAuthenticator } from '../../src/http/auth';
import { rememberTokens } from '../../src/http/token-cache';
import type { Principal } from '../../src/infra/mongo/tokens-repo';

/** A token store that counts its lookups; `live` says which tokens resolve and to what. */
function countingStore(live: Map<string, Principal>): TokenAuthenticator & { lookups: number } {
  const store = {
    lookups: 0,
    async authenticate(token: string, now: Date): Promise<Principal | undefined> {
      store.lookups++;
      const p = live.get(token);
      return p && !(p.expiresAt && p.expiresAt <= now) ? p : undefined;
    },
  };
  return store;
}

const TOKEN = 'tok-secret-0123456789abcdef';
const principal: Principal = { tokenId: 'tok_1', tenantId: 'tnt_1', scopes: ['reports:read'] };
const at = (ms: number) => new Date(Date.UTC(2026, 10, 26) + ms);

describe('rememberTokens', () => {
  it('answers a live token from memory within the time to live, then asks the store again', async () => {
    const store = countingStore(new Map([[TOKEN, principal]]));
    const tokens = rememberTokens(store, 5_000);
    expect(await tokens.authenticate(TOKEN, at(0))).toEqual(principal);
    expect(await tokens.authenticate(TOKEN, at(4_999))).toEqual(principal);
    expect(store.lookups).toBe(1);
    expect(await tokens.authenticate(TOKEN, at(5_000))).toEqual(principal);
    expect(store.lookups).toBe(2);
  });

  it('without a negative time to live, never remembers a token that does not resolve', async () => {
    const live = new Map<string, Principal>();
    const store = countingStore(live);
    const tokens = rememberTokens(store, 5_000);
    expect(await tokens.authenticate(TOKEN, at(0))).toBeUndefined();
    live.set(TOKEN, principal);
    expect(await tokens.authenticate(TOKEN, at(1))).toEqual(principal);
    expect(store.lookups).toBe(2);
  });

  it("stops answering at the token's own expiry, even inside the time to live", async () => {
    const expiring = { ...principal, expiresAt: at(1_000) };
    const store = countingStore(new Map([[TOKEN, expiring]]));
    const tokens = rememberTokens(store, 5_000);
    expect(await tokens.authenticate(TOKEN, at(0))).toEqual(expiring);
    expect(await tokens.authenticate(TOKEN, at(1_000))).toBeUndefined();
    expect(store.lookups).toBe(2);
  });

  it('a token revoked in the store stops working once the time to live has passed', async () => {
    const live = new Map([[TOKEN, principal]]);
    const store = countingStore(live);
    const tokens = rememberTokens(store, 2_000);
    await tokens.authenticate(TOKEN, at(0));
    live.delete(TOKEN);
    expect(await tokens.authenticate(TOKEN, at(1_999))).toEqual(principal);
    expect(await tokens.authenticate(TOKEN, at(2_000))).toBeUndefined();
  });

  it('with a time to live of 0, every request asks the store', async () => {
    const store = countingStore(new Map([[TOKEN, principal]]));
    const tokens = rememberTokens(store, 0);
    await tokens.authenticate(TOKEN, at(0));
    await tokens.authenticate(TOKEN, at(0));
    expect(store.lookups).toBe(2);
  });

  it('tells tokens apart', async () => {
    const other = { ...principal, tokenId: 'tok_2', tenantId: 'tnt_2' };
    const store = countingStore(
      new Map([
        [TOKEN, principal],
        [`${TOKEN}x`, other],
      ]),
    );
    const tokens = rememberTokens(store, 5_000);
    expect(await tokens.authenticate(TOKEN, at(0))).toEqual(principal);
    expect(await tokens.authenticate(`${TOKEN}x`, at(0))).toEqual(other);
    expect(await tokens.authenticate(TOKEN, at(1))).toEqual(principal);
  });

  it('when an unknown token is presented again within the negative time to live, then the store is asked once', async () => {
    const store = countingStore(new Map());
    const tokens = rememberTokens(store, 5_000, 5_000);
    for (let ms = 0; ms < 5_000; ms += 500) expect(await tokens.authenticate(TOKEN, at(ms))).toBeUndefined();
    expect(store.lookups).toBe(1);
    expect(await tokens.authenticate(`${TOKEN}x`, at(0))).toBeUndefined();
    expect(store.lookups).toBe(2);
  });

  it('when a token is minted after it missed, then it works once the negative time to live has passed', async () => {
    const live = new Map<string, Principal>();
    const store = countingStore(live);
    const tokens = rememberTokens(store, 5_000, 5_000);
    expect(await tokens.authenticate(TOKEN, at(0))).toBeUndefined();
    live.set(TOKEN, principal);
    expect(await tokens.authenticate(TOKEN, at(4_999))).toBeUndefined();
    expect(await tokens.authenticate(TOKEN, at(5_000))).toEqual(principal);
    expect(store.lookups).toBe(2);
  });

  it('when more unknown tokens arrive than it holds, then the oldest are forgotten first', async () => {
    const store = countingStore(new Map());
    const tokens = rememberTokens(store, 5_000, 5_000);
    for (let i = 0; i <= 10_000; i++) await tokens.authenticate(`${TOKEN}-${i}`, at(0));
    expect(store.lookups).toBe(10_001);
    await tokens.authenticate(`${TOKEN}-10000`, at(1));
    expect(store.lookups).toBe(10_001);
    await tokens.authenticate(`${TOKEN}-0`, at(1));
    expect(store.lookups).toBe(10_002);
  });

  it('tells what it remembers as live without asking, and nothing it has not', async () => {
    const store = countingStore(new Map([[TOKEN, principal]]));
    const tokens = rememberTokens(store, 5_000, 5_000);
    expect(tokens.remembered?.(TOKEN, at(0))).toBeUndefined();
    await tokens.authenticate(TOKEN, at(0));
    expect(tokens.remembered?.(TOKEN, at(1))).toEqual(principal);
    expect(tokens.remembered?.(TOKEN, at(5_000))).toBeUndefined();
    expect(store.lookups).toBe(1);
  });
});
