import { TokenBuckets } from '../../src/http/rate-limit';

describe('TokenBuckets', () => {
  it('when a token spends its burst, then the next request waits for the refill and other tokens are unaffected', () => {
    const buckets = new TokenBuckets(60, 3); // one a second, three at once
    const t0 = 1_000_000;
    expect([1, 2, 3].map(() => buckets.take('a', t0).ok)).toEqual([true, true, true]);
    expect(buckets.take('a', t0)).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(buckets.take('b', t0).ok).toBe(true);
    expect(buckets.take('a', t0 + 999).ok).toBe(false);
    expect(buckets.take('a', t0 + 2_000).ok).toBe(true);
  });

  it('when a token is idle, then its bucket refills only up to the burst', () => {
    const buckets = new TokenBuckets(600, 2);
    const t0 = 5_000_000;
    buckets.take('a', t0);
    const later = t0 + 3_600_000;
    expect([1, 2, 3].map(() => buckets.take('a', later).ok)).toEqual([true, true, false]);
  });

  it('when the rate is slow, then Retry-After rounds the wait up to whole seconds', () => {
    const buckets = new TokenBuckets(2, 1); // one every 30 s
    buckets.take('a', 0);
    expect(buckets.take('a', 10_000)).toEqual({ ok: false, retryAfterSeconds: 20 });
  });

  it('when a request is given back, then the bucket has it again, but never more than the burst', () => {
    const buckets = new TokenBuckets(60, 1);
    expect(buckets.take('a', 0).ok).toBe(true);
    buckets.refund('a');
    buckets.refund('a');
    expect(buckets.take('a', 0).ok).toBe(true);
    expect(buckets.take('a', 0).ok).toBe(false);
  });
});
