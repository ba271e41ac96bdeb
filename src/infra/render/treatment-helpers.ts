import type Handlebars from 'handlebars';
import type { ReportModel, ReportRow } from '../../domain/report-model';

/** How the PDF names each treatment state. */
const STATE_LABELS: Readonly<Record<string, string>> = {
  open: 'Open',
  mitigated: 'Mitigated',
  risk_accepted: 'Risk accepted',
  false_positive: 'False positive',
  regressed: 'Regressed (open again)',
};

export function treatmentStateLabel(state: string): string {
  return STATE_LABELS[state] ?? state;
}

/** A row's treatment as the findings table prints it: every field present (null where it has none), so the
 * template needs no branch per optional field under strict mode; null for a row the model carries none for. */
export function rowTreatmentView(row: ReportRow) {
  const t = row.treatment;
  if (!t) return null;
  return {
    state: t.state,
    label: treatmentStateLabel(t.state),
    owner: t.owner,
    dueDate: t.dueDate,
    response: t.managementResponse,
    accepted: t.state === 'risk_accepted',
    approver: t.approver ?? null,
    approverRole: t.approverRole ?? null,
    expiresOn: t.expiresOn ?? null,
    mitigatedOn: t.mitigatedOn ?? null,
    overdue: t.overdue,
  };
}

/** The summary's counts by state with their labels, or null when the model carries no treatment. */
export function treatmentCounts(model: ReportModel) {
  const t = model.summary.treatment;
  if (!t) return null;
  return {
    asOf: t.asOf,
    overdue: t.overdue,
    byState: t.byState.map((s) => ({ state: s.state, label: treatmentStateLabel(s.state), rows: s.rows })),
  };
}

/** The helpers the findings table and the executive summary use to print treatment. */
export function registerTreatmentHelpers(hbs: typeof Handlebars): void {
  hbs.registerHelper('rowTreatment', (row: ReportRow) => rowTreatmentView(row));
  hbs.registerHelper('treatmentCounts', (model: ReportModel) => treatmentCounts(model));
  hbs.registerHelper('treatmentStateLabel', (state: string) => treatmentStateLabel(state));
}
