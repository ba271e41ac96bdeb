import { randomBytes } from 'node:crypto';
import { AppError } from '../../src/domain/errors';
import { masterKeyFrom, openEnvelope, sealEnvelope } from '../../src/infra/storage/envelope';

const master = masterKeyFrom(Buffer.alloc(32, 7));
const keyA = 'tenants/tnt_2026_aaaaaaaa/reports/rpt_2026_aaaaaaaa/artifact/rpt_2026_aaaaaaaa.pdf';
const keyB = 'tenants/tnt_2026_bbbbbbbb/reports/rpt_2026_bbbbbbbb/artifact/rpt_2026_bbbbbbbb.pdf';
const MARKER = 'CONFIDENTIAL-FINDING-prompt-injection-7f3a';

/** Offsets of the version-1 header fields, given the 16-character key id. */
const ID_END = 4 + 2 + 16;
const WRAPPED_KEY = ID_END + 12;
const CONTENT_TAG = WRAPPED_KEY + 32 + 16 + 12;
const CIPHERTEXT = CONTENT_TAG + 16;

function expectCorrupt(fn: () => unknown, message: RegExp): void {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(AppError);
  expect(thrown).toMatchObject({ code: 'artifact_corrupt', message: expect.stringMatching(message) });
}

describe('artifact envelope', () => {
  it('when content is sealed and opened under the same object key, then the bytes come back unchanged', () => {
    const plaintext = Buffer.concat([Buffer.from(MARKER), randomBytes(5000)]);
    const sealed = sealEnvelope(master, keyA, plaintext);
    expect(openEnvelope(master, keyA, sealed)).toEqual(plaintext);
    expect(sealed.length).toBe(CIPHERTEXT + plaintext.length);
    expect(openEnvelope(master, keyA, sealEnvelope(master, keyA, Buffer.alloc(0)))).toEqual(Buffer.alloc(0));
  });

  it('when content is sealed, then the sealed bytes contain no trace of a known plaintext marker', () => {
    const plaintext = Buffer.from(`${MARKER} ${MARKER} ${'A'.repeat(4096)}`);
    const sealed = sealEnvelope(master, keyA, plaintext);
    expect(sealed.includes(Buffer.from(MARKER))).toBe(false);
    expect(sealed.includes(Buffer.from('AAAAAAAAAAAAAAAA'))).toBe(false);
    expect(sealed.subarray(0, 6)).toEqual(Buffer.from([0x41, 0x45, 0x56, 0x31, 1, 16]));
    expect(sealed.subarray(6, ID_END).toString('ascii')).toBe(master.id);
  });

  it('when the same content is sealed twice, then data keys and IVs differ, so the ciphertexts do too', () => {
    const plaintext = Buffer.from(MARKER);
    const one = sealEnvelope(master, keyA, plaintext);
    const two = sealEnvelope(master, keyA, plaintext);
    expect(one.subarray(ID_END)).not.toEqual(two.subarray(ID_END));
  });

  it("when an envelope is opened under another tenant's object key, then it fails as artifact_corrupt", () => {
    const sealed = sealEnvelope(master, keyA, Buffer.from(MARKER));
    expectCorrupt(() => openEnvelope(master, keyB, sealed), /fails authentication/);
    expectCorrupt(() => openEnvelope(master, `${keyA}x`, sealed), /fails authentication/);
  });

  it("when another object's wrapped data key is swapped in, then it fails as artifact_corrupt", () => {
    const mine = sealEnvelope(master, keyA, Buffer.from(MARKER));
    const theirs = sealEnvelope(master, keyB, Buffer.from(MARKER));
    const swapped = Buffer.concat([
      mine.subarray(0, ID_END),
      theirs.subarray(ID_END, CONTENT_TAG - 12),
      mine.subarray(CONTENT_TAG - 12),
    ]);
    expect(swapped.length).toBe(mine.length);
    expectCorrupt(() => openEnvelope(master, keyA, swapped), /fails authentication/);
    // Even with the whole header of an object of the same tenant and key, the content does not open.
    const sameKey = sealEnvelope(master, keyA, Buffer.from(MARKER));
    const mixed = Buffer.concat([sameKey.subarray(0, CIPHERTEXT), mine.subarray(CIPHERTEXT)]);
    expectCorrupt(() => openEnvelope(master, keyA, mixed), /fails authentication/);
  });

  it.each([
    ['the magic', 0],
    ['the key id', 10],
    ['the wrap IV', ID_END],
    ['the wrapped key', WRAPPED_KEY + 5],
    ['the wrap tag', WRAPPED_KEY + 32],
    ['the content IV', WRAPPED_KEY + 48],
    ['the content tag', CONTENT_TAG],
    ['the first ciphertext byte', CIPHERTEXT],
    ['the last ciphertext byte', -1],
  ])('when one bit of %s is flipped, then it fails as artifact_corrupt', (_what, offset) => {
    const sealed = sealEnvelope(master, keyA, Buffer.from(MARKER));
    const tampered = Buffer.from(sealed);
    const at = offset < 0 ? tampered.length + offset : offset;
    tampered[at] ^= 0x01;
    expectCorrupt(() => openEnvelope(master, keyA, tampered), /cannot be decrypted/);
    // The untouched original still opens: the failure is the tampering, not the test.
    expect(openEnvelope(master, keyA, sealed).toString()).toBe(MARKER);
  });

  it('when the envelope is truncated, not an envelope, or of an unknown version, then the message says which', () => {
    const sealed = sealEnvelope(master, keyA, Buffer.from(MARKER));
    expectCorrupt(() => openEnvelope(master, keyA, sealed.subarray(0, CIPHERTEXT - 1)), /truncated/);
    expectCorrupt(() => openEnvelope(master, keyA, sealed.subarray(0, CIPHERTEXT)), /fails authentication/);
    expectCorrupt(() => openEnvelope(master, keyA, Buffer.from(`%PDF-1.7 ${MARKER}`)), /not an encrypted artifact/);
    const v2 = Buffer.from(sealed);
    v2[4] = 2;
    expectCorrupt(() => openEnvelope(master, keyA, v2), /version 2 is not supported/);
  });

  it('when the master key differs, then the message names both key ids', () => {
    const other = masterKeyFrom(Buffer.alloc(32, 8));
    const sealed = sealEnvelope(master, keyA, Buffer.from(MARKER));
    expect(other.id).not.toBe(master.id);
    expectCorrupt(() => openEnvelope(other, keyA, sealed), new RegExp(`${master.id}.*${other.id}`));
  });

  it('when a key was rotated, then objects sealed under the previous key still open, and a key of neither does not', () => {
    const next = masterKeyFrom(Buffer.alloc(32, 9));
    const stranger = masterKeyFrom(Buffer.alloc(32, 10));
    const before = sealEnvelope(master, keyA, Buffer.from(MARKER));
    const after = sealEnvelope(next, keyA, Buffer.from(MARKER));

    expect(openEnvelope([next, master], keyA, before).toString()).toBe(MARKER);
    expect(openEnvelope([next, master], keyA, after).toString()).toBe(MARKER);
    expectCorrupt(
      () => openEnvelope([next, master], keyA, sealEnvelope(stranger, keyA, Buffer.from(MARKER))),
      new RegExp(`${stranger.id}, and the configured keys are ${next.id}, ${master.id}`),
    );
  });

  it('when a master key is not 32 bytes, then it is refused; its id is a stable fingerprint, not the key', () => {
    expect(() => masterKeyFrom(Buffer.alloc(16))).toThrow('an artifact master key must be 32 bytes, got 16');
    expect(masterKeyFrom(Buffer.alloc(32, 7)).id).toBe(master.id);
    expect(master.id).toMatch(/^[0-9a-f]{16}$/);
    expect(Buffer.alloc(32, 7).toString('hex')).not.toContain(master.id);
  });
});
