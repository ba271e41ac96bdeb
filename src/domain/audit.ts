/** Things done to a report, a tenant's settings, its status, its tokens or the treatment of its weaknesses that an
 * auditor may ask about. */
export const AUDIT_ACTIONS = [
  'report.created',
  'report.regenerated',
  'report.retried',
  'report.download_link_issued',
  'report.artifact_fetched',
  'report.legal_hold_placed',
  'report.legal_hold_released',
  'report.purged',
  'report.staging_purged',
  'report.approval_requested',
  'report.approved',
  'report.approval_failed',
  'tenant.retention_changed',
  'tenant.applicability_changed',
  'tenant.rating_method_changed',
  'tenant.branding_changed',
  'tenant.suspended',
  'tenant.resumed',
  'tenant.offboarding_started',
  'tenant.offboarding_blocked',
  'tenant.purged',
  'token.minted',
  'token.revoked',
  'weakness.treated',
] as const;

/** One of {@link AUDIT_ACTIONS}. */
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export function isAuditAction(value: unknown): value is AuditAction {
  return (AUDIT_ACTIONS as readonly unknown[]).includes(value);
}

/** One audit event. `actor` is a token id, `signed-url`, `retention` for the purge itself, `offboarding` for
 * what a tenant's offboarding does once it runs, or `system` for a weakness the service regressed or whose
 * acceptance lapsed. */
export interface AuditEvent {
  /** Set for events an activity records, so a retried activity records its event once. */
  event_id?: string;
  tenant_id: string;
  report_id?: string;
  action: AuditAction;
  actor: string;
  at: Date;
  details?: Record<string, string | number>;
}

/** An audit event as the tenant's log holds it: every event has an id, its `event_id` when it has one. */
export interface LoggedAuditEvent extends Omit<AuditEvent, 'event_id'> {
  id: string;
}
