import { AppError } from '../../domain/errors';
import { importError } from '../../domain/importers/types';

/** Bytes of a line a `passOver` judgement sees. */
const HEAD_BYTES = 200;

/** One line of a text file, without its line break, and its 1-based number. */
export interface Line {
  text: string;
  lineNo: number;
}

/**
 * Splits a byte stream into lines, holding at most one line in memory: a 100 MB scanner file is read in
 * constant space. A line longer than `maxLineBytes` is refused with its number rather than buffered; a UTF-8
 * BOM before the first line is dropped; `\r\n` endings lose their `\r`. Invalid UTF-8 is refused too, since
 * a scanner file that is not text is not what the caller thinks it is.
 */
export async function* readLines(
  chunks: AsyncIterable<Buffer>,
  maxLineBytes: number,
  /** Lines the caller will not read, judged by the first 200 bytes (as Latin-1) and the last character before
   * the line break: they are counted but neither decoded nor yielded. */
  passOver?: (head: string, last: string) => boolean,
): AsyncGenerator<Line> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let lineNo = 0;
  const emit = (parts: Buffer[]): Line => {
    lineNo++;
    let text: string;
    try {
      text = decoder.decode(parts.length === 1 ? parts[0] : Buffer.concat(parts));
    } catch {
      throw importError(lineNo, 'is not valid UTF-8 text');
    }
    if (lineNo === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text.endsWith('\r')) text = text.slice(0, -1);
    return { text, lineNo };
  };
  for await (const chunk of chunks) {
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl);
      if (pendingBytes + piece.length > maxLineBytes) throw tooLong(lineNo + 1, maxLineBytes);
      pending.push(piece);
      if (passOver && lineNo > 0 && skippable(pending, passOver)) lineNo++;
      else yield emit(pending);
      pending = [];
      pendingBytes = 0;
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      pendingBytes += rest.length;
      if (pendingBytes > maxLineBytes) throw tooLong(lineNo + 1, maxLineBytes);
      pending.push(rest);
    }
  }
  if (pendingBytes > 0) yield emit(pending);
}

/** Whether the caller passes over this line, without decoding it. The line's last character before the break is
 * looked at past a `\r`. */
function skippable(parts: Buffer[], passOver: (head: string, last: string) => boolean): boolean {
  let last = -1;
  let skippedCr = false;
  for (let p = parts.length - 1; p >= 0 && last < 0; p--) {
    for (let i = parts[p].length - 1; i >= 0; i--) {
      if (parts[p][i] === 13 && !skippedCr) {
        skippedCr = true;
        continue;
      }
      last = parts[p][i];
      break;
    }
  }
  if (last < 0) return false;
  let head = '';
  for (const part of parts) {
    head += part.subarray(0, HEAD_BYTES - head.length).toString('latin1');
    if (head.length >= HEAD_BYTES) break;
  }
  return passOver(head, String.fromCharCode(last));
}

function tooLong(lineNo: number, max: number): AppError {
  return importError(lineNo, `is longer than ${Math.round(max / 1024 / 1024)} MiB; no scanner line should be`);
}
