import type { Db } from 'mongodb';
import type { AuditLog, Clock } from '../../activities/ports';
import { TenantAdmin } from '../app/tenant-admin';
import { newId } from '../infra/ids';
import { MongoTenantDirectory, MongoTokenStore } from '../infra/mongo/tenant-directory';

/** Tenant onboarding and token management over a database; the API, the tests and the CLI build theirs the same
 * way. */
export function tenantAdminOf(db: Db, audit: AuditLog, clock: Clock): TenantAdmin {
  return new TenantAdmin({
    tenants: new MongoTenantDirectory(db),
    tokens: new MongoTokenStore(db),
    audit,
    clock,
    newTenantId: () => newId('tnt'),
  });
}
