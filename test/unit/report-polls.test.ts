/** Which requests the poll fast path answers itself and which it hands to the Express application. */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ReportRecord } from '../../src/domain/report';
import { ApiMetrics } from '../../src/http/ops-router';
import { presentReport } from '../../src/http/present';
import { TokenBuckets } from '../../src/http/rate-limit';
import { answerReportPolls } from '../../src/http/report-polls';
import { resolvePrincipal, type TokenAuthenticator } from '../../src/http/auth';
import type { Principal } from '../../src/infra/mongo/tokens-repo';
import { parseReportRequest } from '../../src/domain/report-request';
import { queuedRecord } from '../fixtures/reports';
import { documentedRequest } from '../fixtures/requests';

const READER = 'reader-secret-0123456789';
const WRITER = 'writer-secret-0123456789';
const principals = new Map<string, Principal>([
  [READER, { tokenId: 'tok_reader', tenantId: 'tnt_a', scopes: ['reports:read'] }],
  [WRITER, { tokenId: 'tok_writer', tenantId: 'tnt_a', scopes: ['reports:generate'] }],
]);
const mine = queuedRecord('tnt_a', parseReportRequest(documentedRequest()), new Date('2026-11-26T10:00:00Z'), {
  status: 'ready',
});
const theirs = queuedRecord('tnt_b', parseReportRequest(documentedRequest()), new Date('2026-11-26T10:00:00Z'));
const broken = queuedRecord('tnt_a', parseReportRequest(documentedRequest()), new Date('2026-11-26T10:00:00Z'));
const stored = new Map<string, ReportRecord>([mine, theirs, broken].map((r) => [r.id, r]));

let server: http.Server;
let base: string;
/** What reached the application behind the fast path, as `METHOD url`. */
let handedOn: string[];
let metrics: ApiMetrics;
/** The tokens looked up, one entry per lookup. */
let lookups: string[];

/** Serves the fast path in front of an application that answers 299 to whatever reaches it. */
async function start(
  rateLimits = new TokenBuckets(60, 1_000),
  unauthLimits = new TokenBuckets(60, 1_000),
): Promise<void> {
  handedOn = [];
  lookups = [];
  metrics = new ApiMetrics();
  const tokens: TokenAuthenticator = {
    authenticate: async (token) => {
      lookups.push(token);
      return principals.get(token);
    },
  };
  const app = Object.assign(
    (req: IncomingMessage, res: ServerResponse) => {
      handedOn.push(`${req.method} ${req.url}`);
      // As the routers' authenticate does.
      void resolvePrincipal(req, tokens, unauthLimits).then(() =>
        res.writeHead(299, { 'Content-Type': 'text/plain' }).end('application'),
      );
    },
    { get: (setting: string) => (setting === 'etag fn' ? (body: Buffer) => `W/"${body.length}"` : undefined) },
  );
  const listener = answerReportPolls(app, {
    tokens,
    rateLimits,
    unauthLimits,
    metrics,
    reports: {
      async get(tenantId, id) {
        if (id === broken.id) throw new Error('database unreachable');
        const r = stored.get(id);
        return r?.tenantId === tenantId ? r : undefined;
      },
    },
  });
  server = http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const poll = (path: string, token?: string, init: RequestInit = {}) =>
  fetch(`${base}${path}`, {
    ...init,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.headers as Record<string, string>) },
  });

it('answers a poll of the token tenant’s report itself, as the reports router would, and counts it under its route', async () => {
  await start();
  const res = await poll(`/api/v2/reports/${mine.id}`, READER);
  const text = await res.text();
  expect(res.status).toBe(200);
  expect(JSON.parse(text)).toEqual(presentReport(mine));
  expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
  expect(res.headers.get('etag')).toBe(`W/"${Buffer.byteLength(text)}"`);
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(res.headers.get('vary')).toBe('Authorization');
  expect(handedOn).toEqual([]);
  expect(lookups).toEqual([READER]);
  const exposition = await metrics.registry.text();
  expect(exposition).toContain('http_requests_total{method="GET",route="/api/v2/reports/:id",status="200"} 1');
  expect(exposition).toContain('http_request_duration_seconds_count{method="GET",route="/api/v2/reports/:id"} 1');
});

it.each([
  ['no token', `/api/v2/reports/${mine.id}`, undefined, {}],
  ['an unknown token', `/api/v2/reports/${mine.id}`, 'nobody-0123456789abcdef', {}],
  ['a token without reports:read', `/api/v2/reports/${mine.id}`, WRITER, {}],
  ['another tenant’s report', `/api/v2/reports/${theirs.id}`, READER, {}],
  ['a report that does not exist', '/api/v2/reports/rpt_2026_0000000000000000', READER, {}],
  ['an id of another kind', '/api/v2/reports/tnt_a', READER, {}],
  ['a store that fails', `/api/v2/reports/${broken.id}`, READER, {}],
  ['a query string', `/api/v2/reports/${mine.id}?view=full`, READER, {}],
  ['a trailing slash', `/api/v2/reports/${mine.id}/`, READER, {}],
  ['a conditional request', `/api/v2/reports/${mine.id}`, READER, { headers: { 'if-none-match': 'W/"1"' } }],
  ['a HEAD request', `/api/v2/reports/${mine.id}`, READER, { method: 'HEAD' }],
  ['another route', `/api/v2/reports/${mine.id}/download`, READER, {}],
])('hands %s to the application untouched', async (_case, path, token, init: RequestInit) => {
  await start();
  const res = await poll(path, token, init);
  expect(res.status).toBe(299);
  expect(handedOn).toEqual([`${init.method ?? 'GET'} ${path}`]);
  expect(await metrics.registry.text()).not.toContain('route="/api/v2/reports/:id"');
  // The fast path and the routers behind it share one lookup of the token.
  expect(lookups).toEqual(token ? [token] : []);
});

it('hands on a poll whose token has used up its bucket', async () => {
  await start(new TokenBuckets(1, 2));
  const statuses: number[] = [];
  for (let i = 0; i < 3; i++) statuses.push((await poll(`/api/v2/reports/${mine.id}`, READER)).status);
  expect(statuses).toEqual([200, 200, 299]);
  expect(handedOn).toEqual([`GET /api/v2/reports/${mine.id}`]);
});
