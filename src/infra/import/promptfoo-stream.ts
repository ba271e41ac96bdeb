import type { ImportedFinding, RunFacts } from '../../domain/importers/types';
import type { PromptfooReader } from '../../domain/importers/promptfoo';
import type { PromptfooSummary } from '../../domain/importers/promptfoo-head';
import type { ByteSource } from './byte-source';
import { JsonStreamReader } from './json-stream';

/** Bounds of a streamed promptfoo file: one result, one string or number, and the nesting. */
export interface PromptfooStreamLimits {
  maxResultBytes: number;
  maxDepth: number;
}

/**
 * One pass over a promptfoo results file (one JSON document, of any size): the results array's elements are
 * built and read one at a time ({@link PromptfooReader}), every other value is looked at as it goes by and
 * dropped, so memory follows the largest result, never the file. Findings a chunk gives are handed to `each`
 * before the next chunk is read. Returns the reader's end: the checked summary and the facts of the run.
 */
export async function readPromptfooStream(
  source: ByteSource,
  reader: PromptfooReader,
  limits: PromptfooStreamLimits,
  onChunk: (chunk: Buffer) => void,
  each?: (f: ImportedFinding) => Promise<void>,
): Promise<{ summary: PromptfooSummary; facts: RunFacts }> {
  const found: ImportedFinding[] = [];
  const json = new JsonStreamReader({
    elementsOf: (path) => reader.selects(path),
    onElement: (value, index) => {
      const f = reader.result(value, index);
      if (f) found.push(f);
    },
    onValue: (path, value, container) => {
      reader.head.see(path, value);
      reader.recorder.see(path, value, container);
    },
    maxElementBytes: limits.maxResultBytes,
    maxTokenBytes: limits.maxResultBytes,
    maxDepth: limits.maxDepth,
  });
  for await (const chunk of source.chunks()) {
    onChunk(chunk);
    json.write(chunk);
    for (const f of found.splice(0)) await each?.(f);
  }
  json.end();
  return reader.end();
}
