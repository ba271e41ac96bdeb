import { isoTime } from '../domain/finding-input';
import { isScannerFormat, SCANNER_FORMATS, type ScannerFormat } from '../domain/importers/types';
import { parseTenantCreate, parseTokenMint, type TenantCreateRequest, type TokenMintRequest } from '../domain/tokens';
import { SCOPES } from '../infra/mongo/tokens-repo';
import { readFlags, type StringFlags } from '../client/cli/flags';

/** A tenant or token command of the CLI, its flags checked. */
export type AdminCommand =
  | { kind: 'operator-token create'; name: string }
  | { kind: 'operator-token list' }
  | { kind: 'tenant create'; request: TenantCreateRequest }
  | { kind: 'tenant list' }
  | { kind: 'tenant suspend' | 'tenant resume'; tenantId: string }
  | { kind: 'token mint'; tenantId: string; request: TokenMintRequest }
  | { kind: 'token list'; tenantId: string }
  | { kind: 'token revoke'; tokenId: string };

const FLAGS: Record<string, StringFlags> = {
  'operator-token create': { name: { type: 'string' } },
  'operator-token list': {},
  'tenant create': { name: { type: 'string' }, 'audit-retention-days': { type: 'string' } },
  'tenant list': {},
  'tenant suspend': { tenant: { type: 'string' } },
  'tenant resume': { tenant: { type: 'string' } },
  'token mint': {
    tenant: { type: 'string' },
    scopes: { type: 'string' },
    name: { type: 'string' },
    'expires-in-days': { type: 'string' },
  },
  'token list': { tenant: { type: 'string' } },
  'token revoke': { id: { type: 'string' } },
};

/** Whether `argv` starts with one of the commands {@link parseAdminCommand} reads. */
export function isAdminCommand(argv: readonly string[]): boolean {
  return ['operator-token', 'tenant', 'token'].includes(argv[0] ?? '');
}

function required(values: Record<string, string | undefined>, flag: string): string {
  const value = values[flag];
  if (value === undefined || value === '') throw new Error(`--${flag} is required`);
  return value;
}

function wholeNumber(values: Record<string, string | undefined>, flag: string): number | undefined {
  const raw = values[flag];
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw new Error(`--${flag} "${raw}" is not a whole number`);
  return Number(raw);
}

/** The API's message for a domain validation error, with the field named as the flag it came from. */
function asFlags<T>(parse: () => T, flagOf: Record<string, string>): T {
  try {
    return parse();
  } catch (err) {
    const field = (err as { details?: { field?: string } }).details?.field?.replace(/\[\d+\]$/, '');
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(field && flagOf[field] ? `--${flagOf[field]}: ${message.replace(/^[^:]*: /, '')}` : message);
  }
}

/**
 * Reads the tenant and token commands strictly (see {@link readFlags}): an unknown or misspelt flag, a missing
 * value or a stray argument is an error naming it, never ignored. Values are checked by the API's own parsers.
 */
export function parseAdminCommand(argv: readonly string[]): AdminCommand {
  const kind = `${argv[0]} ${argv[1] ?? ''}`.trim();
  const options = FLAGS[kind];
  if (!options) throw new Error(`"${kind}" is not a command; use one of ${Object.keys(FLAGS).join(', ')}`);
  const { values } = readFlags(`cli ${kind}`, argv.slice(2), options);
  switch (kind) {
    case 'operator-token create':
      return { kind, name: required(values, 'name') };
    case 'tenant create': {
      const days = wholeNumber(values, 'audit-retention-days');
      const body = { name: required(values, 'name'), ...(days !== undefined ? { audit_retention_days: days } : {}) };
      return {
        kind,
        request: asFlags(() => parseTenantCreate(body), { audit_retention_days: 'audit-retention-days' }),
      };
    }
    case 'operator-token list':
    case 'tenant list':
      return { kind };
    case 'tenant suspend':
    case 'tenant resume':
      return { kind, tenantId: required(values, 'tenant') };
    case 'token mint': {
      const days = wholeNumber(values, 'expires-in-days');
      const body = {
        scopes: required(values, 'scopes')
          .split(',')
          .map((s) => s.trim()),
        ...(values.name !== undefined ? { name: values.name } : {}),
        ...(days !== undefined ? { expires_in_days: days } : {}),
      };
      return {
        kind,
        tenantId: required(values, 'tenant'),
        request: asFlags(() => parseTokenMint(body), { scopes: 'scopes', expires_in_days: 'expires-in-days' }),
      };
    }
    case 'token list':
      return { kind, tenantId: required(values, 'tenant') };
    default:
      return { kind: 'token revoke', tokenId: required(values, 'id') };
  }
}

/** Every command of the CLI, its arguments and what it does. */
export const USAGE = `usage:
  cli seed-demo                         load the demo tenant (once) and print a fresh token as JSON
  cli mint-token <tenant-id> [scopes]   mint a token; scopes comma-separated, any of ${SCOPES.join(',')}
                                        (default: all but evidence:read, which reads evidence unmasked)
  cli import <file> --tenant <id> --endpoint <id> [--format garak-report|garak-hitlog|promptfoo]
             [--run-started-at <ISO time>] [--include-evals true]
                                        import a garak report/hitlog or promptfoo results into an endpoint as a
                                        job a worker runs, waiting for it with a progress bar (a hitlog records
                                        no time: its hits are dated at the import)
  cli verify <file> --jwks <url|file> [--signature <jws> | --signature-file <file>]
                                        check a downloaded PDF or JSON against the published keys only
  cli operator-token create --name <name>
                                        mint an operator token (scope admin, no tenant) for /api/v2/admin
  cli operator-token list               the operator tokens, without secrets (revoke with cli token revoke)
  cli tenant create --name <name> [--audit-retention-days <days>]
  cli tenant list
  cli tenant suspend|resume --tenant <id>
  cli token mint --tenant <id> --scopes <a,b> [--name <name>] [--expires-in-days <days>]
  cli token list --tenant <id>
  cli token revoke --id <token-id>      the operator API's answers, as JSON; changes are audited as by "cli"
  cli new-jws-key <folder>              add a JSON signing key to <folder> (the JWS_KEYS_DIR production needs),
                                        making it the one that signs; earlier keys stay published
  cli help                              this text
A command line the CLI cannot read exits 2; a command that fails exits 1 (verify: the artifact is not valid).`;

/** One command of the CLI, its arguments read and checked. */
export type CliCommand =
  | { kind: 'help' }
  | { kind: 'seed-demo' }
  | { kind: 'mint-token'; tenantId: string; scopes?: string[] }
  | {
      kind: 'import';
      file: string;
      tenantId: string;
      endpointId: string;
      format?: ScannerFormat;
      /** ISO 8601, normalised to UTC. */
      runStartedAt?: string;
      includeEvals: boolean;
    }
  | { kind: 'verify'; file: string; jwks: string; signature?: string; signatureFile?: string }
  | { kind: 'new-jws-key'; folder: string }
  | { kind: 'admin'; command: AdminCommand };

const COMMANDS = ['seed-demo', 'mint-token', 'import', 'verify', 'new-jws-key', 'operator-token', 'tenant', 'token'];

/** The positional arguments a command needs, or an error naming the first one missing. */
function positionalsOf(command: string, given: string[], names: string[]): string[] {
  if (given.length < names.length) throw new Error(`${command}: <${names[given.length]}> is required`);
  return given;
}

function requiredFlag(command: string, values: Record<string, string | undefined>, flag: string): string {
  const value = values[flag];
  if (value === undefined || value === '') throw new Error(`${command}: --${flag} is required`);
  return value;
}

function parseImport(args: readonly string[]): CliCommand {
  const command = 'cli import';
  const { values, positionals } = readFlags(
    command,
    args,
    {
      tenant: { type: 'string' },
      endpoint: { type: 'string' },
      format: { type: 'string' },
      'run-started-at': { type: 'string' },
      'include-evals': { type: 'string' },
    },
    1,
  );
  const [file] = positionalsOf(command, positionals, ['file']);
  const { format, 'run-started-at': runStartedAt, 'include-evals': includeEvals } = values;
  if (format !== undefined && !isScannerFormat(format)) {
    throw new Error(`${command}: --format "${format}" is not one of ${SCANNER_FORMATS.join(', ')}`);
  }
  const started = runStartedAt === undefined ? undefined : isoTime(runStartedAt);
  if (runStartedAt !== undefined && !started) {
    throw new Error(`${command}: --run-started-at "${runStartedAt}" is not an ISO 8601 time with a zone`);
  }
  if (includeEvals !== undefined && includeEvals !== 'true' && includeEvals !== 'false') {
    throw new Error(`${command}: --include-evals "${includeEvals}" is not true or false`);
  }
  return {
    kind: 'import',
    file,
    tenantId: requiredFlag(command, values, 'tenant'),
    endpointId: requiredFlag(command, values, 'endpoint'),
    ...(format ? { format } : {}),
    ...(started ? { runStartedAt: started.toISOString() } : {}),
    includeEvals: includeEvals === 'true',
  };
}

function parseVerify(args: readonly string[]): CliCommand {
  const command = 'cli verify';
  const { values, positionals } = readFlags(
    command,
    args,
    { jwks: { type: 'string' }, signature: { type: 'string' }, 'signature-file': { type: 'string' } },
    1,
  );
  const [file] = positionalsOf(command, positionals, ['file']);
  if (values.signature !== undefined && values['signature-file'] !== undefined) {
    throw new Error(`${command}: give --signature or --signature-file, not both`);
  }
  return {
    kind: 'verify',
    file,
    jwks: requiredFlag(command, values, 'jwks'),
    ...(values.signature !== undefined ? { signature: values.signature } : {}),
    ...(values['signature-file'] !== undefined ? { signatureFile: values['signature-file'] } : {}),
  };
}

function parseMintToken(args: readonly string[]): CliCommand {
  const command = 'cli mint-token';
  const [tenantId, scopesArg] = positionalsOf(command, readFlags(command, args, {}, 2).positionals, ['tenant-id']);
  if (scopesArg === undefined) return { kind: 'mint-token', tenantId };
  const scopes = scopesArg.split(',').map((s) => s.trim());
  const bad = scopes.find((s) => !(SCOPES as readonly string[]).includes(s));
  if (bad !== undefined) throw new Error(`${command}: scope "${bad}" is unknown; use any of ${SCOPES.join(', ')}`);
  return { kind: 'mint-token', tenantId, scopes };
}

/**
 * Reads the whole command line before anything connects, strictly: an unknown command, a flag a command does not
 * take (a misspelt `--run-started`, say), a missing argument or a value out of range is an error naming it, and
 * changes nothing. The caller exits 2 on it, apart from the 1 of a command that ran and failed.
 */
export function parseCommandLine(argv: readonly string[]): CliCommand {
  const [command, ...args] = argv;
  if (command === undefined) throw new Error(`a command is required; use one of ${COMMANDS.join(', ')}`);
  if (command === 'help' || command === '--help' || command === '-h') return { kind: 'help' };
  if (isAdminCommand(argv)) return { kind: 'admin', command: parseAdminCommand(argv) };
  switch (command) {
    case 'seed-demo':
      readFlags('cli seed-demo', args, {});
      return { kind: 'seed-demo' };
    case 'mint-token':
      return parseMintToken(args);
    case 'import':
      return parseImport(args);
    case 'verify':
      return parseVerify(args);
    case 'new-jws-key': {
      const [folder] = positionalsOf('cli new-jws-key', readFlags('cli new-jws-key', args, {}, 1).positionals, [
        'folder',
      ]);
      return { kind: 'new-jws-key', folder };
    }
    default:
      throw new Error(`"${command}" is not a command; use one of ${COMMANDS.join(', ')}`);
  }
}
