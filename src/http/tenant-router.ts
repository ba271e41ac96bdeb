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
import { BRANDING_BODY_LIMIT_BYTES, presentBranding, validateBranding, type Branding } from '../domain/branding';
import { parseTenantSettingsChange } from '../domain/retention';
import { invalid, shown } from '../domain/validation';
import type { RetentionControl } from '../infra/temporal/retention-workflows';
import { authenticate, principalOf, requireScope, type TokenAuthenticator } from './auth';
import type { EndpointsStore } from './findings-router';
import { validateRequest } from './contract/validate';
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

  router.patch(
    '/tenant/settings',
    ...jsonBody(deps.bodyLimitBytes),
    validateRequest('changeTenantSettings'),
    async (req, res) => {
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
    },
  );

  router.get('/tenant/applicability', async (_req, res) => {
    const tenant = await current(principalOf(res).tenantId);
    res.json(presentApplicability(tenant.applicability));
  });

  router.put(
    '/tenant/applicability',
    ...jsonBody(deps.bodyLimitBytes),
    validateRequest('setApplicability'),
    async (req, res) => {
      const principal = principalOf(res);
      const stated = validateApplicabilityProfile(req.body);
      const systems = stated.euAiAct?.systems ?? [];
      for (const [i, system] of systems.entries()) {
        if (!(await deps.endpointsStore.get(principal.tenantId, system.endpointId))) {
          const field = `eu_ai_act.systems[${i}].endpoint_id`;
          throw invalid(field, `${shown(system.endpointId)} is not an endpoint of this tenant`);
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
    },
  );

  router.get('/tenant/rating-method', async (_req, res) => {
    const tenant = await current(principalOf(res).tenantId);
    res.json(presentRating(ratingInUse(tenant.ratingMethod)));
  });

  router.put(
    '/tenant/rating-method',
    ...jsonBody(deps.bodyLimitBytes),
    validateRequest('setRatingMethod'),
    async (req, res) => {
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
    },
  );

  router.get('/tenant/branding', async (_req, res) => {
    const principal = principalOf(res);
    await current(principal.tenantId);
    res.json(presentBranding(await deps.tenants.branding(principal.tenantId)));
  });

  // Its own body limit: a logo of up to 256 KiB arrives as base64 in the JSON body, more than any other setting.
  const brandingBody = jsonBody(Math.max(deps.bodyLimitBytes, BRANDING_BODY_LIMIT_BYTES));
  router.put('/tenant/branding', ...brandingBody, validateRequest('setBranding'), async (req, res) => {
    const principal = principalOf(res);
    const stated = validateBranding(req.body);
    const before = await deps.tenants.branding(principal.tenantId);
    const now = deps.clock.now();
    const branding: Branding = { ...stated, updatedAt: now.toISOString(), updatedBy: principal.tokenId };
    if (!(await deps.tenants.setBranding(principal.tenantId, branding))) await current(principal.tenantId);
    await recordBrandingChange(principal.tenantId, principal.tokenId, now, before, branding);
    res.json(presentBranding(branding));
  });

  router.delete('/tenant/branding', async (_req, res) => {
    const principal = principalOf(res);
    const before = await deps.tenants.branding(principal.tenantId);
    if (!(await deps.tenants.setBranding(principal.tenantId, null))) await current(principal.tenantId);
    const now = deps.clock.now();
    await recordBrandingChange(principal.tenantId, principal.tokenId, now, before, undefined);
    res.json(presentBranding(undefined));
  });

  /** Records a change of branding with what each version held: the fields set and the logo's digest, so the log
   * says which logo a report could have shown without holding the image. */
  async function recordBrandingChange(
    tenantId: string,
    actor: string,
    at: Date,
    from: Branding | undefined,
    to: Branding | undefined,
  ): Promise<void> {
    await deps.audit.record({
      tenant_id: tenantId,
      action: 'tenant.branding_changed',
      actor,
      at,
      details: { ...brandingFacts(from, 'from'), ...brandingFacts(to, 'to') },
    });
  }

  return router;
}

/** What the audit log keeps of a branding: the fields set (`default` when none) and the logo by its digest. */
function brandingFacts(b: Branding | undefined, side: 'from' | 'to'): Record<string, string> {
  const fields = b
    ? [
        ...(b.organisationName !== undefined ? ['organisation_name'] : []),
        ...(b.accentColour !== undefined ? ['accent_colour'] : []),
        ...(b.confidentiality !== undefined ? ['confidentiality'] : []),
        ...(b.coverText !== undefined ? ['cover_text'] : []),
        ...(b.logo ? ['logo'] : []),
      ]
    : [];
  return {
    [`${side}_fields`]: fields.length > 0 ? fields.join(',') : 'default',
    [`${side}_logo_sha256`]: b?.logo?.sha256 ?? 'none',
  };
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
