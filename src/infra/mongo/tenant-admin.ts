import { toWireApplicability, type ApplicabilityProfile } from '../../domain/applicability';
import type { Db } from 'mongodb';
import type { Finding } from '../../domain/finding';
import { newId } from '../ids';
import { MongoEndpointsRepo } from './endpoints-repo';
import { storeFindings } from './findings-repo';
import { MongoTenantDirectory, MongoTokenStore } from './tenant-directory';
import type { TenantDoc } from './tenants-repo';
import type { Scope } from './tokens-repo';

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
    status: 'active',
  };
  if (tenant.applicability) doc.applicability = toWireApplicability(tenant.applicability);
  await new MongoTenantDirectory(db).insert(doc);
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
  const { record, secret } = await new MongoTokenStore(db).mint({
    tenantId: token.tenantId,
    scopes: token.scopes,
    createdAt: new Date(),
    ...(token.expiresAt ? { expiresAt: token.expiresAt } : {}),
  });
  return { id: record.id, secret };
}
