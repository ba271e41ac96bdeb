import { createHash } from 'node:crypto';
import type { AuditLog, Clock, FindingsRepo, IdempotencyKeys, ReportsRepo } from '../../activities/ports';
import { AppError } from '../domain/errors';
import type { ReportRecord, ReportRequest } from '../domain/report';
import type { Principal } from '../domain/tokens';
import type { ReportWorkflows } from '../infra/temporal/report-workflows';
import type { TenantQuotas } from './tenant-quotas';

/** What creating, regenerating and retrying reports needs. */
export interface ReportRequestsDeps {
  reports: Pick<ReportsRepo, 'insert' | 'get' | 'deleteQueued' | 'requeueFailed' | 'markFailed'>;
  findings: Pick<FindingsRepo, 'endpoints'>;
  workflows: Pick<ReportWorkflows, 'start' | 'startAgain'>;
  idempotency: IdempotencyKeys;
  audit: AuditLog;
  clock: Clock;
  newReportId: () => string;
  /** The tenant's quota of reports queued or running: a report takes a slot as it is queued (429 when none is
   * free) and gives it back when it ends. */
  quotas: Pick<TenantQuotas, 'takeReport' | 'releaseReport'>;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** A report as a create answers it: `replayed` when an earlier request with the same Idempotency-Key made it. */
export interface QueuedReport {
  report: ReportRecord;
  replayed: boolean;
}

/**
 * Creating, regenerating and retrying reports: each stores the report (taking a quota slot), starts its workflow and
 * records who asked, and leaves nothing behind when a step fails. A report is stored before its workflow starts, so
 * that the workflow always finds it; a start that fails takes the report (and its slot) back, so the caller's error
 * means nothing changed.
 */
export function createReportRequests(deps: ReportRequestsDeps) {
  /** Refuses a scope that names an endpoint the tenant does not have, naming the first such one. */
  async function checkScope(tenantId: string, request: ReportRequest): Promise<void> {
    const known = new Set((await deps.findings.endpoints(tenantId, request.scope.endpointIds)).map((e) => e.id));
    const unknownIndex = request.scope.endpointIds.findIndex((id) => !known.has(id));
    if (unknownIndex >= 0) {
      const field = `scope.endpoint_ids[${unknownIndex}]`;
      throw new AppError(
        'invalid_request',
        `${field}: "${request.scope.endpointIds[unknownIndex]}" is not an endpoint of this tenant`,
        { field },
      );
    }
  }

  /** Stores a new report and starts its workflow. */
  async function queue(
    principal: Principal,
    request: ReportRequest,
    opts: { id?: string; regeneratedFrom?: ReportRecord } = {},
  ): Promise<QueuedReport> {
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
      return { report: existing, replayed: true };
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
    return { report, replayed: false };
  }

  return {
    /** Creates a report over the tenant's endpoints. With an Idempotency-Key, a repeat of the same request answers
     * the report the first one made (`replayed`), and a repeat with another request is refused. */
    async create(principal: Principal, request: ReportRequest, idempotencyKey?: string): Promise<QueuedReport> {
      await checkScope(principal.tenantId, request);
      if (idempotencyKey === undefined) return queue(principal, request);
      if (!IDEMPOTENCY_KEY.test(idempotencyKey)) {
        throw new AppError('invalid_request', 'Idempotency-Key: must be 1 to 255 visible ASCII characters', {
          field: 'Idempotency-Key',
        });
      }
      const bodySha256 = createHash('sha256').update(JSON.stringify(request)).digest('hex');
      const claim = await deps.idempotency.claim(
        principal.tenantId,
        idempotencyKey,
        bodySha256,
        deps.newReportId(),
        deps.clock.now(),
      );
      const existing = claim.replay ? await deps.reports.get(principal.tenantId, claim.reportId) : undefined;
      if (existing) return { report: existing, replayed: true };
      // First use, or a repeat after an attempt that never stored its report (Temporal was down): create it now.
      return queue(principal, request, { id: claim.reportId });
    },

    /** The fix a `410` names: a new report over the same request as `original`, linked to it. */
    async regenerate(principal: Principal, original: ReportRecord): Promise<QueuedReport> {
      if (original.status === 'queued' || original.status === 'running') {
        throw new AppError(
          'report_not_ready',
          `report ${original.id} is ${original.status}; regenerate it once it has finished`,
          { status: original.status },
        );
      }
      return queue(principal, original.request, { regeneratedFrom: original });
    },

    /** Another attempt at a failed report: same id, same request, attempt n+1; answers that attempt's number. */
    async retry(principal: Principal, report: ReportRecord): Promise<{ attempt: number }> {
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
      const attempt = report.attempts + 1;
      await deps.audit.record({
        tenant_id: principal.tenantId,
        report_id: report.id,
        action: 'report.retried',
        actor: principal.tokenId,
        at: deps.clock.now(),
        details: { attempt, previous_error: report.error?.code ?? '' },
      });
      return { attempt };
    },
  };
}

/** Report creation, regeneration and retry, as {@link createReportRequests} makes them. */
export type ReportRequests = ReturnType<typeof createReportRequests>;
