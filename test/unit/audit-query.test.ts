import { AppError } from '../../src/domain/errors';
import { parseAuditQuery } from '../../src/http/audit-query';
import { encodeCursor } from '../../src/http/paging';

const now = new Date('2026-06-15T12:00:00Z');
const DAY_MS = 86_400_000;

/** The field and message a query is refused with. */
function refusal(query: Record<string, unknown>): { code: string; field: unknown; message: string } {
  try {
    parseAuditQuery(query, now);
  } catch (err) {
    if (err instanceof AppError) return { code: err.code, field: err.details?.field, message: err.message };
    throw err;
  }
  throw new Error('the query was accepted');
}

describe('parseAuditQuery', () => {
  it('when no parameter is given, then the window is the 366 days before now, open-ended, 20 a page', () => {
    expect(parseAuditQuery({}, now)).toEqual({
      from: new Date(now.getTime() - 366 * DAY_MS),
      latest: new Date(now.getTime() + DAY_MS),
      limit: 21,
      pageSize: 20,
    });
  });

  it('when every parameter is given, then each is parsed, days taken whole and to exclusive', () => {
    const cursor = encodeCursor([Date.parse('2026-05-03T10:00:00Z'), 'evt_2026_aaaaaaaaaaaaaaaa']);
    expect(
      parseAuditQuery(
        {
          report_id: 'rpt_2026_bbbbbbbbbbbbbbbb',
          action: 'report.created,report.artifact_fetched',
          from: '2026-05-01',
          to: '2026-05-31',
          limit: '200',
          cursor,
        },
        now,
      ),
    ).toEqual({
      from: new Date('2026-05-01T00:00:00Z'),
      to: new Date('2026-06-01T00:00:00Z'),
      latest: new Date('2026-05-31T23:59:59.999Z'),
      actions: ['report.created', 'report.artifact_fetched'],
      reportId: 'rpt_2026_bbbbbbbbbbbbbbbb',
      before: { at: new Date('2026-05-03T10:00:00Z'), id: 'evt_2026_aaaaaaaaaaaaaaaa' },
      limit: 201,
      pageSize: 200,
    });
  });

  it('when only to is given, then from is 366 days before it', () => {
    const q = parseAuditQuery({ to: '2026-01-10T00:00:00+02:00' }, now);
    expect(q.to).toEqual(new Date('2026-01-09T22:00:00Z'));
    expect(q.from).toEqual(new Date(Date.parse('2026-01-09T22:00:00Z') - 366 * DAY_MS));
  });

  it.each([
    [{ action: 'report.deleted' }, 'action', /"report.deleted" is not an audit action; use any of report.created, /],
    [{ action: 'report.created,token.rotated' }, 'action', /"token.rotated" is not an audit action/],
    [{ action: ['report.created', 'report.purged'] }, 'action', /is not an audit action/],
    [{ report_id: 'ep_2026_aaaaaaaaaaaaaaaa' }, 'report_id', /is not a report id/],
    [{ from: '2026-13-01' }, 'from', /calendar day \(YYYY-MM-DD\) or an ISO 8601 time/],
    [{ to: 'yesterday' }, 'to', /calendar day/],
    [{ from: '2026-05-02', to: '2026-05-01' }, 'to', /must be later than from/],
    [{ from: '2026-07-01' }, 'from', /must be in the past/],
    [{ from: '2025-01-01' }, 'from', /spans at most 366 days/],
    [{ from: '2024-01-01', to: '2025-06-01' }, 'from', /spans at most 366 days/],
    [{ limit: '0' }, 'limit', /from 1 to 200/],
    [{ limit: '201' }, 'limit', /from 1 to 200/],
    [{ limit: '1.5' }, 'limit', /from 1 to 200/],
    [{ cursor: 'not-a-cursor' }, 'cursor', /not a cursor this API issued/],
    [{ cursor: encodeCursor(['x', 'evt_1']) }, 'cursor', /not a cursor this API issued/],
    [{ actions: 'report.created' }, 'actions', /is not a recognised field/],
  ])('when the query is %j, then 400 invalid_request naming %s', (query, field, message) => {
    const r = refusal(query);
    expect(r).toMatchObject({ code: 'invalid_request', field });
    expect(r.message).toMatch(message);
    expect(r.message.startsWith(`${field}: `)).toBe(true);
  });

  it('when a window is exactly 366 days, then it is accepted', () => {
    expect(parseAuditQuery({ from: '2025-01-01', to: '2026-01-01' }, now).from).toEqual(
      new Date('2025-01-01T00:00:00Z'),
    );
  });
});
