import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import type { Finding } from '../../domain/finding';
import { MAX_EVIDENCE_CHARS } from '../../domain/finding-input';
import { checkDeclaredFormat, detectScannerFormat, stripBom } from '../../domain/importers/detect';
import { GARAK_MAX_DETECTORS, GarakReader } from '../../domain/importers/garak';
import { HitMerger } from '../../domain/importers/merge-hits';
import { parsePromptfooResults } from '../../domain/importers/promptfoo';
import {
  importError,
  type ImportedFinding,
  type ImportedRun,
  type RunFacts,
  type ScannerFormat,
} from '../../domain/importers/types';
import { keyId } from '../ids';
import { readLines } from './line-reader';

/** Bytes read to recognise a file's format. */
const HEAD_BYTES = 64 * 1024;
/** Longest JSON line accepted from garak (a line holds every generation of one attempt). */
export const MAX_LINE_BYTES = 32 * 1024 * 1024;
/** promptfoo writes one JSON document, which has to be parsed whole: files past this are refused. */
export const MAX_PROMPTFOO_BYTES = 256 * 1024 * 1024;
/** Findings stored per write. */
const BATCH = 1_000;
/** Most findings one import may hold unless configured otherwise (IMPORT_MAX_FINDINGS). */
export const DEFAULT_MAX_FINDINGS = 200_000;

/** Stores a batch of findings and says how many were new. */
export type StoreFindings = (batch: Finding[]) => Promise<{ created: number; duplicates: number }>;

/** A run as the register of imported runs names it. */
export type RunRef = Pick<ImportedRun, 'tenantId' | 'endpointId' | 'tool' | 'runKey'>;

/** The runs each endpoint has had imported (see MongoImportedRuns). */
export interface RunRegister {
  find(run: RunRef): Promise<ImportedRun | undefined>;
  record(runs: readonly ImportedRun[]): Promise<void>;
}

/** Where an import's results go: the findings, and the record of the run. */
export interface ImportSinks {
  store: StoreFindings;
  /** Without it, an import neither says whether its run came in before nor records that it did. */
  runs?: RunRegister;
}

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
  /** garak: probe modules this service has no weakness for (see GarakRunFacts). */
  unmappedProbeModules?: string[];
  /** promptfoo: results where the model held, and results whose test errored; neither is a finding. */
  held?: number;
  errored?: number;
  /** The first import of the same run into this endpoint, when this is not it: the same file again, or the run's
   * other file (a garak report and its hitlog describe the same hits). */
  matchedRun?: ImportedRun;
}

/** Bounds on what one import may hold; a file past one is refused before anything is stored. */
export interface ImportLimits {
  /** Findings one file may give. */
  maxFindings: number;
  /** Detectors one garak attempt may be scored by. */
  maxDetectors: number;
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
  /** Import a plain promptfoo eval too (its failed checks as `failed_eval` findings); refused otherwise. */
  includeEvals?: boolean;
  limits?: Partial<ImportLimits>;
  onProgress?: (p: ImportProgress) => void;
}

/** The id of an imported finding: from the tenant, the endpoint, the tool, the run (the file when the tool
 * names no run) and the tool's own item, never from a time, so a hit is one finding whatever time its run is
 * dated with, whichever of the run's files it is read from, and however often it is imported. */
export function importedFindingId(
  f: Pick<ImportedFinding, 'source'>,
  where: { tenantId: string; endpointId: string },
  fileSha256: string,
): string {
  const runKey = f.source.runId ?? `file:${fileSha256}`;
  return keyId('fnd', [where.tenantId, where.endpointId, f.source.tool, runKey, f.source.item]);
}

/** A scanner finding as the service stores it: on the caller's endpoint, with the id
 * {@link importedFindingId} gives it, and the scanner's own evidence. Evidence past the size the API accepts
 * is cut, saying so. */
export function toFinding(f: ImportedFinding, opts: ImportOptions, fileSha256: string): Finding {
  return {
    id: importedFindingId(f, opts, fileSha256),
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
    scan: f.source.scan,
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

/** Reads a garak file once, handing each finding and its line to `each`; counts bytes for progress. */
async function readGarak(
  path: string,
  reader: GarakReader,
  withPassOver: boolean,
  onChunk: (chunk: Buffer) => void,
  each: (f: ImportedFinding, lineNo: number) => Promise<void> | void,
): Promise<RunFacts> {
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
      onChunk(chunk);
      yield chunk;
    }
  }
  for await (const { text, lineNo } of readLines(
    counted(),
    MAX_LINE_BYTES,
    withPassOver ? GarakReader.passesOver : undefined,
  )) {
    for (const f of reader.line(text, lineNo)) await each(f, lineNo);
  }
  return reader.end();
}

/** Reads a promptfoo file whole (it is one JSON document), hashing the same bytes it parses. */
async function readPromptfoo(
  path: string,
  size: number,
  includeEvals: boolean,
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
  return { ...parsePromptfooResults(doc, { includeEvals }), sha256: createHash('sha256').update(bytes).digest('hex') };
}

function tooMany(found: number, max: number) {
  return importError(
    0,
    `the file gives ${found} or more findings; at most ${max} are imported from one file (IMPORT_MAX_FINDINGS): split the run or raise the limit`,
  );
}

/**
 * Imports a garak report or hitlog, or a promptfoo results file, into one endpoint of a tenant. All or
 * nothing: the whole file is read and checked first (a bad line anywhere, or more findings or detectors than
 * the limits allow, stops the import before anything is stored), then read again and stored in batches. A crash
 * in the second pass leaves some findings stored; importing the file again completes it, because every
 * finding's id follows from the tool's own identity of it. A garak hitlog's lines of one attempt become one
 * finding ({@link HitMerger}), as the same attempt does in the run's report. Memory stays flat for garak
 * files of any size (one small entry per attempt for a hitlog); promptfoo's single JSON document is parsed
 * whole.
 */
export async function importScannerFile(path: string, sinks: ImportSinks, opts: ImportOptions): Promise<ImportResult> {
  const { store, runs } = sinks;
  const { size } = await fs.stat(path);
  if (size === 0) throw importError(0, 'the file is empty');
  const head = await readHead(path);
  if (opts.format) checkDeclaredFormat(head, opts.format);
  const format = opts.format ?? detectScannerFormat(head);
  const limits: ImportLimits = {
    maxFindings: opts.limits?.maxFindings ?? DEFAULT_MAX_FINDINGS,
    maxDetectors: opts.limits?.maxDetectors ?? GARAK_MAX_DETECTORS,
  };
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

  const where = { tenantId: opts.tenantId, endpointId: opts.endpointId };
  /** Whether the run came in before; a run imported before findings had ids of their own is not stored again. */
  const priorImport = async (facts: RunFacts): Promise<ImportedRun | undefined> =>
    runs?.find({ ...where, tool: facts.tool, runKey: facts.runId ?? `file:${fileSha256}` });

  let facts: RunFacts;
  let matchedRun: ImportedRun | undefined;
  if (format === 'promptfoo') {
    const parsed = await readPromptfoo(path, size, opts.includeEvals === true);
    if (parsed.findings.length > limits.maxFindings) throw tooMany(parsed.findings.length, limits.maxFindings);
    fileSha256 = parsed.sha256;
    progress.bytesRead = size;
    report();
    facts = parsed.facts;
    matchedRun = await priorImport(facts);
    progress.phase = 'storing';
    if (!matchedRun?.legacy) for (const f of parsed.findings) await add(f);
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
    const reader = () => new GarakReader({ format, runStartedAt, maxDetectors: limits.maxDetectors });
    const hits = format === 'garak-hitlog' ? new HitMerger(limits.maxDetectors) : undefined;
    let found = 0;
    // The check pass also hashes the file, which the store pass needs for the findings' ids and provenance.
    const hash = createHash('sha256');
    facts = await readGarak(
      path,
      reader(),
      format === 'garak-report',
      counted((chunk) => hash.update(chunk)),
      (f, lineNo) => {
        if (hits) hits.note(f, lineNo);
        else found++;
        if ((hits?.size ?? found) > limits.maxFindings) throw tooMany(limits.maxFindings + 1, limits.maxFindings);
      },
    );
    if (hits) facts = { ...facts, findings: hits.size };
    fileSha256 = hash.digest('hex');
    report();
    matchedRun = await priorImport(facts);
    progress.phase = 'storing';
    progress.bytesRead = 0;
    if (!matchedRun?.legacy) {
      await readGarak(path, reader(), format === 'garak-report', counted(), async (f, lineNo) => {
        const merged = hits ? hits.take(f, lineNo) : f;
        if (merged) await add(merged);
      });
    }
  }
  await flush();
  if (matchedRun?.legacy) duplicates = facts.findings;
  await runs?.record([
    {
      ...where,
      tool: facts.tool,
      runKey: facts.runId ?? `file:${fileSha256}`,
      format,
      fileSha256,
      importedAt: new Date(),
    },
  ]);
  report();
  return {
    ...facts,
    format,
    fileSha256,
    bytes: size,
    created,
    duplicates,
    ...(matchedRun ? { matchedRun } : {}),
  };
}
