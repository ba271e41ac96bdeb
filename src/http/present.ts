import { artifactFileName, toWireScope, type ReportRecord } from '../domain/report';

const iso = (d: Date | undefined): string | null => (d ? d.toISOString() : null);

/** The public representation of a report (`GET /reports/:id` and the list). Every key is always present,
 * null when it does not apply yet, so clients can rely on one shape. */
export function presentReport(r: ReportRecord): Record<string, unknown> {
  const self = `/api/v2/reports/${r.id}`;
  return {
    id: r.id,
    status: r.status,
    format: r.request.format,
    title: r.request.title,
    frameworks: r.request.frameworks,
    scope: toWireScope(r.request.scope),
    progress: r.progress,
    attempts: r.attempts,
    queued_at: r.createdAt.toISOString(),
    started_at: iso(r.startedAt),
    completed_at: iso(r.completedAt),
    failed_at: iso(r.failedAt),
    expires_at: iso(r.expiresAt),
    purged_at: iso(r.purgedAt),
    legal_hold: r.legalHold
      ? { reason: r.legalHold.reason, placed_at: r.legalHold.placedAt.toISOString(), placed_by: r.legalHold.placedBy }
      : null,
    regenerated_from: r.regeneratedFrom ?? null,
    error: r.error ?? null,
    counts: r.counts ?? null,
    artifact: r.artifact
      ? {
          file_name: artifactFileName(r.id, r.request.format),
          content_type: r.artifact.contentType,
          size: r.artifact.size,
          sha256: r.artifact.sha256,
          signature: r.artifact.signature
            ? {
                type: r.artifact.signature.type,
                key_id: r.artifact.signature.keyId,
                jws: r.artifact.signature.jws ?? null,
              }
            : null,
        }
      : null,
    links: {
      self,
      download: r.status === 'ready' ? `${self}/download` : null,
      regenerate: r.status === 'queued' || r.status === 'running' ? null : `${self}/regenerate`,
      retry: r.status === 'failed' ? `${self}/retry` : null,
    },
  };
}
