import { Router, type Request } from 'express';
import type { TenantAdmin } from '../app/tenant-admin';
import type { TenantOffboarding } from '../app/tenant-offboarding';
import type { LoggedAuditEvent } from '../domain/audit';
import type { Listed, OffboardingState, TenantRecord, TokenRecord } from '../domain/tokens';
import { parseTenantCreate, parseTokenMint } from '../domain/tokens';
import { authenticate, principalOf, requireScope, type TokenAuthenticator } from './auth';
import { validateRequest } from './contract/validate';
import { jsonBody } from './json-body';
import { decodeCursor, pageOf, parseLimit } from './paging';
import { rateLimit, type TokenBuckets } from './rate-limit';

/** What the operator API needs. */
export interface AdminRouterDeps {
  tenantAdmin: TenantAdmin;
  tenantOffboarding: TenantOffboarding;
  tokens: TokenAuthenticator;
  rateLimits: TokenBuckets;
  unauthLimits: TokenBuckets;
  bodyLimitBytes: number;
}

/** A tenant as the operator API shows it; `offboarding` once one was asked for. */
export function presentTenant(t: TenantRecord): Record<string, unknown> {
  const shown: Record<string, unknown> = {
    id: t.id,
    name: t.name,
    audit_retention_days: t.auditRetentionDays,
    status: t.status,
    created_at: t.createdAt.toISOString(),
  };
  if (t.offboarding) shown.offboarding = presentOffboardingState(t.offboarding);
  return shown;
}

function presentOffboardingState(o: OffboardingState): Record<string, unknown> {
  return {
    started_at: o.startedAt.toISOString(),
    started_by: o.startedBy,
    purge_after: o.purgeAfter.toISOString(),
    workflow_id: o.workflowId,
    purged_at: o.purgedAt?.toISOString() ?? null,
    blocked_at: o.blockedAt?.toISOString() ?? null,
    held_report_ids: o.heldReportIds ?? null,
  };
}

/** The answer to an offboarding request: the tenant's status and its offboarding. */
export function presentOffboarding(t: TenantRecord & { offboarding: OffboardingState }): Record<string, unknown> {
  return { tenant_id: t.id, status: t.status, ...presentOffboardingState(t.offboarding) };
}

/** An event of the operator's log. */
function presentEvent(e: LoggedAuditEvent): Record<string, unknown> {
  return { id: e.id, action: e.action, at: e.at.toISOString(), actor: e.actor, details: e.details ?? {} };
}

/** A token as lists show it: never its secret, which only the mint answer holds. */
export function presentToken(t: TokenRecord): Record<string, unknown> {
  return {
    id: t.id,
    name: t.name ?? null,
    scopes: t.scopes,
    created_at: t.createdAt.toISOString(),
    expires_at: t.expiresAt?.toISOString() ?? null,
    last_used_at: t.lastUsedAt?.toISOString() ?? null,
    revoked_at: t.revokedAt?.toISOString() ?? null,
  };
}

/** The answer to a mint: the one place the secret appears. */
export function presentMinted(m: { record: TokenRecord; secret: string }): Record<string, unknown> {
  return {
    id: m.record.id,
    token: m.secret,
    scopes: m.record.scopes,
    expires_at: m.record.expiresAt?.toISOString() ?? null,
  };
}

/** The `limit` and the list position after which a page starts (-1: the first page). */
export function listPosition(req: Request): { limit: number; after: number } {
  const limit = parseLimit(req.query.limit);
  const after = decodeCursor(req.query.cursor, ([p]) =>
    Number.isSafeInteger(p) && (p as number) >= 0 ? (p as number) : undefined,
  );
  return { limit, after: after ?? -1 };
}

/** A page of a positional list, asking for one item more than the page. */
export function listPage<T>(items: Listed<T>[], limit: number, present: (item: T) => Record<string, unknown>) {
  const page = pageOf(items, limit, (last) => [last.position]);
  return { data: page.data.map((l) => present(l.item)), next_cursor: page.next };
}

/** The operator API, `/api/v2/admin`: onboarding, suspending, resuming and offboarding tenants (with the deletion
 * receipt and the operator's log of each), and minting, listing and revoking their tokens. Operator tokens only (scope `admin`, bound to no tenant); they see tenants and tokens, never a
 * tenant's findings, reports or artifacts, whose routes refuse them. */
export function adminRouter(deps: AdminRouterDeps): Router {
  const router = Router();
  const admin = deps.tenantAdmin;
  router.use(
    '/admin',
    authenticate(deps.tokens, deps.unauthLimits, { operator: true }),
    rateLimit(deps.rateLimits),
    requireScope('admin'),
  );

  router.post('/admin/tenants', ...jsonBody(deps.bodyLimitBytes), validateRequest('createTenant'), async (req, res) => {
    res.status(201).json(presentTenant(await admin.createTenant(parseTenantCreate(req.body))));
  });

  router.get('/admin/tenants', validateRequest('listTenants'), async (req, res) => {
    const { limit, after } = listPosition(req);
    res.json(listPage(await admin.listTenants(after, limit + 1), limit, presentTenant));
  });

  router.get('/admin/tenants/:id', async (req, res) => {
    res.json(presentTenant(await admin.tenant(req.params.id)));
  });

  router.post('/admin/tenants/:id/suspend', async (req, res) => {
    res.json(presentTenant(await admin.suspend(req.params.id, principalOf(res).tokenId)));
  });

  router.post('/admin/tenants/:id/resume', async (req, res) => {
    res.json(presentTenant(await admin.resume(req.params.id, principalOf(res).tokenId)));
  });

  router.post(
    '/admin/tenants/:id/tokens',
    ...jsonBody(deps.bodyLimitBytes),
    validateRequest('mintTenantToken'),
    async (req, res) => {
      const minted = await admin.mintToken(String(req.params.id), parseTokenMint(req.body), principalOf(res).tokenId);
      res.status(201).json(presentMinted(minted));
    },
  );

  router.get('/admin/tenants/:id/tokens', validateRequest('listTenantTokens'), async (req, res) => {
    const { limit, after } = listPosition(req);
    res.json(listPage(await admin.listTokens(String(req.params.id), after, limit + 1), limit, presentToken));
  });

  router.delete('/admin/tenants/:id', async (req, res) => {
    const tenant = await deps.tenantOffboarding.offboard(req.params.id, principalOf(res).tokenId);
    if (!tenant.offboarding) throw new Error(`tenant ${tenant.id} answered an offboarding without its state`);
    // Accepted while the offboarding waits or purges; once purged, the request is answered in full.
    res
      .status(tenant.status === 'offboarded' ? 200 : 202)
      .json(presentOffboarding({ ...tenant, offboarding: tenant.offboarding }));
  });

  router.get('/admin/tenants/:id/deletion-receipt', async (req, res) => {
    const kept = await deps.tenantOffboarding.receipt(req.params.id);
    // The compact JWS alone for a verifier that asks for it; otherwise the receipt readable beside it.
    if (req.accepts(['application/json', 'application/jose']) === 'application/jose') {
      res.type('application/jose').send(kept.jws);
      return;
    }
    res.json({ receipt: kept.receipt, jws: kept.jws, kid: kept.kid, sha256: kept.sha256 });
  });

  router.get('/admin/tenants/:id/events', async (req, res) => {
    res.json({ data: (await deps.tenantOffboarding.events(req.params.id)).map(presentEvent) });
  });

  router.get('/admin/operator-tokens', validateRequest('listOperatorTokens'), async (req, res) => {
    const { limit, after } = listPosition(req);
    res.json(listPage(await admin.listOperatorTokens(after, limit + 1), limit, presentToken));
  });

  router.delete('/admin/tokens/:id', async (req, res) => {
    await admin.revokeToken(req.params.id, principalOf(res).tokenId);
    res.status(204).end();
  });

  return router;
}
