/**
 * A promptfoo file of a hostile shape, 250 MB of it, read the way an import's check pass reads it by the built
 * code in a process with a 256 MB heap: the process must not die, and must answer with an import error naming
 * what is wrong, however the bytes are arranged.
 */
import { execFile } from 'node:child_process';
import { createWriteStream, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

jest.setTimeout(300_000);

const run = promisify(execFile);
const TOOL = path.resolve(__dirname, '../../dist/bench/promptfoo-stream-memory.js');
const MB = 1024 * 1024;

let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bounded-import-'));
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** Writes `head`, then `unit` repeated until the file passes `bytes`, then `tail`. */
async function writeFile(name: string, head: string, unit: string, tail: string, bytes: number): Promise<string> {
  const file = path.join(dir, name);
  const out = createWriteStream(file);
  const block = unit.repeat(Math.ceil(MB / unit.length));
  const write = (text: string) =>
    new Promise<void>((resolve) => (out.write(text) ? resolve() : out.once('drain', () => resolve())));
  await write(head);
  for (let written = head.length; written < bytes; written += block.length) await write(block);
  await write(tail);
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return file;
}

async function readWithSmallHeap(
  file: string,
): Promise<{ read: boolean; message?: string; heapPeakMiB: number; maxRssMiB: number }> {
  const { stdout } = await run(process.execPath, ['--max-old-space-size=256', TOOL, file], { maxBuffer: MB });
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

describe('a 250 MB promptfoo file of a hostile shape, read with a 256 MB heap', () => {
  it('when the file is a top-level array of empty arrays, then the process lives and the file is refused for its shape', async () => {
    const file = await writeFile('arrays.json', '[', '[],', '[]]', 250 * 1_000_000);
    const out = await readWithSmallHeap(file);
    expect(out).toMatchObject({
      read: false,
      message: 'not a promptfoo results file: the top level is an array; expected an object with evalId and results',
    });
    // What it held stayed flat: a few MiB of heap for a file a thousand times larger.
    expect(out.heapPeakMiB).toBeLessThan(64);
  });

  it('when the results array holds millions of empty arrays, then the process lives and the first bad result is named', async () => {
    const head = '{"evalId": "e", "results": {"version": 3, "timestamp": "2026-01-01T00:00:00Z", "results": [';
    const file = await writeFile('results.json', head, '[],', '[]]}}', 250 * 1_000_000);
    const out = await readWithSmallHeap(file);
    expect(out).toMatchObject({ read: false, message: 'results.results[0]: expected an object, found an array' });
    expect(out.heapPeakMiB).toBeLessThan(64);
  });
});
