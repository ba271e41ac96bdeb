/** Things done to a report or a tenant's settings that an auditor may ask about. */
export type AuditAction =
  | 'report.created'
  | 'report.regenerated'
  | 'report.retried'
  | 'report.download_link_issued'
  | 'report.artifact_fetched'
  | 'report.legal_hold_placed'
  | 'report.legal_hold_released'
  | 'report.purged'
  | 'tenant.retention_changed'
  | 'tenant.applicability_changed'
  | 'tenant.rating_method_changed';

/** One audit event. `actor` is a token id, `signed-url`, or `retention` for the purge itself. */
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
