import { promises as fs, openAsBlob } from 'node:fs';
import path from 'node:path';
import { ApiError } from '../api-error';
import { EvidenceClient, type Report } from '../client';
import { WaitTimeoutError, importEnded, waitForImport, waitForReport } from '../wait';
import { COMMAND_USAGE, USAGE, UsageError, parseEvidenceArgs, type EvidenceCommand, type WaitFlags } from './args';
import { describeImport, describeReport, endpointRow, reportRow } from './output';
import { importProgress, reportProgress, type ProgressStream } from './progress';
import { saveArtifact, type SavedArtifact } from './save-artifact';
import { readJwks, verdictLine, type Verifier } from './verify';

/** What the CLI runs with: its environment and output streams, and the artifact verification to use. */
export interface EvidenceDeps {
  env: Readonly<Record<string, string | undefined>>;
  stdout: ProgressStream;
  stderr: ProgressStream;
  verify: Verifier;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

type Command<K extends EvidenceCommand['kind']> = Extract<EvidenceCommand, { kind: K }>;

/** The client for `EVIDENCE_API`, with `EVIDENCE_TOKEN` when the command needs one. A missing or malformed
 * variable is a usage error: the command line was fine, but the CLI cannot know where to send it. */
function clientOf(deps: EvidenceDeps, needsToken: boolean): EvidenceClient {
  const api = deps.env.EVIDENCE_API;
  if (!api) {
    throw new UsageError('EVIDENCE_API is not set: the service\'s address, such as "https://evidence.example.com"');
  }
  const token = deps.env.EVIDENCE_TOKEN;
  if (needsToken && !token) throw new UsageError('EVIDENCE_TOKEN is not set: a token of your tenant');
  try {
    return new EvidenceClient({
      baseUrl: api,
      ...(token ? { token } : {}),
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
    });
  } catch (err) {
    throw new UsageError(`EVIDENCE_API: ${(err as Error).message}`);
  }
}

class Cli {
  constructor(private readonly deps: EvidenceDeps) {}

  /** Writes the answer: `value` as JSON with --json, else `text`. */
  print(json: boolean, value: unknown, text: string): void {
    this.deps.stdout.write(json ? `${JSON.stringify(value)}\n` : `${text}\n`);
  }

  note(text: string): void {
    this.deps.stderr.write(`${text}\n`);
  }

  /** Follows a report until it is no longer queued or running, then saves it if asked; 0 ready, 1 otherwise. */
  async follow(client: EvidenceClient, id: string, command: WaitFlags & { json: boolean }): Promise<number> {
    const progress = reportProgress(this.deps.stderr);
    let report: Report;
    try {
      report = await waitForReport(client, id, {
        timeoutMs: command.timeoutSeconds * 1_000,
        onProgress: (r) => progress.show(r),
        ...(this.deps.sleep ? { sleep: this.deps.sleep } : {}),
      });
    } finally {
      progress.end();
    }
    let saved: SavedArtifact | undefined;
    if (report.status === 'ready' && command.downloadDir !== undefined) {
      saved = await saveArtifact(client, report.id, command.downloadDir, { report });
    }
    const value = saved ? { report, download: saved } : report;
    this.print(command.json, value, `${describeReport(report)}${saved ? `\nsaved     ${saved.path}` : ''}`);
    if (report.status === 'ready') return 0;
    const why = report.error ? `: ${report.error.code}: ${report.error.message}` : '';
    this.note(`report ${report.id} ${report.status}${why}`);
    return 1;
  }

  async run(command: EvidenceCommand): Promise<number> {
    switch (command.kind) {
      case 'help':
        this.deps.stdout.write(`${USAGE}\n`);
        return 0;
      case 'reports create':
        return this.create(command);
      case 'reports get': {
        const report = await clientOf(this.deps, true).getReport(command.id);
        this.print(command.json, report, describeReport(report));
        return 0;
      }
      case 'reports list': {
        const page = await clientOf(this.deps, true).listReports(command);
        const more = page.next_cursor ? `\n(more: --cursor ${page.next_cursor})` : '';
        this.print(command.json, page, `${page.data.map(reportRow).join('\n')}${more}`);
        return 0;
      }
      case 'reports download': {
        const saved = await saveArtifact(clientOf(this.deps, true), command.id, command.dir, {
          ...(command.version !== undefined ? { version: command.version } : {}),
        });
        this.print(command.json, saved, saved.path);
        return 0;
      }
      case 'reports retry':
      case 'reports regenerate':
        return this.again(command);
      case 'import':
        return this.importFile(command);
      case 'endpoints create': {
        const endpoint = await clientOf(this.deps, true).createEndpoint({
          name: command.name,
          ...(command.description !== undefined ? { description: command.description } : {}),
        });
        this.print(command.json, endpoint, endpointRow(endpoint));
        return 0;
      }
      case 'endpoints list': {
        const page = await clientOf(this.deps, true).listEndpoints(command);
        const more = page.next_cursor ? `\n(more: --cursor ${page.next_cursor})` : '';
        this.print(command.json, page, `${page.data.map(endpointRow).join('\n')}${more}`);
        return 0;
      }
      case 'verify':
        return this.verify(command);
    }
  }

  async create(command: Command<'reports create'>): Promise<number> {
    const client = clientOf(this.deps, true);
    const queued = await client.createReport(command.request, {
      ...(command.idempotencyKey !== undefined ? { idempotencyKey: command.idempotencyKey } : {}),
    });
    if (!command.wait) {
      this.print(command.json, queued, queued.id);
      return 0;
    }
    this.note(`report ${queued.id} queued (${queued.format})`);
    return this.follow(client, queued.id, command);
  }

  async again(command: Command<'reports retry' | 'reports regenerate'>): Promise<number> {
    const client = clientOf(this.deps, true);
    const queued =
      command.kind === 'reports retry'
        ? await client.retryReport(command.id)
        : await client.regenerateReport(command.id);
    if (!command.wait) {
      this.print(command.json, queued, queued.id);
      return 0;
    }
    this.note(`report ${queued.id} queued (${queued.format})`);
    return this.follow(client, queued.id, command);
  }

  async importFile(command: Command<'import'>): Promise<number> {
    const client = clientOf(this.deps, true);
    // Read as the request is sent, never held whole in memory: scanner files run to gigabytes.
    const file = await openAsBlob(command.file);
    let job = await client.importFile(file, {
      endpointId: command.endpointId,
      ...(command.format !== undefined ? { format: command.format } : {}),
      ...(command.runStartedAt !== undefined ? { runStartedAt: command.runStartedAt } : {}),
      ...(command.includeEvals ? { includeEvals: true } : {}),
    });
    this.note(`import ${job.id} started (${job.file_bytes} bytes sent)`);
    if (command.wait && !importEnded(job)) {
      const progress = importProgress(this.deps.stderr);
      try {
        job = await waitForImport(client, job, {
          timeoutMs: command.timeoutSeconds * 1_000,
          onProgress: (j) => progress.show(j),
          ...(this.deps.sleep ? { sleep: this.deps.sleep } : {}),
        });
      } finally {
        progress.end();
      }
    }
    this.print(command.json, job, describeImport(job));
    if (job.status !== 'failed') return 0;
    this.note(`import ${job.id} failed${job.error ? `: ${job.error.code}: ${job.error.message}` : ''}`);
    return 1;
  }

  async verify(command: Command<'verify'>): Promise<number> {
    const bytes = await fs.readFile(command.file);
    const jws =
      command.signature ??
      (command.signatureFile !== undefined
        ? (await fs.readFile(command.signatureFile, 'utf8')).trim()
        : await detachedSignatureBeside(command.file));
    const keys =
      command.jwks !== undefined
        ? await readJwks(command.jwks, this.deps.fetch)
        : await clientOf(this.deps, false).jwks();
    const verdict = await this.deps.verify(bytes, keys, jws);
    this.print(command.json, { file: command.file, ...verdict }, verdictLine(command.file, verdict));
    return verdict.valid ? 0 : 1;
  }
}

/** The detached JWS a download saved beside a JSON artifact (`<file>.jws`), if there is one. */
async function detachedSignatureBeside(file: string): Promise<string | undefined> {
  if (path.extname(file) !== '.json') return undefined;
  try {
    return (await fs.readFile(`${file}.jws`, 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** What a usage error prints: the problem, then the usage of the command it concerns (or of every command). */
function usageText(err: UsageError): string {
  const usage = err.command && COMMAND_USAGE[err.command] ? `usage:\n${COMMAND_USAGE[err.command]}` : USAGE;
  return `${err.message}\n${usage}\n(evidence help lists every command)\n`;
}

/**
 * Runs the `evidence` CLI on `argv` and answers its exit code: 0 done, 1 failed (a report or import failed, the
 * API refused, an artifact is not valid, a wait ran out), 2 a command line it cannot read. An API error prints the
 * API's code and message on stderr and, with --json, `{"error": {...}}` on stdout.
 */
export async function runEvidence(argv: readonly string[], deps: EvidenceDeps): Promise<number> {
  const json = argv.includes('--json');
  try {
    // Read whole before anything is sent, so that a misspelt flag fails fast and changes nothing.
    return await new Cli(deps).run(parseEvidenceArgs(argv));
  } catch (err) {
    if (err instanceof UsageError) {
      deps.stderr.write(usageText(err));
      return 2;
    }
    if (err instanceof ApiError) {
      // The API's messages name their field first; one that does not gets it added.
      const field = err.field && !err.message.startsWith(err.field) ? ` (field ${err.field})` : '';
      deps.stderr.write(`error: ${err.code}: ${err.message}${field}\n`);
      if (json) deps.stdout.write(`${JSON.stringify({ error: err.toJSON() })}\n`);
      return 1;
    }
    if (err instanceof WaitTimeoutError) {
      deps.stderr.write(`error: ${err.message}; it goes on without the CLI\n`);
      if (json) deps.stdout.write(`${JSON.stringify({ error: { code: 'wait_timed_out', message: err.message } })}\n`);
      return 1;
    }
    const message = err instanceof Error ? err.message : String(err);
    deps.stderr.write(`error: ${message}\n`);
    if (json) deps.stdout.write(`${JSON.stringify({ error: { code: 'cli_failed', message } })}\n`);
    return 1;
  }
}
