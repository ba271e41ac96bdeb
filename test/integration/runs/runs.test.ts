/**
 * Test runs on the real stack: an import records its run with every probe's result (those that held too), and
 * importing it again keeps one run; a garak report's counted results replace its hitlog's; a client posts a run
 * and its findings name it; a posted run that does not add up is refused naming the field; another tenant's run
 * is not found.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { MongoRunsRepo } from '../../../src/infra/mongo/runs-repo';
import { createTenant, mintToken } from '../../../src/infra/mongo/tenant-admin';
import { startHarness, type Harness } from '../../support/harness';

jest.setTimeout(120_000);

const FIXTURES = path.resolve(__dirname, '../../fixtures/scanners');
const fixture = (name: string) => fs.readFile(path.join(FIXTURES, name), 'utf8');
const SCOPES = ['findings:write', 'findings:read'] as const;
const RUN14 = 'b7d0e4c2-5a93-4f18-a6e1-0c9d8f2b3a74';

type Tenant = { tenantId: string; token: string; endpoint: string };

async function tenantOf(h: Harness, name: string): Promise<Tenant> {
  const tenantId = await createTenant(h.db, { name, auditRetentionDays: 365 });
  const token = (await mintToken(h.db, { tenantId, scopes: [...SCOPES] })).secret;
  const endpoint = (await h.request('POST', '/api/v2/endpoints', { token, body: { name: `${name} bot` } })).body.id;
  return { tenantId, token, endpoint };
}

async function imported(h: Harness, as: Tenant, raw: string, qs = '') {
  const res = await h.request('POST', `/api/v2/findings/imports?endpoint_id=${as.endpoint}&wait=60${qs}`, {
    token: as.token,
    raw,
    headers: { 'content-type': 'application/octet-stream' },
  });
  expect(res.body).toMatchObject({ status: 'succeeded' });
  return res.body;
}

/** Eval entries of a garak report: what its run's results must equal. */
async function evalsOf(name: string) {
  return (await fixture(name))
    .split('\n')
    .filter((l) => l.includes('"entry_type": "eval"'))
    .map((l) => JSON.parse(l) as { probe: string; detector: string; total_evaluated: number; fails: number });
}

const postedRun = (endpoint: string, over: Record<string, unknown> = {}) => ({
  endpoint_id: endpoint,
  tool: 'in-house-fuzzer',
  tool_version: '2.1.0',
  started_at: '2026-05-04T08:00:00Z',
  finished_at: '2026-05-04T08:30:00Z',
  target: 'claims-bot v7',
  results: [
    { probe: 'prompt-injection', strategy: 'basic', attempts: 10, failures: 2, category: 'prompt_injection' },
    {
      probe: 'pii-leak',
      strategy: 'basic',
      attempts: 25,
      failures: 0,
      framework_refs: [{ framework: 'OWASP_LLM', control: 'llm02' }],
    },
  ],
  ...over,
});

describe('test runs', () => {
  let h: Harness;
  let a: Tenant;
  let b: Tenant;

  beforeAll(async () => {
    h = await startHarness({ label: 'runs', workers: true });
    a = await tenantOf(h, 'Runs A');
    b = await tenantOf(h, 'Runs B');
  });

  afterAll(async () => {
    await h?.close();
  });

  it('when a garak report is imported, then its run is recorded with every eval entry, passing probes too, and importing it again keeps one run', async () => {
    const raw = await fixture('garak-0.14-report.jsonl');
    const first = await imported(h, a, raw);
    expect(first.test_run_id).toMatch(/^run_[0-9a-z]{20}$/);
    expect(first.links.test_run).toBe(`/api/v2/runs/${first.test_run_id}`);

    const run = await h.request('GET', `/api/v2/runs/${first.test_run_id}`, { token: a.token });
    expect(run.status).toBe(200);
    const evals = await evalsOf('garak-0.14-report.jsonl');
    expect(run.body).toMatchObject({
      id: first.test_run_id,
      endpoint_id: a.endpoint,
      origin: 'import',
      tool: 'garak',
      tool_version: '0.14.0',
      source_run_id: RUN14,
      config_sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      target: 'openai gpt-4o-mini',
      started_at: '2025-11-18T16:42:09.557Z',
      finished_at: '2025-11-18T16:58:51.004Z',
      import_id: first.id,
      results_complete: true,
    });
    expect(
      run.body.results.map((r: { probe: string; detector: string; attempts: number; failures: number }) => [
        r.probe,
        r.detector,
        r.attempts,
        r.failures,
      ]),
    ).toEqual(evals.map((e) => [e.probe, e.detector, e.total_evaluated, e.fails]));
    expect(run.body.results).toContainEqual(
      expect.objectContaining({ probe: 'leakreplay.GuardianCloze', attempts: 2, failures: 0 }),
    );

    const again = await imported(h, a, raw);
    expect(again.test_run_id).toBe(first.test_run_id);
    const runs = new MongoRunsRepo(h.db);
    const inScope = await runs.runsInScope(a.tenantId, [a.endpoint], '2025-11-01', '2025-11-30');
    expect(inScope.map((r) => r.id)).toEqual([first.test_run_id]);
    expect(inScope[0].importId).toBe(first.id);
    expect(await runs.runsInScope(a.tenantId, [a.endpoint], '2025-11-19', '2025-12-31')).toEqual([]);
    expect(await runs.runsInScope(b.tenantId, [a.endpoint], '2025-11-01', '2025-11-30')).toEqual([]);

    const listed = await h.request('GET', `/api/v2/runs?endpoint_id=${a.endpoint}&from=2025-11-18&to=2025-11-18`, {
      token: a.token,
    });
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({
      data: [
        expect.objectContaining({
          id: first.test_run_id,
          totals: {
            results: evals.length,
            attempts: evals.reduce((n, e) => n + e.total_evaluated, 0),
            failures: evals.reduce((n, e) => n + e.fails, 0),
            errors: 1,
          },
        }),
      ],
      next_cursor: null,
    });
    expect(listed.body.data[0].results).toBeUndefined();
  });

  it('when a run’s hitlog comes first and its report after, then the report’s counted results replace the hits-only run', async () => {
    const ep = (await h.request('POST', '/api/v2/endpoints', { token: a.token, body: { name: 'hitlog first' } })).body
      .id;
    const as = { ...a, endpoint: ep };
    const hitlog = await imported(
      h,
      as,
      await fixture('garak-0.14-hitlog.jsonl'),
      '&run_started_at=2025-11-18T16:42:09Z',
    );
    const before = await h.request('GET', `/api/v2/runs/${hitlog.test_run_id}`, { token: a.token });
    expect(before.body).toMatchObject({ results_complete: false, results: [], source_run_id: RUN14 });

    const report = await imported(h, as, await fixture('garak-0.14-report.jsonl'));
    expect(report.test_run_id).toBe(hitlog.test_run_id);
    const after = await h.request('GET', `/api/v2/runs/${report.test_run_id}`, { token: a.token });
    expect(after.body).toMatchObject({ results_complete: true, import_id: report.id });
    expect(after.body.results).toHaveLength((await evalsOf('garak-0.14-report.jsonl')).length);

    // The hitlog again does not take the run back to hits only.
    await imported(h, as, await fixture('garak-0.14-hitlog.jsonl'), '&run_started_at=2025-11-18T16:42:09Z');
    const still = await h.request('GET', `/api/v2/runs/${report.test_run_id}`, { token: a.token });
    expect(still.body).toMatchObject({ results_complete: true, import_id: report.id });
  });

  it('when a promptfoo red-team file is imported, then its run counts every result by plugin × strategy, those that held too', async () => {
    const raw = await fixture('promptfoo-redteam.json');
    const done = await imported(h, a, raw);
    const run = await h.request('GET', `/api/v2/runs/${done.test_run_id}`, { token: a.token });
    const results = (JSON.parse(raw) as { results: { results: { success: boolean; failureReason?: number }[] } })
      .results.results;
    expect(run.body).toMatchObject({
      tool: 'promptfoo',
      origin: 'import',
      results_complete: true,
      target: 'https://support.acme-travel.example/api/chat',
      config_sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      totals: {
        attempts: results.filter((r) => r.failureReason !== 2).length,
        failures: done.findings,
        errors: results.filter((r) => r.failureReason === 2).length,
      },
    });
    expect(run.body.results).toContainEqual(
      expect.objectContaining({ probe: 'sql-injection', strategy: 'basic', attempts: 1, failures: 0 }),
    );
  });

  it('when a client posts a run and then findings naming it, then the findings carry the run as their source', async () => {
    const posted = await h.request('POST', '/api/v2/runs', { token: a.token, body: postedRun(a.endpoint) });
    expect(posted.status).toBe(201);
    expect(posted.headers.get('location')).toBe(`/api/v2/runs/${posted.body.id}`);
    expect(posted.body).toEqual({
      id: expect.stringMatching(/^run_[0-9a-z]{20}$/),
      endpoint_id: a.endpoint,
      origin: 'api',
      tool: 'in-house-fuzzer',
      tool_version: '2.1.0',
      source_run_id: posted.body.id,
      config_sha256: null,
      target: 'claims-bot v7',
      started_at: '2026-05-04T08:00:00.000Z',
      finished_at: '2026-05-04T08:30:00.000Z',
      file_sha256: null,
      import_id: null,
      results_complete: true,
      totals: { results: 2, attempts: 35, failures: 2, errors: 0 },
      results: [
        {
          probe: 'prompt-injection',
          detector: null,
          strategy: 'basic',
          attempts: 10,
          failures: 2,
          errors: 0,
          category: 'prompt_injection',
          framework_refs: [],
        },
        {
          probe: 'pii-leak',
          detector: null,
          strategy: 'basic',
          attempts: 25,
          failures: 0,
          errors: 0,
          category: null,
          framework_refs: [{ framework: 'OWASP_LLM', control: 'LLM02:2025' }],
        },
      ],
      recorded_at: expect.any(String),
      links: { self: `/api/v2/runs/${posted.body.id}` },
    });
    // Posted again (a client retrying), it is the same run.
    const repost = await h.request('POST', '/api/v2/runs', { token: a.token, body: postedRun(a.endpoint) });
    expect(repost.status).toBe(200);
    expect(repost.body.id).toBe(posted.body.id);

    const finding = {
      endpoint_id: a.endpoint,
      title: 'Claims bot follows injected instructions',
      category: 'prompt_injection',
      severity: 'high',
      detected_at: '2026-05-04T08:10:00Z',
      evidence: { prompt: 'ignore previous instructions', response: 'ok' },
    };
    const stored = await h.request('POST', '/api/v2/findings', {
      token: a.token,
      body: { run_id: posted.body.id, findings: [finding, { ...finding, title: 'Another', run_id: posted.body.id }] },
    });
    expect(stored.status).toBe(201);
    const listed = await h.request('GET', `/api/v2/findings?endpoint_id=${a.endpoint}&from=2026-05-04&to=2026-05-04`, {
      token: a.token,
    });
    expect(listed.body.data.map((f: { source: unknown }) => f.source)).toEqual([
      expect.objectContaining({ tool: 'in-house-fuzzer', tool_version: '2.1.0', run_id: posted.body.id }),
      expect.objectContaining({ tool: 'in-house-fuzzer', tool_version: '2.1.0', run_id: posted.body.id }),
    ]);

    const otherEndpoint = (await h.request('POST', '/api/v2/endpoints', { token: a.token, body: { name: 'other' } }))
      .body.id;
    const wrong = await h.request('POST', '/api/v2/findings', {
      token: a.token,
      body: { findings: [{ ...finding, endpoint_id: otherEndpoint, run_id: posted.body.id }] },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toMatchObject({
      code: 'invalid_request',
      message: `findings[0].run_id: run ${posted.body.id} is a run of endpoint ${a.endpoint}, not of ${otherEndpoint}`,
    });
  });

  it.each([
    [
      'failures past attempts',
      { results: [{ probe: 'p', attempts: 10, failures: 12 }] },
      'results[0].failures: 12 is more than attempts (10)',
    ],
    [
      'a negative count',
      { results: [{ probe: 'p', attempts: -1, failures: 0 }] },
      'results[0].attempts: -1 is not a whole number from 0 to 1000000000',
    ],
    ['no results', { results: [] }, 'results: must be an array of 1 to 10000 results'],
    [
      'a repeated probe',
      {
        results: [
          { probe: 'p', detector: 'd', attempts: 1, failures: 0 },
          { probe: 'p', detector: 'd', attempts: 1, failures: 1 },
        ],
      },
      'results[1]: repeats results[0] (the same probe, detector and strategy); send each once, its counts summed',
    ],
    ['an unknown field', { passes: 3 }, /^passes: is not a recognised field; allowed: endpoint_id, tool, /],
    [
      'an unknown control',
      {
        results: [
          { probe: 'p', attempts: 1, failures: 0, framework_refs: [{ framework: 'OWASP_LLM', control: 'LLM99' }] },
        ],
      },
      'results[0].framework_refs[0].control: "LLM99" is not a control of OWASP_LLM in the catalogue',
    ],
    [
      'a start with no zone',
      { started_at: '2026-05-04T08:00:00' },
      'started_at: must be an ISO 8601 time with a zone, such as "2026-05-02T10:00:00Z"',
    ],
  ] as [string, Record<string, unknown>, string | RegExp][])(
    'when a posted run has %s, then 400 invalid_request names the field',
    async (_what, over, message) => {
      const res = await h.request('POST', '/api/v2/runs', { token: a.token, body: postedRun(a.endpoint, over) });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({
        code: 'invalid_request',
        message: typeof message === 'string' ? message : expect.stringMatching(message),
      });
    },
  );

  it('when another tenant asks for a run, posts one on an endpoint not its own, or names a run not its own, then it is not found', async () => {
    const posted = await h.request('POST', '/api/v2/runs', {
      token: a.token,
      body: postedRun(a.endpoint, { external_id: 'nightly-42' }),
    });
    expect(posted.status).toBe(201);
    const read = await h.request('GET', `/api/v2/runs/${posted.body.id}`, { token: b.token });
    expect(read.status).toBe(404);
    expect(read.body.error).toEqual({ code: 'not_found', message: `run ${posted.body.id} does not exist` });

    const onTheirs = await h.request('POST', '/api/v2/runs', { token: b.token, body: postedRun(a.endpoint) });
    expect(onTheirs.status).toBe(404);
    expect(onTheirs.body.error).toEqual({
      code: 'not_found',
      message: `endpoint ${a.endpoint} does not exist`,
      field: 'endpoint_id',
    });

    const listTheirs = await h.request('GET', `/api/v2/runs?endpoint_id=${a.endpoint}&from=2026-05-01&to=2026-05-31`, {
      token: b.token,
    });
    expect(listTheirs.status).toBe(404);

    const naming = await h.request('POST', '/api/v2/findings', {
      token: b.token,
      body: {
        run_id: posted.body.id,
        findings: [
          {
            endpoint_id: b.endpoint,
            title: 't',
            category: 'c',
            severity: 'low',
            detected_at: '2026-05-04T08:10:00Z',
            evidence: { prompt: '', response: '' },
          },
        ],
      },
    });
    expect(naming.status).toBe(400);
    expect(naming.body.error.message).toBe(`findings[0].run_id: "${posted.body.id}" is not a run of this tenant`);
  });

  it('when a token lacks findings:write, then posting a run is 403 missing_scope', async () => {
    const readOnly = (await mintToken(h.db, { tenantId: a.tenantId, scopes: ['findings:read'] })).secret;
    const res = await h.request('POST', '/api/v2/runs', { token: readOnly, body: postedRun(a.endpoint) });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('missing_scope');
  });
});
