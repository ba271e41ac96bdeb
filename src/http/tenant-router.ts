import { Router } from 'express';
import type { AuditLog, Clock, TenantSettings, TenantsRepo } from '../../activities/ports';
import { AppError } from '../domain/errors';
import { parseTenantSettingsChange } from '../domain/retention';
import type { RetentionControl } from '../infra/temporal/retention-workflows';
import { authenticate, principalOf, requireScope, type TokenAuthenticator } from './auth';
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
  router.use('/tenant', authenticate(deps.tokens), rateLimit(deps.rateLimits), requireScope('tenant:settings'));

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

  return router;
}
