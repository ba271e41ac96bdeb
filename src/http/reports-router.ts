import { Router, type Request, type Response } from 'express';
import type { AuditLog, Clock, ReportsRepo } from '../../activities/ports';
import { AppError } from '../domain/errors';
import { isId } from '../domain/ids';
import { parseApprovalRequest, versionsOf } from '../domain/approval';
import { artifactFileName, type ReportRecord } from '../domain/report';
import { parseReportRequest } from '../domain/report-request';
import { parseLegalHoldRequest } from '../domain/retention';
import type { DownloadLinks } from '../infra/download-links';
import type { Logger } from '../infra/logger';
import type { ReportWorkflows } from '../infra/temporal/report-workflows';
import type { RetentionControl } from '../infra/temporal/retention-workflows';
import { createLegalHolds } from '../app/legal-holds';
import type { ReportRequests } from '../app/report-requests';
import { authenticate, principalOf, requireScope, type TokenAuthenticator } from './auth';
import { validateRequest } from './contract/validate';
import { jsonBody } from './json-body';
import { decodeCursor, pageOf, parseLimit } from './paging';
import { rateLimit, type TokenBuckets } from './rate-limit';
import { presentReport } from './present';

/** What the reports API needs. */
export interface ReportsRouterDeps {
  reports: ReportsRepo;
  tokens: TokenAuthenticator;
  audit: AuditLog;
  workflows: ReportWorkflows;
  retention: RetentionControl;
  /** Create, regenerate and retry: the router parses and answers, these decide. */
  reportRequests: ReportRequests;
  rateLimits: TokenBuckets;
  /** Per client address, requests without a live token (see takeAttempt). */
  unauthLimits: TokenBuckets;
  links: DownloadLinks;
  clock: Clock;
  logger: Logger;
  bodyLimitBytes: number;
}

/** The version a download asks for (`?version=`), or the latest when it names none. */
function parseVersion(value: unknown, latest: number): number {
  if (value === undefined) return latest;
  const n = typeof value === 'string' && /^[1-9][0-9]{0,5}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= latest)) {
    throw new AppError(
      'invalid_request',
      `version: must be a version of this report, 1 to ${latest}; leave it out for the latest`,
      { field: 'version' },
    );
  }
  return n;
}

/** The reports API: create, read, list, approve, and the download redirect. */
export function reportsRouter(deps: ReportsRouterDeps): Router {
  const router = Router();
  // Its own paths only, as every router: a path no router has is 404 and a method its path does not take 405, for
  // an operator's token on an admin path too, rather than this router's refusal of a token it does not take.
  router.use('/reports', authenticate(deps.tokens, deps.unauthLimits), rateLimit(deps.rateLimits));
  const holds = createLegalHolds(deps);
  const requests = deps.reportRequests;

  async function findReport(req: Request, tenantId: string): Promise<ReportRecord> {
    const id = req.params.id;
    const report = isId(id, 'rpt') ? await deps.reports.get(tenantId, id) : undefined;
    if (!report) {
      throw new AppError('report_not_found', `report ${String(id)} does not exist`, { report_id: String(id) });
    }
    return report;
  }

  /** Answers a create: 202, where to poll, and the report as it stands. */
  function replyQueued(res: Response, report: ReportRecord, replayed = false): void {
    if (replayed) res.set('Idempotent-Replayed', 'true');
    res
      .status(202)
      .location(`/api/v2/reports/${report.id}`)
      .json({
        id: report.id,
        status: report.status,
        format: report.request.format,
        queued_at: report.createdAt.toISOString(),
        ...(report.regeneratedFrom ? { regenerated_from: report.regeneratedFrom } : {}),
      });
  }

  const create = [requireScope('reports:generate'), ...jsonBody(deps.bodyLimitBytes), validateRequest('createReport')];
  router.post('/reports', ...create, async (req, res) => {
    const request = parseReportRequest(req.body);
    const { report, replayed } = await requests.create(principalOf(res), request, req.get('idempotency-key'));
    replyQueued(res, report, replayed);
  });

  // The fix the 410 names: a new report over the same request, linked to the one it replaces.
  router.post('/reports/:id/regenerate', requireScope('reports:generate'), async (req, res) => {
    const principal = principalOf(res);
    const { report, replayed } = await requests.regenerate(principal, await findReport(req, principal.tenantId));
    replyQueued(res, report, replayed);
  });

  // Another attempt at a failed report: same id, same request, attempt n+1.
  router.post('/reports/:id/retry', requireScope('reports:generate'), async (req, res) => {
    const principal = principalOf(res);
    const report = await findReport(req, principal.tenantId);
    const { attempt } = await requests.retry(principal, report);
    res
      .status(202)
      .location(`/api/v2/reports/${report.id}`)
      .json({ id: report.id, status: 'queued', format: report.request.format, attempt });
  });

  router.put(
    '/reports/:id/legal-hold',
    requireScope('reports:legal_hold'),
    ...jsonBody(deps.bodyLimitBytes),
    validateRequest('placeLegalHold'),
    async (req, res) => {
      const principal = principalOf(res);
      const report = await findReport(req, principal.tenantId);
      const { reason } = parseLegalHoldRequest(req.body);
      res.json(presentReport(await holds.place(report, reason, principal.tokenId)));
    },
  );

  router.delete('/reports/:id/legal-hold', requireScope('reports:legal_hold'), async (req, res) => {
    const principal = principalOf(res);
    const report = await findReport(req, principal.tenantId);
    res.json(presentReport(await holds.release(report, principal.tokenId)));
  });

  // Sign-off: the next version of a ready report, with the approver's statement printed in it and signed again.
  router.post(
    '/reports/:id/approve',
    requireScope('reports:approve'),
    ...jsonBody(deps.bodyLimitBytes),
    validateRequest('approveReport'),
    async (req, res) => {
      const principal = principalOf(res);
      const report = await findReport(req, principal.tenantId);
      const request = parseApprovalRequest(req.body);
      if (report.status === 'expired' || report.status === 'purging') {
        throw new AppError('report_expired', `report ${report.id} was purged; there is nothing left to approve`);
      }
      if (report.status !== 'ready') {
        throw new AppError('report_not_ready', `report ${report.id} is ${report.status}; approve it once it is ready`, {
          status: report.status,
        });
      }
      const version = versionsOf(report).length + 1;
      const now = deps.clock.now();
      const input = {
        tenantId: principal.tenantId,
        reportId: report.id,
        version,
        request,
        requestedAt: now.toISOString(),
        requestedBy: principal.tokenId,
      };
      if (!(await deps.workflows.startApproval(input))) {
        throw new AppError(
          'approval_in_progress',
          `version ${version} of report ${report.id} is being made by another approval; read the report to follow it`,
          { version },
        );
      }
      await deps.reports.beginApproval(principal.tenantId, report.id, {
        version,
        state: 'approving',
        request,
        requestedAt: now,
        requestedBy: principal.tokenId,
      });
      await deps.audit.record({
        tenant_id: principal.tenantId,
        report_id: report.id,
        action: 'report.approval_requested',
        actor: principal.tokenId,
        at: now,
        details: { version, approver_name: request.approverName, approver_role: request.approverRole },
      });
      const current = (await deps.reports.get(principal.tenantId, report.id)) ?? report;
      res.status(202).location(`/api/v2/reports/${report.id}`).json(presentReport(current));
    },
  );

  router.get('/reports', requireScope('reports:read'), validateRequest('listReports'), async (req, res) => {
    const limit = parseLimit(req.query.limit);
    const after = decodeCursor(req.query.cursor, ([ms, id]) =>
      typeof ms === 'number' && Number.isFinite(ms) && isId(id, 'rpt') ? { createdAt: new Date(ms), id } : undefined,
    );
    const items = await deps.reports.list(principalOf(res).tenantId, { limit: limit + 1, after });
    const page = pageOf(items, limit, (r) => [r.createdAt.getTime(), r.id]);
    res.json({ data: page.data.map(presentReport), next_cursor: page.next });
  });

  router.get('/reports/:id', requireScope('reports:read'), async (req, res) => {
    res.json(presentReport(await findReport(req, principalOf(res).tenantId)));
  });

  router.get(
    '/reports/:id/download',
    requireScope('reports:read'),
    validateRequest('downloadReport'),
    async (req, res) => {
      const principal = principalOf(res);
      const report = await findReport(req, principal.tenantId);
      if (report.status === 'expired' || report.status === 'purging') {
        throw new AppError(
          'report_expired',
          'The artifact was purged under the retention policy; regenerate the report.',
        );
      }
      if (report.status !== 'ready' || !report.artifact) {
        throw new AppError('report_not_ready', `report ${report.id} is ${report.status}; download when it is ready`, {
          status: report.status,
        });
      }
      const versions = versionsOf(report);
      const chosen = versions[parseVersion(req.query.version, versions.length) - 1];
      const now = deps.clock.now();
      const link = deps.links.mint(
        { tenantId: report.tenantId, reportId: report.id, key: chosen.artifact.key },
        artifactFileName(report.id, report.request.format, chosen.version),
        now,
      );
      await deps.audit.record({
        tenant_id: report.tenantId,
        report_id: report.id,
        action: 'report.download_link_issued',
        actor: principal.tokenId,
        at: now,
        details: { link_expires_at: link.expiresAt.toISOString(), version: chosen.version },
      });
      res.set('Cache-Control', 'no-store').redirect(302, link.url);
    },
  );

  return router;
}
