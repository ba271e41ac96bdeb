import { proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { OffboardingActivities } from '../activities/offboarding-activities';
import type { TenantOffboardingInput, TenantOffboardingResult } from './contracts';
import { patientRetry } from './retry';

/** Short steps: marking the tenant, revoking its tokens, checking holds, issuing the receipt. */
const steps = proxyActivities<OffboardingActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '2 minutes',
  retry: patientRetry,
});

/** The purges: a call each, batch by batch with a heartbeat between batches, resuming where a crashed attempt
 * stopped. A tenant's whole history may take long, so only a silent attempt is timed out early. */
const purges = proxyActivities<OffboardingActivities>({
  startToCloseTimeout: '6 hours',
  heartbeatTimeout: '2 minutes',
  retry: patientRetry,
});

/**
 * Offboards a tenant: suspends it and revokes its tokens at once, waits out the grace period on a durable timer,
 * checks again that no report of the tenant is on legal hold, then purges everything of the tenant (artifacts and
 * staged objects, every record, its audit log) and ends with a signed deletion receipt. A hold found when the purge
 * is due refuses the purge: the tenant is marked `offboarding_blocked` and nothing of it is deleted. The tenant
 * record is the truth; every step can run again.
 */
export async function tenantOffboardingWorkflow(input: TenantOffboardingInput): Promise<TenantOffboardingResult> {
  const ref = { ...input, workflowId: workflowInfo().workflowId };
  const frozen = await steps.freezeTenant(ref);
  if (frozen.offboarded) return { status: 'offboarded' };

  const grace = Date.parse(input.purgeAfter) - Date.now();
  if (grace > 0) await sleep(grace);

  const held = await steps.heldReports({ tenantId: input.tenantId });
  if (held.length > 0) {
    await steps.blockOffboarding({ ...ref, heldReportIds: held });
    return { status: 'offboarding_blocked', heldReportIds: held };
  }
  const purgeStartedAt = new Date().toISOString();
  const objects = await purges.purgeReportObjects({ tenantId: input.tenantId });
  if (objects.held.length > 0) {
    await steps.blockOffboarding({ ...ref, heldReportIds: objects.held });
    return { status: 'offboarding_blocked', heldReportIds: objects.held };
  }
  await purges.purgeImportUploads({ tenantId: input.tenantId });
  await purges.purgeRecords({ tenantId: input.tenantId });
  await purges.sweepTenantObjects({ tenantId: input.tenantId });
  const receipt = await steps.issueDeletionReceipt({ ...ref, purgeStartedAt });
  return { status: 'offboarded', purgedAt: receipt.purgedAt, receiptSha256: receipt.receiptSha256 };
}
