import { maskEvidence } from '../domain/evidence/masking';
import { toWireScan, type Endpoint, type Finding } from '../domain/finding';
import type { ImportRecord } from '../domain/imports';
import { runTotals, type RunTotals, type TestRun } from '../domain/runs';
import { versionsOf, type PendingApproval, type ReportVersion } from '../domain/approval';
import {
  artifactFileName,
  toWireScope,
  type ArtifactFacts,
  type ReportFormat,
  type ReportRecord,
} from '../domain/report';

const iso = (d: Date | undefined): string | null => (d ? d.toISOString() : null);

/** The public representation of a report (`GET /reports/:id` and the list). Every key is always present,
 * null when it does not apply yet, so clients can rely on one shape. */
export function presentReport(r: ReportRecord): Record<string, unknown> {
  const self = `/api/v2/reports/${r.id}`;
  const versions = versionsOf(r);
  const latest = versions[versions.length - 1];
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
    artifact: r.artifact ? presentArtifact(r.id, r.request.format, r.artifact, latest?.version ?? 1) : null,
    version: latest?.version ?? null,
    approval: presentApproval(latest, r.pendingApproval),
    versions: versions.map((v) => ({
      version: v.version,
      status: v.approval ? 'approved' : 'draft',
      created_at: v.createdAt.toISOString(),
      status_as_of: v.statusAsOf.toISOString(),
      approval: v.approval
        ? {
            approver_name: v.approval.approverName,
            approver_role: v.approval.approverRole,
            assertion: v.approval.assertion,
            limitations: v.approval.limitations,
            approved_at: v.approval.approvedAt.toISOString(),
            approved_by: v.approval.approvedBy,
          }
        : null,
      regenerated: v.regenerated ? { changed_weaknesses: v.regenerated.changedWeaknesses } : null,
      artifact: presentArtifact(r.id, r.request.format, v.artifact, v.version),
      download: r.status === 'ready' ? `${self}/download?version=${v.version}` : null,
    })),
    links: {
      self,
      download: r.status === 'ready' ? `${self}/download` : null,
      regenerate: r.status === 'queued' || r.status === 'running' ? null : `${self}/regenerate`,
      retry: r.status === 'failed' ? `${self}/retry` : null,
      approve: r.status === 'ready' ? `${self}/approve` : null,
    },
  };
}

function presentArtifact(
  reportId: string,
  format: ReportFormat,
  a: ArtifactFacts,
  version: number,
): Record<string, unknown> {
  return {
    file_name: artifactFileName(reportId, format, version),
    content_type: a.contentType,
    size: a.size,
    sha256: a.sha256,
    signature: a.signature
      ? {
          type: a.signature.type,
          key_id: a.signature.keyId,
          jws: a.signature.jws ?? null,
          timestamp: a.signature.timestamp ?? null,
        }
      : null,
  };
}

/** Where the sign-off of a report stands: `draft` (nobody approved the latest version), `approving` (a version is
 * being made), `approved` (the latest version carries an approval) or `failed` (the last approval asked for failed;
 * the latest version is as it was). Null before the report is ready. */
function presentApproval(latest: ReportVersion | undefined, pending: PendingApproval | undefined) {
  if (pending && (!latest || pending.version > latest.version)) {
    return {
      status: pending.state,
      version: pending.version,
      requested_at: pending.requestedAt.toISOString(),
      requested_by: pending.requestedBy,
      error: pending.error ?? null,
    };
  }
  if (!latest) return null;
  return {
    status: latest.approval ? 'approved' : 'draft',
    version: latest.version,
    requested_at: latest.approval ? latest.approval.approvedAt.toISOString() : null,
    requested_by: latest.approval ? latest.approval.approvedBy : null,
    error: null,
  };
}

/** The public representation of an endpoint under test. */
export function presentEndpoint(e: Endpoint): Record<string, unknown> {
  return { id: e.id, name: e.name, description: e.description, created_at: e.createdAt ?? null };
}

/** The public representation of a finding. Its evidence, and the scanner's free text, are `masked` (personal data
 * and secrets replaced, `redactions` saying what was) or as `stored` (`redactions` null) for a token with
 * `evidence:read`. Either way the text is not otherwise changed: JSON carries it safely, and every place that
 * renders it escapes it. */
export function presentFinding(f: Finding, evidence: 'masked' | 'stored'): Record<string, unknown> {
  const masked = evidence === 'masked' ? maskEvidence(f.evidence, f.scan) : undefined;
  const scan = masked ? masked.scan : f.scan;
  return {
    id: f.id,
    endpoint_id: f.endpointId,
    title: f.title,
    category: f.category,
    severity: f.severity,
    detected_at: f.detectedAt,
    fingerprint: f.fingerprint,
    framework_refs: f.frameworkRefs,
    evidence: masked ? masked.evidence : f.evidence,
    redactions: masked ? masked.redactions : null,
    source: f.source
      ? {
          tool: f.source.tool,
          tool_version: f.source.toolVersion ?? null,
          run_id: f.source.runId ?? null,
          file_sha256: f.source.fileSha256 ?? null,
          ...(scan ? toWireScan(scan) : {}),
        }
      : null,
  };
}

/** The public representation of an import job: where it stands and, once it has succeeded, what it did (the
 * fields an import answered before it was a job, null until then). */
export function presentImportJob(r: ImportRecord): Record<string, unknown> {
  const o = r.outcome;
  const iso = (d: Date | undefined) => (d ? d.toISOString() : null);
  return {
    id: r.id,
    status: r.status,
    endpoint_id: r.endpointId,
    created_at: r.createdAt.toISOString(),
    started_at: iso(r.startedAt),
    finished_at: iso(r.finishedAt),
    progress: {
      phase: r.progress.phase,
      bytes_read: r.progress.bytesRead,
      bytes_total: r.progress.bytesTotal,
      findings: r.progress.findings,
    },
    format: o?.format ?? r.options.format ?? null,
    tool: o?.tool ?? null,
    tool_version: o ? (o.toolVersion ?? null) : null,
    run_id: o ? (o.runId ?? null) : null,
    file_sha256: r.upload.sha256 || null,
    file_bytes: r.upload.bytes,
    items_read: o?.itemsRead ?? null,
    findings: o?.findings ?? null,
    created: o?.created ?? null,
    duplicates: o?.duplicates ?? null,
    test_run_id: o?.testRunId ?? null,
    ...(o?.unmappedProbeModules ? { unmapped_probe_modules: o.unmappedProbeModules } : {}),
    ...(o?.held !== undefined ? { held: o.held } : {}),
    ...(o?.errored !== undefined ? { errored: o.errored } : {}),
    matched_run: o?.matchedRun
      ? {
          import_id: o.matchedRun.importId ?? null,
          format: o.matchedRun.format,
          file_sha256: o.matchedRun.fileSha256,
          imported_at: new Date(o.matchedRun.importedAt).toISOString(),
          same_file: o.matchedRun.fileSha256 === o.fileSha256,
          ...(o.matchedRun.legacy ? { legacy: true } : {}),
        }
      : null,
    error: r.error
      ? { code: r.error.code, message: r.error.message, ...(r.error.line ? { line: r.error.line } : {}) }
      : null,
    links: {
      self: `/api/v2/findings/imports/${r.id}`,
      test_run: o?.testRunId ? `/api/v2/runs/${o.testRunId}` : null,
    },
  };
}

/** The public representation of a test run. With `summary` (a list), the run's totals stand in for its results. */
export function presentRun(r: TestRun, summary?: RunTotals): Record<string, unknown> {
  const totals = summary ?? runTotals(r.results);
  return {
    id: r.id,
    endpoint_id: r.endpointId,
    origin: r.origin,
    tool: r.tool,
    tool_version: r.toolVersion ?? null,
    source_run_id: r.runId,
    config_sha256: r.configSha256 ?? null,
    target: r.target ?? null,
    started_at: r.startedAt,
    finished_at: r.finishedAt ?? null,
    file_sha256: r.fileSha256 ?? null,
    import_id: r.importId ?? null,
    results_complete: r.resultsComplete,
    totals: { results: totals.results, attempts: totals.attempts, failures: totals.failures, errors: totals.errors },
    ...(summary
      ? {}
      : {
          results: r.results.map((p) => ({
            probe: p.probe,
            detector: p.detector ?? null,
            strategy: p.strategy ?? null,
            attempts: p.attempts,
            failures: p.failures,
            errors: p.errors ?? 0,
            category: p.category ?? null,
            framework_refs: p.frameworkRefs,
          })),
        }),
    recorded_at: r.recordedAt,
    links: { self: `/api/v2/runs/${r.id}` },
  };
}
