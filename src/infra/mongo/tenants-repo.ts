import type { Collection, Db } from 'mongodb';
import type { TenantSettings, TenantsRepo } from '../../../activities/ports';
import {
  fromWireApplicability,
  toWireApplicability,
  type ApplicabilityProfile,
  type WireApplicability,
} from '../../domain/applicability';
import {
  fromWireRatingMethod,
  toWireRatingMethod,
  type RatingOverride,
  type WireRatingMethod,
} from '../../domain/evidence/rating';
import type { TenantStatus } from '../../domain/tokens';
import { fromWireBranding, toWireBranding, type Branding, type WireBranding } from '../../domain/branding';

/** A tenant as stored. */
export interface TenantDoc {
  _id: string;
  name: string;
  audit_retention_days: number;
  created_at: Date;
  updated_at?: Date;
  /** Absent on tenants created before tenants could be suspended: active. */
  status?: TenantStatus;
  status_changed_at?: Date;
  /** The tenant's last offboarding, once one was asked for; kept after the purge, as the tenant record is. */
  offboarding?: OffboardingDoc;
  /** The applicability profile in its wire form. */
  applicability?: WireApplicability;
  /** The tenant's own rating method, with who set it, when and why. */
  rating_method?: { method: WireRatingMethod; reason: string; updated_by: string; updated_at: string };
  /** How the tenant's reports present it, logo included; read only by {@link MongoTenantsRepo.branding}. */
  branding?: WireBranding;
}

/** An offboarding as the tenant record keeps it. */
export interface OffboardingDoc {
  started_at: Date;
  started_by: string;
  purge_after: Date;
  workflow_id: string;
  purged_at?: Date;
  blocked_at?: Date;
  held_report_ids?: string[];
}

function fromDoc(d: TenantDoc): TenantSettings {
  const settings: TenantSettings = { id: d._id, name: d.name, auditRetentionDays: d.audit_retention_days };
  if (d.updated_at) settings.updatedAt = d.updated_at;
  if (d.applicability) settings.applicability = fromWireApplicability(d.applicability);
  if (d.rating_method) {
    const r = d.rating_method;
    settings.ratingMethod = {
      method: fromWireRatingMethod(r.method),
      reason: r.reason,
      updatedBy: r.updated_by,
      updatedAt: r.updated_at,
    };
  }
  return settings;
}

/** MongoDB implementation of {@link TenantsRepo}. */
export class MongoTenantsRepo implements TenantsRepo {
  private readonly tenants: Collection<TenantDoc>;

  constructor(db: Db) {
    this.tenants = db.collection<TenantDoc>('tenants');
  }

  async get(tenantId: string): Promise<TenantSettings | undefined> {
    // The logo stays in the database: settings are read on every report step and tenant request.
    const d = await this.tenants.findOne({ _id: tenantId }, { projection: { branding: 0 } });
    return d ? fromDoc(d) : undefined;
  }

  async branding(tenantId: string): Promise<Branding | undefined> {
    const d = await this.tenants.findOne({ _id: tenantId }, { projection: { branding: 1 } });
    return d?.branding ? fromWireBranding(d.branding) : undefined;
  }

  async setBranding(tenantId: string, branding: Branding | null): Promise<boolean> {
    const update =
      branding === null ? { $unset: { branding: '' as const } } : { $set: { branding: toWireBranding(branding) } };
    const result = await this.tenants.updateOne({ _id: tenantId }, update);
    return result.matchedCount > 0;
  }

  async setApplicability(tenantId: string, profile: ApplicabilityProfile): Promise<TenantSettings | undefined> {
    await this.tenants.updateOne({ _id: tenantId }, { $set: { applicability: toWireApplicability(profile) } });
    return this.get(tenantId);
  }

  async setRatingMethod(tenantId: string, override: RatingOverride | null): Promise<TenantSettings | undefined> {
    if (override === null) await this.tenants.updateOne({ _id: tenantId }, { $unset: { rating_method: '' } });
    else {
      const rating_method = {
        method: toWireRatingMethod(override.method),
        reason: override.reason,
        updated_by: override.updatedBy,
        updated_at: override.updatedAt,
      };
      await this.tenants.updateOne({ _id: tenantId }, { $set: { rating_method } });
    }
    return this.get(tenantId);
  }

  async setRetention(tenantId: string, days: number, at: Date): Promise<TenantSettings | undefined> {
    await this.tenants.updateOne({ _id: tenantId }, { $set: { audit_retention_days: days, updated_at: at } });
    return this.get(tenantId);
  }
}
