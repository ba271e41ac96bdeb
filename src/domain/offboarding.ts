import { DAY_MS } from './retention';

/** Longest grace period an offboarding may be given, in days. */
export const MAX_OFFBOARD_GRACE_DAYS = 3650;

/** When an offboarding asked for at `startedAt` may purge: `graceDays` later (0: at once). */
export function purgeAfter(startedAt: Date, graceDays: number): Date {
  return new Date(startedAt.getTime() + graceDays * DAY_MS);
}

/**
 * The kinds of stored record an offboarding purges, each one collection's documents of the tenant, in the order
 * they are purged. The deletion receipt counts each. What a tenant reads (reports, findings, endpoints, runs,
 * imports, its audit log, its tokens) comes with the indexes and markers kept beside it, so the receipt accounts for
 * every document removed, not only those the API shows. A token's hash key goes before the token it is read
 * from. The audit log goes last: it is the only purge of audit events there is.
 */
export const PURGED_RECORD_KINDS = [
  'reports',
  'report_keys',
  'report_scopes',
  'report_queue_marks',
  'idempotency_keys',
  'quota_slots',
  'findings',
  'finding_pages',
  'finding_evidence',
  'finding_index_entries',
  'finding_writes',
  'legacy_findings',
  'endpoints',
  'test_runs',
  'test_run_index_entries',
  'weakness_log_entries',
  'weakness_list_entries',
  'imported_runs',
  'imports',
  'import_queue_marks',
  'token_hashes',
  'tokens',
  'token_list_entries',
  'tenant_settings',
  'audit_events',
  'audit_log_entries',
] as const;

/** One of {@link PURGED_RECORD_KINDS}. */
export type PurgedRecordKind = (typeof PURGED_RECORD_KINDS)[number];

/** A report's artifact as the receipt lists it: what was stored, and its digest, so the tenant can match it to a
 * copy it kept. */
export interface PurgedArtifact {
  reportId: string;
  /** The artifact's file name, e.g. `rpt_2026_….pdf`. */
  file: string;
  sha256: string;
  size: number;
  contentType: string;
  /** When retention had already purged the artifact, before the offboarding: then only its record went now. */
  purgedBefore?: Date;
}

/** What a deletion receipt is built from. */
export interface DeletionReceiptFacts {
  tenant: { id: string; name: string; createdAt: Date };
  workflowId: string;
  /** Who asked for the offboarding: an operator token's id, or `cli`. */
  requestedBy: string;
  graceStartedAt: Date;
  graceEndedAt: Date;
  purgeStartedAt: Date;
  purgeFinishedAt: Date;
  /** Records removed, per kind; a kind left out had none. */
  records: Partial<Record<PurgedRecordKind, number>>;
  /** Objects removed from the artifact store: artifacts, the pipeline's staged files and staged uploads. */
  objects: number;
  artifacts: readonly PurgedArtifact[];
  /** Where the key that signs the receipt is published. */
  jwksUrl: string;
}

/** A deletion receipt as it is signed and served (its wire form). */
export interface DeletionReceipt {
  type: 'tenant_deletion_receipt';
  version: 1;
  tenant: { id: string; name: string; created_at: string };
  workflow_id: string;
  requested_by: string;
  grace: { started_at: string; ended_at: string };
  purge: { started_at: string; finished_at: string };
  counts: { artifacts: number; objects: number } & Record<PurgedRecordKind, number>;
  artifacts: {
    report_id: string;
    file: string;
    sha256: string;
    size: number;
    content_type: string;
    purged_before: string | null;
  }[];
  jwks_url: string;
}

function count(value: number | undefined, what: string): number {
  const n = value ?? 0;
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${what} must be a whole number of at least 0, got ${n}`);
  return n;
}

/**
 * Builds the receipt of a tenant's purge: every kind of record with its count (0 when there was none, so a reader
 * sees that the kind was purged, not forgotten), the objects removed, and each report's artifact with its digest,
 * in report id order. `counts.artifacts` counts the artifacts removed now; those retention had purged before are
 * listed with `purged_before`. The same facts always give the same receipt, field order included.
 */
export function buildDeletionReceipt(facts: DeletionReceiptFacts): DeletionReceipt {
  const records = Object.fromEntries(
    PURGED_RECORD_KINDS.map((kind) => [kind, count(facts.records[kind], `records.${kind}`)]),
  ) as Record<PurgedRecordKind, number>;
  const artifacts = [...facts.artifacts]
    .sort((a, b) => (a.reportId < b.reportId ? -1 : a.reportId > b.reportId ? 1 : 0))
    .map((a) => ({
      report_id: a.reportId,
      file: a.file,
      sha256: a.sha256,
      size: a.size,
      content_type: a.contentType,
      purged_before: a.purgedBefore?.toISOString() ?? null,
    }));
  return {
    type: 'tenant_deletion_receipt',
    version: 1,
    tenant: { id: facts.tenant.id, name: facts.tenant.name, created_at: facts.tenant.createdAt.toISOString() },
    workflow_id: facts.workflowId,
    requested_by: facts.requestedBy,
    grace: { started_at: facts.graceStartedAt.toISOString(), ended_at: facts.graceEndedAt.toISOString() },
    purge: { started_at: facts.purgeStartedAt.toISOString(), finished_at: facts.purgeFinishedAt.toISOString() },
    counts: {
      artifacts: artifacts.filter((a) => a.purged_before === null).length,
      objects: count(facts.objects, 'objects'),
      ...records,
    },
    artifacts,
    jwks_url: facts.jwksUrl,
  };
}
