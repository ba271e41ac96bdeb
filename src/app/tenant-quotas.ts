import type { Clock } from '../../activities/ports';
import { AppError } from '../domain/errors';
import type { HolderEnded } from '../infra/mongo/quota-slots';

/** Slots of a quota (QuotaSlots). */
export interface QuotaSlotStore {
  take(quota: string, tenantId: string, holder: string, limit: number, ended: HolderEnded, now: Date): Promise<boolean>;
  release(quota: string, tenantId: string, holder: string, limit: number): Promise<void>;
}

/** Where the holder of a slot stands. */
export type HolderState = 'active' | 'ended' | 'missing';

/** What a tenant may have at once. */
export interface QuotaLimits {
  importsInFlight: number;
  activeReports: number;
  storedFindings: number;
}

/** What the quotas ask of the rest of the service. */
export interface TenantQuotasDeps {
  slots: QuotaSlotStore;
  limits: QuotaLimits;
  clock: Clock;
  /** Where an import or report stands: still active, ended (its slot can be taken over), or not found. */
  importState(tenantId: string, importId: string): Promise<HolderState>;
  reportState(tenantId: string, reportId: string): Promise<HolderState>;
  /** How many findings the tenant has stored. */
  storedFindings(tenantId: string): Promise<number>;
}

/** A holder that never came into being (a crash right after taking its slot) is given this long before its slot is
 * taken over, so that one still being created is not mistaken for one that failed to be. */
const GRACE_MS = 10 * 60_000;

const IMPORTS = 'imports';
const REPORTS = 'reports';

/**
 * A tenant's quotas: imports in flight, reports queued or running, and findings stored. Going over one is a
 * `429 quota_exceeded` that names the quota and its limit, with `retry_after_seconds` where waiting frees it
 * (the in-flight quotas), so one tenant cannot fill the service's queues or storage at another's expense.
 */
export class TenantQuotas {
  constructor(private readonly deps: TenantQuotasDeps) {}

  /** Takes an import slot for `importId`, or refuses. */
  async takeImport(tenantId: string, importId: string): Promise<void> {
    const { limits } = this.deps;
    const ended = this.takeOverWhen((id) => this.deps.importState(tenantId, id));
    if (!(await this.deps.slots.take(IMPORTS, tenantId, importId, limits.importsInFlight, ended, this.now()))) {
      throw new AppError(
        'quota_exceeded',
        `this tenant may have at most ${limits.importsInFlight} imports in flight; wait for one to end`,
        { quota: 'imports_in_flight', limit: limits.importsInFlight, retry_after_seconds: 15 },
      );
    }
  }

  releaseImport(tenantId: string, importId: string): Promise<void> {
    return this.deps.slots.release(IMPORTS, tenantId, importId, this.deps.limits.importsInFlight);
  }

  /** Takes a slot for a report about to be queued, or refuses. */
  async takeReport(tenantId: string, reportId: string): Promise<void> {
    const { limits } = this.deps;
    const ended = this.takeOverWhen((id) => this.deps.reportState(tenantId, id));
    if (!(await this.deps.slots.take(REPORTS, tenantId, reportId, limits.activeReports, ended, this.now()))) {
      throw new AppError(
        'quota_exceeded',
        `this tenant may have at most ${limits.activeReports} reports queued or running; wait for one to finish`,
        { quota: 'active_reports', limit: limits.activeReports, retry_after_seconds: 30 },
      );
    }
  }

  releaseReport(tenantId: string, reportId: string): Promise<void> {
    return this.deps.slots.release(REPORTS, tenantId, reportId, this.deps.limits.activeReports);
  }

  /** Refuses to store `adding` more findings when the tenant would then hold more than its quota (`adding` 0:
   * refuses once the quota is reached). */
  async checkStored(tenantId: string, adding: number): Promise<void> {
    const limit = this.deps.limits.storedFindings;
    const stored = await this.deps.storedFindings(tenantId);
    if (stored + Math.max(adding, 1) > limit) {
      throw new AppError(
        'quota_exceeded',
        `this tenant may store at most ${limit} findings; it holds ${stored}${adding > 0 ? ` and this would add up to ${adding}` : ''}`,
        { quota: 'stored_findings', limit, stored },
      );
    }
  }

  private now(): Date {
    return this.deps.clock.now();
  }

  /** A slot is taken over when its holder has ended, or was never found after the grace period. */
  private takeOverWhen(state: (holder: string) => Promise<HolderState>): HolderEnded {
    return async (holder, since) => {
      const where = await state(holder);
      return where === 'ended' || (where === 'missing' && this.now().getTime() - since.getTime() > GRACE_MS);
    };
  }
}
