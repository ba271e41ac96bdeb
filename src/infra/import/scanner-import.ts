import { createHash } from 'node:crypto';
import type { Finding } from '../../domain/finding';
import { MAX_EVIDENCE_CHARS } from '../../domain/finding-input';
import { checkDeclaredFormat, detectScannerFormat } from '../../domain/importers/detect';
import { GARAK_MAX_DETECTORS, GarakReader } from '../../domain/importers/garak';
import { HitMerger } from '../../domain/importers/merge-hits';
import { PromptfooReader } from '../../domain/importers/promptfoo';
import {
  importError,
  type ImportedFinding,
  type ImportedRun,
  type RunFacts,
  type ScannerFormat,
} from '../../domain/importers/types';
import type { ImportOutcome } from '../../domain/imports';
import type { RunDraft, TestRun } from '../../domain/runs';
import { keyId } from '../ids';
import { headOf, type ByteSource } from './byte-source';
import { readLines } from './line-reader';
import { readPromptfooStream } from './promptfoo-stream';

/** Bytes read to recognise a file's format. */
const HEAD_BYTES = 64 * 1024;
/** Longest JSON line accepted from garak (a line holds every generation of one attempt). */
export const MAX_LINE_BYTES = 32 * 1024 * 1024;
/** Deepest nesting accepted in a promptfoo file: its results nest a handful of levels. */
const MAX_JSON_DEPTH = 256;
/** Findings stored per write. */
const BATCH = 1_000;
/** Most findings one import may hold unless configured otherwise (IMPORT_MAX_FINDINGS). */
export const DEFAULT_MAX_FINDINGS = 200_000;

/** Stores a batch of findings (numbered from 0 in file order) and says how many were new. */
export type StoreFindings = (batch: Finding[], batchNo: number) => Promise<{ created: number; duplicates: number }>;

/** A run as the register of imported runs names it. */
export type RunRef = Pick<ImportedRun, 'tenantId' | 'endpointId' | 'tool' | 'runKey'>;

/** The runs each endpoint has had imported (see MongoImportedRuns). */
export interface RunRegister {
  find(run: RunRef): Promise<ImportedRun | undefined>;
  record(runs: readonly ImportedRun[]): Promise<void>;
}

/** Where an import records the run its file describes (MongoRunsRepo): a save of a run already stored keeps it,
 * unless it brings complete results to a run stored with incomplete ones. */
export interface TestRunStore {
  save(run: TestRun): Promise<unknown>;
}

/** Where an import's results go: the findings, the record of the run's import, and the run itself. */
export interface ImportSinks {
  store: StoreFindings;
  /** Without it, an import neither says whether its run came in before nor records that it did. */
  runs?: RunRegister;
  /** Without it, the run's results are not recorded. */
  testRuns?: TestRunStore;
}

/** Where an import stands; reported after each batch and at the end of each pass. */
export interface ImportProgress {
  phase: 'checking' | 'storing';
  bytesRead: number;
  bytesTotal: number;
  findings: number;
  /** Batches handed to storage so far. */
  batches: number;
}

/** What an import did (see ImportOutcome). */
export type ImportResult = ImportOutcome;

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
  /** The import job this is, when it is one: a run it recorded itself on an earlier attempt is not a match. */
  importId?: string;
  /** The caller's word for the format; sniffed from the file's first bytes when absent. */
  format?: ScannerFormat;
  /** When the run started, for files that do not say (a garak hitlog records no time): its hits are dated
   * then. Defaults to the time of the import. */
  runStartedAt?: string;
  /** Import a plain promptfoo eval too (its failed checks as `failed_eval` findings); refused otherwise. */
  includeEvals?: boolean;
  limits?: Partial<ImportLimits>;
  /** Called once the check pass has read the whole file, before anything is stored: may refuse the import
   * (a tenant whose stored findings would pass its quota). */
  beforeStore?: (facts: RunFacts) => Promise<void>;
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

/** The service's id of an imported run (`run_` and 20 characters): from the tenant, the endpoint, the tool and the
 * run (the file when the tool names no run), as its findings' ids are, so every import of the run, from either of
 * its files, names the same run. */
export function importedTestRunId(
  where: { tenantId: string; endpointId: string },
  tool: string,
  runKey: string,
): string {
  return keyId('run', [where.tenantId, where.endpointId, tool, runKey]);
}

/** The run a file describes, as the service records it. */
export function toTestRun(
  draft: RunDraft,
  facts: RunFacts,
  opts: Pick<ImportOptions, 'tenantId' | 'endpointId' | 'importId'>,
  file: { sha256: string; startedAt: string; now: Date },
): TestRun {
  const runKey = facts.runId ?? `file:${file.sha256}`;
  const run: TestRun = {
    id: importedTestRunId(opts, facts.tool, runKey),
    tenantId: opts.tenantId,
    endpointId: opts.endpointId,
    tool: facts.tool,
    runId: runKey,
    startedAt: draft.startedAt ?? file.startedAt,
    origin: 'import',
    fileSha256: file.sha256,
    resultsComplete: draft.resultsComplete,
    results: draft.results,
    recordedAt: file.now.toISOString(),
  };
  if (facts.toolVersion !== undefined) run.toolVersion = facts.toolVersion;
  if (draft.configJson !== undefined) run.configSha256 = createHash('sha256').update(draft.configJson).digest('hex');
  if (draft.target !== undefined) run.target = draft.target;
  if (draft.finishedAt !== undefined) run.finishedAt = draft.finishedAt;
  if (opts.importId !== undefined) run.importId = opts.importId;
  return run;
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

/** Reads a garak file once, handing each finding and its line to `each`; counts bytes for progress. */
async function readGarak(
  source: ByteSource,
  reader: GarakReader,
  withPassOver: boolean,
  onChunk: (chunk: Buffer) => void,
  each: (f: ImportedFinding, lineNo: number) => Promise<void> | void,
): Promise<RunFacts> {
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const chunk of source.chunks()) {
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

function tooMany(found: number, max: number) {
  return importError(
    0,
    `the file gives ${found} or more findings; at most ${max} are imported from one file (IMPORT_MAX_FINDINGS): split the run or raise the limit`,
  );
}

/**
 * Imports a garak report or hitlog, or a promptfoo results file, into one endpoint of a tenant. All or
 * nothing: the whole file is read and checked first (a bad line or result anywhere, or more findings or detectors
 * than the limits allow, stops the import before anything is stored), then read again and stored in batches,
 * numbered in file order. A crash in the second pass leaves some batches stored; importing the file again
 * completes it, because every finding's id follows from the tool's own identity of it (and a caller that names
 * its batches, as an import job does, has each batch written once). A garak hitlog's lines of one attempt become
 * one finding ({@link HitMerger}), as the same attempt does in the run's report. Neither pass holds the file:
 * garak files are read a line at a time, promptfoo's single JSON document a result at a time
 * (readPromptfooStream), so memory follows the largest line or result (and one small entry per attempt of a
 * hitlog), never the file. Once the findings are stored, the run the file describes is recorded
 * ({@link toTestRun}): its results with passes and failures alike, so a run that found nothing is on record too.
 */
export async function importScannerFile(
  source: ByteSource,
  sinks: ImportSinks,
  opts: ImportOptions,
): Promise<ImportResult> {
  const { store, runs, testRuns } = sinks;
  const size = source.size;
  if (size === 0) throw importError(0, 'the file is empty');
  const head = await headOf(source, HEAD_BYTES);
  if (opts.format) checkDeclaredFormat(head, opts.format);
  const format = opts.format ?? detectScannerFormat(head);
  const limits: ImportLimits = {
    maxFindings: opts.limits?.maxFindings ?? DEFAULT_MAX_FINDINGS,
    maxDetectors: opts.limits?.maxDetectors ?? GARAK_MAX_DETECTORS,
  };
  let fileSha256 = '';
  let created = 0;
  let duplicates = 0;
  let batches = 0;
  let pending: Finding[] = [];
  const progress: ImportProgress = { phase: 'checking', bytesRead: 0, bytesTotal: size, findings: 0, batches: 0 };
  const report = (): void => opts.onProgress?.({ ...progress });
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const stored = await store(pending, batches++);
    created += stored.created;
    duplicates += stored.duplicates;
    progress.findings += pending.length;
    progress.batches = batches;
    pending = [];
    report();
  };
  const add = async (f: ImportedFinding): Promise<void> => {
    pending.push(toFinding(f, opts, fileSha256));
    if (pending.length >= BATCH) await flush();
  };
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
  const where = { tenantId: opts.tenantId, endpointId: opts.endpointId };
  /** Whether the run came in before; a run imported before findings had ids of their own is not stored again. */
  const priorImport = async (facts: RunFacts): Promise<ImportedRun | undefined> => {
    const prior = await runs?.find({ ...where, tool: facts.tool, runKey: facts.runId ?? `file:${fileSha256}` });
    return prior && opts.importId !== undefined && prior.importId === opts.importId ? undefined : prior;
  };
  // The check pass also hashes the file, which the store pass needs for the findings' ids and provenance.
  const hash = createHash('sha256');

  let facts: RunFacts;
  let draft: RunDraft;
  let matchedRun: ImportedRun | undefined;
  // Dates the run of a file that records no time (a garak hitlog), as its findings are.
  const runStartedAt = opts.runStartedAt ?? new Date().toISOString();
  if (format === 'promptfoo') {
    const streamLimits = { maxResultBytes: MAX_LINE_BYTES, maxDepth: MAX_JSON_DEPTH };
    const checkReader = new PromptfooReader({ includeEvals: opts.includeEvals === true });
    const checked = await readPromptfooStream(
      source,
      checkReader,
      streamLimits,
      counted((chunk) => hash.update(chunk)),
    );
    facts = checked.facts;
    draft = checkReader.run();
    if (facts.findings > limits.maxFindings) throw tooMany(facts.findings, limits.maxFindings);
    fileSha256 = hash.digest('hex');
    report();
    matchedRun = await priorImport(facts);
    if (!matchedRun?.legacy) await opts.beforeStore?.(facts);
    progress.phase = 'storing';
    progress.bytesRead = 0;
    if (!matchedRun?.legacy) {
      const reader = new PromptfooReader({ includeEvals: opts.includeEvals === true }, checked.summary);
      await readPromptfooStream(source, reader, streamLimits, counted(), add);
    }
  } else {
    const reader = () => new GarakReader({ format, runStartedAt, maxDetectors: limits.maxDetectors });
    const hits = format === 'garak-hitlog' ? new HitMerger(limits.maxDetectors) : undefined;
    let found = 0;
    const checkReader = reader();
    facts = await readGarak(
      source,
      checkReader,
      format === 'garak-report',
      counted((chunk) => hash.update(chunk)),
      (f, lineNo) => {
        if (hits) hits.note(f, lineNo);
        else found++;
        if ((hits?.size ?? found) > limits.maxFindings) throw tooMany(limits.maxFindings + 1, limits.maxFindings);
      },
    );
    if (hits) facts = { ...facts, findings: hits.size };
    draft = checkReader.run();
    fileSha256 = hash.digest('hex');
    report();
    matchedRun = await priorImport(facts);
    if (!matchedRun?.legacy) await opts.beforeStore?.(facts);
    progress.phase = 'storing';
    progress.bytesRead = 0;
    if (!matchedRun?.legacy) {
      await readGarak(source, reader(), format === 'garak-report', counted(), async (f, lineNo) => {
        const merged = hits ? hits.take(f, lineNo) : f;
        if (merged) await add(merged);
      });
    }
  }
  await flush();
  if (matchedRun?.legacy) duplicates = facts.findings;
  const testRun = toTestRun(draft, facts, opts, { sha256: fileSha256, startedAt: runStartedAt, now: new Date() });
  await testRuns?.save(testRun);
  await runs?.record([
    {
      ...where,
      tool: facts.tool,
      runKey: facts.runId ?? `file:${fileSha256}`,
      format,
      fileSha256,
      importedAt: new Date(),
      ...(opts.importId ? { importId: opts.importId } : {}),
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
    batches,
    ...(testRuns ? { testRunId: testRun.id } : {}),
    ...(matchedRun ? { matchedRun } : {}),
  };
}
