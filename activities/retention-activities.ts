import { Context } from '@temporalio/activity';
import { retentionDeadline } from '../src/domain/retention';
import type { ReportRecord } from '../src/domain/report';
import { reportPrefix } from '../src/domain/storage-keys';
import { withFailureTypes } from './failures';
import type { ArtifactStore, AuditLog, Clock, ReportsRepo, RetentionSignals, TenantsRepo } from './ports';

/** What the retention activities need. */
export interface RetentionActivityDeps {
  reports: ReportsRepo;
  tenants: TenantsRepo;
  store: ArtifactStore;
  /** The staging store: a report's staged objects are removed when it ends, and here again should that have failed. */
  staging: ArtifactStore;
  audit: AuditLog;
  signals: RetentionSignals;
  clock: Clock;
}

/** What a purge attempt found: purged (now or earlier), not yet due, held, or nothing left to keep. */
export interface PurgeOutcome {
  outcome: 'purged' | 'not_due' | 'held' | 'gone';
  expiresAt?: string;
  purgedAt?: string;
}

const RETARGET_PAGE = 200;

/** Builds the activities that carry out a tenant's audit retention. The stored report is the truth: the
 * workflow's timer only says when to look, so a lost signal can delay a purge but never cause an early one. */
export function createRetentionActivities(deps: RetentionActivityDeps) {
  const { reports, tenants, store, staging, audit, signals, clock } = deps;

  /** A failed report keeps what it staged (its findings snapshot, its render, an artifact stored before the step that
   * failed) until its deadline, for a retry; then those objects go, and the report stays failed, recording when. A
   * retry later collects everything again. A legal hold keeps them, as it keeps an artifact. */
  async function purgeFailed(report: ReportRecord, asOf: string): Promise<PurgeOutcome> {
    const expiresAt = report.expiresAt?.toISOString();
    if (report.purgedAt) return { outcome: 'purged', expiresAt, purgedAt: report.purgedAt.toISOString() };
    if (!report.expiresAt) return { outcome: 'gone' };
    if (report.legalHold) return { outcome: 'held', expiresAt };
    if (report.expiresAt.getTime() > Date.parse(asOf)) return { outcome: 'not_due', expiresAt };
    const prefix = reportPrefix(report.tenantId, report.id);
    const removed = (await store.deletePrefix(prefix)) + (await staging.deletePrefix(prefix));
    const purgedAt = new Date(Math.max(Date.parse(asOf), clock.now().getTime()));
    // Retried meanwhile: the new attempt stages its own objects, and its own end decides what becomes of them.
    if (!(await reports.markStagingPurged(report.tenantId, report.id, purgedAt))) return { outcome: 'gone' };
    await audit.record({
      event_id: `report.staging_purged:${report.id}:${report.attempts}`,
      tenant_id: report.tenantId,
      report_id: report.id,
      action: 'report.staging_purged',
      actor: 'retention',
      at: purgedAt,
      details: { objects_removed: removed, attempt: report.attempts, expires_at: expiresAt ?? '' },
    });
    return { outcome: 'purged', expiresAt, purgedAt: purgedAt.toISOString() };
  }

  return withFailureTypes({
    /** Purges every object under the report's prefix if, as of `asOf` (the workflow's clock), its deadline has
     * passed and no legal hold is in place; then marks it expired and records the purge. The report turns `purging`
     * first, and is read again after: a hold placed before that read keeps the report (the purge is abandoned), and
     * the legal-hold call refuses one placed after it (see app/legal-holds.ts), so a hold and a purge never both
     * succeed. Idempotent: a repeat finds the report purging or expired, the prefix empty, and the audit event keyed
     * to the report. */
    async purgeIfDue(ref: { tenantId: string; reportId: string; asOf: string }): Promise<PurgeOutcome> {
      const report = await reports.get(ref.tenantId, ref.reportId);
      if (report?.status === 'failed') return purgeFailed(report, ref.asOf);
      if (!report || !['ready', 'purging', 'expired'].includes(report.status)) return { outcome: 'gone' };
      const expiresAt = report.expiresAt?.toISOString();
      if (report.status === 'ready') {
        if (report.legalHold) return { outcome: 'held', expiresAt };
        if (!report.expiresAt) return { outcome: 'gone' };
        if (report.expiresAt.getTime() > Date.parse(ref.asOf)) {
          return { outcome: 'not_due', expiresAt };
        }
      }
      if (report.status !== 'expired') {
        // Moved back to ready, or changed, since it was read: the next look decides.
        if (!(await reports.beginPurge(ref.tenantId, ref.reportId))) return { outcome: 'not_due', expiresAt };
        const now = await reports.get(ref.tenantId, ref.reportId);
        if (now?.legalHold) {
          await reports.abandonPurge(ref.tenantId, ref.reportId);
          return { outcome: 'held', expiresAt };
        }
      }
      const prefix = reportPrefix(ref.tenantId, ref.reportId);
      const removed = (await store.deletePrefix(prefix)) + (await staging.deletePrefix(prefix));
      // The later of the workflow's clock and the wall clock: when the purge was due, or when it happened.
      const purgedAt = report.purgedAt ?? new Date(Math.max(Date.parse(ref.asOf), clock.now().getTime()));
      await reports.markExpired(ref.tenantId, ref.reportId, purgedAt);
      await audit.record({
        event_id: `report.purged:${ref.reportId}`,
        tenant_id: ref.tenantId,
        report_id: ref.reportId,
        action: 'report.purged',
        actor: 'retention',
        at: purgedAt,
        details: { objects_removed: removed, expires_at: expiresAt ?? '' },
      });
      return { outcome: 'purged', expiresAt, purgedAt: purgedAt.toISOString() };
    },

    /** Recomputes the deadline of every ready report of a tenant from its current retention and tells each
     * report's retention workflow. Pages through the reports and heartbeats its position, so a retry resumes
     * where the last attempt stopped. */
    async retargetTenantRetention(input: { tenantId: string }): Promise<{ reports: number }> {
      const tenant = await tenants.get(input.tenantId);
      if (!tenant) return { reports: 0 };
      const ctx = activityContext();
      const resumed = ctx?.info.heartbeatDetails as { afterId: string; count: number } | undefined;
      let afterId = resumed?.afterId;
      let count = resumed?.count ?? 0;
      for (;;) {
        const page = await reports.listReady(input.tenantId, { limit: RETARGET_PAGE, afterId });
        for (const report of page) {
          const readyAt = report.completedAt ?? report.createdAt;
          const expiresAt = retentionDeadline(readyAt, tenant.auditRetentionDays);
          if (report.expiresAt?.getTime() !== expiresAt.getTime()) {
            await reports.setExpiry(input.tenantId, report.id, expiresAt);
          }
          await signals.deadlineMoved({ tenantId: input.tenantId, reportId: report.id }, expiresAt);
          count += 1;
          afterId = report.id;
          ctx?.heartbeat({ afterId, count });
        }
        if (page.length < RETARGET_PAGE) return { reports: count };
      }
    },
  });
}

/** The activity context when running inside a worker; none when called directly (unit tests). */
function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

/** The retention activities, as workflows see them. */
export type RetentionActivities = ReturnType<typeof createRetentionActivities>;
