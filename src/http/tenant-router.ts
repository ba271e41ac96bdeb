import { Router } from 'express';
import type { AuditLog, Clock, TenantSettings, TenantsRepo } from '../../activities/ports';
import { AppError } from '../domain/errors';
import { toWireApplicability, validateApplicabilityProfile, type ApplicabilityProfile } from '../domain/applicability';
import {
  parseRatingChange,
  ratingInUse,
  toWireRatingMethod,
  type RatingInUse,
  type RatingOverride,
} from '../domain/evidence/rating';
import { parseTenantSettingsChange } from '../domain/retention';
import { invalid } from '../domain/validation';
import type { RetentionControl } from '../infra/temporal/retention-workflows';
import { authenticate, principalOf, requireScope, type TokenAuthenticator } from './auth';
import type { EndpointsStore } from './findings-router';
import { jsonBody } from './json-body';
import { rateLimit, type TokenBuckets } from './rate-limit';

/** What the tenant-settings API needs. */
export interface TenantRouterDeps {
  tenants: TenantsRepo;
  tokens: TokenAuthenticator;
  audit: AuditLog;
  retention: RetentionControl;
  clock: Clock;
  bodyLimitBytes: number;
  rateLimits: TokenBuckets;
  /** Per client address, requests without a live token (see takeAttempt). */
  unauthLimits: TokenBuckets;
  /** The tenant's endpoints, which an applicability profile classes. */
  endpointsStore: Pick<EndpointsStore, 'get'>;
}

function presentSettings(t: TenantSettings): Record<string, unknown> {
  return {
    tenant_id: t.id,
    name: t.name,
    audit_retention_days: t.auditRetentionDays,
    updated_at: t.updatedAt ? t.updatedAt.toISOString() : null,
  };
}

/** The caller's tenant settings, behind a scope of their own (`tenant:settings`): changing the retention moves
 * the purge deadline of every ready report of the tenant. */
export function tenantRouter(deps: TenantRouterDeps): Router {
  const router = Router();
  router.use(
    '/tenant',
    authenticate(deps.tokens, deps.unauthLimits),
    rateLimit(deps.rateLimits),
    requireScope('tenant:settings'),
  );

  async function current(tenantId: string): Promise<TenantSettings> {
    const tenant = await deps.tenants.get(tenantId);
    if (!tenant) throw new AppError('not_found', 'this token names a tenant that no longer exists');
    return tenant;
  }

  router.get('/tenant/settings', async (_req, res) => {
    res.json(presentSettings(await current(principalOf(res).tenantId)));
  });

  router.patch('/tenant/settings', ...jsonBody(deps.bodyLimitBytes), async (req, res) => {
    const principal = principalOf(res);
    const change = parseTenantSettingsChange(req.body);
    const before = await current(principal.tenantId);
    const now = deps.clock.now();
    const after = (await deps.tenants.setRetention(principal.tenantId, change.auditRetentionDays, now)) ?? before;
    await deps.audit.record({
      tenant_id: principal.tenantId,
      action: 'tenant.retention_changed',
      actor: principal.tokenId,
      at: now,
      details: { from_days: before.auditRetentionDays, to_days: after.auditRetentionDays },
    });
    // Saved first: if Temporal cannot be reached the caller gets 503 and repeats the same call, which is safe.
    const workflowId = await deps.retention.retarget(principal.tenantId, now);
    res.json({ ...presentSettings(after), retention_update: { workflow_id: workflowId } });
  });

  router.get('/tenant/applicability', async (_req, res) => {
    const tenant = await current(principalOf(res).tenantId);
    res.json(presentApplicability(tenant.applicability));
  });

  router.put('/tenant/applicability', ...jsonBody(deps.bodyLimitBytes), async (req, res) => {
    const principal = principalOf(res);
    const stated = validateApplicabilityProfile(req.body);
    const systems = stated.euAiAct?.systems ?? [];
    for (const [i, system] of systems.entries()) {
      if (!(await deps.endpointsStore.get(principal.tenantId, system.endpointId))) {
        const field = `eu_ai_act.systems[${i}].endpoint_id`;
        throw invalid(field, `${JSON.stringify(system.endpointId)} is not an endpoint of this tenant`);
      }
    }
    await current(principal.tenantId);
    const now = deps.clock.now();
    const profile: ApplicabilityProfile = { ...stated, updatedAt: now.toISOString(), updatedBy: principal.tokenId };
    const after = await deps.tenants.setApplicability(principal.tenantId, profile);
    await deps.audit.record({
      tenant_id: principal.tenantId,
      action: 'tenant.applicability_changed',
      actor: principal.tokenId,
      at: now,
      details: {
        eu_ai_act_role: profile.euAiAct?.role ?? 'none',
        eu_systems: systems.length,
        iso_42001_soa_entries: profile.iso42001?.soa.length ?? 0,
      },
    });
    res.json(presentApplicability(after?.applicability));
  });

  router.get('/tenant/rating-method', async (_req, res) => {
    const tenant = await current(principalOf(res).tenantId);
    res.json(presentRating(ratingInUse(tenant.ratingMethod)));
  });

  router.put('/tenant/rating-method', ...jsonBody(deps.bodyLimitBytes), async (req, res) => {
    const principal = principalOf(res);
    const change = parseRatingChange(req.body);
    const before = await current(principal.tenantId);
    const now = deps.clock.now();
    const override: RatingOverride | null = change.method && {
      method: change.method,
      reason: change.reason,
      updatedBy: principal.tokenId,
      updatedAt: now.toISOString(),
    };
    const after = (await deps.tenants.setRatingMethod(principal.tenantId, override)) ?? before;
    await deps.audit.record({
      tenant_id: principal.tenantId,
      action: 'tenant.rating_method_changed',
      actor: principal.tokenId,
      at: now,
      details: {
        from: before.ratingMethod
          ? `${before.ratingMethod.method.id} ${before.ratingMethod.method.version}`
          : 'default',
        to: change.method ? `${change.method.id} ${change.method.version}` : 'default',
        reason: change.reason,
      },
    });
    res.json(presentRating(ratingInUse(after.ratingMethod)));
  });

  return router;
}

/** The rating method in use as the API answers it. */
function presentRating(rating: RatingInUse): Record<string, unknown> {
  return {
    source: rating.source,
    rating_method: toWireRatingMethod(rating.method),
    override: rating.override
      ? { reason: rating.override.reason, updated_by: rating.override.updatedBy, updated_at: rating.override.updatedAt }
      : null,
  };
}

/** A tenant's applicability profile as the API answers it: the profile, or `{profile: null}` with what that means. */
function presentApplicability(profile: ApplicabilityProfile | undefined): Record<string, unknown> {
  return profile
    ? { profile: toWireApplicability(profile) }
    : {
        profile: null,
        effect:
          'no EU AI Act article is taken to apply and ISO/IEC 42001 is measured against its Annex A baseline until a profile is stated',
      };
}
