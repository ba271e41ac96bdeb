import { parseArgs } from 'node:util';
import { parseTenantCreate, parseTokenMint, type TenantCreateRequest, type TokenMintRequest } from '../domain/tokens';

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

type Flags = Record<string, { type: 'string' }>;

const FLAGS: Record<string, Flags> = {
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
 * Reads the tenant and token commands strictly (`node:util` parseArgs): an unknown or misspelt flag, a missing
 * value or a stray argument is an error naming it, never ignored. Values are checked by the API's own parsers.
 */
export function parseAdminCommand(argv: readonly string[]): AdminCommand {
  const kind = `${argv[0]} ${argv[1] ?? ''}`.trim();
  const options = FLAGS[kind];
  if (!options) throw new Error(`"${kind}" is not a command; use one of ${Object.keys(FLAGS).join(', ')}`);
  const { values } = parseArgs({ args: argv.slice(2), options, strict: true, allowPositionals: false }) as {
    values: Record<string, string | undefined>;
  };
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
