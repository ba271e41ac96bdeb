import { createReadStream, promises as fs } from 'node:fs';

/** Bytes an import reads, as many times as it needs, a chunk at a time, never whole. */
export interface ByteSource {
  /** How many bytes there are. */
  size: number;
  /** One pass over the bytes, from the start. */
  chunks(): AsyncIterable<Buffer>;
}

/** A local file as a source: what the command-line import reads. */
export async function fileSource(path: string): Promise<ByteSource> {
  const { size } = await fs.stat(path);
  return {
    size,
    chunks: () => createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>,
  };
}

/** The first `bytes` bytes of a source as text (possibly cut mid-character at the end). */
export async function headOf(source: ByteSource, bytes: number): Promise<string> {
  const parts: Buffer[] = [];
  let got = 0;
  for await (const chunk of source.chunks()) {
    parts.push(chunk.subarray(0, bytes - got));
    got += Math.min(chunk.length, bytes - got);
    if (got >= bytes) break;
  }
  return Buffer.concat(parts).toString('utf8');
}
