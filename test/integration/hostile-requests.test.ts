/**
 * Requests no well-behaved client sends, on the real stack: values nested thousands deep, bodies in content
 * encodings that do not decode, paths with broken percent-encoding, methods a path does not serve, names that
 * reach into JavaScript's object built-ins, repeated query parameters. Each is answered with a 4xx naming what was
 * wrong, never `500 internal`, and changes nothing.
 */
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { createTenant, mintToken } from '../../src/infra/mongo/tenant-admin';
import { MongoAuditLog } from '../../src/infra/mongo/audit-repo';
import { tenantAdminOf } from '../../src/main/tenant-admin';
import { loadScenario, scenarioRequest, type Scenario } from '../fixtures/scenario';
import { startHarness, type Harness } from '../support/harness';

jest.setTimeout(120_000);

let h: Harness;
let s: Scenario;
let writer: string;
let endpoint: string;
let operator: string;

beforeAll(async () => {
  h = await startHarness({ label: 'hostile', workers: true });
  s = await loadScenario(h.db);
  const tenant = await createTenant(h.db, { name: 'Hostile', auditRetentionDays: 365 });
  writer = (await mintToken(h.db, { tenantId: tenant, scopes: ['findings:write', 'findings:read'] })).secret;
  endpoint = (await h.request('POST', '/api/v2/endpoints', { token: writer, body: { name: 'Target' } })).body.id;
  operator = (await tenantAdminOf(h.db, new MongoAuditLog(h.db), { now: () => new Date() }).mintOperatorToken('ops'))
    .secret;
});

afterAll(async () => {
  await h?.close();
});

/** JSON text of an array nested `depth` levels around one string; written as text, as a client would send it. */
const deep = (depth: number): string => `${'['.repeat(depth)}"x"${']'.repeat(depth)}`;

/** Sends raw JSON text as a request body. */
const postJson = (path: string, token: string, raw: string, headers: Record<string, string> = {}) =>
  h.request('POST', path, { token, raw, headers: { 'content-type': 'application/json', ...headers } });

/** Sends bytes as a request body (the harness sends text only). */
async function postBytes(path: string, token: string, body: Buffer, headers: Record<string, string>) {
  const res = await fetch(`${h.baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, ...headers },
    body,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: text ? JSON.parse(text) : undefined };
}

/** The report request as JSON text with one member's value replaced by raw JSON text. */
function reportWith(field: 'frameworks' | 'format' | 'include_severities', raw: string): string {
  const request = scenarioRequest(s) as unknown as Record<string, unknown> & { scope: Record<string, unknown> };
  const marker = '"__value__"';
  if (field === 'include_severities') request.scope.include_severities = '__value__';
  else request[field] = '__value__';
  return JSON.stringify(request).replace(marker, raw);
}

async function reportRows(): Promise<number> {
  return h.db.collection('reports').countDocuments({ tenant_id: s.a.tenantId });
}

describe('values nested ten thousand deep', () => {
  it.each(['frameworks', 'format', 'include_severities'] as const)(
    'when %s holds one, then 400 invalid_request names the nesting limit and nothing is created',
    async (field) => {
      const res = await postJson('/api/v2/reports', s.a.token, reportWith(field, deep(10_000)));
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        error: {
          code: 'invalid_request',
          message: 'body: nests arrays and objects more than 32 levels deep',
          field: 'body',
        },
      });
      expect(await reportRows()).toBe(0);
    },
  );

  it("when a finding's severity holds one, then 400 invalid_request names the nesting limit", async () => {
    const raw = `{"findings":[{"endpoint_id":"${endpoint}","title":"t","category":"c","severity":${deep(10_000)},"detected_at":"2026-05-01T00:00:00Z","evidence":{"prompt":"","response":""}}]}`;
    const res = await postJson('/api/v2/findings', writer, raw);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_request', field: 'body' });
  });

  it('when a value is nested within the limit, then the message names the field and what it allows', async () => {
    const res = await postJson('/api/v2/reports', s.a.token, reportWith('format', deep(30)));
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({
      code: 'invalid_request',
      message: 'format: must be one of pdf, json',
      field: 'format',
    });
  });

  it('when a value is a long text, then the message quotes sixty characters of it', async () => {
    const res = await postJson('/api/v2/reports', s.a.token, reportWith('format', JSON.stringify('x'.repeat(50_000))));
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe(`format: "${'x'.repeat(58)}… is not a format; use one of pdf, json`);
  });

  it.each([
    [200, /^results\.version: an array is not supported; only version 3/],
    [10_000, /values are nested more than 256 deep/],
  ])(
    "when a promptfoo file's results.version is nested %i deep, then the import fails with 422 import_invalid",
    async (depth, message) => {
      const file = `{"evalId":"e","results":{"version":${deep(depth)},"timestamp":"2026-03-04T09:12:44.512Z","results":[]}}`;
      const res = await h.request('POST', `/api/v2/findings/imports?endpoint_id=${endpoint}&wait=60&format=promptfoo`, {
        token: writer,
        raw: file,
        headers: { 'content-type': 'application/octet-stream' },
      });
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('import_invalid');
      expect(res.body.error.message).toMatch(message);
    },
  );
});

describe('compressed bodies', () => {
  const endpointBody = Buffer.from(JSON.stringify({ name: 'Compressed bot' }));
  const json = { 'content-type': 'application/json' };

  it.each([
    ['gzip', gzipSync],
    ['deflate', deflateSync],
    ['br', brotliCompressSync],
  ])('when a JSON body is sent as %s, then it is decoded and accepted', async (encoding, compress) => {
    const body = compress(Buffer.from(JSON.stringify({ name: `Bot sent as ${encoding}` })));
    const res = await postBytes('/api/v2/endpoints', writer, body, { ...json, 'content-encoding': encoding });
    expect([res.status, res.body.name]).toEqual([201, `Bot sent as ${encoding}`]);
  });

  it.each(['gzip', 'deflate', 'br', 'GZIP'])(
    'when a body sent as %s does not decode, then 400 invalid_request names the encoding',
    async (encoding) => {
      const res = await postBytes('/api/v2/endpoints', writer, Buffer.from('{"name": "not compressed at all"}'), {
        ...json,
        'content-encoding': encoding,
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toEqual({
        code: 'invalid_request',
        message: `body: is not valid ${encoding.toLowerCase()} data, as its Content-Encoding says`,
        field: 'body',
      });
    },
  );

  it.each(['zstd', 'x-foo', 'gzip, br'])(
    'when the body is sent as %s, then 415 unsupported_media_type lists the encodings taken',
    async (encoding) => {
      const res = await postBytes('/api/v2/endpoints', writer, endpointBody, { ...json, 'content-encoding': encoding });
      expect(res.status).toBe(415);
      expect(res.body.error).toEqual({
        code: 'unsupported_media_type',
        message: `Content-Encoding: ${JSON.stringify(encoding)} is not supported; use one of identity, gzip, deflate, br`,
        accepted: ['identity', 'gzip', 'deflate', 'br'],
      });
    },
  );

  it('when a small gzip body inflates to a gibibyte, then 413 payload_too_large once it passes the limit', async () => {
    // Gzip members one after another are one valid stream: a thousand copies of a mebibyte of zeros, about a
    // megabyte on the wire. The parser stops inflating at the limit, so the answer comes at once.
    const member = gzipSync(Buffer.alloc(1024 * 1024));
    const bomb = Buffer.concat(Array.from({ length: 1024 }, () => member));
    const started = Date.now();
    const res = await postBytes('/api/v2/endpoints', writer, bomb, { ...json, 'content-encoding': 'gzip' });
    expect(res.status).toBe(413);
    expect(res.body.error).toEqual({
      code: 'payload_too_large',
      message: 'request body is larger than 65536 bytes',
    });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('when a scanner file is sent compressed, then 415 unsupported_media_type and no import is made', async () => {
    const imports = () => h.db.collection('imports').countDocuments({});
    const before = await imports();
    const res = await postBytes(`/api/v2/findings/imports?endpoint_id=${endpoint}`, writer, gzipSync('{}'), {
      'content-type': 'application/octet-stream',
      'content-encoding': 'gzip',
    });
    expect(res.status).toBe(415);
    expect(res.body.error).toEqual({
      code: 'unsupported_media_type',
      message: 'Content-Encoding: "gzip" is not accepted here; send the body as it is, without Content-Encoding',
      accepted: ['identity'],
    });
    expect(await imports()).toBe(before);
  });
});

describe('the bearer scheme', () => {
  const withScheme = (scheme: string, token: string, path: string) =>
    fetch(`${h.baseUrl}${path}`, { headers: { authorization: `${scheme} ${token}` } });

  it.each(['bearer', 'BEARER', 'Bearer', 'bEaReR'])(
    "when a tenant's token is sent under %s, then it is accepted",
    async (scheme) => {
      expect((await withScheme(scheme, s.a.token, '/api/v2/reports')).status).toBe(200);
    },
  );

  it.each(['bearer', 'BEARER'])('when an operator token is sent under %s, then it is accepted', async (scheme) => {
    expect((await withScheme(scheme, operator, '/api/v2/admin/tenants')).status).toBe(200);
  });

  it('when another scheme is sent, then 401 unauthenticated', async () => {
    const res = await withScheme('Basic', s.a.token, '/api/v2/reports');
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthenticated');
  });
});

describe('paths with broken percent-encoding', () => {
  it.each([
    ['/api/v2/reports/%ff%fe', 'id', '"%ff%fe"'],
    ['/api/v2/reports/%E0%A4%A/download', 'id', '"%E0%A4%A"'],
    ['/api/v2/endpoints/%c3%28', 'id', '"%c3%28"'],
    ['/api/v2/schemas/report/%ff', 'version', '"%ff"'],
    ['/api/v2/artifacts/%ff/x.pdf', 'reportId', '"%ff"'],
  ])('when %s is asked for, then 400 invalid_request names the parameter %s', async (path, field, segment) => {
    const res = await h.request('GET', path, { token: path.includes('endpoints') ? writer : s.a.token });
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({
      code: 'invalid_request',
      message: `${field}: ${segment} is not valid percent-encoding of UTF-8 text in the path`,
      field,
    });
  });

  it('when a part of the path that is no parameter does not decode, then 404 not_found', async () => {
    const res = await h.request('GET', '/api/v2/%ff/reports', { token: s.a.token });
    expect([res.status, res.body.error.code]).toEqual([404, 'not_found']);
  });
});

describe('methods a path does not take', () => {
  it.each([
    ['DELETE', '/api/v2/reports', 'GET, HEAD, POST'],
    ['PUT', '/api/v2/reports/rpt_2026_0000000000000000', 'GET, HEAD'],
    ['PATCH', '/api/v2/reports/rpt_2026_0000000000000000/legal-hold', 'PUT, DELETE'],
    ['POST', '/api/v2/schemas/report/1.6.0', 'GET, HEAD'],
    ['DELETE', '/.well-known/jwks.json', 'GET, HEAD'],
  ])('when %s %s is sent, then 405 method_not_allowed with Allow: %s', async (method, path, allow) => {
    const res = await h.request(method, path, { token: s.a.token });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe(allow);
    expect(res.body.error).toEqual({
      code: 'method_not_allowed',
      message: `${method} is not served on this path; use ${allow}`,
      allowed: allow.split(', '),
    });
  });

  it("when an operator's token sends a method an admin path does not take, then 405 rather than a refusal", async () => {
    const res = await h.request('PUT', '/api/v2/admin/tenants', { token: operator });
    expect([res.status, res.headers.get('allow')]).toEqual([405, 'GET, HEAD, POST']);
  });

  it('when a path does not exist, then 404 not_found whatever the method', async () => {
    for (const method of ['GET', 'DELETE', 'OPTIONS']) {
      const res = await h.request(method, '/api/v2/nothing-here', { token: s.a.token });
      expect([method, res.status, res.body.error.code]).toEqual([method, 404, 'not_found']);
    }
  });

  it('when OPTIONS is sent, then 204 with every method the path takes, without a token', async () => {
    const res = await h.request('OPTIONS', '/api/v2/reports/rpt_2026_0000000000000000/legal-hold');
    expect([res.status, res.headers.get('allow'), res.text]).toEqual([204, 'PUT, DELETE, OPTIONS', '']);
  });

  it('when HEAD is sent where GET is served, then it is answered as GET is, without a body', async () => {
    const res = await h.request('HEAD', '/api/v2/reports', { token: s.a.token });
    expect([res.status, res.text]).toEqual([200, '']);
  });
});

describe("names that reach into JavaScript's object built-ins", () => {
  it.each([
    '/api/v2/schemas/constructor/name',
    '/api/v2/schemas/__proto__/toString',
    '/api/v2/schemas/report/constructor',
    '/api/v2/schemas/report/hasOwnProperty',
    '/api/v2/schemas/toString/length',
  ])('when %s is asked for, then 404 not_found lists the published schemas', async (path) => {
    const res = await h.request('GET', path);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
    expect(res.body.error.message).toMatch(/available: report\/1\.1\.0, /);
  });
});

describe('query parameters given twice or with brackets', () => {
  it.each([
    ['/api/v2/reports?limit=1&limit=2', 400],
    ['/api/v2/reports?limit[]=1', 200],
    ['/api/v2/reports?cursor=a&cursor=b', 400],
    // The document reads a version as one whole number: two of them are a bad request, before any report is looked up.
    ['/api/v2/reports/rpt_2026_0000000000000000/download?version=1&version=2', 400],
    ['/api/v2/audit-events?action=a&action=b', 403],
  ])('when %s is asked for, then %i and never 500', async (path, status) => {
    const res = await h.request('GET', path, { token: s.a.token });
    expect([path, res.status]).toEqual([path, status]);
  });

  // Every query parameter is given once; a list filter takes its values comma-separated (`state=open,mitigated`).
  it('when a list filter is given twice, then 400 names it', async () => {
    const res = await h.request('GET', '/api/v2/weaknesses?state=open&state=mitigated', { token: writer });
    expect([res.status, res.body.error?.code, res.body.error?.field]).toEqual([400, 'invalid_request', 'state']);
    const listed = await h.request('GET', '/api/v2/weaknesses?state=open,mitigated', { token: writer });
    expect([listed.status, listed.body.data]).toEqual([200, []]);
  });

  it.each([
    '/api/v2/findings?limit=1&limit=2',
    '/api/v2/findings?from=2026-01-01&from=2026-02-01',
    '/api/v2/findings?endpoint_id=a&endpoint_id=b',
    '/api/v2/findings?ref=OWASP_LLM:LLM01&ref=OWASP_LLM:LLM02',
    '/api/v2/endpoints?cursor=a&cursor=b',
    '/api/v2/runs?endpoint_id=a&endpoint_id=b',
  ])('when %s is asked for, then 400 invalid_request', async (path) => {
    const res = await h.request('GET', path, { token: writer });
    expect([path, res.status, res.body.error.code]).toEqual([path, 400, 'invalid_request']);
  });
});

describe('names and titles a signed report prints', () => {
  it('when a report title holds a right-to-left override, then 400 names the title and no report is made', async () => {
    const before = await reportRows();
    const body = { ...scenarioRequest(s), title: 'PT \u202Efdp.exe\u202C' };
    const res = await h.request('POST', '/api/v2/reports', { token: s.a.token, body });
    expect([res.status, res.body.error.code, res.body.error.field]).toEqual([400, 'invalid_request', 'title']);
    expect(res.body.error.message).toMatch(/control or bidirectional formatting characters/);
    expect(await reportRows()).toBe(before);
  });

  it.each([
    ['an endpoint name with a NUL', '/api/v2/endpoints', { name: 'bot\u0000' }, 'name'],
    ['an endpoint name with a BEL', '/api/v2/endpoints', { name: 'bot\u0007' }, 'name'],
  ])('when %s is sent, then 400 names the field', async (_case, path, body, field) => {
    const res = await h.request('POST', path, { token: writer, body });
    expect([res.status, res.body.error.code, res.body.error.field]).toEqual([400, 'invalid_request', field]);
  });

  it('when a legal-hold reason holds a line feed, then 400 names the reason', async () => {
    const holder = (await mintToken(h.db, { tenantId: s.a.tenantId, scopes: ['reports:legal_hold'] })).secret;
    const res = await h.request('PUT', '/api/v2/reports/rpt_2026_0000000000000000/legal-hold', {
      token: holder,
      body: { reason: 'matter\n114' },
    });
    expect([res.status, res.body.error.code, res.body.error.field]).toEqual([400, 'invalid_request', 'reason']);
  });
});
