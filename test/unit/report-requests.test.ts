import { createReportRequests, type ReportRequestsDeps } from '../../src/app/report-requests';
import type { AuditEvent } from '../../src/domain/audit';
import { AppError } from '../../src/domain/errors';
import type { ReportRecord } from '../../src/domain/report';
import { parseReportRequest } from '../../src/domain/report-request';
import type { Principal } from '../../src/domain/tokens';
import { documentedRequest } from '../fixtures/requests';

const principal: Principal = { tokenId: 'tok_1', tenantId: 'tnt_1', scopes: ['reports:generate'] };
const request = parseReportRequest(documentedRequest());
const NOW = new Date('2026-06-01T00:00:00.000Z');

/** In-memory parts of the use case, recording what it did. */
function fakes() {
  const stored = new Map<string, ReportRecord>();
  const slots = new Set<string>();
  const audit: AuditEvent[] = [];
  const started: string[] = [];
  let nextId = 0;
  const deps: ReportRequestsDeps = {
    reports: {
      async insert(report) {
        if (stored.has(report.id)) throw new AppError('already_exists', `report ${report.id} is stored already`);
        stored.set(report.id, report);
      },
      async get(tenantId, id) {
        const r = stored.get(id);
        return r?.tenantId === tenantId ? r : undefined;
      },
      async deleteQueued(_tenantId, id) {
        stored.delete(id);
      },
      async requeueFailed() {
        return true;
      },
      async markFailed() {},
    },
    findings: {
      async endpoints(_tenantId, ids) {
        return ids.map((id) => ({ id })) as never;
      },
    },
    workflows: {
      async start(input) {
        started.push(input.reportId);
        return true;
      },
      async startAgain(input) {
        started.push(input.reportId);
      },
    },
    idempotency: {
      async claim(_tenantId, _key, _sha, candidate) {
        return { reportId: candidate, replay: false };
      },
    },
    audit: {
      async record(event) {
        audit.push(event);
      },
    },
    clock: { now: () => NOW },
    newReportId: () => `rpt_2026_unit${String(++nextId).padStart(12, '0')}`,
    quotas: {
      async takeReport(_tenantId, id) {
        slots.add(id);
      },
      async releaseReport(_tenantId, id) {
        slots.delete(id);
      },
    },
  };
  return { deps, stored, slots, audit, started };
}

describe('creating reports', () => {
  it('when a report is created, then it is stored queued, its workflow started, its slot taken and the creation audited', async () => {
    const f = fakes();
    const { report, replayed } = await createReportRequests(f.deps).create(principal, request);
    expect(replayed).toBe(false);
    expect(f.stored.get(report.id)).toMatchObject({ status: 'queued', tenantId: 'tnt_1', attempts: 0 });
    expect(f.started).toEqual([report.id]);
    expect([...f.slots]).toEqual([report.id]);
    expect(f.audit).toEqual([
      { tenant_id: 'tnt_1', report_id: report.id, action: 'report.created', actor: 'tok_1', at: NOW },
    ]);
  });

  it('when a concurrent create under the same Idempotency-Key stored the report first, then the stored one is answered as replayed', async () => {
    const f = fakes();
    const first = await createReportRequests(f.deps).create(principal, request, 'key-1');
    // The second request won the key before the first stored the report: both name the same id.
    f.deps.idempotency.claim = async () => ({ reportId: first.report.id, replay: false });
    const second = await createReportRequests(f.deps).create(principal, request, 'key-1');
    expect(second).toEqual({ report: first.report, replayed: true });
    expect(f.started).toEqual([first.report.id]);
  });

  it('when the insert meets a stored report without an Idempotency-Key, then the conflict is thrown and the slot given back', async () => {
    const f = fakes();
    f.deps.newReportId = () => 'rpt_2026_unit000000000001';
    const requests = createReportRequests(f.deps);
    await requests.create(principal, request);
    f.slots.clear();
    await expect(requests.create(principal, request)).rejects.toMatchObject({ code: 'already_exists' });
    expect([...f.slots]).toEqual([]);
  });

  it('when the workflow cannot start, then the report and its slot are taken back and nothing is audited', async () => {
    const f = fakes();
    f.deps.workflows.start = async () => {
      throw new AppError('unavailable', 'Temporal is unreachable');
    };
    await expect(createReportRequests(f.deps).create(principal, request)).rejects.toMatchObject({
      code: 'unavailable',
    });
    expect(f.stored.size).toBe(0);
    expect(f.slots.size).toBe(0);
    expect(f.audit).toEqual([]);
  });

  it('when the Idempotency-Key has a space in it, then 400 naming the header', async () => {
    await expect(createReportRequests(fakes().deps).create(principal, request, 'a key')).rejects.toMatchObject({
      code: 'invalid_request',
      details: { field: 'Idempotency-Key' },
    });
  });
});
