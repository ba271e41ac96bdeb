import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppError } from '../../../src/domain/errors';
import { PromptfooReader, parsePromptfooResults } from '../../../src/domain/importers/promptfoo';
import type { ImportedFinding } from '../../../src/domain/importers/types';
import type { ByteSource } from '../../../src/infra/import/byte-source';
import { JsonStreamReader } from '../../../src/infra/import/json-stream';
import { readPromptfooStream } from '../../../src/infra/import/promptfoo-stream';

const fixture = (name: string): Buffer => readFileSync(join(__dirname, '../../fixtures/scanners', name));

/** A source that hands `bytes` over in chunks of the given sizes, in turn: tokens, strings and multi-byte
 * characters end up split across chunks. */
function chunked(bytes: Buffer, sizes: readonly number[]): ByteSource {
  return {
    size: bytes.length,
    async *chunks() {
      for (let at = 0, i = 0; at < bytes.length; i++) {
        const n = sizes[i % sizes.length];
        yield bytes.subarray(at, at + n);
        at += n;
      }
    },
  };
}

const LIMITS = { maxResultBytes: 1024 * 1024, maxDepth: 64 };

/** Reads a file as an import does: a check pass, then a pass with the summary that gives the findings. */
async function streamed(bytes: Buffer, sizes: readonly number[], includeEvals = false) {
  const check = await readPromptfooStream(
    chunked(bytes, sizes),
    new PromptfooReader({ includeEvals }),
    LIMITS,
    () => undefined,
  );
  const findings: ImportedFinding[] = [];
  const store = await readPromptfooStream(
    chunked(bytes, sizes),
    new PromptfooReader({ includeEvals }, check.summary),
    LIMITS,
    () => undefined,
    async (f) => {
      findings.push(f);
    },
  );
  return { findings, facts: store.facts, checked: check.facts };
}

async function streamError(text: string | Buffer, limits = LIMITS): Promise<AppError> {
  try {
    const bytes = typeof text === 'string' ? Buffer.from(text) : text;
    await readPromptfooStream(chunked(bytes, [7, 1, 64]), new PromptfooReader(), limits, () => undefined);
  } catch (err) {
    return err as AppError;
  }
  throw new Error('expected the stream to be refused');
}

describe('promptfoo results read as a stream', () => {
  it.each([
    ['promptfoo-redteam.json', false, [1, 3, 17]],
    ['promptfoo-redteam.json', false, [64 * 1024]],
    ['promptfoo-eval.json', true, [5, 2, 11]],
  ])('%s (evals %s, chunks of %p bytes) gives exactly what parsing it whole gives', async (file, evals, sizes) => {
    const bytes = fixture(file);
    const whole = parsePromptfooResults(JSON.parse(bytes.toString('utf8')), { includeEvals: evals });
    const stream = await streamed(bytes, sizes, evals);
    expect(stream.findings).toEqual(whole.findings);
    expect(stream.facts).toEqual(whole.facts);
    expect(stream.checked).toEqual(whole.facts);
  });

  it('a byte order mark before the document is read past', async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), fixture('promptfoo-redteam.json')]);
    expect((await streamed(bytes, [4096])).facts.findings).toBeGreaterThan(0);
  });

  it.each<[string, string, RegExp]>([
    [
      'a document cut short',
      '{"evalId": "e", "results": {"version": 3, "results": [{"success": false',
      /ends before its last value is closed/,
    ],
    [
      'a second document after the first',
      '{"results": {"version": 3, "timestamp": "2026-01-01T00:00:00Z", "results": []}} {}',
      /more data after the end/,
    ],
    ['a key without its colon', '{"results" {}}', /unexpected \{ at byte 11/],
    ['a value where a key goes', '{"results": {}, 3: 4}', /unexpected 3 at byte 16/],
    ['a closing bracket for a brace', '{"a": [1}', /unexpected \} at byte 8/],
    ['a comma after the last value', '{"a": 1,}', /unexpected \} at byte 8/],
    ['a bare word', '{"a": nope}', /not valid JSON/],
  ])('%s is an import error naming what and where', async (_, text, message) => {
    const err = await streamError(text);
    expect(err.code).toBe('import_invalid');
    expect(err.message).toMatch(message);
  });

  it('a version other than 3 is refused as soon as the results array opens, before any result is read', async () => {
    const text = `{"results": {"version": 2, "timestamp": "2026-01-01T00:00:00Z", "results": [${'[1],'.repeat(3)}[1]]}}`;
    expect((await streamError(text)).message).toMatch(/^results\.version: 2 is not supported/);
  });

  it('a file whose head is wrong is refused for its head, though its results are read first', async () => {
    const text = `{"evalId": "e", "results": {"results": [1, 2], "timestamp": "2026-01-01T00:00:00Z", "version": 9}}`;
    expect((await streamError(text)).message).toMatch(/^results\.version: 9 is not supported/);
  });

  it('a file nested deeper than the bound, a result larger than it, or one endless string is refused', async () => {
    expect((await streamError(`${'['.repeat(65)}${']'.repeat(65)}`)).message).toMatch(/nested more than 64 deep/);
    const big = `{"results": {"version": 3, "results": [{"success": false, "pad": [${'1,'.repeat(600_000)}1]}]}}`;
    expect((await streamError(big)).message).toMatch(/one element is over 1048576 bytes/);
    const endless = Buffer.from(`{"evalId": "${'x'.repeat(2 * 1024 * 1024)}`);
    expect((await streamError(endless)).message).toMatch(/one value spans over 1048576 bytes/);
  });

  it('values outside the selected arrays are seen and dropped, elements are built whole', () => {
    const seen: [string, unknown][] = [];
    const elements: [unknown, number][] = [];
    const reader = new JsonStreamReader({
      elementsOf: (path) => path.join('.') === 'a.b',
      onElement: (value, index) => elements.push([value, index]),
      onValue: (path, value) => seen.push([path.join('.'), value]),
      maxElementBytes: 1000,
      maxTokenBytes: 1000,
      maxDepth: 10,
    });
    reader.write(Buffer.from('{"x": [1, {"y": "z"}], "a": {"b": [{"c": [1, 2]}, "s", null], "n": -1.5e2}}'));
    reader.end();
    expect(elements).toEqual([
      [{ c: [1, 2] }, 0],
      ['s', 1],
      [null, 2],
    ]);
    expect(seen).toEqual([
      ['', 'object'],
      ['x', 'array'],
      ['x.*', 1],
      ['x.*', 'object'],
      ['x.*.y', 'z'],
      ['a', 'object'],
      ['a.b', 'array'],
      ['a.n', -150],
    ]);
  });
});
