/** A report poll answered in front of Express says exactly what the reports router says for the same report. */
import http from 'node:http';
import { parseReportRequest } from '../../src/domain/report-request';
import { queuedRecord } from '../fixtures/reports';
import { documentedRequest } from '../fixtures/requests';
import { loadScenario, type Scenario } from '../fixtures/scenario';
import { startHarness, type Harness } from '../support/harness';

let h: Harness;
let s: Scenario;

beforeAll(async () => {
  h = await startHarness({ label: 'polls' });
  s = await loadScenario(h.db);
});

afterAll(async () => {
  await h?.close();
});

/** The status of a conditional GET as a client without `Cache-Control: no-cache` sends it. */
function statusOf(path: string, etag: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      `${h.baseUrl}${path}`,
      { headers: { authorization: `Bearer ${s.a.token}`, 'if-none-match': etag } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      },
    );
    req.on('error', reject);
  });
}

const headersOf = (res: { headers: Headers }) =>
  Object.fromEntries([...res.headers].filter(([name]) => name !== 'date'));

it.each(['queued', 'failed'] as const)(
  'when a %s report is polled, then the answer is the reports router’s, byte for byte, header for header',
  async (status) => {
    const report = queuedRecord(s.a.tenantId, parseReportRequest(documentedRequest([s.a.endpoint])), new Date(), {
      status,
      attempts: 1,
      ...(status === 'failed' ? { error: { code: 'render_failed', message: 'the renderer gave up' } } : {}),
    });
    await h.reports.insert(report);
    const polled = await h.request('GET', `/api/v2/reports/${report.id}`, { token: s.a.token });
    // A query string takes the request past the fast path to the router, which ignores it.
    const routed = await h.request('GET', `/api/v2/reports/${report.id}?via=router`, { token: s.a.token });
    expect(polled.status).toBe(200);
    expect(polled.body).toMatchObject({ id: report.id, status });
    expect(polled.text).toBe(routed.text);
    expect(headersOf(polled)).toEqual(headersOf(routed));

    // The router accepts the poll's ETag as its own. (Over node:http: fetch marks a conditional request
    // `Cache-Control: no-cache`, which asks for the full answer.)
    expect(await statusOf(`/api/v2/reports/${report.id}`, polled.headers.get('etag')!)).toBe(304);
  },
);
