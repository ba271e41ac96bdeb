import { weaknessKeyOfNormalised } from '../treatment/key';
import type { HistoryEntry, Treatment } from '../treatment/log';
import { isOpenState, TREATMENT_STATES, type TreatmentState } from '../treatment/states';
import type { FrontPageTreatment } from './front-page';

/** The treatment of a report's weaknesses as the collect step froze it, so that a retried step or a model built
 * again long after gives the same report whatever was recorded since. */
export interface TreatmentSnapshot {
  /** The instant the treatment is read as of (ISO 8601): the end of the period, or the report's creation when
   * that came first. */
  asOf: string;
  /** When the period began (ISO 8601): the start of its first day. */
  from: string;
  /** The treatment then of each of the report's weaknesses that had a record, by weakness key (treatment/key.ts);
   * a weakness not here had nothing recorded and is open. */
  weaknesses: Record<string, Treatment>;
  /** The changes to those weaknesses made from {@link from} up to {@link asOf}, oldest first. */
  history: (HistoryEntry & { key: string })[];
}

/** What a row shows of its weakness's treatment as of the report's date. */
export interface ReportRowTreatment {
  /** The weakness's key, as the treatment API names it. */
  key: string;
  state: TreatmentState;
  owner: string | null;
  /** YYYY-MM-DD. */
  dueDate: string | null;
  managementResponse: string | null;
  /** Who accepted the risk, in what role, and the day the acceptance lapses: only while it is accepted. */
  approver?: string;
  approverRole?: string;
  expiresOn?: string;
  /** The day the mitigation claimed was done: while mitigated, and once regressed. */
  mitigatedOn?: string;
  /** Still to be treated (open or regressed) and its due date was before the as-of day. */
  overdue: boolean;
}

/** The counts a report's summary gives of its rows' treatment. */
export interface TreatmentSummary {
  /** The as-of day (YYYY-MM-DD) against which due dates count as overdue. */
  asOf: string;
  /** Rows in each state, every state in the order of {@link TREATMENT_STATES}. */
  byState: { state: TreatmentState; rows: number }[];
  overdue: number;
}

/** One change of the period to a row's weakness. */
export interface TreatmentHistoryEntry extends HistoryEntry {
  key: string;
  /** The row of the weakness. */
  row: string;
}

/** The changes made in the period to the rows' weaknesses. */
export interface TreatmentHistory {
  /** From the start of the period up to the as-of instant (ISO 8601). */
  from: string;
  until: string;
  entries: TreatmentHistoryEntry[];
}

/** A row's weakness as treatment keys it: the tenant, its endpoint, and its category and fingerprint normalised. */
export interface RowWeakness {
  ref: string;
  endpointId: string;
  category: string;
  fingerprint: string;
}

/** The treatment of a weakness with nothing recorded. */
const NOTHING_RECORDED = { state: 'open', owner: null, dueDate: null, managementResponse: null } as const;

/** One row's treatment as of `asOfDay`. */
export function rowTreatment(key: string, t: Treatment | undefined, asOfDay: string): ReportRowTreatment {
  const out: ReportRowTreatment = {
    key,
    ...(t
      ? { state: t.state, owner: t.owner, dueDate: t.dueDate, managementResponse: t.managementResponse }
      : NOTHING_RECORDED),
    overdue: false,
  };
  if (t?.state === 'risk_accepted' && t.acceptance) {
    out.approver = t.acceptance.approver;
    out.approverRole = t.acceptance.approverRole;
    out.expiresOn = t.acceptance.expiresOn;
  }
  if (t?.mitigation && (t.state === 'mitigated' || t.state === 'regressed')) out.mitigatedOn = t.mitigation.mitigatedOn;
  out.overdue = isOpenState(out.state) && out.dueDate !== null && out.dueDate < asOfDay;
  return out;
}

/**
 * Maps the frozen treatment onto the rows: each row's treatment (open, with nothing else, where nothing was
 * recorded), the counts by state and overdue for the summary and the front page, and the period's changes to the
 * rows' weaknesses, each with its row. Overdue is judged against the as-of day, not the day the model is built,
 * so a report says what was overdue when it speaks of.
 */
export function treatmentOfRows(
  tenantId: string,
  rows: readonly RowWeakness[],
  snapshot: TreatmentSnapshot,
): {
  rows: ReportRowTreatment[];
  summary: TreatmentSummary;
  history: TreatmentHistory;
  frontPage: FrontPageTreatment;
} {
  const asOfDay = snapshot.asOf.slice(0, 10);
  const refOfKey = new Map<string, string>();
  const counts = new Map<TreatmentState, number>(TREATMENT_STATES.map((s) => [s, 0]));
  let overdue = 0;
  const frontRows: FrontPageTreatment['rows'] = {};
  const mapped = rows.map((r) => {
    const key = weaknessKeyOfNormalised(tenantId, r.endpointId, r.category, r.fingerprint);
    refOfKey.set(key, r.ref);
    const t = rowTreatment(key, snapshot.weaknesses[key], asOfDay);
    counts.set(t.state, (counts.get(t.state) ?? 0) + 1);
    if (t.overdue) overdue++;
    frontRows[r.ref] = {
      state: t.state,
      ...(t.owner !== null ? { owner: t.owner } : {}),
      ...(t.dueDate !== null ? { dueDate: t.dueDate } : {}),
    };
    return t;
  });
  const byState = TREATMENT_STATES.map((state) => ({ state, rows: counts.get(state) ?? 0 }));
  const entries: TreatmentHistoryEntry[] = [];
  for (const h of snapshot.history) {
    const row = refOfKey.get(h.key);
    if (row !== undefined) entries.push({ ...h, row });
  }
  return {
    rows: mapped,
    summary: { asOf: asOfDay, byState, overdue },
    history: { from: snapshot.from, until: snapshot.asOf, entries },
    frontPage: { rows: frontRows, byState: byState.map((s) => ({ state: s.state, count: s.rows })) },
  };
}
