import { Router } from 'express';
import type { Clock } from '../../activities/ports';
import type { LoggedAuditEvent } from '../domain/audit';
import type { AuditEventQuery } from '../infra/mongo/audit-repo';
import { parseAuditQuery } from './audit-query';
import { validateRequest } from './contract/validate';
import { authenticate, principalOf, requireScope, type TokenAuthenticator } from './auth';
import { pageOf } from './paging';
import { rateLimit, type TokenBuckets } from './rate-limit';

/** What the audit log API needs. */
export interface AuditRouterDeps {
  auditEvents: { list(tenantId: string, query: AuditEventQuery): Promise<LoggedAuditEvent[]> };
  tokens: TokenAuthenticator;
  rateLimits: TokenBuckets;
  /** Failed authentications per client address, limited before any token lookup. */
  unauthLimits: TokenBuckets;
  clock: Clock;
}

/** The public representation of an audit event; every key always present. */
export function presentAuditEvent(e: LoggedAuditEvent): Record<string, unknown> {
  return {
    id: e.id,
    action: e.action,
    at: e.at.toISOString(),
    actor: e.actor,
    report_id: e.report_id ?? null,
    details: e.details ?? {},
  };
}

/** The tenant's own audit log, newest first: what was done to its reports and settings, by which token. */
export function auditRouter(deps: AuditRouterDeps): Router {
  const router = Router();
  router.use('/audit-events', authenticate(deps.tokens, deps.unauthLimits), rateLimit(deps.rateLimits));

  router.get('/audit-events', requireScope('audit:read'), validateRequest('listAuditEvents'), async (req, res) => {
    const { pageSize, ...query } = parseAuditQuery(req.query, deps.clock.now());
    const events = await deps.auditEvents.list(principalOf(res).tenantId, query);
    const page = pageOf(events, pageSize, (e) => [e.at.getTime(), e.id]);
    res.json({ data: page.data.map(presentAuditEvent), next_cursor: page.next });
  });

  return router;
}
