import { AppError } from '../../../src/domain/errors';
import { readLines } from '../../../src/infra/import/line-reader';

async function* chunked(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function lines(text: string | Buffer, chunk = 7, max = 1024): Promise<[number, string][]> {
  const out: [number, string][] = [];
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  for await (const l of readLines(chunked(bytes, chunk), max)) out.push([l.lineNo, l.text]);
  return out;
}

async function failure(text: string | Buffer, chunk = 7, max = 1024): Promise<AppError> {
  try {
    await lines(text, chunk, max);
  } catch (err) {
    return err as AppError;
  }
  throw new Error('expected the read to fail');
}

describe('readLines', () => {
  it.each([1, 2, 3, 7, 64, 4096])(
    'when read in chunks of %i bytes, then the lines come out whole and numbered',
    async (size) => {
      const text = 'first {"a": "ünïcødé ✓"}\r\n\nthird line\nlast without newline';
      expect(await lines(text, size)).toEqual([
        [1, 'first {"a": "ünïcødé ✓"}'],
        [2, ''],
        [3, 'third line'],
        [4, 'last without newline'],
      ]);
    },
  );

  it('when the file starts with a UTF-8 byte order mark, then the first line comes without it', async () => {
    expect(await lines('\ufeff{"x":1}\n{"y":2}\n')).toEqual([
      [1, '{"x":1}'],
      [2, '{"y":2}'],
    ]);
  });

  it('when a line is longer than the limit, then the read stops naming that line', async () => {
    const err = await failure(`short\n${'x'.repeat(2_000)}\nnever read\n`, 100, 1_024);
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe('import_invalid');
    expect(err.details).toMatchObject({ line: 2 });
  });

  it('when a line is not valid UTF-8, then the read stops naming that line', async () => {
    const bytes = Buffer.concat([Buffer.from('ok\n'), Buffer.from([0xc3, 0x28, 0x0a])]);
    const err = await failure(bytes);
    expect([err.code, err.message]).toEqual(['import_invalid', 'line 2: is not valid UTF-8 text']);
  });

  it('when the file ends with a newline, then no empty last line is invented', async () => {
    expect(await lines('a\nb\n')).toEqual([
      [1, 'a'],
      [2, 'b'],
    ]);
  });
});

describe('readLines passing lines over', () => {
  it.each([1, 2, 3, 5, 64])(
    'when the caller passes over a line (chunks of %i bytes), then it is not yielded but still counted, and never decoded',
    async (size) => {
      const bytes = Buffer.concat([
        Buffer.from('{"keep":1}\n{"skip": "'),
        Buffer.from([0xc3, 0x28]),
        Buffer.from('"}\r\n{"keep":2}\n'),
      ]);
      const seen: [number, string][] = [];
      const passOver = (head: string, last: string) => head.startsWith('{"skip"') && last === '}';
      for await (const l of readLines(chunked(bytes, size), 1024, passOver)) seen.push([l.lineNo, l.text]);
      expect(seen).toEqual([
        [1, '{"keep":1}'],
        [3, '{"keep":2}'],
      ]);
    },
  );
});
