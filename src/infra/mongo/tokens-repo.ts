import { createHash } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import { OPERATOR_SCOPE, type Principal } from '../../domain/tokens';
import type { TenantDoc } from './tenants-repo';

export { DEFAULT_SCOPES, SCOPES, type Principal, type Scope } from '../../domain/tokens';

/** An API token as stored: only the SHA-256 of the secret, never the secret. */
export interface ApiTokenDoc {
  _id: string;
  token_sha256: string;
  /** The tenant the token belongs to; absent on an operator token. */
  tenant_id?: string;
  /** An operator token (scope `admin`, no tenant). */
  operator?: true;
  name?: string;
  scopes: string[];
  created_at: Date;
  expires_at?: Date;
  revoked_at?: Date;
  /** When the token was last looked up, to the minute (see {@link LAST_USED_GRANULARITY_MS}). */
  last_used_at?: Date;
}

/** The key by which a token is found from its secret: `_id` is the SHA-256 of the secret, so the lookup of a
 * bearer token is one read by `_id`, which FerretDB answers from its primary key. A filter on `token_sha256`
 * instead reads every token there, so each request with a random token would scan the collection. */
export interface TokenHashDoc {
  _id: string;
  token_id: string;
}

/** The collection of {@link TokenHashDoc}s. */
export const TOKEN_HASHES = 'api_token_hashes';

/** `last_used_at` is written at most once per this long per token, so a busy token does not cost a write per
 * request; with the API's token cache in front it is written at most once per the longer of this and
 * AUTH_CACHE_TTL_MS. */
export const LAST_USED_GRANULARITY_MS = 60_000;

/** The SHA-256 (hex) of a token's secret, which is what is stored and looked up. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Resolves bearer tokens to principals. */
export class MongoTokensRepo {
  private readonly tokens: Collection<ApiTokenDoc>;
  private readonly hashes: Collection<TokenHashDoc>;
  private readonly tenants: Collection<TenantDoc>;

  constructor(db: Db) {
    this.tokens = db.collection<ApiTokenDoc>('api_tokens');
    this.hashes = db.collection<TokenHashDoc>(TOKEN_HASHES);
    this.tenants = db.collection<TenantDoc>('tenants');
  }

  /** The principal of a live token, or undefined for an unknown, revoked or expired one (or one whose tenant is
   * gone). Every read is by `_id`: the secret's hash to the token's id, the token, and, for a tenant's token,
   * whether its tenant is suspended. An unknown secret costs the first read alone. */
  async authenticate(token: string, now: Date): Promise<Principal | undefined> {
    const hash = hashToken(token);
    const key = await this.hashes.findOne({ _id: hash });
    if (!key) return undefined;
    const doc = await this.tokens.findOne({ _id: key.token_id });
    if (!doc || doc.token_sha256 !== hash || doc.revoked_at || (doc.expires_at && doc.expires_at <= now))
      return undefined;
    let principal: Principal;
    if (doc.operator) {
      principal = { tokenId: doc._id, tenantId: '', scopes: [OPERATOR_SCOPE], operator: true };
    } else {
      if (!doc.tenant_id) return undefined;
      const tenant = await this.tenants.findOne({ _id: doc.tenant_id }, { projection: { status: 1 } });
      if (!tenant) return undefined;
      principal = { tokenId: doc._id, tenantId: doc.tenant_id, scopes: doc.scopes };
      // Offboarding refuses a tenant's tokens as a suspension does, before its workflow has revoked them.
      if (tenant.status !== undefined && tenant.status !== 'active') principal.suspended = true;
    }
    if (doc.expires_at) principal.expiresAt = doc.expires_at;
    if (!doc.last_used_at || now.getTime() - doc.last_used_at.getTime() >= LAST_USED_GRANULARITY_MS) {
      // Not awaited: a lost write costs only the precision of last_used_at, never the request.
      void this.tokens.updateOne({ _id: doc._id }, { $set: { last_used_at: now } }).catch(() => undefined);
    }
    return principal;
  }
}
