/**
 * Reads a promptfoo results file the way an import's check pass does (a stream, a result at a time) and prints,
 * as one JSON line, whether it was read or refused (with the refusal's message), how long it took and the
 * process's peak memory. Run it with a small heap (`node --max-old-space-size=256 …`) to show that the shape of
 * a file, however hostile, cannot make an import hold it: test/e2e/bounded-import.test.ts does.
 *
 *   node dist/bench/promptfoo-stream-memory.js <file>
 */
import { promises as fs } from 'node:fs';
import { AppError } from '../src/domain/errors';
import { PromptfooReader } from '../src/domain/importers/promptfoo';
import { fileSource } from '../src/infra/import/byte-source';
import { readPromptfooStream } from '../src/infra/import/promptfoo-stream';
import { MAX_LINE_BYTES } from '../src/infra/import/scanner-import';

async function main(file: string): Promise<void> {
  const { size } = await fs.stat(file);
  const started = process.hrtime.bigint();
  let heapPeak = 0;
  const sample = setInterval(() => {
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  }, 20);
  let outcome: { read: true; findings: number } | { read: false; message: string };
  try {
    const { facts } = await readPromptfooStream(
      await fileSource(file),
      new PromptfooReader({ includeEvals: true }),
      { maxResultBytes: MAX_LINE_BYTES, maxDepth: 256 },
      () => {
        heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
      },
    );
    outcome = { read: true, findings: facts.findings };
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    outcome = { read: false, message: err.message };
  } finally {
    clearInterval(sample);
  }
  const line = {
    file,
    bytes: size,
    ...outcome,
    ms: Number(process.hrtime.bigint() - started) / 1e6,
    heapPeakMiB: Math.round(heapPeak / 1024 / 1024),
    maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

main(process.argv[2] ?? '').catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
