import type { AuditLog, Clock } from '../../activities/ports';
import type { AuditAction } from '../domain/audit';
import { DAY_MS } from '../domain/retention';
import { AppError } from '../domain/errors';
import {
  OPERATOR_SCOPE,
  type Listed,
  type TenantCreateRequest,
  type TenantRecord,
  type TenantStatus,
  type TokenMintRequest,
  type TokenRecord,
} from '../domain/tokens';

export type { Listed, TenantRecord, TenantStatus, TokenRecord } from '../domain/tokens';

/** Where tenants are kept. Lists are read by position in an append-only list, never by scanning. */
export interface TenantDirectory {
  create(tenant: Omit<TenantRecord, 'status'>): Promise<void>;
  get(id: string): Promise<TenantRecord | undefined>;
  /** Up to `limit` tenants after list position `after` (-1: from the start), oldest first. */
  list(after: number, limit: number): Promise<Listed<TenantRecord>[]>;
  setStatus(id: string, status: TenantStatus, at: Date): Promise<void>;
}

/** Where tokens are kept: only a secret's hash is stored. */
export interface TokenStore {
  mint(token: Omit<TokenRecord, 'id' | 'revokedAt' | 'lastUsedAt'>): Promise<{ record: TokenRecord; secret: string }>;
  get(id: string): Promise<TokenRecord | undefined>;
  /** Up to `limit` of a tenant's tokens after list position `after` (-1: from the start), oldest first. */
  listForTenant(tenantId: string, after: number, limit: number): Promise<Listed<TokenRecord>[]>;
  /** Up to `limit` operator tokens after list position `after` (-1: from the start), oldest first. */
  listOperators(after: number, limit: number): Promise<Listed<TokenRecord>[]>;
  revoke(id: string, at: Date): Promise<void>;
}

/** What the tenant and token use cases need. */
export interface TenantAdminDeps {
  tenants: TenantDirectory;
  tokens: TokenStore;
  audit: AuditLog;
  clock: Clock;
  newTenantId(): string;
}

/** Who acts: a token id (an operator's or a tenant's), or `cli`. */
export type Actor = string;

/**
 * Onboarding tenants, suspending and resuming them, and minting, listing and revoking their tokens: each change to
 * a tenant's status or tokens is recorded in that tenant's audit log, so the tenant reads who did it. Used by the
 * operator API, a tenant's own `tokens:manage` API and the CLI alike.
 */
export class TenantAdmin {
  constructor(private readonly deps: TenantAdminDeps) {}

  async createTenant(request: TenantCreateRequest): Promise<TenantRecord> {
    const tenant = {
      id: this.deps.newTenantId(),
      name: request.name,
      auditRetentionDays: request.auditRetentionDays,
      createdAt: this.deps.clock.now(),
    };
    await this.deps.tenants.create(tenant);
    return { ...tenant, status: 'active' };
  }

  /** The tenant, or `404 not_found`. */
  async tenant(id: string): Promise<TenantRecord> {
    const tenant = await this.deps.tenants.get(id);
    if (!tenant) throw new AppError('not_found', `tenant ${id} does not exist`, { tenant_id: id });
    return tenant;
  }

  listTenants(after: number, limit: number): Promise<Listed<TenantRecord>[]> {
    return this.deps.tenants.list(after, limit);
  }

  /** Stops serving the tenant's tokens (`403 tenant_suspended`) within the API's token cache TTL. Reports already
   * running finish and retention keeps purging: a suspension refuses requests, it does not stop the tenant's
   * workflows. Suspending a suspended tenant changes and records nothing. */
  async suspend(id: string, actor: Actor): Promise<TenantRecord> {
    return this.setStatus(id, 'suspended', 'tenant.suspended', actor);
  }

  async resume(id: string, actor: Actor): Promise<TenantRecord> {
    return this.setStatus(id, 'active', 'tenant.resumed', actor);
  }

  private async setStatus(id: string, status: TenantStatus, action: AuditAction, actor: Actor): Promise<TenantRecord> {
    const tenant = this.notOffboarded(await this.tenant(id));
    if (tenant.status === status) return tenant;
    const at = this.deps.clock.now();
    await this.deps.tenants.setStatus(id, status, at);
    await this.deps.audit.record({ tenant_id: id, action, actor, at });
    return { ...tenant, status };
  }

  /** Mints a token of the tenant; the secret is in this answer only. */
  async mintToken(
    tenantId: string,
    request: TokenMintRequest,
    actor: Actor,
  ): Promise<{ record: TokenRecord; secret: string }> {
    this.notOffboarded(await this.tenant(tenantId));
    const createdAt = this.deps.clock.now();
    const minted = await this.deps.tokens.mint({
      tenantId,
      scopes: request.scopes,
      createdAt,
      ...(request.name !== undefined ? { name: request.name } : {}),
      ...(request.expiresInDays !== undefined
        ? { expiresAt: new Date(createdAt.getTime() + request.expiresInDays * DAY_MS) }
        : {}),
    });
    const details: Record<string, string> = { token_id: minted.record.id, scopes: request.scopes.join(',') };
    if (minted.record.expiresAt) details.expires_at = minted.record.expiresAt.toISOString();
    await this.deps.audit.record({ tenant_id: tenantId, action: 'token.minted', actor, at: createdAt, details });
    return minted;
  }

  /** The tenant, unless an offboarding has it (`409 tenant_offboarded`): its status is the offboarding's, and a
   * token minted then would be revoked or purged with it. A tenant whose offboarding a legal hold blocked is the
   * operator's again to resume, suspend or give tokens. */
  private notOffboarded(tenant: TenantRecord): TenantRecord {
    if (tenant.status === 'offboarding' || tenant.status === 'offboarded') {
      throw new AppError(
        'tenant_offboarded',
        `tenant ${tenant.id} is ${tenant.status === 'offboarding' ? 'being offboarded' : 'offboarded'}: its status and tokens no longer change`,
        { tenant_id: tenant.id, status: tenant.status },
      );
    }
    return tenant;
  }

  /** Mints an operator token (scope `admin`, no tenant): only the CLI does, with access to the database. */
  mintOperatorToken(name: string): Promise<{ record: TokenRecord; secret: string }> {
    return this.deps.tokens.mint({ operator: true, name, scopes: [OPERATOR_SCOPE], createdAt: this.deps.clock.now() });
  }

  listOperatorTokens(after: number, limit: number): Promise<Listed<TokenRecord>[]> {
    return this.deps.tokens.listOperators(after, limit);
  }

  async listTokens(tenantId: string, after: number, limit: number): Promise<Listed<TokenRecord>[]> {
    await this.tenant(tenantId);
    return this.deps.tokens.listForTenant(tenantId, after, limit);
  }

  /** Revokes a token; with `ofTenant`, only one of that tenant (any other is `404`, as if it did not exist).
   * Revoking a revoked token changes and records nothing. The token stops working within the token cache TTL. */
  async revokeToken(id: string, actor: Actor, ofTenant?: string): Promise<void> {
    const token = await this.deps.tokens.get(id);
    if (!token || (ofTenant !== undefined && token.tenantId !== ofTenant)) {
      throw new AppError('not_found', `token ${id} does not exist`, { token_id: id });
    }
    if (token.revokedAt) return;
    const at = this.deps.clock.now();
    await this.deps.tokens.revoke(id, at);
    if (token.tenantId) {
      await this.deps.audit.record({
        tenant_id: token.tenantId,
        action: 'token.revoked',
        actor,
        at,
        details: { token_id: id },
      });
    }
  }
}
