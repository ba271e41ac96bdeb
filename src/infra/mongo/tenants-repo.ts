import type { Collection, Db } from 'mongodb';
import type { TenantSettings, TenantsRepo } from '../../../activities/ports';
import {
  fromWireApplicability,
  toWireApplicability,
  type ApplicabilityProfile,
  type WireApplicability,
} from '../../domain/applicability';

/** A tenant as stored. */
export interface TenantDoc {
  _id: string;
  name: string;
  audit_retention_days: number;
  created_at: Date;
  updated_at?: Date;
  /** The applicability profile in its wire form. */
  applicability?: WireApplicability;
}

function fromDoc(d: TenantDoc): TenantSettings {
  const settings: TenantSettings = { id: d._id, name: d.name, auditRetentionDays: d.audit_retention_days };
  if (d.updated_at) settings.updatedAt = d.updated_at;
  if (d.applicability) settings.applicability = fromWireApplicability(d.applicability);
  return settings;
}

/** MongoDB implementation of {@link TenantsRepo}. */
export class MongoTenantsRepo implements TenantsRepo {
  private readonly tenants: Collection<TenantDoc>;

  constructor(db: Db) {
    this.tenants = db.collection<TenantDoc>('tenants');
  }

  async get(tenantId: string): Promise<TenantSettings | undefined> {
    const d = await this.tenants.findOne({ _id: tenantId });
    return d ? fromDoc(d) : undefined;
  }

  async setApplicability(tenantId: string, profile: ApplicabilityProfile): Promise<TenantSettings | undefined> {
    await this.tenants.updateOne({ _id: tenantId }, { $set: { applicability: toWireApplicability(profile) } });
    return this.get(tenantId);
  }

  async setRetention(tenantId: string, days: number, at: Date): Promise<TenantSettings | undefined> {
    await this.tenants.updateOne({ _id: tenantId }, { $set: { audit_retention_days: days, updated_at: at } });
    return this.get(tenantId);
  }
}
