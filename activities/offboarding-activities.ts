import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { versionsOf } from '../src/domain/approval';
import { AppError } from '../src/domain/errors';
import {
  PURGED_RECORD_KINDS,
  buildDeletionReceipt,
  type DeletionReceipt,
  type PurgedArtifact,
  type PurgedRecordKind,
} from '../src/domain/offboarding';
import type { ArtifactFacts, ReportRecord } from '../src/domain/report';
import { importPrefix, reportPrefix, tenantPrefix } from '../src/domain/storage-keys';
import type { Listed, OffboardingState, TenantRecord, TokenRecord } from '../src/domain/tokens';
import { withFailureTypes } from './failures';
import type { ArtifactStore, AuditLog, Clock, DocumentSigning } from './ports';

/** The tenant record as offboarding reads and marks it (MongoTenantDirectory). */
export interface OffboardingTenants {
  get(id: string): Promise<TenantRecord | undefined>;
  /** Records the offboarding on the tenant, status `offboarding`, unless the tenant is offboarded already. */
  markOffboarding(id: string, state: OffboardingState): Promise<void>;
  /** Status `offboarding_blocked`: the purge was refused because of the reports on legal hold. */
  markBlocked(id: string, at: Date, heldReportIds: readonly string[]): Promise<void>;
  markOffboarded(id: string, purgedAt: Date): Promise<void>;
}

/** The tenant's tokens (MongoTokenStore). */
export interface OffboardingTokens {
  listForTenant(tenantId: string, after: number, limit: number): Promise<Listed<TokenRecord>[]>;
  revoke(id: string, at: Date): Promise<void>;
}

/** Everything stored of one tenant, for its purge (MongoTenantRecords). Every call names the tenant; none reaches
 * another tenant's data. */
export interface TenantRecords {
  /** Up to `limit` ids of the tenant's reports on legal hold. */
  heldReports(tenantId: string, limit: number): Promise<string[]>;
  /** Up to `limit` of the tenant's reports, any status, in id order after `afterId`. */
  reportsAfter(tenantId: string, afterId: string | undefined, limit: number): Promise<ReportRecord[]>;
  /** Up to `limit` ids of the tenant's imports, in id order after `afterId`. */
  importsAfter(tenantId: string, afterId: string | undefined, limit: number): Promise<string[]>;
  /** Every weakness key of the tenant (each may have a risk acceptance's timer running). */
  weaknessKeys(tenantId: string): Promise<string[]>;
  /** How many records of the kind the tenant has. */
  count(tenantId: string, kind: PurgedRecordKind): Promise<number>;
  /** Deletes up to `limit` records of the kind; answers how many it deleted (0 once none is left). */
  deleteSome(tenantId: string, kind: PurgedRecordKind, limit: number): Promise<number>;
}

/** What a purge has removed so far, kept apart from the tenant's data until the receipt is issued, so a purge
 * retried after a crash still accounts for what its first attempt removed (MongoPurgeLedger). */
export interface PurgeLedger {
  /** The counts recorded so far, per kind. */
  counts(tenantId: string): Promise<Partial<Record<PurgedRecordKind, number>>>;
  /** Records how many records of a kind there were before its purge began; a count already recorded stays. */
  setCount(tenantId: string, kind: PurgedRecordKind, count: number): Promise<void>;
  /** Records the objects removed under a prefix; a repeat that removed fewer (none: a retry) keeps the larger. */
  addObjects(tenantId: string, prefix: string, count: number): Promise<void>;
  objects(tenantId: string): Promise<number>;
  /** Records a report's artifact before its objects go; the same report again replaces nothing. */
  recordArtifact(tenantId: string, artifact: PurgedArtifact): Promise<void>;
  artifacts(tenantId: string): Promise<PurgedArtifact[]>;
  /** Drops the tenant's ledger, once the receipt holds what it said. */
  clear(tenantId: string): Promise<void>;
}

/** Stops the tenant's workflows before their data goes (TemporalTenantWorkflows). Stopping one that does not run
 * is not an error. */
export interface TenantWorkflows {
  /** Ends the report's generation and its retention timer. */
  stopReport(reportId: string, reason: string): Promise<void>;
  stopImport(importId: string, reason: string): Promise<void>;
  /** Ends the timer of a weakness's risk acceptance, if it has one. */
  stopAcceptance(tenantId: string, key: string, reason: string): Promise<void>;
}

/** A receipt as kept: the document, its compact JWS and the sha256 of the signed bytes. */
export interface StoredReceipt {
  tenantId: string;
  receipt: DeletionReceipt;
  jws: string;
  kid: string;
  sha256: string;
  issuedAt: Date;
}

/** Where deletion receipts are kept, one per tenant, never purged (MongoDeletionReceipts). */
export interface DeletionReceipts {
  get(tenantId: string): Promise<StoredReceipt | undefined>;
  /** Stores the receipt unless the tenant has one; answers the one kept. */
  put(receipt: StoredReceipt): Promise<StoredReceipt>;
}

/** What the offboarding activities need. */
export interface OffboardingActivityDeps {
  tenants: OffboardingTenants;
  tokens: OffboardingTokens;
  records: TenantRecords;
  ledger: PurgeLedger;
  store: ArtifactStore;
  /** Where the workers hand each other a report's model and printed PDF while it is made. */
  staging: ArtifactStore;
  workflows: TenantWorkflows;
  receipts: DeletionReceipts;
  /** The JSON signing key set, the one the published JWKS lists. */
  signer: DocumentSigning;
  /** The tenant's own audit log, purged with it. */
  audit: AuditLog;
  /** The operator's log of offboardings, which the purge leaves alone. */
  operatorLog: AuditLog;
  clock: Clock;
  /** Where the signing keys are published, named in the receipt. */
  jwksUrl: string;
}

/** Names an offboarding: the tenant, who asked and the grace period, as the workflow was started with. */
export interface OffboardingRef {
  tenantId: string;
  requestedBy: string;
  startedAt: string;
  purgeAfter: string;
  workflowId: string;
}

/** Records deleted per call, and tokens, reports and imports read per page: each call is short, and the activity
 * heartbeats between them. */
const BATCH = 500;
const PAGE = 100;

const STOP_REASON = 'tenant offboarded: its data is being purged';

/**
 * Builds the activities of a tenant's offboarding. Each is idempotent, and a retry after a crash finishes what
 * the first attempt began: a deletion of what is already gone deletes nothing and fails nothing, counts are taken
 * once before a kind's purge begins and kept in the ledger, artifacts are recorded in the ledger before their
 * objects go, and the receipt is issued once.
 */
export function createOffboardingActivities(deps: OffboardingActivityDeps) {
  const { tenants, tokens, records, ledger, store, staging, workflows, receipts, signer, audit, operatorLog, clock } =
    deps;

  return withFailureTypes({
    /** Marks the tenant offboarding (its tokens are refused as a suspended tenant's are) and revokes every token
     * it has, each revocation in its audit log as `token.revoked` by whoever asked for the offboarding. Answers
     * `offboarded: true`, and changes nothing, when the tenant was purged already. */
    async freezeTenant(ref: OffboardingRef): Promise<{ offboarded: boolean; tokensRevoked: number }> {
      const tenant = await tenants.get(ref.tenantId);
      if (!tenant)
        throw new AppError('not_found', `tenant ${ref.tenantId} does not exist`, { tenant_id: ref.tenantId });
      if (tenant.status === 'offboarded') return { offboarded: true, tokensRevoked: 0 };
      await tenants.markOffboarding(ref.tenantId, {
        startedAt: new Date(ref.startedAt),
        startedBy: ref.requestedBy,
        purgeAfter: new Date(ref.purgeAfter),
        workflowId: ref.workflowId,
      });
      const ctx = activityContext();
      let revoked = 0;
      for (let after = -1; ;) {
        const page = await tokens.listForTenant(ref.tenantId, after, PAGE);
        for (const { item, position } of page) {
          after = position;
          if (item.revokedAt) continue;
          const at = clock.now();
          await tokens.revoke(item.id, at);
          // Keyed to the token, so a retry that finds it revoked already records nothing again.
          await audit.record({
            event_id: `token.revoked:${item.id}`,
            tenant_id: ref.tenantId,
            action: 'token.revoked',
            actor: ref.requestedBy,
            at,
            details: { token_id: item.id },
          });
          revoked++;
        }
        ctx?.heartbeat({ after });
        if (page.length < PAGE) return { offboarded: false, tokensRevoked: revoked };
      }
    },

    /** Up to 100 ids of the tenant's reports on legal hold: what must stop a purge. */
    async heldReports(ref: { tenantId: string }): Promise<string[]> {
      return records.heldReports(ref.tenantId, PAGE);
    },

    /** Records that the purge was refused for the reports on hold: the tenant becomes `offboarding_blocked`, and
     * the operator's log and the tenant's own say why. Nothing is purged. */
    async blockOffboarding(ref: OffboardingRef & { heldReportIds: string[] }): Promise<void> {
      const at = clock.now();
      await tenants.markBlocked(ref.tenantId, at, ref.heldReportIds);
      const event = {
        event_id: `tenant.offboarding_blocked:${ref.tenantId}:${Date.parse(ref.startedAt)}`,
        tenant_id: ref.tenantId,
        action: 'tenant.offboarding_blocked' as const,
        actor: 'offboarding',
        at,
        details: { reports_held: ref.heldReportIds.length, report_ids: ref.heldReportIds.join(',') },
      };
      await operatorLog.record(event);
      await audit.record(event);
    },

    /**
     * Stops each report's generation and retention workflows, records its artifact (id and digest) in the ledger
     * and removes every object under the report's prefix (artifact and staged files), a report at a time. A
     * report found on legal hold is left whole and named in the answer, and the workflow then refuses the purge:
     * held evidence is never deleted, whatever a check before said. Report records stay for the record purge.
     */
    async purgeReportObjects(ref: { tenantId: string }): Promise<{ held: string[] }> {
      const ctx = activityContext();
      const resumed = ctx?.info.heartbeatDetails as { afterId?: string; held?: string[] } | undefined;
      let afterId = resumed?.afterId;
      const held: string[] = [...(resumed?.held ?? [])];
      for (;;) {
        const page = await records.reportsAfter(ref.tenantId, afterId, PAGE);
        for (const report of page) {
          afterId = report.id;
          if (report.legalHold) {
            held.push(report.id);
            ctx?.heartbeat({ afterId, held });
            continue;
          }
          await workflows.stopReport(report.id, STOP_REASON);
          for (const v of versionsOf(report)) await ledger.recordArtifact(ref.tenantId, artifactOf(report, v.artifact));
          const prefix = reportPrefix(ref.tenantId, report.id);
          await ledger.addObjects(ref.tenantId, prefix, await store.deletePrefix(prefix));
          ctx?.heartbeat({ afterId, held });
        }
        if (page.length < PAGE) return { held };
      }
    },

    /** Stops each import of the tenant still running and removes its staged upload; then stops the timers of its
     * weaknesses' risk acceptances, which would otherwise wake on a purged log. */
    async purgeImportUploads(ref: { tenantId: string }): Promise<void> {
      const ctx = activityContext();
      let afterId = (ctx?.info.heartbeatDetails as { afterId?: string } | undefined)?.afterId;
      for (;;) {
        const page = await records.importsAfter(ref.tenantId, afterId, PAGE);
        for (const importId of page) {
          afterId = importId;
          await workflows.stopImport(importId, STOP_REASON);
          const prefix = importPrefix(ref.tenantId, importId);
          await ledger.addObjects(ref.tenantId, prefix, await store.deletePrefix(prefix));
          ctx?.heartbeat({ afterId });
        }
        if (page.length < PAGE) break;
      }
      for (const key of await records.weaknessKeys(ref.tenantId)) {
        await workflows.stopAcceptance(ref.tenantId, key, STOP_REASON);
        ctx?.heartbeat({ afterId });
      }
    },

    /** Deletes every record of the tenant, kind by kind in {@link PURGED_RECORD_KINDS} order, in batches: each
     * kind is counted into the ledger before its first deletion, so the count survives a retry. Refuses, deleting
     * nothing, while a report of the tenant is on legal hold: the workflow checks before it gets here, and this is
     * the last wall in front of the held report's record. */
    async purgeRecords(ref: { tenantId: string }): Promise<Partial<Record<PurgedRecordKind, number>>> {
      const ctx = activityContext();
      const resumed = (ctx?.info.heartbeatDetails as { kind?: number } | undefined)?.kind ?? 0;
      const held = await records.heldReports(ref.tenantId, PAGE);
      if (held.length > 0) {
        throw new AppError(
          'legal_hold_active',
          `reports of tenant ${ref.tenantId} are on legal hold: ${held.join(', ')}`,
          {
            tenant_id: ref.tenantId,
            report_ids: held,
          },
        );
      }
      for (let k = resumed; k < PURGED_RECORD_KINDS.length; k++) {
        const kind = PURGED_RECORD_KINDS[k];
        if ((await ledger.counts(ref.tenantId))[kind] === undefined) {
          await ledger.setCount(ref.tenantId, kind, await records.count(ref.tenantId, kind));
        }
        while ((await records.deleteSome(ref.tenantId, kind, BATCH)) > 0) ctx?.heartbeat({ kind: k });
        ctx?.heartbeat({ kind: k + 1 });
      }
      return ledger.counts(ref.tenantId);
    },

    /** Removes whatever is left under the tenant's prefix in the artifact store and the staging store: an object a
     * step still running wrote after its report was purged, one no record named, or a report's staged model or
     * printed PDF its end never reached. */
    async sweepTenantObjects(ref: { tenantId: string }): Promise<number> {
      const prefix = tenantPrefix(ref.tenantId);
      const removed = (await store.deletePrefix(prefix)) + (await staging.deletePrefix(prefix));
      await ledger.addObjects(ref.tenantId, prefix, removed);
      return removed;
    },

    /**
     * Builds the deletion receipt from the ledger, signs it with the JSON signing key and keeps it; then marks the
     * tenant offboarded, records `tenant.purged` in the operator's log and drops the ledger. A tenant that has a
     * receipt keeps it: a retry finishes the steps after it and answers the same receipt.
     */
    async issueDeletionReceipt(
      ref: OffboardingRef & { purgeStartedAt: string },
    ): Promise<{ purgedAt: string; receiptSha256: string }> {
      let kept = await receipts.get(ref.tenantId);
      if (!kept) {
        const tenant = await tenants.get(ref.tenantId);
        if (!tenant) {
          throw new AppError('not_found', `tenant ${ref.tenantId} does not exist`, { tenant_id: ref.tenantId });
        }
        const finishedAt = clock.now();
        const receipt = buildDeletionReceipt({
          tenant: { id: tenant.id, name: tenant.name, createdAt: tenant.createdAt },
          workflowId: ref.workflowId,
          requestedBy: ref.requestedBy,
          graceStartedAt: new Date(ref.startedAt),
          graceEndedAt: new Date(ref.purgeAfter),
          purgeStartedAt: new Date(ref.purgeStartedAt),
          purgeFinishedAt: finishedAt,
          records: await ledger.counts(ref.tenantId),
          objects: await ledger.objects(ref.tenantId),
          artifacts: await ledger.artifacts(ref.tenantId),
          jwksUrl: deps.jwksUrl,
        });
        const payload = Buffer.from(JSON.stringify(receipt), 'utf8');
        const { kid, jws } = await signer.sign(payload);
        kept = await receipts.put({
          tenantId: ref.tenantId,
          receipt,
          jws,
          kid,
          sha256: createHash('sha256').update(payload).digest('hex'),
          issuedAt: finishedAt,
        });
      }
      const purgedAt = new Date(kept.receipt.purge.finished_at);
      await tenants.markOffboarded(ref.tenantId, purgedAt);
      const { counts } = kept.receipt;
      await operatorLog.record({
        event_id: `tenant.purged:${ref.tenantId}`,
        tenant_id: ref.tenantId,
        action: 'tenant.purged',
        actor: 'offboarding',
        at: purgedAt,
        details: {
          receipt_sha256: kept.sha256,
          kid: kept.kid,
          reports: counts.reports,
          artifacts: counts.artifacts,
          objects: counts.objects,
          findings: counts.findings,
          audit_events: counts.audit_events,
        },
      });
      await ledger.clear(ref.tenantId);
      return { purgedAt: purgedAt.toISOString(), receiptSha256: kept.sha256 };
    },
  });
}

/** A report's artifact as the receipt lists it. */
function artifactOf(report: ReportRecord, a: ArtifactFacts): PurgedArtifact {
  const artifact: PurgedArtifact = {
    reportId: report.id,
    file: a.key.slice(a.key.lastIndexOf('/') + 1),
    sha256: a.sha256,
    size: a.size,
    contentType: a.contentType,
  };
  if (report.status === 'expired' && report.purgedAt) artifact.purgedBefore = report.purgedAt;
  return artifact;
}

/** The activity context when running inside a worker; none when called directly (unit tests). */
function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

/** The offboarding activities, as workflows see them. */
export type OffboardingActivities = ReturnType<typeof createOffboardingActivities>;
