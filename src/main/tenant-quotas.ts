import type { Db } from 'mongodb';
import type { Clock } from '../../activities/ports';
import { TenantQuotas, type HolderState, type QuotaLimits } from '../app/tenant-quotas';
import { importEnded } from '../domain/imports';
import { MongoFindingsRepo } from '../infra/mongo/findings-repo';
import { MongoImportsRepo } from '../infra/mongo/imports-repo';
import { QuotaSlots } from '../infra/mongo/quota-slots';
import { MongoReportsRepo } from '../infra/mongo/reports-repo';

/** The tenants' quotas over a database: slots in `quota_slots`, holders looked up among imports and reports,
 * stored findings counted from the finding index. The API and the worker build theirs the same way. */
export function tenantQuotasOf(
  db: Db,
  limits: QuotaLimits,
  clock: Clock,
  findings: Pick<MongoFindingsRepo, 'countStored'> = new MongoFindingsRepo(db),
): TenantQuotas {
  const imports = new MongoImportsRepo(db);
  const reports = new MongoReportsRepo(db);
  return new TenantQuotas({
    slots: new QuotaSlots(db),
    limits,
    clock,
    async importState(tenantId, importId): Promise<HolderState> {
      const r = await imports.get(tenantId, importId);
      return !r ? 'missing' : importEnded(r.status) ? 'ended' : 'active';
    },
    async reportState(tenantId, reportId): Promise<HolderState> {
      const r = await reports.get(tenantId, reportId);
      return !r ? 'missing' : r.status === 'queued' || r.status === 'running' ? 'active' : 'ended';
    },
    storedFindings: (tenantId) => findings.countStored(tenantId),
  });
}
