import { AppError } from '../../src/domain/errors';
import { cachedPublishedKeys, type PublicKeySet } from '../../src/infra/signing/published-keys';

const OLD = { kty: 'EC', kid: 'old-key' };
const NEW = { kty: 'EC', kid: 'new-key' };

/** A stand-in for the published-keys collection that counts its reads. */
function fakeSource(initial: PublicKeySet | null) {
  const source = {
    current: initial as PublicKeySet | null,
    failing: false,
    reads: 0,
    async read(): Promise<PublicKeySet | null> {
      source.reads++;
      await Promise.resolve();
      if (source.failing) throw new Error('connection reset');
      return source.current && { keys: [...source.current.keys] };
    },
  };
  return source;
}

function setup(initial: PublicKeySet | null) {
  const source = fakeSource(initial);
  let now = Date.parse('2026-12-01T00:00:00Z');
  const warnings: string[] = [];
  const jwks = cachedPublishedKeys(source, {
    refreshMs: 30_000,
    clock: { now: () => new Date(now) },
    logger: { warn: (message: string) => warnings.push(message) },
  });
  return { source, jwks, warnings, advance: (ms: number) => (now += ms) };
}

describe('the JWKS the API serves', () => {
  it('when it is asked for many times within the refresh interval, then the published set is read once', async () => {
    const { source, jwks, advance } = setup({ keys: [OLD] });

    const answers = await Promise.all([jwks(), jwks(), jwks()]);
    advance(29_999);
    answers.push(await jwks());

    expect(answers).toEqual(Array(4).fill({ keys: [OLD] }));
    expect(source.reads).toBe(1);
  });

  it('when the worker publishes a rotated set, then it is served after the refresh interval, old key still there', async () => {
    const { source, jwks, advance } = setup({ keys: [OLD] });
    await jwks();

    source.current = { keys: [NEW, OLD] };
    expect(await jwks()).toEqual({ keys: [OLD] });
    advance(30_000);

    expect(await jwks()).toEqual({ keys: [NEW, OLD] });
    expect(source.reads).toBe(2);
  });

  it('when nothing is published yet, then 503 unavailable, and the first published set is served on the next call', async () => {
    const { source, jwks } = setup(null);

    const refused = await jwks().catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ code: 'unavailable' });

    source.current = { keys: [NEW] };
    expect(await jwks()).toEqual({ keys: [NEW] });
  });

  it('when a refresh fails, then the last set read is served and the failure logged', async () => {
    const { source, jwks, warnings, advance } = setup({ keys: [OLD] });
    await jwks();
    source.failing = true;
    advance(30_000);

    expect(await jwks()).toEqual({ keys: [OLD] });
    expect(warnings).toEqual(['reading the published signing keys failed; serving the last ones read']);
  });

  it('when the very first read fails, then the error is the answer', async () => {
    const { source, jwks } = setup({ keys: [OLD] });
    source.failing = true;

    await expect(jwks()).rejects.toThrow('connection reset');
  });
});
