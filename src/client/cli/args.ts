import type { ReportRequest } from '../client';
import { readFlags, type Flags } from './flags';

/** How a command that waits does it: for at most `timeoutSeconds`, then saving the artifact to `downloadDir`. */
export interface WaitFlags {
  wait: boolean;
  timeoutSeconds: number;
  downloadDir?: string;
}

/** One command of the `evidence` CLI, its arguments read and checked. `json`: machine-readable output. */
export type EvidenceCommand =
  | { kind: 'help' }
  | ({
      kind: 'reports create';
      json: boolean;
      request: ReportRequest;
      idempotencyKey?: string;
    } & WaitFlags)
  | { kind: 'reports get'; json: boolean; id: string }
  | { kind: 'reports list'; json: boolean; limit?: number; cursor?: string }
  | { kind: 'reports download'; json: boolean; id: string; dir: string; version?: number }
  | ({ kind: 'reports retry' | 'reports regenerate'; json: boolean; id: string } & WaitFlags)
  | {
      kind: 'import';
      json: boolean;
      file: string;
      endpointId: string;
      format?: string;
      runStartedAt?: string;
      includeEvals?: boolean;
      wait: boolean;
      timeoutSeconds: number;
    }
  | { kind: 'endpoints create'; json: boolean; name: string; description?: string }
  | { kind: 'endpoints list'; json: boolean; limit?: number; cursor?: string }
  | { kind: 'verify'; json: boolean; file: string; jwks?: string; signature?: string; signatureFile?: string };

/** A command line the CLI cannot read; the CLI prints it with the command's usage and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';

  constructor(
    message: string,
    /** The command whose usage to print, or undefined for all of them. */
    readonly command?: string,
  ) {
    super(message);
  }
}

/** Each command's usage lines, in the order `evidence help` prints them. */
export const COMMAND_USAGE: Readonly<Record<string, string>> = {
  'reports create': `  evidence reports create --title <text> --framework <slug> [--framework <slug>…]
                          --endpoint <id> [--endpoint <id>…] --from <YYYY-MM-DD> --to <YYYY-MM-DD>
                          [--severity <level>…] [--format pdf|json] [--idempotency-key <key>]
                          [--wait] [--download <dir>] [--timeout <seconds>]
                                        ask for a report; --wait follows it to ready or failed, showing
                                        status, stage and percent on stderr; --download saves it (and waits)`,
  'reports get': `  evidence reports get <id>             the report as it stands`,
  'reports list': `  evidence reports list [--limit <n>] [--cursor <cursor>]
                                        the tenant's reports, newest first`,
  'reports download': `  evidence reports download <id> [--dir <dir>] [--version <n>]
                                        save the artifact under the name the service gives it (<id>.pdf,
                                        <id>.json with its detached signature beside it as <id>.json.jws)`,
  'reports retry': `  evidence reports retry <id> [--wait] [--download <dir>] [--timeout <seconds>]
                                        another attempt at a failed report, same id`,
  'reports regenerate': `  evidence reports regenerate <id> [--wait] [--download <dir>] [--timeout <seconds>]
                                        a new report over the same request`,
  import: `  evidence import <file> --endpoint <id> [--format garak-report|garak-hitlog|promptfoo]
                  [--run-started-at <ISO time>] [--include-evals] [--wait] [--timeout <seconds>]
                                        send a scanner file to be imported; --wait follows the job to its end`,
  'endpoints create': `  evidence endpoints create --name <name> [--description <text>]`,
  'endpoints list': `  evidence endpoints list [--limit <n>] [--cursor <cursor>]`,
  verify: `  evidence verify <file> [--jwks <url|file>] [--signature <jws> | --signature-file <file>]
                                        check a downloaded PDF or JSON against the service's published keys
                                        (EVIDENCE_API's, or --jwks); a JSON file's signature is read from
                                        <file>.jws when not given`,
  help: `  evidence help                         this text`,
};

/** The whole usage text of the CLI. */
export const USAGE = `usage: evidence <command> [flags] [--json]
${Object.values(COMMAND_USAGE).join('\n')}
Environment: EVIDENCE_API, the service's address (https://evidence.example.com), and EVIDENCE_TOKEN, a tenant's
token (verify needs neither with --jwks <file>, and no token with EVIDENCE_API). --json prints one JSON document on
stdout instead of text. Exit codes: 0 done (a report ready, an import succeeded, an artifact valid), 1 failed (a
report or import failed, the API refused, the artifact is not valid, a wait timed out), 2 a command line the CLI
cannot read.`;

const FORMATS = ['pdf', 'json'] as const;
// The slugs and severities are left for the API to judge, as the other values are: its answer names the field and
// what it allows, and the CLI never disagrees with it.
type Frameworks = ReportRequest['frameworks'];
type Severities = NonNullable<ReportRequest['scope']['include_severities']>;
const DEFAULT_TIMEOUT_SECONDS = 1_800;

const JSON_FLAG = { json: { type: 'boolean' } } as const;
const WAIT_FLAGS = {
  wait: { type: 'boolean' },
  download: { type: 'string' },
  timeout: { type: 'string' },
} as const;
const PAGE_FLAGS = { limit: { type: 'string' }, cursor: { type: 'string' } } as const;

function required<T>(command: string, value: T | undefined, flag: string): T {
  if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) {
    throw new UsageError(`evidence ${command}: --${flag} is required`, command);
  }
  return value;
}

/** A whole number from `min` to `max`, or an error naming the flag. */
function wholeNumber(command: string, raw: string | undefined, flag: string, min: number, max: number) {
  if (raw === undefined) return undefined;
  const n = /^\d{1,7}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= min && n <= max)) {
    throw new UsageError(
      `evidence ${command}: --${flag} "${raw}" is not a whole number from ${min} to ${max}`,
      command,
    );
  }
  return n;
}

/** The positional arguments a command needs, or an error naming the first one missing. */
function positional(command: string, given: string[], name: string): string {
  if (given.length === 0) throw new UsageError(`evidence ${command}: <${name}> is required`, command);
  return given[0];
}

function read<F extends Flags>(command: string, args: readonly string[], flags: F, positionals = 0) {
  try {
    return readFlags(`evidence ${command}`, args, flags, positionals);
  } catch (err) {
    throw new UsageError((err as Error).message, command);
  }
}

function waitFlags(command: string, values: { wait?: boolean; download?: string; timeout?: string }): WaitFlags {
  const download = values.download;
  if (download === '') throw new UsageError(`evidence ${command}: --download needs a folder`, command);
  return {
    // Saving the artifact needs it made: --download waits as --wait does.
    wait: values.wait === true || download !== undefined,
    timeoutSeconds: wholeNumber(command, values.timeout, 'timeout', 1, 86_400) ?? DEFAULT_TIMEOUT_SECONDS,
    ...(download !== undefined ? { downloadDir: download } : {}),
  };
}

function parseCreate(args: readonly string[]): EvidenceCommand {
  const command = 'reports create';
  const { values } = read(command, args, {
    ...JSON_FLAG,
    ...WAIT_FLAGS,
    title: { type: 'string' },
    framework: { type: 'string', multiple: true },
    endpoint: { type: 'string', multiple: true },
    from: { type: 'string' },
    to: { type: 'string' },
    severity: { type: 'string', multiple: true },
    format: { type: 'string' },
    'idempotency-key': { type: 'string' },
  });
  const format = values.format;
  if (format !== undefined && !(FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`evidence ${command}: --format "${format}" is not one of ${FORMATS.join(', ')}`, command);
  }
  return {
    kind: command,
    json: values.json === true,
    request: {
      title: required(command, values.title, 'title'),
      frameworks: required(command, values.framework, 'framework') as Frameworks,
      scope: {
        endpoint_ids: required(command, values.endpoint, 'endpoint'),
        from: required(command, values.from, 'from'),
        to: required(command, values.to, 'to'),
        ...(values.severity ? { include_severities: values.severity as Severities } : {}),
      },
      ...(format ? { format: format as 'pdf' | 'json' } : {}),
    },
    ...(values['idempotency-key'] !== undefined ? { idempotencyKey: values['idempotency-key'] } : {}),
    ...waitFlags(command, values),
  };
}

function parseReports(sub: string | undefined, args: readonly string[]): EvidenceCommand {
  const command = `reports ${sub ?? ''}`.trim();
  switch (sub) {
    case 'create':
      return parseCreate(args);
    case 'get': {
      const { values, positionals } = read(command, args, JSON_FLAG, 1);
      return { kind: 'reports get', json: values.json === true, id: positional(command, positionals, 'id') };
    }
    case 'list': {
      const { values } = read(command, args, { ...JSON_FLAG, ...PAGE_FLAGS });
      const limit = wholeNumber(command, values.limit, 'limit', 1, 100);
      return {
        kind: 'reports list',
        json: values.json === true,
        ...(limit !== undefined ? { limit } : {}),
        ...(values.cursor !== undefined ? { cursor: values.cursor } : {}),
      };
    }
    case 'download': {
      const { values, positionals } = read(
        command,
        args,
        { ...JSON_FLAG, dir: { type: 'string' }, version: { type: 'string' } },
        1,
      );
      const version = wholeNumber(command, values.version, 'version', 1, 999_999);
      return {
        kind: 'reports download',
        json: values.json === true,
        id: positional(command, positionals, 'id'),
        dir: values.dir || '.',
        ...(version !== undefined ? { version } : {}),
      };
    }
    case 'retry':
    case 'regenerate': {
      const kind = sub === 'retry' ? 'reports retry' : 'reports regenerate';
      const { values, positionals } = read(command, args, { ...JSON_FLAG, ...WAIT_FLAGS }, 1);
      return {
        kind,
        json: values.json === true,
        id: positional(command, positionals, 'id'),
        ...waitFlags(command, values),
      };
    }
    default:
      throw new UsageError(
        sub === undefined
          ? 'evidence reports: a command is required; use one of create, get, list, download, retry, regenerate'
          : `evidence reports: "${sub}" is not a command; use one of create, get, list, download, retry, regenerate`,
      );
  }
}

function parseImport(args: readonly string[]): EvidenceCommand {
  const command = 'import';
  const { values, positionals } = read(
    command,
    args,
    {
      ...JSON_FLAG,
      endpoint: { type: 'string' },
      format: { type: 'string' },
      'run-started-at': { type: 'string' },
      'include-evals': { type: 'boolean' },
      wait: { type: 'boolean' },
      timeout: { type: 'string' },
    },
    1,
  );
  const runStartedAt = values['run-started-at'];
  return {
    kind: 'import',
    json: values.json === true,
    file: positional(command, positionals, 'file'),
    endpointId: required(command, values.endpoint, 'endpoint'),
    ...(values.format !== undefined ? { format: values.format } : {}),
    ...(runStartedAt !== undefined ? { runStartedAt } : {}),
    ...(values['include-evals'] ? { includeEvals: true } : {}),
    wait: values.wait === true,
    timeoutSeconds: wholeNumber(command, values.timeout, 'timeout', 1, 86_400) ?? DEFAULT_TIMEOUT_SECONDS,
  };
}

function parseEndpoints(sub: string | undefined, args: readonly string[]): EvidenceCommand {
  const command = `endpoints ${sub ?? ''}`.trim();
  if (sub === 'create') {
    const { values } = read(command, args, {
      ...JSON_FLAG,
      name: { type: 'string' },
      description: { type: 'string' },
    });
    return {
      kind: 'endpoints create',
      json: values.json === true,
      name: required(command, values.name, 'name'),
      ...(values.description !== undefined ? { description: values.description } : {}),
    };
  }
  if (sub === 'list') {
    const { values } = read(command, args, { ...JSON_FLAG, ...PAGE_FLAGS });
    const limit = wholeNumber(command, values.limit, 'limit', 1, 100);
    return {
      kind: 'endpoints list',
      json: values.json === true,
      ...(limit !== undefined ? { limit } : {}),
      ...(values.cursor !== undefined ? { cursor: values.cursor } : {}),
    };
  }
  throw new UsageError(
    sub === undefined
      ? 'evidence endpoints: a command is required; use one of create, list'
      : `evidence endpoints: "${sub}" is not a command; use one of create, list`,
  );
}

function parseVerify(args: readonly string[]): EvidenceCommand {
  const command = 'verify';
  const { values, positionals } = read(
    command,
    args,
    {
      ...JSON_FLAG,
      jwks: { type: 'string' },
      signature: { type: 'string' },
      'signature-file': { type: 'string' },
    },
    1,
  );
  if (values.signature !== undefined && values['signature-file'] !== undefined) {
    throw new UsageError(`evidence ${command}: give --signature or --signature-file, not both`, command);
  }
  return {
    kind: 'verify',
    json: values.json === true,
    file: positional(command, positionals, 'file'),
    ...(values.jwks !== undefined ? { jwks: values.jwks } : {}),
    ...(values.signature !== undefined ? { signature: values.signature } : {}),
    ...(values['signature-file'] !== undefined ? { signatureFile: values['signature-file'] } : {}),
  };
}

const COMMANDS = 'reports, import, endpoints, verify, help';

/**
 * Reads the whole command line before anything is sent, strictly: an unknown command, a flag a command does not
 * take, a missing argument or a value out of range is a {@link UsageError} naming it, and nothing is sent. The
 * values only the API can judge (framework slugs, dates, ids) are left to it, so that the CLI and the API never
 * disagree on what is allowed.
 */
export function parseEvidenceArgs(argv: readonly string[]): EvidenceCommand {
  const [command, ...rest] = argv;
  if (command === undefined) throw new UsageError(`evidence: a command is required; use one of ${COMMANDS}`);
  if (command === 'help' || argv.includes('--help') || argv.includes('-h')) return { kind: 'help' };
  switch (command) {
    case 'reports':
      return parseReports(rest[0], rest.slice(1));
    case 'import':
      return parseImport(rest);
    case 'endpoints':
      return parseEndpoints(rest[0], rest.slice(1));
    case 'verify':
      return parseVerify(rest);
    default:
      throw new UsageError(`evidence: "${command}" is not a command; use one of ${COMMANDS}`);
  }
}
