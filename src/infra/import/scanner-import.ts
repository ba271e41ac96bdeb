import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import type { Finding } from '../../domain/finding';
import { MAX_EVIDENCE_CHARS } from '../../domain/finding-input';
import { detectScannerFormat, stripBom } from '../../domain/importers/detect';
import { GarakReader } from '../../domain/importers/garak';
import { parsePromptfooResults } from '../../domain/importers/promptfoo';
import { importError, type ImportedFinding, type RunFacts, type ScannerFormat } from '../../domain/importers/types';
import { stableId } from '../ids';
import { readLines } from './line-reader';

/** Bytes read to recognise a file's format. */
const HEAD_BYTES = 64 * 1024;
/** Longest JSON line accepted from garak (a line holds every generation of one attempt). */
export const MAX_LINE_BYTES = 32 * 1024 * 1024;
/** promptfoo writes one JSON document, which has to be parsed whole: files past this are refused. */
export const MAX_PROMPTFOO_BYTES = 256 * 1024 * 1024;
/** Findings stored per write. */
const BATCH = 1_000;

/** Stores a batch of findings and says how many were new. */
export type StoreFindings = (batch: Finding[]) => Promise<{ created: number; duplicates: number }>;

/** Where an import stands; reported after each batch and at the end of each pass. */
export interface ImportProgress {
  phase: 'checking' | 'storing';
  bytesRead: number;
  bytesTotal: number;
  findings: number;
}

/** What an import did. */
export interface ImportResult extends RunFacts {
  format: ScannerFormat;
  fileSha256: string;
  bytes: number;
  created: number;
  duplicates: number;
}

/** Who the findings belong to and how the import runs. */
export interface ImportOptions {
  tenantId: string;
  endpointId: string;
  /** The caller's word for the format; sniffed from the file's first bytes when absent. */
  format?: ScannerFormat;
  /** When the run started, for files that do not say (a garak hitlog records no time): its hits are dated
   * then. Defaults to the time of the import. */
  runStartedAt?: string;
  onProgress?: (p: ImportProgress) => void;
}

/** A scanner finding as the service stores it: on the caller's endpoint, with an id that follows from the
 * tool's own identity of the finding, so importing a file again creates nothing new. Evidence past the size
 * the API accepts is cut, saying so. */
export function toFinding(f: ImportedFinding, opts: ImportOptions, fileSha256: string): Finding {
  const runKey = f.source.runId ?? `file:${fileSha256}`;
  return {
    id: stableId('fnd', new Date(f.detectedAt), [opts.tenantId, opts.endpointId, f.source.tool, runKey, f.source.item]),
    tenantId: opts.tenantId,
    endpointId: opts.endpointId,
    title: f.title,
    category: f.category,
    severity: f.severity,
    detectedAt: f.detectedAt,
    fingerprint: f.fingerprint,
    frameworkRefs: f.frameworkRefs,
    evidence: { prompt: clip(f.evidence.prompt), response: clip(f.evidence.response) },
    source: {
      tool: f.source.tool,
      ...(f.source.toolVersion ? { toolVersion: f.source.toolVersion } : {}),
      ...(f.source.runId ? { runId: f.source.runId } : {}),
      fileSha256,
    },
  };
}

function clip(text: string): string {
  if (text.length <= MAX_EVIDENCE_CHARS) return text;
  const note = `\n[… ${text.length - MAX_EVIDENCE_CHARS} more characters not kept]`;
  return text.slice(0, MAX_EVIDENCE_CHARS - note.length) + note;
}

async function readHead(path: string): Promise<string> {
  const handle = await fs.open(path, 'r');
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

/** Reads a garak file once, handing each finding to `each`; counts bytes for progress. */
async function readGarak(
  path: string,
  format: 'garak-report' | 'garak-hitlog',
  runStartedAt: string,
  onChunk: (chunk: Buffer) => void,
  each: (f: ImportedFinding) => Promise<void> | void,
): Promise<RunFacts> {
  const reader = new GarakReader({ format, runStartedAt });
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
      onChunk(chunk);
      yield chunk;
    }
  }
  const passOver = format === 'garak-report' ? GarakReader.passesOver : undefined;
  for await (const { text, lineNo } of readLines(counted(), MAX_LINE_BYTES, passOver)) {
    for (const f of reader.line(text, lineNo)) await each(f);
  }
  return reader.end();
}

/** Reads a promptfoo file whole (it is one JSON document), hashing the same bytes it parses. */
async function readPromptfoo(
  path: string,
  size: number,
): Promise<{ findings: ImportedFinding[]; facts: RunFacts; sha256: string }> {
  if (size > MAX_PROMPTFOO_BYTES) {
    throw importError(
      0,
      `promptfoo results are read whole; this file is over ${MAX_PROMPTFOO_BYTES / 1024 / 1024} MiB`,
    );
  }
  const bytes = await fs.readFile(path);
  let doc: unknown;
  try {
    doc = JSON.parse(stripBom(bytes.toString('utf8')));
  } catch (err) {
    throw importError(0, `not valid JSON (${(err as Error).message})`);
  }
  return { ...parsePromptfooResults(doc), sha256: createHash('sha256').update(bytes).digest('hex') };
}

/**
 * Imports a garak report or hitlog, or a promptfoo results file, into one endpoint of a tenant. All or
 * nothing: the whole file is read and checked first (a bad line anywhere stops the import before anything is
 * stored), then read again and stored in batches. A crash in the second pass leaves some findings stored;
 * importing the file again completes it, because every finding's id follows from the tool's own identity of
 * it. Memory stays flat for garak files of any size; promptfoo's single JSON document is parsed whole.
 */
export async function importScannerFile(
  path: string,
  store: StoreFindings,
  opts: ImportOptions,
): Promise<ImportResult> {
  const { size } = await fs.stat(path);
  if (size === 0) throw importError(0, 'the file is empty');
  const format = opts.format ?? detectScannerFormat(await readHead(path));
  let fileSha256 = '';
  let created = 0;
  let duplicates = 0;
  let pending: Finding[] = [];
  const progress = { phase: 'checking' as ImportProgress['phase'], bytesRead: 0, bytesTotal: size, findings: 0 };
  const report = (): void => opts.onProgress?.({ ...progress });
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const stored = await store(pending);
    created += stored.created;
    duplicates += stored.duplicates;
    progress.findings += pending.length;
    pending = [];
    report();
  };
  const add = async (f: ImportedFinding): Promise<void> => {
    pending.push(toFinding(f, opts, fileSha256));
    if (pending.length >= BATCH) await flush();
  };

  let facts: RunFacts;
  if (format === 'promptfoo') {
    const parsed = await readPromptfoo(path, size);
    fileSha256 = parsed.sha256;
    progress.bytesRead = size;
    report();
    progress.phase = 'storing';
    for (const f of parsed.findings) await add(f);
    facts = parsed.facts;
  } else {
    let sinceReport = 0;
    const counted =
      (also?: (chunk: Buffer) => void) =>
      (chunk: Buffer): void => {
        also?.(chunk);
        progress.bytesRead += chunk.length;
        sinceReport += chunk.length;
        if (sinceReport >= 8 * 1024 * 1024) {
          sinceReport = 0;
          report();
        }
      };
    const runStartedAt = opts.runStartedAt ?? new Date().toISOString();
    // The check pass also hashes the file, which the store pass needs for the findings' ids and provenance.
    const hash = createHash('sha256');
    await readGarak(
      path,
      format,
      runStartedAt,
      counted((chunk) => hash.update(chunk)),
      () => undefined,
    );
    fileSha256 = hash.digest('hex');
    report();
    progress.phase = 'storing';
    progress.bytesRead = 0;
    facts = await readGarak(path, format, runStartedAt, counted(), add);
  }
  await flush();
  report();
  return { ...facts, format, fileSha256, bytes: size, created, duplicates };
}
