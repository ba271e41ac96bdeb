/**
 * Operations endpoints on the real stack: liveness, readiness (MongoDB and Temporal must answer), metrics, all on
 * the operations listener and none on the public port.
 */
import type { AddressInfo } from 'node:net';
import { Connection } from '@temporalio/client';
import express from 'express';
import { ApiMetrics, opsRouter } from '../../src/http/ops-router';
import { MongoReportsRepo } from '../../src/infra/mongo/reports-repo';
import { mongoReady, temporalReady } from '../../src/infra/readiness';
import { loadScenario, scenarioRequest, type Scenario } from '../fixtures/scenario';
import { startHarness, type Harness } from '../support/harness';

jest.setTimeout(60_000);

let h: Harness;
let s: Scenario;

beforeAll(async () => {
  h = await startHarness({ label: 'ops' });
  s = await loadScenario(h.db);
});

afterAll(async () => {
  await h?.close();
});

describe('health, readiness and metrics', () => {
  it('when MongoDB and Temporal answer, then /healthz and /readyz are 200 on the operations port', async () => {
    const health = await fetch(`${h.opsUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${h.opsUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { mongodb: 'ok', temporal: 'ok' } });
  });

  it.each(['/healthz', '/readyz', '/metrics'])('when %s is asked of the public port, then 404 not_found', async (p) => {
    const res = await h.request('GET', p);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
    expect(res.text).not.toMatch(/http_requests_total|reports\{|"ready"/);
  });

  it('when the operations port is asked for anything else, then 404 and nothing of the API', async () => {
    const res = await fetch(`${h.opsUrl}/api/v2/reports`, { headers: { authorization: `Bearer ${s.a.token}` } });
    expect(res.status).toBe(404);
  });

  it('when Temporal cannot be reached, then /readyz is 503 and names it, while /healthz stays 200', async () => {
    const unreachable = Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 500 });
    const app = express().use(
      opsRouter({
        readiness: { mongodb: mongoReady(h.db), temporal: temporalReady(unreachable) },
        reportCounts: () => new MongoReportsRepo(h.db).countByStatus(),
        metrics: new ApiMetrics(),
      }),
    );
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ status: 'not_ready', checks: { mongodb: 'ok', temporal: 'unreachable' } });
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
    } finally {
      server.close();
      await unreachable.close();
    }
  });

  it('when requests have been served, then /metrics counts them by route template and reports by status', async () => {
    const created = await h.request('POST', '/api/v2/reports', { token: s.a.token, body: scenarioRequest(s, 'json') });
    await h.request('GET', `/api/v2/reports/${created.body.id}`, { token: s.a.token });
    await h.request('GET', `/api/v2/reports/${created.body.id}`, { token: s.a.token });
    await h.request('GET', '/api/v2/reports/rpt_2026_0000000000000000', { token: s.a.token });
    const scraped = await fetch(`${h.opsUrl}/metrics`);
    const res = { status: scraped.status, headers: scraped.headers, text: await scraped.text() };
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0.0.4/);
    // Aggregates only: no series names a tenant, by label or by value.
    expect(res.text).not.toMatch(/[{,]tenant[a-z_]*=/);
    expect(res.text).not.toContain(s.a.tenantId);
    expect(res.text).toContain('http_requests_total{method="GET",route="/api/v2/reports/:id",status="200"} 2');
    expect(res.text).toContain('http_requests_total{method="GET",route="/api/v2/reports/:id",status="404"} 1');
    expect(res.text).toContain('http_requests_total{method="POST",route="/api/v2/reports",status="202"} 1');
    expect(res.text).not.toContain(created.body.id);
    expect(res.text).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/api\/v2\/reports\/:id"\} 3/);
    const queued = await h.db.collection('reports').countDocuments({ status: 'queued' });
    expect(res.text).toContain(`reports{status="queued"} ${queued}`);
    expect(res.text).toContain('reports{status="expired"} 0');
  });

  it('when /metrics is scraped, then the process metrics are there too: CPU, memory, heap, event-loop lag and GC', async () => {
    const text = await (await fetch(`${h.opsUrl}/metrics`)).text();
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      'nodejs_heap_space_size_used_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_eventloop_lag_p99_seconds',
      'nodejs_gc_duration_seconds',
      'nodejs_active_handles_total',
    ]) {
      expect([name, text.includes(`# TYPE ${name} `)]).toEqual([name, true]);
    }
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes [1-9]\d*$/m);
  });

  it('when two apps run in one process, then each has its own registry and neither sees the other’s requests', async () => {
    const other = new ApiMetrics();
    other.answered('GET', '/elsewhere', 200, process.hrtime.bigint());
    expect(await other.registry.text()).toContain(
      'http_requests_total{method="GET",route="/elsewhere",status="200"} 1',
    );
    expect(await (await fetch(`${h.opsUrl}/metrics`)).text()).not.toContain('/elsewhere');
  });
});
