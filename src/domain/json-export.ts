import { toWireApplicability } from './applicability';
import { toWireRatingMethod } from './evidence/rating';
import { toWireScan } from './finding';
import { toWireScope } from './report';
import type {
  FrontPage,
  Rate,
  ReportModel,
  ReportRelease,
  ReportRowTreatment,
  ScopeWeakness,
  TreatmentHistory,
} from './report-model';

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
    release: wireRelease(model.release),
    summary: {
      rows: summary.rows,
      findings: summary.findings,
      by_severity: summary.bySeverity.map((s) => ({
        severity: s.severity,
        requested: s.requested,
        rows: s.requested ? s.rows : null,
        excluded_findings: s.excludedFindings,
      })),
      by_framework: summary.byFramework.map((f) => ({
        framework: f.framework,
        label: f.label,
        rows: f.rows,
        controls_listed: f.controlsListed,
      })),
      by_endpoint: summary.byEndpoint.map((e) => ({
        endpoint_id: e.endpointId,
        endpoint_name: e.endpointName,
        rows: e.rows,
      })),
      treatment: summary.treatment
        ? {
            as_of: summary.treatment.asOf,
            by_state: summary.treatment.byState.map((s) => ({ state: s.state, rows: s.rows })),
            overdue: summary.treatment.overdue,
          }
        : null,
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
      period_first_seen: r.periodFirstSeen,
      period_last_seen: r.periodLastSeen,
      occurrences: r.occurrences,
      finding_ids: r.findingIds,
      overlap_groups: r.groups,
      controls: r.frameworks.map((f) => ({
        framework: f.framework,
        items: f.controls.map((c) => ({
          id: c.id,
          title: c.title,
          link_type: c.type,
          explicit: c.explicit,
          derived_via: c.via.map((v) => ({ group: v.group, basis: v.basis, reason: v.reason })),
        })),
      })),
      evidence: {
        prompt: r.evidence.prompt,
        response: r.evidence.response,
        finding_id: r.evidence.findingId,
        scan: r.evidence.scan ? toWireScan(r.evidence.scan) : null,
        redactions: {
          prompt: r.evidence.redactions.prompt.map((m) => ({ kind: m.kind, count: m.count })),
          response: r.evidence.redactions.response.map((m) => ({ kind: m.kind, count: m.count })),
          scan: r.evidence.redactions.scan.map((m) => ({ kind: m.kind, count: m.count })),
        },
      },
      treatment: r.treatment ? wireRowTreatment(r.treatment) : null,
    })),
    treatment_history: model.treatmentHistory ? wireTreatmentHistory(model.treatmentHistory) : null,
    applicability: model.applicability ? toWireApplicability(model.applicability) : null,
    rating_method: {
      source: model.rating.source,
      method: toWireRatingMethod(model.rating.method),
      override: model.rating.override
        ? {
            reason: model.rating.override.reason,
            updated_by: model.rating.override.updatedBy,
            updated_at: model.rating.override.updatedAt,
          }
        : null,
    },
    testing: {
      attempts: model.testing.attempts,
      failures: model.testing.failures,
      incomplete_runs: model.testing.incompleteRuns,
      runs: model.testing.runs.map((r) => ({
        id: r.id,
        tool: r.tool,
        tool_version: r.toolVersion ?? null,
        source_run_id: r.runId,
        config_sha256: r.configSha256 ?? null,
        target: r.target ?? null,
        endpoint_id: r.endpointId,
        endpoint_name: r.endpointName,
        started_at: r.startedAt,
        origin: r.origin,
        file_sha256: r.fileSha256 ?? null,
        results_complete: r.resultsComplete,
        probes: r.probes,
        attempts: r.attempts,
        failures: r.failures,
        attack_success_rate: wireRate(r.successRate),
      })),
      probes: model.testing.probes.map((p) => ({
        tool: p.tool,
        probe: p.probe,
        detector: p.detector ?? null,
        strategy: p.strategy ?? null,
        category: p.category ?? null,
        runs: p.runs,
        attempts: p.attempts,
        failures: p.failures,
        attack_success_rate: wireRate(p.successRate),
      })),
    },
    coverage: model.coverage.map((c) => ({
      framework: c.framework,
      label: c.label,
      counts: c.counts,
      applicable: c.controls.length - c.counts.not_applicable,
      total: c.controls.length,
      by_kind: c.byKind.map((k) => ({ kind: k.kind, counts: k.counts })),
      controls: c.controls.map((e) => ({
        id: e.id,
        title: e.title,
        kind: e.kind,
        status: e.status,
        rows: e.rows,
        activity_rows: e.activityRows,
        tested: { probes: e.tested.probes, attempts: e.tested.attempts, failures: e.tested.failures },
        applicability: e.applicability
          ? { applies: e.applicability.applies, note: e.applicability.note ?? null }
          : null,
      })),
    })),
    crosswalk: {
      groups: model.crosswalk.groups,
      basis: model.crosswalk.basis,
      basis_kinds: model.crosswalk.basisKinds,
      link_types: model.crosswalk.linkTypes,
    },
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
    population: {
      from: model.population.from,
      to: model.population.to,
      findings: model.population.findings,
      in_scope: model.population.inScope,
      excluded: model.population.excluded.map((e) => ({
        severity: e.severity,
        reason: e.reason,
        findings: e.findings,
      })),
      rerated: model.population.rerated,
      before_period: model.population.before,
      digest: {
        algorithm: 'sha256',
        canonicalization: 'RFC 8785',
        over: 'records, each as {"evidence_sha256", "id"}, in id order',
        value: model.population.digest,
      },
    },
    records: model.records.map((r) => ({
      id: r.id,
      endpoint_id: r.endpointId,
      detected_at: r.detectedAt,
      severity: r.severity,
      severity_origin: r.severityOrigin,
      category: r.category,
      fingerprint: r.fingerprint,
      tool: r.tool,
      tool_version: r.toolVersion ?? null,
      run_id: r.runId ?? null,
      evidence_sha256: r.evidenceSha256,
      row: r.row ?? null,
      excluded_reason: r.excludedReason ?? null,
    })),
    front_page: wireFrontPage(model.frontPage),
    subsequent_events: {
      after: model.population.to,
      until: report.generatedAt,
      events: model.subsequentEvents.map((e) => ({
        row: e.row ?? null,
        title: e.title,
        category: e.category,
        endpoint_id: e.endpointId,
        endpoint_name: e.endpointName,
        severity: e.severity,
        findings: e.findings,
        first_detected_at: e.firstDetectedAt,
        last_detected_at: e.lastDetectedAt,
      })),
    },
  };
}

/** A rate with its 95 % Wilson interval, or null where nothing was attempted. */
function wireRate(rate: Rate | undefined): { value: number; low: number; high: number; method: string } | null {
  return rate ? { value: rate.value, low: rate.low, high: rate.high, method: 'Wilson score interval, 95 %' } : null;
}

/** A row's treatment; the details of a state the weakness is not in are null rather than absent, as elsewhere. */
function wireRowTreatment(t: ReportRowTreatment): Record<string, unknown> {
  return {
    weakness_key: t.key,
    state: t.state,
    owner: t.owner,
    due_date: t.dueDate,
    management_response: t.managementResponse,
    approver: t.approver ?? null,
    approver_role: t.approverRole ?? null,
    expires_on: t.expiresOn ?? null,
    mitigated_on: t.mitigatedOn ?? null,
    overdue: t.overdue,
  };
}

function wireTreatmentHistory(h: TreatmentHistory): Record<string, unknown> {
  return {
    from: h.from,
    until: h.until,
    entries: h.entries.map((e) => ({
      weakness_key: e.key,
      row: e.row,
      at: e.at,
      actor: e.actor,
      from: e.from,
      to: e.to,
      cause: e.cause,
      fields: e.fields,
    })),
  };
}

/** Which version the document is and who approved it; an unapproved draft has `approval: null`. */
function wireRelease(release: ReportRelease): Record<string, unknown> {
  const a = release.approval;
  return {
    version: release.version,
    status: release.status,
    status_as_of: release.statusAsOf,
    approval: a
      ? {
          approver_name: a.approverName,
          approver_role: a.approverRole,
          approved_at: a.approvedAt,
          assertion: a.assertion,
          limitations: a.limitations,
        }
      : null,
    history: release.history.map((h) => ({
      version: h.version,
      status: h.status,
      at: h.at,
      sha256: h.sha256,
      approver_name: h.approverName,
      changed_weaknesses: h.changedWeaknesses,
    })),
  };
}

const wireWeakness = (w: ScopeWeakness) => ({
  ref: w.ref,
  severity: w.severity,
  title: w.title,
  endpoint_name: w.endpointName,
});

/** The front page's facts as the PDF's first pages give them; the weaknesses' keys stay inside the service. */
function wireFrontPage(page: FrontPage): Record<string, unknown> {
  return {
    as_of: page.asOf,
    conclusion: page.conclusion,
    open_rows: page.openRows,
    open_critical_high: page.openCriticalHigh,
    endpoints_at_risk: page.endpointsAtRisk,
    controls_requested: page.controlsRequested,
    controls_covered: page.controlsCovered,
    top_risks: page.topRisks.map((r) => ({
      ref: r.ref,
      severity: r.severity,
      title: r.title,
      endpoint_name: r.endpointName,
      first_seen: r.firstSeen,
      last_seen: r.lastSeen,
      age_days: r.ageDays,
      owner: r.owner,
      due_date: r.dueDate,
    })),
    ageing: page.ageing.map((b) => ({ bucket: b.bucket, label: b.label, open: b.open, critical_high: b.criticalHigh })),
    treatment: page.treatment
      ? { by_state: page.treatment.byState.map((s) => ({ state: s.state, count: s.count })) }
      : null,
    change: page.change
      ? {
          report_id: page.change.reportId,
          generated_at: page.change.generatedAt,
          from: page.change.from,
          to: page.change.to,
          new_count: page.change.newCount,
          new_weaknesses: page.change.newWeaknesses.map(wireWeakness),
          gone_count: page.change.goneCount,
          gone: page.change.gone.map(wireWeakness),
          by_severity: page.change.bySeverity.map((s) => ({ severity: s.severity, then: s.then, now: s.now })),
        }
      : null,
  };
}
