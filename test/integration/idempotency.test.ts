/**
 * `Idempotency-Key` on report creation: a repeat of the same request returns the same report, a reuse with
 * another body is refused, keys are per tenant, and a repeat after a 503 creates the report the first try could
 * not.
 */
import { AppError } from '../../src/domain/errors';
import { TemporalReportWorkflows, type ReportWorkflows } from '../../src/infra/temporal/report-workflows';
import { loadScenario, scenarioRequest, type Scenario } from '../fixtures/scenario';
import { startHarness, type Harness } from '../support/harness';

jest.setTimeout(60_000);

/** Temporal that is down for the first `failures` starts, then up. */
class FlakyWorkflows implements ReportWorkflows {
  real?: ReportWorkflows;
  constructor(private failures: number) {}
  async start(input: Parameters<ReportWorkflows['start']>[0]): Promise<boolean> {
    if (this.failures-- > 0)
      throw new AppError('unavailable', 'The report service is temporarily unavailable; retry shortly.');
    return this.real!.start(input);
  }
  startAgain(input: Parameters<ReportWorkflows['startAgain']>[0]): Promise<void> {
    return this.real!.startAgain(input);
  }
  startApproval(input: Parameters<ReportWorkflows['startApproval']>[0]): Promise<boolean> {
    return this.real!.startApproval(input);
  }
}

let h: Harness;
let s: Scenario;
const flaky = new FlakyWorkflows(1);

beforeAll(async () => {
  h = await startHarness({ label: 'idem', workflows: flaky });
  flaky.real = new TemporalReportWorkflows(h.temporal, h.taskQueue);
  s = await loadScenario(h.db);
});

afterAll(async () => {
  await h?.close();
});

const create = (token: string, key: string | undefined, body: unknown) =>
  h.request('POST', '/api/v2/reports', { token, body, headers: key ? { 'idempotency-key': key } : {} });

async function reportCount(tenantId: string): Promise<number> {
  return h.db.collection('reports').countDocuments({ tenant_id: tenantId });
}

describe('Idempotency-Key', () => {
  it('when Temporal is down on the first try, then the repeat with the same key creates the report once', async () => {
    const before = await reportCount(s.a.tenantId);
    const first = await create(s.a.token, 'retry-after-503', scenarioRequest(s, 'json'));
    expect(first.status).toBe(503);
    expect(await reportCount(s.a.tenantId)).toBe(before);
    const second = await create(s.a.token, 'retry-after-503', scenarioRequest(s, 'json'));
    expect(second.status).toBe(202);
    expect(second.headers.get('idempotent-replayed')).toBeNull();
    const third = await create(s.a.token, 'retry-after-503', scenarioRequest(s, 'json'));
    expect(third.status).toBe(202);
    expect(third.body.id).toBe(second.body.id);
    expect(await reportCount(s.a.tenantId)).toBe(before + 1);
  });

  it('when the same key and body arrive five times at once, then all get the one report', async () => {
    const before = await reportCount(s.a.tenantId);
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => create(s.a.token, 'burst-key-1', scenarioRequest(s, 'pdf'))),
    );
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202, 202]);
    const ids = new Set(answers.map((a) => a.body.id));
    expect(ids.size).toBe(1);
    expect(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true')).toHaveLength(4);
    expect(await reportCount(s.a.tenantId)).toBe(before + 1);
  });

  it('when the key is reused with another body, then 422 idempotency_key_reused and nothing is created', async () => {
    await create(s.a.token, 'reuse-key', scenarioRequest(s, 'pdf'));
    const before = await reportCount(s.a.tenantId);
    const other = { ...scenarioRequest(s, 'pdf'), title: 'A different report' };
    const res = await create(s.a.token, 'reuse-key', other);
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'idempotency_key_reused', field: 'Idempotency-Key' });
    expect(await reportCount(s.a.tenantId)).toBe(before);
  });

  it('when two tenants use the same key, then each gets its own report', async () => {
    const a = await create(s.a.token, 'shared-key', scenarioRequest(s, 'pdf'));
    const bBody = {
      ...scenarioRequest(s, 'pdf'),
      scope: { ...scenarioRequest(s, 'pdf').scope, endpoint_ids: [s.b.endpoint] },
    };
    const b = await create(s.b.token, 'shared-key', bBody);
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(a.body.id).not.toBe(b.body.id);
    expect((await h.request('GET', `/api/v2/reports/${a.body.id}`, { token: s.b.token })).status).toBe(404);
  });

  it.each([
    ['empty', ''],
    ['too long', 'k'.repeat(256)],
    ['with a space', 'two words'],
  ])('when the key is %s, then 400 names the header', async (_case, key) => {
    const before = await reportCount(s.a.tenantId);
    const res = await h.request('POST', '/api/v2/reports', {
      token: s.a.token,
      body: scenarioRequest(s, 'pdf'),
      headers: { 'idempotency-key': key },
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_request', field: 'Idempotency-Key' });
    expect(await reportCount(s.a.tenantId)).toBe(before);
  });
});
