import { toWireApplicability, type ApplicabilityProfile } from '../../domain/applicability';
import { randomBytes } from 'node:crypto';
import type { Db } from 'mongodb';
import type { Finding } from '../../domain/finding';
import { newId } from '../ids';
import { MongoEndpointsRepo } from './endpoints-repo';
import { storeFindings } from './findings-repo';
import type { TenantDoc } from './tenants-repo';
import { hashToken, type ApiTokenDoc, type Scope } from './tokens-repo';

/** Creates a tenant and returns its id. */
export async function createTenant(
  db: Db,
  tenant: { name: string; auditRetentionDays: number; id?: string; applicability?: ApplicabilityProfile },
): Promise<string> {
  const id = tenant.id ?? newId('tnt');
  const doc: TenantDoc = {
    _id: id,
    name: tenant.name,
    audit_retention_days: tenant.auditRetentionDays,
    created_at: new Date(),
  };
  if (tenant.applicability) doc.applicability = toWireApplicability(tenant.applicability);
  await db.collection<TenantDoc>('tenants').insertOne(doc);
  return id;
}

/** Registers an endpoint under test for a tenant and returns its id (the existing one's, for a name the tenant
 * already uses): the API's registration, for seeding and tests. */
export async function createEndpoint(
  db: Db,
  endpoint: { tenantId: string; name: string; description: string; id?: string },
): Promise<string> {
  const { endpoint: stored } = await new MongoEndpointsRepo(db).create({
    id: endpoint.id ?? newId('ep'),
    tenantId: endpoint.tenantId,
    name: endpoint.name,
    description: endpoint.description,
    createdAt: new Date().toISOString(),
  });
  return stored.id;
}

/** Stores findings as given, ids included (see {@link storeFindings}). */
export async function insertFindings(db: Db, findings: Finding[]): Promise<void> {
  await storeFindings(db, findings);
}

/** Mints an API token for a tenant. The secret is returned once and only its hash is stored. */
export async function mintToken(
  db: Db,
  token: { tenantId: string; scopes: Scope[]; expiresAt?: Date },
): Promise<{ id: string; secret: string }> {
  const id = newId('tok');
  const secret = `aer_${randomBytes(32).toString('base64url')}`;
  const doc: ApiTokenDoc = {
    _id: id,
    token_sha256: hashToken(secret),
    tenant_id: token.tenantId,
    scopes: [...token.scopes],
    created_at: new Date(),
  };
  if (token.expiresAt) doc.expires_at = token.expiresAt;
  await db.collection<ApiTokenDoc>('api_tokens').insertOne(doc);
  return { id, secret };
}
