import { AUDIT_ACTIONS, isAuditAction, type AuditAction } from '../domain/audit';
import { isId } from '../domain/ids';
import { invalid, rejectUnknownFields, shown } from '../domain/validation';
import type { AuditEventQuery } from '../infra/mongo/audit-repo';
import { decodeCursor, parseLimit } from './paging';
import { parseBound } from './time-bounds';

/** Most days one `GET /audit-events` window spans: what bounds the months of the tenant's log a request reads. */
export const MAX_AUDIT_WINDOW_DAYS = 366;

/** Most events one page holds. */
export const MAX_AUDIT_PAGE = 200;

const DAY_MS = 86_400_000;
const PARAMETERS = ['report_id', 'action', 'from', 'to', 'limit', 'cursor'];

function parseActions(raw: unknown): AuditAction[] | undefined {
  if (raw === undefined) return undefined;
  const values = typeof raw === 'string' ? raw.split(',') : [raw];
  const bad = values.find((v) => !isAuditAction(v));
  if (bad !== undefined) {
    throw invalid('action', `${shown(bad)} is not an audit action; use any of ${AUDIT_ACTIONS.join(', ')}`);
  }
  return values as AuditAction[];
}

/** The position after an event: `[at in ms, id]`. */
function acceptPosition([ms, id]: unknown[]): { at: Date; id: string } | undefined {
  return typeof ms === 'number' && Number.isFinite(ms) && typeof id === 'string' && id.length > 0 && id.length <= 200
    ? { at: new Date(ms), id }
    : undefined;
}

/**
 * The query of `GET /audit-events` as of `now`, with the page asked of the store one longer than `limit` (see
 * pageOf). The window is `from` (inclusive) to `to` (exclusive), days taken whole as in the other lists; without
 * `from` it is the {@link MAX_AUDIT_WINDOW_DAYS} days before `to` (or now), and no window may be longer, so a
 * request reads at most 13 months of the tenant's log.
 */
export function parseAuditQuery(query: Record<string, unknown>, now: Date): AuditEventQuery & { pageSize: number } {
  rejectUnknownFields(query, PARAMETERS);
  const pageSize = parseLimit(query.limit, MAX_AUDIT_PAGE);
  const actions = parseActions(query.action);
  const reportId = query.report_id;
  if (reportId !== undefined && !isId(reportId, 'rpt')) {
    throw invalid('report_id', `${shown(reportId)} is not a report id (rpt_…)`);
  }
  const to = parseBound(query.to, 'to');
  const end = to ?? now;
  const from = parseBound(query.from, 'from') ?? new Date(end.getTime() - MAX_AUDIT_WINDOW_DAYS * DAY_MS);
  if (from >= end) {
    throw to
      ? invalid('to', `must be later than from (${from.toISOString()})`)
      : invalid('from', 'must be in the past');
  }
  if (end.getTime() - from.getTime() > MAX_AUDIT_WINDOW_DAYS * DAY_MS) {
    throw invalid('from', `the window from..to spans at most ${MAX_AUDIT_WINDOW_DAYS} days; page through longer ones`);
  }
  const before = decodeCursor(query.cursor, acceptPosition);
  return {
    from,
    ...(to ? { to } : {}),
    // Without `to`, a day past now: an event stamped by a worker whose clock runs ahead still shows.
    latest: to ? new Date(to.getTime() - 1) : new Date(now.getTime() + DAY_MS),
    ...(actions ? { actions } : {}),
    ...(typeof reportId === 'string' ? { reportId } : {}),
    ...(before ? { before } : {}),
    limit: pageSize + 1,
    pageSize,
  };
}
