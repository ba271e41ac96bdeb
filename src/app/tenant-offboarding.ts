import type { AuditLog, Clock } from '../../activities/ports';
import type { StoredReceipt } from '../../activities/offboarding-activities';
import { tenantOffboardingWorkflowId, type TenantOffboardingInput } from '../../workflows/contracts';
import type { LoggedAuditEvent } from '../domain/audit';
import { AppError } from '../domain/errors';
import { purgeAfter } from '../domain/offboarding';
import type { OffboardingState, TenantRecord, TenantStatus } from '../domain/tokens';
import type { OffboardingWorkflows } from '../infra/temporal/offboarding-workflows';
import type { Actor } from './tenant-admin';

/** The tenant record as the offboarding request reads and writes it (MongoTenantDirectory). */
export interface OffboardingDirectory {
  get(id: string): Promise<TenantRecord | undefined>;
  /** Records the offboarding (status `offboarding`) if the tenant still stands in status `from`; answers whether it
   * did, so that of two requests racing only one starts an offboarding. */
  beginOffboarding(id: string, state: OffboardingState, from: TenantStatus): Promise<boolean>;
}

/** What offboarding a tenant needs. */
export interface TenantOffboardingDeps {
  tenants: OffboardingDirectory;
  /** Up to `limit` ids of the tenant's reports on legal hold (MongoTenantRecords). */
  holds: { heldReports(tenantId: string, limit: number): Promise<string[]> };
  workflows: OffboardingWorkflows;
  receipts: { get(tenantId: string): Promise<StoredReceipt | undefined> };
  /** The tenant's own audit log, and the operator's log of offboardings, which outlives the tenant's data. */
  audit: AuditLog;
  operatorLog: AuditLog & { list(tenantId: string): Promise<LoggedAuditEvent[]> };
  clock: Clock;
  /** OFFBOARD_GRACE_DAYS: how long after the request the purge may begin. */
  graceDays: number;
}

/** Report ids a `legal_hold_active` refusal names at most. */
const HELD_NAMED = 20;

/**
 * Offboarding a tenant: the request checks that no report of the tenant is on legal hold, records the offboarding on
 * the tenant (which refuses its tokens from then on, as a suspension does), records who asked in the tenant's audit
 * log and the operator's, and starts the workflow `tenant-offboarding-<tenant>`, which revokes the tokens, waits out
 * the grace period and purges. Asking again answers the offboarding under way or done and starts nothing new, except
 * that an offboarding whose run is gone (the request was cut short before the start, or the run was terminated) is
 * started again, and one that a legal hold blocked starts over once no hold is left.
 */
export class TenantOffboarding {
  constructor(private readonly deps: TenantOffboardingDeps) {}

  /** Offboards the tenant, or answers the offboarding already under way or done: `404 not_found` for an unknown
   * tenant, `409 legal_hold_active` (and nothing changed) while a report of it is held. */
  async offboard(tenantId: string, actor: Actor): Promise<TenantRecord> {
    const { tenants, holds, workflows, clock } = this.deps;
    const tenant = await this.tenant(tenantId);
    if (tenant.status === 'offboarded') return tenant;
    if (tenant.status === 'offboarding' && tenant.offboarding) {
      await workflows.start(inputOf(tenantId, tenant.offboarding), { afterClosing: false });
      return tenant;
    }
    const held = await holds.heldReports(tenantId, HELD_NAMED);
    if (held.length > 0) {
      throw new AppError(
        'legal_hold_active',
        `tenant ${tenantId} has reports on legal hold (${held.join(', ')}${held.length === HELD_NAMED ? ', …' : ''}); release every hold before offboarding it`,
        { tenant_id: tenantId, report_ids: held },
      );
    }
    const startedAt = clock.now();
    const state: OffboardingState = {
      startedAt,
      startedBy: actor,
      purgeAfter: purgeAfter(startedAt, this.deps.graceDays),
      workflowId: tenantOffboardingWorkflowId(tenantId),
    };
    // Another request got there first: answer what it started.
    if (!(await tenants.beginOffboarding(tenantId, state, tenant.status))) return this.offboard(tenantId, actor);
    const event = {
      event_id: `tenant.offboarding_started:${tenantId}:${startedAt.getTime()}`,
      tenant_id: tenantId,
      action: 'tenant.offboarding_started' as const,
      actor,
      at: startedAt,
      details: { purge_after: state.purgeAfter.toISOString(), workflow_id: state.workflowId },
    };
    await this.deps.operatorLog.record(event);
    await this.deps.audit.record(event);
    await workflows.start(inputOf(tenantId, state), { afterClosing: true });
    return { ...tenant, status: 'offboarding', offboarding: state };
  }

  /** The tenant's deletion receipt: `404 receipt_not_found` until its purge has finished. */
  async receipt(tenantId: string): Promise<StoredReceipt> {
    await this.tenant(tenantId);
    const receipt = await this.deps.receipts.get(tenantId);
    if (!receipt) {
      throw new AppError(
        'receipt_not_found',
        `tenant ${tenantId} has no deletion receipt: it is issued once the tenant's offboarding has purged it`,
        { tenant_id: tenantId },
      );
    }
    return receipt;
  }

  /** What the operator's log holds of the tenant (its offboardings), newest first. */
  async events(tenantId: string): Promise<LoggedAuditEvent[]> {
    await this.tenant(tenantId);
    return this.deps.operatorLog.list(tenantId);
  }

  private async tenant(id: string): Promise<TenantRecord> {
    const tenant = await this.deps.tenants.get(id);
    if (!tenant) throw new AppError('not_found', `tenant ${id} does not exist`, { tenant_id: id });
    return tenant;
  }
}

function inputOf(tenantId: string, state: OffboardingState): TenantOffboardingInput {
  return {
    tenantId,
    requestedBy: state.startedBy,
    startedAt: state.startedAt.toISOString(),
    purgeAfter: state.purgeAfter.toISOString(),
  };
}
