import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson, sha256Hex } from '../../../src/domain/evidence/canonical-json';

const VECTORS = join(__dirname, '../../fixtures/jcs');

/** RFC 8785 Appendix B: IEEE-754 doubles (as hex) and their canonical text. Checked independently with the
 * Python `jcs` package 0.3 (`jcs.canonicalize(struct.unpack('>d', bytes.fromhex(h))[0])`). */
const NUMBERS: [string, string][] = [
  ['0000000000000000', '0'],
  ['8000000000000000', '0'],
  ['0000000000000001', '5e-324'],
  ['8000000000000001', '-5e-324'],
  ['7fefffffffffffff', '1.7976931348623157e+308'],
  ['ffefffffffffffff', '-1.7976931348623157e+308'],
  ['4340000000000000', '9007199254740992'],
  ['c340000000000000', '-9007199254740992'],
  ['4430000000000000', '295147905179352830000'],
  ['44b52d02c7e14af5', '9.999999999999997e+22'],
  ['44b52d02c7e14af6', '1e+23'],
  ['44b52d02c7e14af7', '1.0000000000000001e+23'],
  ['444b1ae4d6e2ef4e', '999999999999999700000'],
  ['444b1ae4d6e2ef4f', '999999999999999900000'],
  ['444b1ae4d6e2ef50', '1e+21'],
  ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
  ['3eb0c6f7a0b5ed8d', '0.000001'],
  ['41b3de4355555553', '333333333.3333332'],
  ['41b3de4355555554', '333333333.33333325'],
  ['41b3de4355555555', '333333333.3333333'],
  ['41b3de4355555556', '333333333.3333334'],
  ['41b3de4355555557', '333333333.33333343'],
  ['becbf647612f3696', '-0.0000033333333333333333'],
  ['43143ff3c1cb0959', '1424953923781206.2'],
];

function double(hex: string): number {
  return Buffer.from(hex, 'hex').readDoubleBE(0);
}

describe('canonicalJson', () => {
  it.each(['arrays', 'french', 'structures', 'unicode', 'values', 'weird'])(
    'when given the reference test vector "%s", then it writes the reference output byte for byte',
    (name) => {
      const input: unknown = JSON.parse(readFileSync(join(VECTORS, 'input', `${name}.json`), 'utf8'));
      const expected = readFileSync(join(VECTORS, 'output', `${name}.json`));
      expect(Buffer.from(canonicalJson(input), 'utf8').equals(expected)).toBe(true);
      expect(canonicalJson(input)).toBe(expected.toString('utf8'));
    },
  );

  it.each(NUMBERS)(
    'when the number is the double 0x%s, then it is written as RFC 8785 Appendix B says: %s',
    (hex, text) => {
      expect(canonicalJson(double(hex))).toBe(text);
    },
  );

  it('when keys are outside the BMP, then they sort by UTF-16 code units, not by code points', () => {
    // U+1F602 is stored as D83D DE02, which sorts before U+FB33 although its code point is higher.
    expect(canonicalJson({ '\ufb33': 1, '\u{1f602}': 2, '\u00f6': 3, a: 4, B: 5 })).toBe(
      '{"B":5,"a":4,"\u00f6":3,"\u{1f602}":2,"\ufb33":1}',
    );
  });

  it('when values nest, then every level is sorted and array order is kept', () => {
    const value = { z: [3, { b: [true, null], a: 'x' }, [[], {}]], a: { d: 1.5, c: -0 } };
    expect(canonicalJson(value)).toBe('{"a":{"c":0,"d":1.5},"z":[3,{"a":"x","b":[true,null]},[[],{}]]}');
  });

  it('when strings hold control characters, quotes and non-ASCII, then they are escaped as JSON.stringify does', () => {
    expect(canonicalJson('a"b\\c\n\u0001\u001f\u007f€')).toBe('"a\\"b\\\\c\\n\\u0001\\u001f\u007f€"');
  });

  it.each([
    [{ a: [1, Number.NaN] }, '$.a[1]: NaN has no JSON form; RFC 8785 allows finite numbers only'],
    [{ a: Number.POSITIVE_INFINITY }, '$.a: Infinity has no JSON form; RFC 8785 allows finite numbers only'],
    [{ a: undefined }, '$.a: a undefined has no JSON form'],
    [[() => 1], '$[0]: a function has no JSON form'],
    [{ n: 10n }, '$.n: a bigint has no JSON form'],
    [{ s: Symbol('s') }, '$.s: a symbol has no JSON form'],
    [{ when: new Date(0) }, '$.when: a Date object has no canonical JSON form'],
  ])('when the value holds something JSON cannot carry (%p), then it refuses it naming the path', (value, message) => {
    expect(() => canonicalJson(value)).toThrow(new Error(message));
  });

  it('when a value contains itself, then it refuses the cycle', () => {
    const looped: Record<string, unknown> = { a: 1 };
    looped.self = { again: looped };
    expect(() => canonicalJson(looped)).toThrow('$.self.again: refers back to an enclosing value');
  });

  it('when the same object appears twice without a cycle, then it is written twice', () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
  });

  it('when an object has no prototype, then it is still a plain object', () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { b: 1, a: 2 });
    expect(canonicalJson(bare)).toBe('{"a":2,"b":1}');
  });
});

describe('sha256Hex', () => {
  it('when hashing text, then it digests its UTF-8 bytes (FIPS 180-2 "abc" vector, and a non-ASCII text)', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    // python3 -c "import hashlib; print(hashlib.sha256('€'.encode()).hexdigest())"
    expect(sha256Hex('€')).toBe('c4cc90ed3d26f12d4b08a75140970a7904035c31cbb4515a83f19b9003c00d1d');
  });
});
