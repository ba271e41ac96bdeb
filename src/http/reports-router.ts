import { createHash } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import type { AuditLog, Clock, FindingsRepo, IdempotencyKeys, ReportsRepo } from '../../activities/ports';
import { AppError } from '../domain/errors';
import { isId } from '../domain/ids';
import { parseApprovalRequest, versionsOf } from '../domain/approval';
import { artifactFileName, type ReportRecord, type ReportRequest } from '../domain/report';
import { parseReportRequest } from '../domain/report-request';
import { parseLegalHoldRequest } from '../domain/retention';
import type { DownloadLinks } from '../infra/download-links';
import type { Logger } from '../infra/logger';
import type { ReportWorkflows } from '../infra/temporal/report-workflows';
import type { RetentionControl } from '../infra/temporal/retention-workflows';
import { createLegalHolds } from '../app/legal-holds';
import type { TenantQuotas } from '../app/tenant-quotas';
import { authenticate, principalOf, requireScope, type TokenAuthenticator } from './auth';
import { jsonBody } from './json-body';
import { decodeCursor, pageOf, parseLimit } from './paging';
import { rateLimit, type TokenBuckets } from './rate-limit';
import { presentReport } from './present';

/** What the reports API needs. */
export interface ReportsRouterDeps {
  reports: ReportsRepo;
  findings: Pick<FindingsRepo, 'endpoints'>;
  tokens: TokenAuthenticator;
  audit: AuditLog;
  workflows: ReportWorkflows;
  retention: RetentionControl;
  idempotency: IdempotencyKeys;
  rateLimits: TokenBuckets;
  /** Per client address, requests without a live token (see takeAttempt). */
  unauthLimits: TokenBuckets;
  links: DownloadLinks;
  clock: Clock;
  logger: Logger;
  newReportId: () => string;
  bodyLimitBytes: number;
  /** The tenant's quota of reports queued or running: a report takes a slot as it is queued (429 when none is
   * free) and gives it back when it ends. */
  quotas: Pick<TenantQuotas, 'takeReport' | 'releaseReport'>;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

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
  router.use(authenticate(deps.tokens, deps.unauthLimits), rateLimit(deps.rateLimits));
  const holds = createLegalHolds(deps);

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

  /** Stores a new report and starts its workflow; answers 202 with where to poll. */
  async function createReport(
    res: Response,
    request: ReportRequest,
    opts: { id?: string; regeneratedFrom?: ReportRecord } = {},
  ): Promise<void> {
    const principal = principalOf(res);
    const now = deps.clock.now();
    const { regeneratedFrom } = opts;
    const report: ReportRecord = {
      id: opts.id ?? deps.newReportId(),
      tenantId: principal.tenantId,
      request,
      status: 'queued',
      createdAt: now,
      progress: { stage: 'queued', percent: 0 },
      attempts: 0,
      ...(regeneratedFrom ? { regeneratedFrom: regeneratedFrom.id } : {}),
    };
    await deps.quotas.takeReport(report.tenantId, report.id);
    try {
      await deps.reports.insert(report);
    } catch (err) {
      // A concurrent request with the same Idempotency-Key inserted it first: answer what it made (whose slot
      // this one shares, given back with it when the report ends).
      const existing =
        opts.id && err instanceof AppError && err.code === 'already_exists'
          ? await deps.reports.get(principal.tenantId, opts.id)
          : undefined;
      if (!existing) {
        await deps.quotas.releaseReport(report.tenantId, report.id);
        throw err;
      }
      replyQueued(res, existing, true);
      return;
    }
    try {
      await deps.workflows.start({
        reportId: report.id,
        tenantId: report.tenantId,
        format: request.format,
        title: request.title,
      });
    } catch (err) {
      // No orphan: a report nobody will ever generate must not be left behind, nor hold a slot.
      await deps.reports.deleteQueued(report.tenantId, report.id);
      await deps.quotas.releaseReport(report.tenantId, report.id);
      throw err;
    }
    await deps.audit.record({
      tenant_id: report.tenantId,
      report_id: report.id,
      action: regeneratedFrom ? 'report.regenerated' : 'report.created',
      actor: principal.tokenId,
      at: now,
      ...(regeneratedFrom ? { details: { regenerated_from: regeneratedFrom.id } } : {}),
    });
    replyQueued(res, report);
  }

  router.post('/reports', requireScope('reports:generate'), ...jsonBody(deps.bodyLimitBytes), async (req, res) => {
    const principal = principalOf(res);
    const request = parseReportRequest(req.body);
    const known = new Set(
      (await deps.findings.endpoints(principal.tenantId, request.scope.endpointIds)).map((e) => e.id),
    );
    const unknownIndex = request.scope.endpointIds.findIndex((id) => !known.has(id));
    if (unknownIndex >= 0) {
      const field = `scope.endpoint_ids[${unknownIndex}]`;
      throw new AppError(
        'invalid_request',
        `${field}: "${request.scope.endpointIds[unknownIndex]}" is not an endpoint of this tenant`,
        { field },
      );
    }
    const key = req.get('idempotency-key');
    if (key === undefined) {
      await createReport(res, request);
      return;
    }
    if (!IDEMPOTENCY_KEY.test(key)) {
      throw new AppError('invalid_request', 'Idempotency-Key: must be 1 to 255 visible ASCII characters', {
        field: 'Idempotency-Key',
      });
    }
    const bodySha256 = createHash('sha256').update(JSON.stringify(request)).digest('hex');
    const claim = await deps.idempotency.claim(
      principal.tenantId,
      key,
      bodySha256,
      deps.newReportId(),
      deps.clock.now(),
    );
    const existing = claim.replay ? await deps.reports.get(principal.tenantId, claim.reportId) : undefined;
    if (existing) {
      replyQueued(res, existing, true);
      return;
    }
    // First use, or a repeat after an attempt that never stored its report (Temporal was down): create it now.
    await createReport(res, request, { id: claim.reportId });
  });

  // The fix the 410 names: a new report over the same request, linked to the one it replaces.
  router.post('/reports/:id/regenerate', requireScope('reports:generate'), async (req, res) => {
    const original = await findReport(req, principalOf(res).tenantId);
    if (original.status === 'queued' || original.status === 'running') {
      throw new AppError(
        'report_not_ready',
        `report ${original.id} is ${original.status}; regenerate it once it has finished`,
        { status: original.status },
      );
    }
    await createReport(res, original.request, { regeneratedFrom: original });
  });

  // Another attempt at a failed report: same id, same request, attempt n+1.
  router.post('/reports/:id/retry', requireScope('reports:generate'), async (req, res) => {
    const principal = principalOf(res);
    const report = await findReport(req, principal.tenantId);
    if (report.status === 'failed') await deps.quotas.takeReport(principal.tenantId, report.id);
    if (
      report.status !== 'failed' ||
      !(await deps.reports.requeueFailed(principal.tenantId, report.id, deps.clock.now()))
    ) {
      if (report.status === 'failed') await deps.quotas.releaseReport(principal.tenantId, report.id);
      throw new AppError(
        'report_not_retryable',
        `report ${report.id} is ${report.status}; only a failed report can be retried (regenerate makes a new one)`,
        { status: report.status },
      );
    }
    try {
      await deps.workflows.startAgain({
        reportId: report.id,
        tenantId: report.tenantId,
        format: report.request.format,
        title: report.request.title,
      });
    } catch (err) {
      // Back to how it was, so the caller's 503 means nothing changed.
      const previous = report.error ?? { code: 'internal', message: 'the report failed' };
      await deps.reports.markFailed(
        principal.tenantId,
        report.id,
        previous,
        report.failedAt ?? deps.clock.now(),
        report.expiresAt,
      );
      await deps.quotas.releaseReport(principal.tenantId, report.id);
      throw err;
    }
    const now = deps.clock.now();
    await deps.audit.record({
      tenant_id: principal.tenantId,
      report_id: report.id,
      action: 'report.retried',
      actor: principal.tokenId,
      at: now,
      details: { attempt: report.attempts + 1, previous_error: report.error?.code ?? '' },
    });
    res
      .status(202)
      .location(`/api/v2/reports/${report.id}`)
      .json({ id: report.id, status: 'queued', format: report.request.format, attempt: report.attempts + 1 });
  });

  router.put(
    '/reports/:id/legal-hold',
    requireScope('reports:legal_hold'),
    ...jsonBody(deps.bodyLimitBytes),
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

  router.get('/reports', requireScope('reports:read'), async (req, res) => {
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

  router.get('/reports/:id/download', requireScope('reports:read'), async (req, res) => {
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
  });

  return router;
}
