import { MAX_RETENTION_DAYS, MIN_RETENTION_DAYS } from './retention';
import { invalid, isPlainObject, rejectUnknownFields, shown, refuseHiddenCharacters } from './validation';

/** The API scopes a tenant's token can carry. */
export const SCOPES = [
  'reports:generate',
  'reports:read',
  'reports:legal_hold',
  'reports:approve',
  'tenant:settings',
  'findings:write',
  'findings:read',
  'findings:triage',
  'evidence:read',
  'audit:read',
  'tokens:manage',
] as const;

/** An API scope of a tenant's token. */
export type Scope = (typeof SCOPES)[number];

/** The one scope of an operator token, which is bound to no tenant and reaches only `/api/v2/admin`. */
export const OPERATOR_SCOPE = 'admin';

/** The scopes a token is minted with when none are named: all but `evidence:read`, which reads stored evidence
 * unmasked (personal data and secrets included), `tokens:manage`, which mints tokens that outlive the one
 * that minted them, and `reports:approve`, which signs a report off in a person's name; each is given only to
 * whoever asks for it by name.
 * `audit:read` is among them: it reads only what the tenant's own tokens and links did. */
export const DEFAULT_SCOPES: readonly Scope[] = SCOPES.filter(
  (s) => s !== 'evidence:read' && s !== 'tokens:manage' && s !== 'reports:approve',
);

/** Who a request acts as: a token of one tenant with its scopes, or an operator token (no tenant). */
export interface Principal {
  tokenId: string;
  /** The tenant the token belongs to; empty for an operator token, which no tenant route accepts. */
  tenantId: string;
  scopes: readonly string[];
  /** When the token stops working, if it ever does. */
  expiresAt?: Date;
  /** An operator token: `/api/v2/admin` only. */
  operator?: true;
  /** The token's tenant is suspended: every tenant route answers `403 tenant_suspended`. */
  suspended?: true;
}

export function isScope(value: unknown): value is Scope {
  return (SCOPES as readonly unknown[]).includes(value);
}

/** Longest lifetime a token may be minted with, in days. */
export const MAX_TOKEN_DAYS = 3650;
/** Longest name of a token or a tenant, in characters. */
export const MAX_NAME = 100;

/** A validated request to mint a tenant's token. */
export interface TokenMintRequest {
  scopes: Scope[];
  name?: string;
  expiresInDays?: number;
}

function optionalName(body: Record<string, unknown>): string | undefined {
  const name = body.name;
  if (name === undefined) return undefined;
  if (typeof name !== 'string' || name.trim() === '' || name.length > MAX_NAME) {
    throw invalid('name', `must be a non-empty string of at most ${MAX_NAME} characters`);
  }
  return name.trim();
}

/**
 * Validates a token mint body `{scopes, name?, expires_in_days?}`. `grantable` is what the caller may give: every
 * scope for an operator, the caller's own scopes for a tenant's `tokens:manage` token; a scope outside it is an
 * `invalid_request` naming it.
 */
export function parseTokenMint(body: unknown, grantable: readonly string[] = SCOPES): TokenMintRequest {
  if (!isPlainObject(body)) throw invalid('body', 'must be a JSON object such as {"scopes": ["reports:read"]}');
  rejectUnknownFields(body, ['scopes', 'name', 'expires_in_days']);
  const scopes = body.scopes;
  if (!Array.isArray(scopes) || scopes.length === 0) {
    throw invalid('scopes', `is required: a non-empty array of any of ${SCOPES.join(', ')}`);
  }
  const seen = new Set<Scope>();
  scopes.forEach((s, i) => {
    if (!isScope(s)) throw invalid(`scopes[${i}]`, `${shown(s)} is not a scope; use any of ${SCOPES.join(', ')}`);
    if (!grantable.includes(s)) {
      throw invalid(
        `scopes[${i}]`,
        `${shown(s)} is not a scope of the calling token, which can grant only ${grantable.join(', ')}`,
      );
    }
    seen.add(s);
  });
  const request: TokenMintRequest = { scopes: SCOPES.filter((s) => seen.has(s)) };
  const name = optionalName(body);
  if (name !== undefined) request.name = name;
  const days = body.expires_in_days;
  if (days !== undefined) {
    if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > MAX_TOKEN_DAYS) {
      throw invalid('expires_in_days', `must be a whole number of days from 1 to ${MAX_TOKEN_DAYS}`);
    }
    request.expiresInDays = days;
  }
  return request;
}

/** A validated request to create a tenant. */
export interface TenantCreateRequest {
  name: string;
  auditRetentionDays: number;
}

/** Retention of a tenant created without one. */
export const DEFAULT_RETENTION_DAYS = 365;

/** Validates a tenant creation body `{name, audit_retention_days?}`. */
export function parseTenantCreate(body: unknown): TenantCreateRequest {
  if (!isPlainObject(body)) throw invalid('body', 'must be a JSON object such as {"name": "Example Corp"}');
  rejectUnknownFields(body, ['name', 'audit_retention_days']);
  const name = optionalName(body);
  if (name === undefined) throw invalid('name', `is required: a non-empty string of at most ${MAX_NAME} characters`);
  refuseHiddenCharacters('name', name);
  const days = body.audit_retention_days ?? DEFAULT_RETENTION_DAYS;
  if (typeof days !== 'number' || !Number.isInteger(days) || days < MIN_RETENTION_DAYS || days > MAX_RETENTION_DAYS) {
    throw invalid(
      'audit_retention_days',
      `must be a whole number of days from ${MIN_RETENTION_DAYS} to ${MAX_RETENTION_DAYS}`,
    );
  }
  return { name, auditRetentionDays: days };
}

/** Whether a tenant's tokens are served: only an `active` tenant's are. `offboarding` (waiting out its grace period
 * or being purged), `offboarded` (purged; the record stays for the operator) and `offboarding_blocked` (a legal
 * hold appeared before the purge, which did not happen) are set by offboarding alone (see offboarding.ts). */
export type TenantStatus = 'active' | 'suspended' | 'offboarding' | 'offboarded' | 'offboarding_blocked';

/** A tenant as the operator API shows it. */
export interface TenantRecord {
  id: string;
  name: string;
  auditRetentionDays: number;
  status: TenantStatus;
  createdAt: Date;
  /** The tenant's last offboarding, once one was asked for. */
  offboarding?: OffboardingState;
}

/** Where a tenant's offboarding stands: when and by whom it was asked for, when the grace period ends, the workflow
 * that carries it out, and how it ended. */
export interface OffboardingState {
  startedAt: Date;
  /** Who asked: an operator token's id, or `cli`. */
  startedBy: string;
  /** The end of the grace period: nothing is purged before it. */
  purgeAfter: Date;
  workflowId: string;
  purgedAt?: Date;
  /** Set when the purge was refused because reports were on legal hold when it was due. */
  blockedAt?: Date;
  heldReportIds?: string[];
}

/** A token without its secret. */
export interface TokenRecord {
  id: string;
  /** Absent on an operator token. */
  tenantId?: string;
  operator?: true;
  name?: string;
  scopes: string[];
  createdAt: Date;
  expiresAt?: Date;
  revokedAt?: Date;
  lastUsedAt?: Date;
}

/** One item of a list, with its position for the next page's cursor. */
export interface Listed<T> {
  item: T;
  position: number;
}
