import { AppError, isErrorCode, publicMessage } from '../src/domain/errors';
import { versionsOf, type ApprovalRequest, type ReportVersion } from '../src/domain/approval';
import type { ArtifactFacts, ReportFormat, ReportRecord } from '../src/domain/report';
import type { ReleaseHistoryEntry, ReportRelease, TreatmentSnapshot } from '../src/domain/report-model';
import type { Treatment } from '../src/domain/treatment';
import { stagingKey, stagingPrefix, versionedName } from '../src/domain/storage-keys';
import { withFailureTypes } from './failures';
import type { ArtifactStore, AuditLog, Clock, ReportsRepo, WeaknessTreatments } from './ports';
import { treatmentSnapshot, type FindingsSnapshot, type ReportRef } from './report-activities';

/** What the approval activities need. */
export interface ApprovalActivityDeps {
  reports: ReportsRepo;
  /** The treatment recorded of the tenant's weaknesses, read again as of the approval. */
  weaknesses: WeaknessTreatments;
  /** Where each version's findings snapshot is kept beside the report's artifacts. */
  store: ArtifactStore;
  /** What the render worker read for the version, emptied once the approval ends either way. */
  staging: ArtifactStore;
  audit: AuditLog;
  clock: Clock;
}

/** An approval of a report: the version it makes, what the approver states, when and through which token. */
export interface ApprovalInput extends ReportRef {
  version: number;
  request: ApprovalRequest;
  /** ISO 8601: when the approval was asked for, which is when it is dated and what the treatment is read as of. */
  requestedAt: string;
  requestedBy: string;
}

/** The staged findings snapshot a version is built from: version 1's as collected, a later one's beside it. */
function snapshotKeyOf(ref: ReportRef, version: number): string {
  return stagingKey(ref.tenantId, ref.reportId, versionedName('findings.json', version));
}

/** How many weaknesses' treatment differs between two snapshots. A weakness absent from one, or whose treatment was
 * never changed by anyone (a record its detections made), had none recorded: open, with nothing said of it. */
export function changedWeaknesses(before: TreatmentSnapshot['weaknesses'], after: TreatmentSnapshot['weaknesses']) {
  const recorded = (t: Treatment | undefined) => JSON.stringify(t?.changedAt ? t : null);
  let changed = 0;
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (recorded(before[key]) !== recorded(after[key])) changed += 1;
  }
  return changed;
}

/** The history entry of a version already made. */
function historyEntry(v: ReportVersion): ReleaseHistoryEntry {
  return {
    version: v.version,
    status: v.approval ? 'approved' : 'draft',
    at: v.createdAt.toISOString(),
    sha256: v.artifact.sha256,
    approverName: v.approval?.approverName ?? null,
    changedWeaknesses: v.regenerated?.changedWeaknesses ?? null,
  };
}

/** Builds the activities that make an approved version of a ready report. Each is idempotent: a retry reads the
 * same snapshot as of the same instant, writes the same keys, and finds a version it recorded already in place. */
export function createApprovalActivities(deps: ApprovalActivityDeps) {
  const { reports, weaknesses, store, staging, audit, clock } = deps;

  async function readyReport(ref: ReportRef): Promise<ReportRecord> {
    const report = await reports.get(ref.tenantId, ref.reportId);
    if (!report) throw new AppError('report_not_found', `report ${ref.reportId} does not exist`);
    if (report.status !== 'ready') {
      throw new AppError(
        'report_not_ready',
        `report ${ref.reportId} is ${report.status}; only a ready report is approved`,
      );
    }
    return report;
  }

  return withFailureTypes({
    /** Reads again, as of the approval, the treatment of the weaknesses the report's rows show, and stages the
     * snapshot the version is built from: the previous version's findings, population and context unchanged, with
     * that treatment. Answers the release the version prints: the approval, the instant its treatment is read as
     * of, and the history with how many weaknesses' treatment changed since the previous version (the version is
     * built again for those; none changed, and it differs from the previous only in its approval and date). */
    async prepareApproval(
      input: ApprovalInput,
    ): Promise<{ snapshotKey: string; release: ReportRelease; format: ReportFormat }> {
      const report = await readyReport(input);
      const versions = versionsOf(report);
      const previous = versions[versions.length - 1];
      if (!previous || previous.version !== input.version - 1) {
        throw new AppError(
          'approval_in_progress',
          `report ${input.reportId} has ${versions.length} versions; version ${input.version} is not the next`,
        );
      }
      await reports.beginApproval(input.tenantId, input.reportId, {
        version: input.version,
        state: 'approving',
        request: input.request,
        requestedAt: new Date(input.requestedAt),
        requestedBy: input.requestedBy,
      });
      const before = JSON.parse(
        (await store.get(snapshotKeyOf(input, previous.version))).toString('utf8'),
      ) as FindingsSnapshot;
      const { scope } = report.request;
      const asOf = new Date(input.requestedAt);
      const records = await weaknesses.treatmentAsOf(input.tenantId, asOf, { endpointIds: scope.endpointIds });
      const shown = before.findings.map((f) => f.id);
      const treatment = treatmentSnapshot(
        input.tenantId,
        before.findings,
        shown,
        records,
        `${scope.from}T00:00:00.000Z`,
        asOf,
      );
      const changed = changedWeaknesses(before.treatment?.weaknesses ?? {}, treatment.weaknesses);
      const snapshotKey = snapshotKeyOf(input, input.version);
      const after: FindingsSnapshot = { ...before, treatment };
      await store.put(snapshotKey, Buffer.from(JSON.stringify(after), 'utf8'), 'application/json');
      const { approverName, approverRole, assertion, limitations } = input.request;
      const release: ReportRelease = {
        version: input.version,
        status: 'approved',
        statusAsOf: asOf.toISOString(),
        approval: { approverName, approverRole, approvedAt: input.requestedAt, assertion, limitations },
        history: [
          ...versions.map(historyEntry),
          {
            version: input.version,
            status: 'approved',
            at: input.requestedAt,
            sha256: null,
            approverName,
            changedWeaknesses: changed > 0 ? changed : null,
          },
        ],
      };
      return { snapshotKey, release, format: report.request.format };
    },

    /** Adds the signed version to the report, which downloads now serve, records the approval in the audit log
     * and empties what the render worker could read of the report. */
    async recordApproval(input: ApprovalInput & { artifact: ArtifactFacts; release: ReportRelease }): Promise<void> {
      const own = input.release.history[input.release.history.length - 1];
      const version: ReportVersion = {
        version: input.version,
        createdAt: clock.now(),
        artifact: input.artifact,
        statusAsOf: new Date(input.release.statusAsOf),
        approval: { ...input.request, approvedAt: new Date(input.requestedAt), approvedBy: input.requestedBy },
        ...(own?.changedWeaknesses ? { regenerated: { changedWeaknesses: own.changedWeaknesses } } : {}),
      };
      if (!(await reports.recordVersion(input.tenantId, input.reportId, version))) {
        throw new AppError(
          'report_not_ready',
          `report ${input.reportId} is no longer ready, or version ${input.version} is not its next`,
        );
      }
      await audit.record({
        event_id: `report.approved:${input.reportId}:${input.version}`,
        tenant_id: input.tenantId,
        report_id: input.reportId,
        action: 'report.approved',
        actor: input.requestedBy,
        at: new Date(input.requestedAt),
        details: {
          version: input.version,
          approver_name: input.request.approverName,
          approver_role: input.request.approverRole,
          sha256: input.artifact.sha256,
          changed_weaknesses: own?.changedWeaknesses ?? 0,
        },
      });
      await staging.deletePrefix(stagingPrefix(input.tenantId, input.reportId));
    },

    /** Records that the approval failed, with an error a user can read; the report stays as it was, and another
     * approval may be asked for. */
    async markApprovalFailed(
      input: ReportRef & { version: number; requestedAt: string; requestedBy: string; code: string; message: string },
    ): Promise<void> {
      // A report purged meanwhile (its tenant offboarded) leaves nothing to mark, and no event to add to a purged log.
      if (!(await reports.get(input.tenantId, input.reportId))) return;
      const code = isErrorCode(input.code) ? input.code : 'internal';
      const error = { code, message: publicMessage(code, input.message) };
      await reports.failApproval(input.tenantId, input.reportId, input.version, error);
      await audit.record({
        event_id: `report.approval_failed:${input.reportId}:${input.version}:${Date.parse(input.requestedAt)}`,
        tenant_id: input.tenantId,
        report_id: input.reportId,
        action: 'report.approval_failed',
        actor: input.requestedBy,
        at: clock.now(),
        details: { version: input.version, error: code },
      });
      await staging.deletePrefix(stagingPrefix(input.tenantId, input.reportId));
    },
  });
}

/** The approval activities, as workflows see them. */
export type ApprovalActivities = ReturnType<typeof createApprovalActivities>;
