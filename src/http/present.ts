import { toWireScan, type Endpoint, type Finding } from '../domain/finding';
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

/** The public representation of an endpoint under test. */
export function presentEndpoint(e: Endpoint): Record<string, unknown> {
  return { id: e.id, name: e.name, description: e.description, created_at: e.createdAt ?? null };
}

/** The public representation of a finding. Its text is returned as stored: JSON carries it safely, and every
 * place that renders it escapes it. */
export function presentFinding(f: Finding): Record<string, unknown> {
  return {
    id: f.id,
    endpoint_id: f.endpointId,
    title: f.title,
    category: f.category,
    severity: f.severity,
    detected_at: f.detectedAt,
    fingerprint: f.fingerprint,
    framework_refs: f.frameworkRefs,
    evidence: f.evidence,
    source: f.source
      ? {
          tool: f.source.tool,
          tool_version: f.source.toolVersion ?? null,
          run_id: f.source.runId ?? null,
          file_sha256: f.source.fileSha256 ?? null,
          ...(f.scan ? toWireScan(f.scan) : {}),
        }
      : null,
  };
}
