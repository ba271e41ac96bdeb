/**
 * The tenant's audit log through the API on the real stack: a report created, its download link minted, its
 * artifact fetched and the settings changed appear newest first with their details; filters, paging, tenant
 * isolation and the scope hold; a retried activity's event is listed once; events stored before the tenant logs
 * are listed after the migration.
 */
import { ObjectId } from 'mongodb';
import { createRetentionActivities } from '../../activities/retention-activities';
import { SCOPES, type Scope } from '../../src/infra/mongo/tokens-repo';
import { migrate } from '../../src/infra/mongo/migrations';
import { MongoTenantsRepo } from '../../src/infra/mongo/tenants-repo';
import { createEndpoint, createTenant, insertFindings, mintToken } from '../../src/infra/mongo/tenant-admin';
import { buildFinding } from '../fixtures/findings';
import { documentedRequest } from '../fixtures/requests';
import { startHarness, waitForReport, type Harness } from '../support/harness';

jest.setTimeout(180_000);

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ workers: true, label: 'audit-events' });
});

afterAll(async () => {
  await h?.close();
});

/** A tenant with one endpoint and finding, a token of every scope and one of every scope but audit:read. */
async function tenant(name: string) {
  const tenantId = await createTenant(h.db, { name, auditRetentionDays: 365 });
  const endpoint = await createEndpoint(h.db, { tenantId, name: 'Support bot', description: 'chat' });
  await insertFindings(h.db, [buildFinding({ tenantId, endpointId: endpoint })]);
  const all = await mintToken(h.db, { tenantId, scopes: [...SCOPES] });
  const noAudit = await mintToken(h.db, { tenantId, scopes: SCOPES.filter((s): s is Scope => s !== 'audit:read') });
  return { tenantId, endpoint, token: all.secret, tokenId: all.id, noAudit: noAudit.secret };
}

async function readyReport(t: { endpoint: string; token: string }): Promise<string> {
  const created = await h.request('POST', '/api/v2/reports', {
    token: t.token,
    body: documentedRequest([t.endpoint], 'json'),
  });
  expect(created.status).toBe(202);
  expect((await waitForReport(h, created.body.id, t.token)).body.status).toBe('ready');
  return created.body.id as string;
}

const list = (token: string, query = '') => h.request('GET', `/api/v2/audit-events${query}`, { token });

describe('GET /audit-events', () => {
  let a: Awaited<ReturnType<typeof tenant>>;
  let reportId: string;
  let sha256: string;
  let all: any[]; // eslint-disable-line @typescript-eslint/no-explicit-any

  beforeAll(async () => {
    a = await tenant('Audited Co');
    reportId = await readyReport(a);
    const redirect = await h.request('GET', `/api/v2/reports/${reportId}/download`, { token: a.token });
    expect(redirect.status).toBe(302);
    const fetched = await fetch(redirect.headers.get('location')!);
    expect(fetched.status).toBe(200);
    sha256 = fetched.headers.get('etag')!.replace(/"/g, '');
    const settings = await h.request('PATCH', '/api/v2/tenant/settings', {
      token: a.token,
      body: { audit_retention_days: 400 },
    });
    expect(settings.status).toBe(200);
  });

  it('when the tenant created, downloaded, fetched and changed settings, then the events are listed newest first with details', async () => {
    const res = await list(a.token);
    expect(res.status).toBe(200);
    const at = expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(res.body).toEqual({
      data: [
        {
          id: expect.stringMatching(/^evt_/),
          action: 'tenant.retention_changed',
          at,
          actor: a.tokenId,
          report_id: null,
          details: { from_days: 365, to_days: 400 },
        },
        {
          id: expect.stringMatching(/^evt_/),
          action: 'report.artifact_fetched',
          at,
          actor: 'signed-url',
          report_id: reportId,
          details: { ip: '127.0.0.1', sha256 },
        },
        {
          id: expect.stringMatching(/^evt_/),
          action: 'report.download_link_issued',
          at,
          actor: a.tokenId,
          report_id: reportId,
          details: { link_expires_at: expect.any(String), version: 1 },
        },
        {
          id: expect.stringMatching(/^evt_/),
          action: 'report.created',
          at,
          actor: a.tokenId,
          report_id: reportId,
          details: {},
        },
      ],
      next_cursor: null,
    });
    all = res.body.data;
    const times = all.map((e) => Date.parse(e.at));
    expect([...times].sort((x, y) => y - x)).toEqual(times);
  });

  it('when filtered by action, report or time, then only the matching events are listed', async () => {
    const ids = async (query: string) => {
      const res = await list(a.token, query);
      expect(res.status).toBe(200);
      return res.body.data.map((e: { id: string }) => e.id);
    };
    expect(await ids('?action=report.artifact_fetched')).toEqual([all[1].id]);
    expect(await ids('?action=report.created,tenant.retention_changed')).toEqual([all[0].id, all[3].id]);
    expect(await ids(`?report_id=${reportId}`)).toEqual([all[1].id, all[2].id, all[3].id]);
    expect(await ids(`?report_id=${reportId}&action=report.created`)).toEqual([all[3].id]);
    expect(await ids(`?to=${encodeURIComponent(all[2].at)}`)).toEqual([all[3].id]);
    expect(await ids(`?from=${encodeURIComponent(all[1].at)}`)).toEqual([all[0].id, all[1].id]);
    expect(await ids('?from=2026-01-01&to=2026-01-02')).toEqual([]);
  });

  it('when paged one at a time, then the cursors walk the whole list in order and the last is null', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await list(a.token, `?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.body.data).toHaveLength(1);
      seen.push(res.body.data[0].id);
      cursor = res.body.next_cursor;
    } while (cursor && seen.length < 10);
    expect(seen).toEqual(all.map((e) => e.id));
  });

  it("when another tenant lists, then none of this tenant's events appear, not even by report id", async () => {
    const b = await tenant('Other Co');
    expect(
      (await h.request('PATCH', '/api/v2/tenant/settings', { token: b.token, body: { audit_retention_days: 30 } }))
        .status,
    ).toBe(200);
    const own = await list(b.token);
    expect(own.body.data.map((e: { action: string; actor: string }) => [e.action, e.actor])).toEqual([
      ['tenant.retention_changed', b.tokenId],
    ]);
    expect((await list(b.token, `?report_id=${reportId}`)).body).toEqual({ data: [], next_cursor: null });
    expect((await list(a.token)).body.data.map((e: { id: string }) => e.id)).toEqual(all.map((e) => e.id));
  });

  it('when the token lacks audit:read, then 403 missing_scope', async () => {
    const res = await list(a.noAudit);
    expect(res.status).toBe(403);
    expect(res.body).toEqual({
      error: {
        code: 'missing_scope',
        message: 'this API token lacks the audit:read scope; mint a token with it',
        required_scope: 'audit:read',
      },
    });
  });

  it('when a parameter is wrong, then 400 invalid_request naming it', async () => {
    const action = await list(a.token, '?action=report.deleted');
    expect(action.status).toBe(400);
    expect(action.body.error).toMatchObject({ code: 'invalid_request', field: 'action' });
    expect(action.body.error.message).toMatch(/^action: "report.deleted" is not an audit action; use any of /);
    const limit = await list(a.token, '?limit=500');
    expect(limit.status).toBe(400);
    expect(limit.body.error).toMatchObject({
      code: 'invalid_request',
      message: 'limit: must be a whole number from 1 to 200',
    });
  });
});

describe('events recorded by retried activities and before the logs', () => {
  it('when purgeIfDue runs twice, then the purge is listed once', async () => {
    const c = await tenant('Retried Co');
    const id = await readyReport(c);
    const past = new Date(Date.now() - 60_000);
    await h.reports.setExpiry(c.tenantId, id, past);
    const activities = createRetentionActivities({
      reports: h.reports,
      tenants: new MongoTenantsRepo(h.db),
      store: h.store,
      staging: h.staging,
      audit: h.audit,
      signals: { deadlineMoved: async () => undefined },
      clock: { now: () => new Date() },
    });
    const asOf = new Date().toISOString();
    const first = await activities.purgeIfDue({ tenantId: c.tenantId, reportId: id, asOf });
    const second = await activities.purgeIfDue({ tenantId: c.tenantId, reportId: id, asOf });
    expect(second).toEqual(first);
    expect(first.outcome).toBe('purged');

    // The list would hide a repeat (a set's reader skips them), so the log itself is read: the purge is in it once.
    // (Only the purge's entries are counted: another entry may be written twice when the driver retries an insert
    // that had gone through, which is what readers skipping repeats is for, and not what this test is about.)
    const entries = await h.db
      .collection<{ _id: string; v: { id: string } }>('audit_logs')
      .find({ _id: { $regex: `^audit/${c.tenantId}/.*#` } } as never)
      .toArray();
    expect(entries.filter((e) => e.v.id === `report.purged:${id}`)).toHaveLength(1);
    const res = await list(c.token, '?action=report.purged');
    expect(res.body).toEqual({
      data: [
        {
          id: `report.purged:${id}`,
          action: 'report.purged',
          at: first.purgedAt,
          actor: 'retention',
          report_id: id,
          details: { objects_removed: expect.any(Number), expires_at: past.toISOString() },
        },
      ],
      next_cursor: null,
    });
  });

  it('when events were stored before the tenant logs, then the migration lists each of them once', async () => {
    const d = await tenant('Legacy Co');
    const legacyId = new ObjectId();
    const at = new Date(Date.now() - 3 * 86_400_000);
    const events = h.db.collection<Record<string, unknown>>('audit_events');
    await events.insertOne({
      _id: legacyId,
      tenant_id: d.tenantId,
      action: 'tenant.retention_changed',
      actor: d.tokenId,
      at,
      details: { from_days: 30, to_days: 365 },
    });
    await events.insertOne({
      _id: 'report.purged:rpt_2026_aaaaaaaaaaaaaaaa',
      tenant_id: d.tenantId,
      report_id: 'rpt_2026_aaaaaaaaaaaaaaaa',
      action: 'report.purged',
      actor: 'retention',
      at: new Date(at.getTime() + 1_000),
    } as never);
    expect((await list(d.token)).body.data).toEqual([]);

    await migrate(h.db);
    await h.db.collection('migrations').deleteOne({ _id: '2027-01-audit-events-to-tenant-logs' } as never);
    await migrate(h.db);

    expect((await list(d.token)).body).toEqual({
      data: [
        {
          id: 'report.purged:rpt_2026_aaaaaaaaaaaaaaaa',
          action: 'report.purged',
          at: new Date(at.getTime() + 1_000).toISOString(),
          actor: 'retention',
          report_id: 'rpt_2026_aaaaaaaaaaaaaaaa',
          details: {},
        },
        {
          id: legacyId.toHexString(),
          action: 'tenant.retention_changed',
          at: at.toISOString(),
          actor: d.tokenId,
          report_id: null,
          details: { from_days: 30, to_days: 365 },
        },
      ],
      next_cursor: null,
    });
  });
});
