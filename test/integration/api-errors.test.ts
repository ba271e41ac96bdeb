import { Client, Connection } from '@temporalio/client';
import { TemporalReportWorkflows } from '../../src/infra/temporal/report-workflows';
import { loadScenario, scenarioRequest, type Scenario } from '../fixtures/scenario';
import { startHarness, type Harness } from '../support/harness';

jest.setTimeout(60_000);

let h: Harness;
let s: Scenario;
type Body = ReturnType<typeof scenarioRequest>;

beforeAll(async () => {
  h = await startHarness({ label: 'errors' });
  s = await loadScenario(h.db);
});

afterAll(async () => {
  // Reports created here are never worked on (no worker polls this harness's queue): end their workflows.
  for await (const wf of h.temporal.workflow.list({
    query: `TaskQueue="${h.taskQueue}" AND ExecutionStatus="Running"`,
  })) {
    await h.temporal.workflow.getHandle(wf.workflowId).terminate('test finished');
  }
  await h.close();
});

async function reportCount(tenantId: string): Promise<number> {
  return h.db.collection('reports').countDocuments({ tenant_id: tenantId });
}

async function workflowCount(tenantId: string): Promise<number> {
  return (await h.temporal.workflow.count(`TenantId="${tenantId}"`)).count;
}

describe('refused requests change nothing', () => {
  const post = (body: unknown, token = s.a.token) => h.request('POST', '/api/v2/reports', { token, body });

  it('when no token is sent, then 401 unauthenticated with a Bearer challenge', async () => {
    const res = await h.request('POST', '/api/v2/reports', { body: scenarioRequest(s) });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(res.body).toEqual({
      error: { code: 'unauthenticated', message: 'Authorization: Bearer <token> is required' },
    });
  });

  it('when the token is unknown, then 401 unauthenticated', async () => {
    const res = await post(scenarioRequest(s), 'aer_thisTokenWasNeverMinted0000000000');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthenticated');
  });

  it('when the token lacks reports:generate, then 403 missing_scope', async () => {
    const res = await post(scenarioRequest(s), s.a.readOnly);
    expect(res.status).toBe(403);
    expect(res.body).toEqual({
      error: {
        code: 'missing_scope',
        message: 'this API token lacks the reports:generate scope; mint a token with it',
        required_scope: 'reports:generate',
      },
    });
  });

  it('when the token lacks reports:read, then reading and listing answer 403 missing_scope', async () => {
    for (const path of [
      '/api/v2/reports',
      '/api/v2/reports/rpt_2026_def456',
      '/api/v2/reports/rpt_2026_def456/download',
    ]) {
      const res = await h.request('GET', path, { token: s.a.generateOnly });
      expect([path, res.status, res.body.error.code]).toEqual([path, 403, 'missing_scope']);
    }
  });

  it('when a framework slug is unknown, then 400 framework_unknown lists the valid slugs', async () => {
    const res = await post({ ...scenarioRequest(s), frameworks: ['OWASP_LLM', 'SOC2'] });
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({
      code: 'framework_unknown',
      message:
        'frameworks[1]: "SOC2" is not a recognised framework; use any of OWASP_LLM, OWASP_AGENTIC, NIST_AI_600_1, MITRE_ATLAS, EU_AI_ACT, ISO_42001',
      field: 'frameworks[1]',
      allowed: ['OWASP_LLM', 'OWASP_AGENTIC', 'NIST_AI_600_1', 'MITRE_ATLAS', 'EU_AI_ACT', 'ISO_42001'],
    });
  });

  it.each([
    ['dates not ISO', 'scope.from', (r: Body) => ({ ...r, scope: { ...r.scope, from: '1 April 2026' } })],
    ['from after to', 'scope.from', (r: Body) => ({ ...r, scope: { ...r.scope, from: '2026-07-01' } })],
    [
      'an unknown severity',
      'scope.include_severities[0]',
      (r: Body) => ({ ...r, scope: { ...r.scope, include_severities: ['severe'] } }),
    ],
    ['an unknown format', 'format', (r: Body) => ({ ...r, format: 'xlsx' })],
    ['empty frameworks', 'frameworks', (r: Body) => ({ ...r, frameworks: [] })],
  ])('when the body has %s, then 400 invalid_request names %s', async (_case, field, change) => {
    const res = await post(change(scenarioRequest(s)));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
    expect(res.body.error.field).toBe(field);
    expect(res.body.error.message.startsWith(`${field}: `)).toBe(true);
  });

  it("when an endpoint belongs to another tenant, then 400 invalid_request says it is not this tenant's", async () => {
    const body = scenarioRequest(s);
    body.scope.endpoint_ids = [s.a.endpoint, s.b.endpoint];
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({
      code: 'invalid_request',
      message: `scope.endpoint_ids[1]: "${s.b.endpoint}" is not an endpoint of this tenant`,
      field: 'scope.endpoint_ids[1]',
    });
  });

  it('when the body is not JSON, then 400 invalid_request', async () => {
    const res = await h.request('POST', '/api/v2/reports', {
      token: s.a.token,
      raw: '{"title": "unterminated',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({ code: 'invalid_request', message: 'body: is not valid JSON', field: 'body' });
  });

  it('when the content type is not JSON, then 415 unsupported_media_type', async () => {
    const res = await h.request('POST', '/api/v2/reports', {
      token: s.a.token,
      raw: 'title=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe('unsupported_media_type');
  });

  it('when the body is larger than the limit, then 413 payload_too_large', async () => {
    // Past the configured default of HTTP_BODY_LIMIT_BYTES (64 KiB), which the harness keeps.
    const res = await post({ ...scenarioRequest(s), title: 'x'.repeat(70_000) });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });

  it('after every refused request, tenant A has no report row and no workflow', async () => {
    expect(await reportCount(s.a.tenantId)).toBe(0);
    expect(await workflowCount(s.a.tenantId)).toBe(0);
  });
});

describe('reading reports', () => {
  it('when the report id does not exist, then 404 report_not_found', async () => {
    const res = await h.request('GET', '/api/v2/reports/rpt_2026_def456', { token: s.a.token });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      error: {
        code: 'report_not_found',
        message: 'report rpt_2026_def456 does not exist',
        report_id: 'rpt_2026_def456',
      },
    });
  });

  it('when another tenant asks for a report, then 404 report_not_found for it and its download, same as a missing one', async () => {
    const created = await h.request('POST', '/api/v2/reports', { token: s.a.token, body: scenarioRequest(s) });
    expect(created.status).toBe(202);
    for (const path of [`/api/v2/reports/${created.body.id}`, `/api/v2/reports/${created.body.id}/download`]) {
      const res = await h.request('GET', path, { token: s.b.token });
      expect(res.status).toBe(404);
      expect(res.body).toEqual({
        error: {
          code: 'report_not_found',
          message: `report ${created.body.id} does not exist`,
          report_id: created.body.id,
        },
      });
    }
  });

  it('when the report is not ready, then download answers 409 report_not_ready with its status', async () => {
    const created = await h.request('POST', '/api/v2/reports', { token: s.a.token, body: scenarioRequest(s) });
    const res = await h.request('GET', `/api/v2/reports/${created.body.id}/download`, { token: s.a.token });
    expect(res.status).toBe(409);
    expect(res.body.error).toEqual({
      code: 'report_not_ready',
      message: `report ${created.body.id} is queued; download when it is ready`,
      status: 'queued',
    });
  });

  it('when the id is malformed, then 404 report_not_found', async () => {
    const res = await h.request('GET', `/api/v2/reports/${encodeURIComponent('{"$ne":null}')}`, { token: s.a.token });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('report_not_found');
  });

  it('when the route does not exist, then 404 not_found', async () => {
    const res = await h.request('GET', '/api/v2/nothing-here', { token: s.a.token });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });
});

describe('when Temporal cannot be reached', () => {
  let down: Harness;
  let connection: Connection;
  let sd: Scenario;

  beforeAll(async () => {
    // Nothing listens on port 1: every start fails after the deadline.
    connection = Connection.lazy({ address: '127.0.0.1:1' });
    down = await startHarness({
      label: 'down',
      workflows: new TemporalReportWorkflows(new Client({ connection }), 'unreachable', 1_500),
    });
    sd = await loadScenario(down.db);
  });

  afterAll(async () => {
    await down.close();
    await connection.close();
  });

  it('then create answers 503 unavailable and leaves no report behind', async () => {
    const res = await down.request('POST', '/api/v2/reports', { token: sd.a.token, body: scenarioRequest(sd) });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(res.body).toEqual({
      error: { code: 'unavailable', message: 'The report service is temporarily unavailable; retry shortly.' },
    });
    expect(await down.db.collection('reports').countDocuments({})).toBe(0);
  });
});
