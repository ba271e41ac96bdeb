import type { AuditLog, Clock, ReportsRepo } from '../../activities/ports';
import { AppError } from '../domain/errors';
import type { ReportRecord } from '../domain/report';
import type { LegalHold } from '../domain/retention';
import type { RetentionControl } from '../infra/temporal/retention-workflows';

/** What placing and releasing legal holds needs. */
export interface LegalHoldsDeps {
  reports: Pick<ReportsRepo, 'get' | 'setLegalHold' | 'withdrawLegalHold'>;
  audit: AuditLog;
  retention: Pick<RetentionControl, 'holdChanged'>;
  clock: Clock;
  /** How long a hold placed as a purge began waits for the purge to see it and step back, in milliseconds. */
  settleMs?: number;
}

/** How long a purge takes, at most, between turning the report `purging` and reading it again for a hold. */
const SETTLE_MS = 2_000;
const POLL_MS = 50;

/**
 * Legal holds, safe against the purge that retention makes at the deadline. The purge turns the report `purging` and
 * then reads it for a hold; a hold is written and then the report is read for the purge. Whichever write comes first,
 * the other side's read sees it: a hold written before the purge's read makes the purge step back (the report is
 * `ready` again, and kept); a purge that read no hold goes on, and the hold, seeing the report `purging` and staying
 * so, is taken back and refused with `409 report_purging`. A hold never stands on a purged report, and a report is
 * never purged under a hold that was answered `200`.
 */
export function createLegalHolds(deps: LegalHoldsDeps) {
  const settleMs = deps.settleMs ?? SETTLE_MS;

  function refusePurging(report: ReportRecord): never {
    throw new AppError(
      'report_purging',
      `report ${report.id} passed its retention deadline and is being purged; a legal hold can no longer keep it`,
    );
  }

  /** The report once a purge that began alongside the hold has either stepped back (ready) or gone on (still
   * purging after the settle time, or expired). */
  async function settled(report: ReportRecord): Promise<ReportRecord> {
    let now = report;
    const deadline = Date.now() + settleMs;
    while (now.status === 'purging' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      now = (await deps.reports.get(report.tenantId, report.id)) ?? now;
    }
    return now;
  }

  return {
    /** Places a hold on the tenant's report, records it and tells its retention workflow. */
    async place(report: ReportRecord, reason: string, actor: string): Promise<ReportRecord> {
      if (report.status === 'expired') {
        throw new AppError('report_expired', `report ${report.id} was already purged; there is nothing left to hold`);
      }
      if (report.status === 'purging') refusePurging(report);
      const hold: LegalHold = { reason, placedAt: deps.clock.now(), placedBy: actor };
      const written = await deps.reports.setLegalHold(report.tenantId, report.id, hold);
      const after = written ? await settled(written) : undefined;
      const ours = after?.legalHold?.placedAt.getTime() === hold.placedAt.getTime();
      if (!after || !ours || after.status === 'purging' || after.status === 'expired') {
        await deps.reports.withdrawLegalHold(report.tenantId, report.id, hold);
        if (after?.status === 'expired') {
          throw new AppError('report_expired', `report ${report.id} was purged; there is nothing left to hold`);
        }
        refusePurging(report);
      }
      await deps.audit.record({
        tenant_id: report.tenantId,
        report_id: report.id,
        action: 'report.legal_hold_placed',
        actor,
        at: hold.placedAt,
        details: { reason },
      });
      await deps.retention.holdChanged({ tenantId: report.tenantId, reportId: report.id }, true);
      return after;
    },

    /** Releases the report's hold, if any, records it and tells its retention workflow (a passed deadline then
     * purges the report at once). */
    async release(report: ReportRecord, actor: string): Promise<ReportRecord> {
      const released = await deps.reports.setLegalHold(report.tenantId, report.id, undefined);
      if (report.legalHold) {
        await deps.audit.record({
          tenant_id: report.tenantId,
          report_id: report.id,
          action: 'report.legal_hold_released',
          actor,
          at: deps.clock.now(),
          details: { reason: report.legalHold.reason },
        });
      }
      await deps.retention.holdChanged({ tenantId: report.tenantId, reportId: report.id }, false);
      return released ?? report;
    },
  };
}

/** Legal holds as {@link createLegalHolds} makes them. */
export type LegalHolds = ReturnType<typeof createLegalHolds>;
