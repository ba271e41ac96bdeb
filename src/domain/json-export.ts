import { toWireScan } from './finding';
import { toWireScope } from './report';
import type { ReportModel } from './report-model';

/** The JSON artifact: the report model in the API's snake_case, with `schema_version` first so a reader can
 * pick the right schema before reading anything else. */
export function toJsonExport(model: ReportModel): Record<string, unknown> {
  const { report, summary } = model;
  return {
    schema_version: model.schemaVersion,
    catalogue_version: model.catalogueVersion,
    crosswalk_version: model.crosswalkVersion,
    report: {
      id: report.id,
      tenant_id: report.tenantId,
      tenant_name: report.tenantName,
      title: report.title,
      format: report.format,
      frameworks: report.frameworks.map((f) => ({ slug: f.slug, label: f.label })),
      scope: toWireScope(report.scope),
      requested_at: report.requestedAt,
      generated_at: report.generatedAt,
    },
    summary: {
      rows: summary.rows,
      findings: summary.findings,
      by_severity: summary.bySeverity.map((s) => ({ severity: s.severity, rows: s.rows })),
      by_framework: summary.byFramework.map((f) => ({
        framework: f.framework,
        label: f.label,
        rows: f.rows,
        controls_covered: f.controlsCovered,
      })),
      by_endpoint: summary.byEndpoint.map((e) => ({
        endpoint_id: e.endpointId,
        endpoint_name: e.endpointName,
        rows: e.rows,
      })),
    },
    rows: model.rows.map((r) => ({
      ref: r.ref,
      severity: r.severity,
      title: r.title,
      category: r.category,
      endpoint_id: r.endpointId,
      endpoint_name: r.endpointName,
      first_seen: r.firstSeen,
      last_seen: r.lastSeen,
      occurrences: r.occurrences,
      finding_ids: r.findingIds,
      overlap_groups: r.groups,
      controls: r.frameworks.map((f) => ({
        framework: f.framework,
        items: f.controls.map((c) => ({
          id: c.id,
          title: c.title,
          explicit: c.explicit,
          derived_via: c.via.map((v) => ({ group: v.group, basis: v.basis, reason: v.reason })),
        })),
      })),
      evidence: {
        prompt: r.evidence.prompt,
        response: r.evidence.response,
        finding_id: r.evidence.findingId,
        scan: r.evidence.scan ? toWireScan(r.evidence.scan) : null,
      },
    })),
    coverage: model.coverage.map((c) => ({
      framework: c.framework,
      label: c.label,
      covered: c.covered,
      total: c.controls.length,
      controls: c.controls.map((e) => ({ id: e.id, title: e.title, rows: e.rows })),
    })),
    crosswalk: { groups: model.crosswalk.groups, basis: model.crosswalk.basis },
    sources: model.sources.map((src) => ({
      tool: src.tool,
      tool_version: src.toolVersion ?? null,
      run_id: src.runId ?? null,
      file_sha256: src.fileSha256 ?? null,
      findings: src.findings,
    })),
    unknown_refs: model.unknownRefs.map((u) => ({
      finding_id: u.findingId,
      framework: u.framework,
      control: u.control,
    })),
  };
}
