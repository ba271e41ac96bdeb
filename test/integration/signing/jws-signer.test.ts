import { createPublicKey, verify } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { toJsonExport } from '../../../src/domain/json-export';
import { loadJwsKeys, loadOrCreateJwsKeys } from '../../../src/infra/signing/jwks';
import { signDetached, verifyDetached } from '../../../src/infra/signing/jws-signer';
import { buildReportModelFixture } from '../../fixtures/report-model';
import { stackEnv, uniqueSuffix } from '../../support/stack';

/** A real artifact: the JSON export of the fixture report, as the pipeline would store it. */
const artifact = Buffer.from(`${JSON.stringify(toJsonExport(buildReportModelFixture()), null, 2)}\n`);

/** Checks a detached JWS with Node's own crypto and nothing from the signing code: the signature is the raw
 * r‖s of ECDSA P-256 over `header.base64url(bytes)`, as any JOSE implementation must compute it. */
function independentlyValid(bytes: Buffer, jws: string, jwk: object): boolean {
  const [header, payload, signature] = jws.split('.');
  if (payload !== '') return false;
  const input = Buffer.from(`${header}.${bytes.toString('base64url')}`);
  const key = createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' });
  return verify('sha256', input, { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
}

describe('detached JWS signatures of artifacts', () => {
  let dir: string;

  beforeEach(async () => {
    dir = path.join(stackEnv().dataDir, `jws-${uniqueSuffix()}`);
    await fs.mkdir(dir, { recursive: true });
  });

  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('when an artifact is signed, then the JWS is header..signature with the kid and verifies with the JWKS', async () => {
    const { keys, created } = await loadOrCreateJwsKeys(dir);
    expect(created).toBe(true);

    const jws = await signDetached(artifact, keys.current);

    expect(jws).toMatch(/^[A-Za-z0-9_-]+\.\.[A-Za-z0-9_-]{86}$/);
    const header = JSON.parse(Buffer.from(jws.split('.')[0], 'base64url').toString('utf8'));
    expect(header).toEqual({ alg: 'ES256', kid: keys.current.kid, typ: 'JOSE' });
    expect(await verifyDetached(artifact, jws, keys.publicJwks())).toEqual({ valid: true, kid: keys.current.kid });
    expect(independentlyValid(artifact, jws, keys.publicJwks().keys[0])).toBe(true);
  });

  it('when one byte of the artifact changes, then the signature no longer verifies', async () => {
    const { keys } = await loadOrCreateJwsKeys(dir);
    const jws = await signDetached(artifact, keys.current);
    const tampered = Buffer.from(artifact);
    tampered[Math.floor(tampered.length / 2)] ^= 0x01;

    expect(await verifyDetached(tampered, jws, keys.publicJwks())).toEqual({
      valid: false,
      kid: keys.current.kid,
      reason: 'the signature does not match the artifact bytes',
    });
    expect(independentlyValid(tampered, jws, keys.publicJwks().keys[0])).toBe(false);
  });

  it('when the JWS was made with a key that is not published, then it is invalid and says no key has that kid', async () => {
    const { keys } = await loadOrCreateJwsKeys(dir);
    const { keys: stranger } = await loadOrCreateJwsKeys(path.join(dir, 'elsewhere'));
    const jws = await signDetached(artifact, stranger.current);

    expect(await verifyDetached(artifact, jws, keys.publicJwks())).toEqual({
      valid: false,
      kid: stranger.current.kid,
      reason: `no published key has kid ${stranger.current.kid}`,
    });
  });

  it('when a different key signs under a published kid, then the signature does not verify', async () => {
    const { keys } = await loadOrCreateJwsKeys(dir);
    const { keys: stranger } = await loadOrCreateJwsKeys(path.join(dir, 'elsewhere'));
    const forged = await signDetached(artifact, { kid: keys.current.kid, privateKey: stranger.current.privateKey });

    expect(await verifyDetached(artifact, forged, keys.publicJwks())).toEqual({
      valid: false,
      kid: keys.current.kid,
      reason: 'the signature does not match the artifact bytes',
    });
  });

  /** A detached JWS with a hand-made protected header and a real signature part. */
  const withHeader = (header: object, jws: string): string =>
    `${Buffer.from(JSON.stringify(header)).toString('base64url')}..${jws.split('.')[2]}`;

  it.each([
    [
      'an attached compact JWS',
      (jws: string) => jws.replace('..', `.${artifact.toString('base64url')}.`),
      'not a detached compact JWS (expected header..signature)',
      undefined,
    ],
    [
      'a JWS without a signature',
      (jws: string) => `${jws.split('.')[0]}..`,
      'not a detached compact JWS (expected header..signature)',
      undefined,
    ],
    [
      'a JWS whose header is not JSON',
      (jws: string) => `bm90IGpzb24..${jws.split('.')[2]}`,
      'the protected header is not valid base64url JSON',
      undefined,
    ],
    [
      'a JWS with alg none',
      (jws: string) => withHeader({ alg: 'none', kid: 'k' }, jws),
      'alg "none" is not accepted; artifacts use ES256',
      'k',
    ],
    [
      'a JWS signed with HMAC',
      (jws: string) => withHeader({ alg: 'HS256', kid: 'k' }, jws),
      'alg "HS256" is not accepted; artifacts use ES256',
      'k',
    ],
    [
      'a JWS that names no key',
      (jws: string) => withHeader({ alg: 'ES256' }, jws),
      'the protected header names no kid',
      undefined,
    ],
    [
      'a JWS whose header asks for an unencoded payload',
      (jws: string) => withHeader({ alg: 'ES256', kid: 'k', b64: false, crit: ['b64'] }, jws),
      'critical header extensions are not accepted',
      'k',
    ],
  ])('when given %s, then it is invalid with a reason and nothing throws', async (_, mangle, reason, kid) => {
    const { keys } = await loadOrCreateJwsKeys(dir);
    const result = await verifyDetached(
      artifact,
      mangle(await signDetached(artifact, keys.current)),
      keys.publicJwks(),
    );

    expect(result).toEqual(kid ? { valid: false, kid, reason } : { valid: false, reason });
  });

  it('when the keys rotate, then old artifacts still verify with the new JWKS and new ones carry the new kid', async () => {
    const { keys } = await loadOrCreateJwsKeys(dir);
    const oldKid = keys.current.kid;
    const oldJws = await signDetached(artifact, keys.current);

    const newKid = await keys.rotate();
    const newJws = await signDetached(artifact, keys.current);

    expect(newKid).not.toBe(oldKid);
    expect(keys.current.kid).toBe(newKid);
    expect(keys.publicJwks().keys.map((k) => k.kid)).toEqual([newKid, oldKid]);
    expect(await verifyDetached(artifact, oldJws, keys.publicJwks())).toEqual({ valid: true, kid: oldKid });
    expect(await verifyDetached(artifact, newJws, keys.publicJwks())).toEqual({ valid: true, kid: newKid });
  });

  it('when the keys are loaded again, then the same kids come back in the same order and nothing is generated', async () => {
    const first = await loadOrCreateJwsKeys(dir);
    await first.keys.rotate();
    await first.keys.rotate();
    const jws = await signDetached(artifact, first.keys.current);

    const again = await loadOrCreateJwsKeys(dir);

    expect(again.created).toBe(false);
    expect(again.keys.current.kid).toBe(first.keys.current.kid);
    expect(again.keys.publicJwks()).toEqual(first.keys.publicJwks());
    expect(await verifyDetached(artifact, jws, again.keys.publicJwks())).toEqual({
      valid: true,
      kid: first.keys.current.kid,
    });
  });

  it('when keys are stored, then each is a 0600 file named by its kid in a 0700 folder and the JWKS holds no private part', async () => {
    const { keys } = await loadOrCreateJwsKeys(dir);
    await keys.rotate();
    const keyDir = path.join(dir, 'jws');

    expect((await fs.stat(keyDir)).mode & 0o777).toBe(0o700);
    const names = (await fs.readdir(keyDir)).sort();
    expect(names).toEqual(
      keys
        .publicJwks()
        .keys.map((k) => `${k.kid}.private.jwk.json`)
        .sort(),
    );
    for (const name of names) expect((await fs.stat(path.join(keyDir, name))).mode & 0o777).toBe(0o600);

    const jwks = keys.publicJwks();
    expect(JSON.stringify(jwks)).not.toMatch(/"d"/);
    for (const jwk of jwks.keys) {
      expect(Object.keys(jwk).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
      expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    }
  });

  it('when two processes start on an empty folder at once, then both keys are kept and every signature verifies', async () => {
    const [a, b] = await Promise.all([loadOrCreateJwsKeys(dir), loadOrCreateJwsKeys(dir)]);
    const reloaded = await loadOrCreateJwsKeys(dir);
    const jwks = reloaded.keys.publicJwks();

    for (const ring of [a.keys, b.keys]) {
      const jws = await signDetached(artifact, ring.current);
      expect(await verifyDetached(artifact, jws, jwks)).toEqual({ valid: true, kid: ring.current.kid });
    }
    expect(jwks.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([a.keys.current.kid, b.keys.current.kid]));
    expect(jwks.keys.length).toBeLessThanOrEqual(2);
    expect((await fs.readdir(path.join(dir, 'jws'))).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('when a key file holds a key other than its name says, then loading fails naming the file', async () => {
    const { keys } = await loadOrCreateJwsKeys(dir);
    const keyDir = path.join(dir, 'jws');
    const bogus = path.join(keyDir, `${'A'.repeat(43)}.private.jwk.json`);
    await fs.copyFile(path.join(keyDir, `${keys.current.kid}.private.jwk.json`), bogus);

    await expect(loadOrCreateJwsKeys(dir)).rejects.toThrow(`JWS key file ${bogus} holds the key with kid`);
  });

  it('when production loads a folder without a key, then it fails naming the folder and generates nothing', async () => {
    const missing = path.join(dir, 'missing');
    await expect(loadJwsKeys(missing, { create: false })).rejects.toThrow(
      `JSON signing key folder ${missing} does not exist`,
    );
    await expect(fs.access(missing)).rejects.toThrow();

    await expect(loadJwsKeys(dir, { create: false })).rejects.toThrow(
      `JSON signing key folder ${dir} holds no key (create one with cli new-jws-key ${dir})`,
    );
    expect(await fs.readdir(dir)).toEqual([]);
  });

  it('when production loads a read-only folder an operator filled, then its keys load and nothing is written', async () => {
    const { keys } = await loadJwsKeys(dir, { create: true });
    await fs.chmod(dir, 0o500);
    try {
      const loaded = await loadJwsKeys(dir, { create: false });

      expect(loaded).toEqual({ keys: expect.anything(), created: false });
      expect(loaded.keys.current.kid).toBe(keys.current.kid);
      expect(await fs.readdir(dir)).toEqual([`${keys.current.kid}.private.jwk.json`]);
    } finally {
      await fs.chmod(dir, 0o700);
    }
  });
});
