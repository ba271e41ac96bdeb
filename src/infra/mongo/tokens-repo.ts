import { createHash } from 'node:crypto';
import type { Collection, Db } from 'mongodb';

/** The API scopes a token can carry. */
export const SCOPES = [
  'reports:generate',
  'reports:read',
  'reports:legal_hold',
  'tenant:settings',
  'findings:write',
  'findings:read',
  'evidence:read',
  'audit:read',
] as const;

/** An API scope. */
export type Scope = (typeof SCOPES)[number];

/** The scopes a token is minted with when none are named: all but `evidence:read`, which reads stored evidence
 * unmasked (personal data and secrets included) and so is given only to whoever asks for it by name.
 * `audit:read` is among them: it reads only what the tenant's own tokens and links did. */
export const DEFAULT_SCOPES: readonly Scope[] = SCOPES.filter((s) => s !== 'evidence:read');

/** Who a request acts as: a token of one tenant with its scopes. */
export interface Principal {
  tokenId: string;
  tenantId: string;
  scopes: readonly string[];
  /** When the token stops working, if it ever does. */
  expiresAt?: Date;
}

/** An API token as stored: only the SHA-256 of the secret, never the secret. */
export interface ApiTokenDoc {
  _id: string;
  token_sha256: string;
  tenant_id: string;
  scopes: string[];
  created_at: Date;
  expires_at?: Date;
  revoked_at?: Date;
}

/** The SHA-256 (hex) of a token's secret, which is what is stored and looked up. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Resolves bearer tokens to principals. */
export class MongoTokensRepo {
  private readonly tokens: Collection<ApiTokenDoc>;

  constructor(db: Db) {
    this.tokens = db.collection<ApiTokenDoc>('api_tokens');
  }

  /** The principal of a live token, or undefined for an unknown, revoked or expired one. */
  async authenticate(token: string, now: Date): Promise<Principal | undefined> {
    const doc = await this.tokens.findOne({ token_sha256: hashToken(token) });
    if (!doc || doc.revoked_at || (doc.expires_at && doc.expires_at <= now)) return undefined;
    const principal: Principal = { tokenId: doc._id, tenantId: doc.tenant_id, scopes: doc.scopes };
    if (doc.expires_at) principal.expiresAt = doc.expires_at;
    return principal;
  }
}
