import express, { Router, type Request } from 'express';
import type { Clock, FindingsRepo, ReportsRepo } from '../../activities/ports';
import { AppError } from '../domain/errors';
import { isId } from '../domain/ids';
import { artifactFileName, type ReportRecord } from '../domain/report';
import { parseReportRequest } from '../domain/report-request';
import type { DownloadLinks } from '../infra/download-links';
import type { Logger } from '../infra/logger';
import type { MongoAuditLog } from '../infra/mongo/audit-repo';
import type { ReportWorkflows } from '../infra/temporal/report-workflows';
import { authenticate, principalOf, requireScope, type TokenAuthenticator } from './auth';
import { presentReport } from './present';

/** What the reports API needs. */
export interface ReportsRouterDeps {
  reports: ReportsRepo;
  findings: Pick<FindingsRepo, 'endpoints'>;
  tokens: TokenAuthenticator;
  audit: Pick<MongoAuditLog, 'record'>;
  workflows: ReportWorkflows;
  links: DownloadLinks;
  clock: Clock;
  logger: Logger;
  newReportId: () => string;
  bodyLimitBytes: number;
}

const DEFAULT_PAGE = 20;
const MAX_PAGE = 100;

function encodeCursor(r: ReportRecord): string {
  return Buffer.from(JSON.stringify([r.createdAt.getTime(), r.id])).toString('base64url');
}

function decodeCursor(raw: unknown): { createdAt: Date; id: string } | undefined {
  if (raw === undefined) return undefined;
  try {
    const [ms, id] = JSON.parse(Buffer.from(String(raw), 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof ms === 'number' && Number.isFinite(ms) && isId(id, 'rpt')) return { createdAt: new Date(ms), id };
  } catch {
    // fall through to the error below
  }
  throw new AppError(
    'invalid_request',
    'cursor: is not a cursor this API issued; use next_cursor from a list response',
    {
      field: 'cursor',
    },
  );
}

function parseLimit(raw: unknown): number {
  if (raw === undefined) return DEFAULT_PAGE;
  const n = Number(raw);
  if (typeof raw !== 'string' || !/^\d+$/.test(raw) || n < 1 || n > MAX_PAGE) {
    throw new AppError('invalid_request', `limit: must be a whole number from 1 to ${MAX_PAGE}`, { field: 'limit' });
  }
  return n;
}

/** The reports API: create, read, list, and the download redirect. */
export function reportsRouter(deps: ReportsRouterDeps): Router {
  const router = Router();
  router.use(authenticate(deps.tokens));

  async function findReport(req: Request, tenantId: string): Promise<ReportRecord> {
    const id = req.params.id;
    const report = isId(id, 'rpt') ? await deps.reports.get(tenantId, id) : undefined;
    if (!report) {
      throw new AppError('report_not_found', `report ${String(id)} does not exist`, { report_id: String(id) });
    }
    return report;
  }

  router.post(
    '/reports',
    requireScope('reports:generate'),
    (req, _res, next) => {
      if (!req.is('application/json')) {
        throw new AppError('unsupported_media_type', 'Content-Type must be application/json');
      }
      next();
    },
    express.json({ limit: deps.bodyLimitBytes, strict: false }),
    async (req, res) => {
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
      const now = deps.clock.now();
      const report: ReportRecord = {
        id: deps.newReportId(),
        tenantId: principal.tenantId,
        request,
        status: 'queued',
        createdAt: now,
        progress: { stage: 'queued', percent: 0 },
        attempts: 0,
      };
      await deps.reports.insert(report);
      try {
        await deps.workflows.start({
          reportId: report.id,
          tenantId: report.tenantId,
          format: request.format,
          title: request.title,
        });
      } catch (err) {
        // No orphan: a report nobody will ever generate must not be left behind.
        await deps.reports.deleteQueued(report.tenantId, report.id);
        throw err;
      }
      await deps.audit.record({
        tenant_id: report.tenantId,
        report_id: report.id,
        action: 'report.created',
        actor: principal.tokenId,
        at: now,
      });
      res
        .status(202)
        .location(`/api/v2/reports/${report.id}`)
        .json({ id: report.id, status: report.status, format: request.format, queued_at: now.toISOString() });
    },
  );

  router.get('/reports', requireScope('reports:read'), async (req, res) => {
    const limit = parseLimit(req.query.limit);
    const after = decodeCursor(req.query.cursor);
    const page = await deps.reports.list(principalOf(res).tenantId, { limit: limit + 1, after });
    const more = page.length > limit;
    const data = page.slice(0, limit);
    res.json({ data: data.map(presentReport), next_cursor: more ? encodeCursor(data[data.length - 1]) : null });
  });

  router.get('/reports/:id', requireScope('reports:read'), async (req, res) => {
    res.json(presentReport(await findReport(req, principalOf(res).tenantId)));
  });

  router.get('/reports/:id/download', requireScope('reports:read'), async (req, res) => {
    const principal = principalOf(res);
    const report = await findReport(req, principal.tenantId);
    if (report.status === 'expired') {
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
    const now = deps.clock.now();
    const link = deps.links.mint(
      { tenantId: report.tenantId, reportId: report.id, key: report.artifact.key },
      artifactFileName(report.id, report.request.format),
      now,
    );
    await deps.audit.record({
      tenant_id: report.tenantId,
      report_id: report.id,
      action: 'report.download_link_issued',
      actor: principal.tokenId,
      at: now,
      details: { link_expires_at: link.expiresAt.toISOString() },
    });
    res.set('Cache-Control', 'no-store').redirect(302, link.url);
  });

  return router;
}
