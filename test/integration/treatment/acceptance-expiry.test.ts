/**
 * Risk acceptances lapsing on Temporal's time-skipping test server, with the real activity against the test
 * database: months pass in seconds, so the tests watch an acceptance hold until its expiry day and lapse on it,
 * move with a renewal, give way to a later change, and find a renewal whose signal never came.
 */
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Db, MongoClient } from 'mongodb';
import { createTreatmentActivities } from '../../../activities/treatment-activities';
import { WeaknessTreatment, type AcceptanceTimers } from '../../../src/app/weakness-treatment';
import { addDays, dayOf, parseTreatmentChange, weaknessKey } from '../../../src/domain/treatment';
import { MongoAuditLog } from '../../../src/infra/mongo/audit-repo';
import { storeFindings } from '../../../src/infra/mongo/findings-repo';
import { MongoWeaknessRegister } from '../../../src/infra/mongo/weakness-register';
import { TemporalAcceptanceTimers } from '../../../src/infra/temporal/acceptance-timers';
import { acceptanceStateQuery, acceptanceWorkflowId, type AcceptanceTimerState } from '../../../workflows/contracts';
import { buildFinding } from '../../fixtures/findings';
import { quietRuntime, workflowBundle } from '../../support/harness';
import { freshDatabase, uniqueSuffix } from '../../support/stack';

jest.setTimeout(120_000);

const TEST_SERVER =
  process.env.TEST_TEMPORAL_TEST_SERVER ?? path.resolve(__dirname, '../../../.tools/bin/temporal-test-server');
const DAY_MS = 86_400_000;
/** `temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD`, from a package the client does not re-export. */
const INDEXED_VALUE_TYPE_KEYWORD = 2;
const ACTOR = 'tok_2026_triage000000000';

let env: TestWorkflowEnvironment;
let mongo: MongoClient;
let db: Db;
let audit: MongoAuditLog;
let treatment: WeaknessTreatment;
/** The same use cases, with timers that are never told: a renewal whose signal was lost. */
let unsignalled: WeaknessTreatment;
/** How far the test server's clock has run ahead of the wall clock, so changes are dated in its time. */
let skew = 0;
const clock = { now: () => new Date(Date.now() + skew) };
const taskQueue = `acceptance-test-${uniqueSuffix()}`;

beforeAll(async () => {
  quietRuntime();
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: TEST_SERVER } },
  });
  // The timers tag each workflow with its tenant, as the dev server registers at start.
  await env.connection.operatorService.addSearchAttributes({
    namespace: 'default',
    searchAttributes: { TenantId: INDEXED_VALUE_TYPE_KEYWORD },
  });
  ({ client: mongo, db } = await freshDatabase('acceptance'));
  audit = new MongoAuditLog(db);
  const logs = new MongoWeaknessRegister(db, audit);
  treatment = new WeaknessTreatment({
    logs,
    audit,
    timers: new TemporalAcceptanceTimers(env.client, taskQueue),
    clock,
  });
  const never: AcceptanceTimers = { accepted: async () => undefined };
  unsignalled = new WeaknessTreatment({ logs, audit, timers: never, clock });
});

afterAll(async () => {
  await db?.dropDatabase().catch(() => undefined);
  await mongo?.close();
  await env?.teardown();
});

/** Runs `fn` with a worker of this file's queue; a worker runs once, so each test gets its own. */
async function withWorker(fn: () => Promise<void>): Promise<void> {
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createTreatmentActivities({ treatment }),
  });
  await worker.runUntil(fn);
}

/** A tenant's weakness, seen yesterday, and the test server's day 0. */
async function weakness(): Promise<{ tenantId: string; key: string; day0: number }> {
  const tenantId = `tnt_2026_${uniqueSuffix()}000000`;
  const f = buildFinding({ tenantId, detectedAt: new Date(Date.now() - DAY_MS).toISOString() });
  await storeFindings(db, [f]);
  skew = (await env.currentTimeMs()) - Date.now();
  return { tenantId, key: weaknessKey(tenantId, f), day0: Date.parse(`${dayOf(clock.now())}T00:00:00.000Z`) };
}

/** The body of an acceptance expiring `days` after day 0. */
function accept(w: { day0: number }, days: number) {
  return {
    state: 'risk_accepted',
    approver: 'Dana Reyes',
    approver_role: 'CISO',
    justification: 'Compensating control in place',
    expires_on: addDays(dayOf(new Date(w.day0)), days),
  };
}

async function change(
  w: { tenantId: string; key: string },
  body: Record<string, unknown>,
  via: WeaknessTreatment = treatment,
): Promise<void> {
  await via.change(w.tenantId, w.key, parseTreatmentChange(body, dayOf(clock.now())), ACTOR);
}

/** Advances the test server's clock to `day` days (and `hours`) after day 0 (UTC midnight). */
async function sleepUntil(w: { day0: number }, day: number, hours = 0): Promise<void> {
  const wait = w.day0 + day * DAY_MS + hours * 3_600_000 - (await env.currentTimeMs());
  if (wait > 0) await env.sleep(wait);
  skew = (await env.currentTimeMs()) - Date.now();
}

async function stateOf(w: { tenantId: string; key: string }) {
  return (await treatment.get(w.tenantId, w.key)).record;
}

const handleOf = (w: { tenantId: string; key: string }) =>
  env.client.workflow.getHandle(acceptanceWorkflowId(w.tenantId, w.key));

async function treatedEvents(tenantId: string) {
  return (await audit.forTenant(tenantId)).filter((e) => e.action === 'weakness.treated');
}

describe('a risk acceptance on a durable timer', () => {
  it('when accepted until day 30, then it holds through day 29 and returns to open on day 30, by system, recorded once', async () => {
    const w = await weakness();
    await withWorker(async () => {
      await change(w, accept(w, 30));
      await sleepUntil(w, 29, 23);
      expect((await stateOf(w)).treatment.state).toBe('risk_accepted');
      const result: AcceptanceTimerState = await handleOf(w).result();
      expect(result).toEqual({ position: 1, expiresOn: accept(w, 30).expires_on, outcome: 'expired' });
      const record = await stateOf(w);
      expect(record.treatment).toMatchObject({ state: 'open', acceptance: null });
      expect(record.history.at(-1)).toEqual({
        position: 2,
        at: new Date(w.day0 + 30 * DAY_MS).toISOString(),
        actor: 'system',
        from: 'risk_accepted',
        to: 'open',
        cause: 'acceptance_expired',
        fields: { expires_on: accept(w, 30).expires_on },
      });
      const events = await treatedEvents(w.tenantId);
      expect(events.map((e) => [e.actor, e.details?.from, e.details?.to, e.details?.cause])).toEqual([
        [ACTOR, 'open', 'risk_accepted', 'triage'],
        ['system', 'risk_accepted', 'open', 'acceptance_expired'],
      ]);
      // A retried activity finds the acceptance lapsed, writes and records nothing more.
      await expect(treatment.expireAcceptance(w.tenantId, w.key, 1, clock.now())).resolves.toEqual({
        outcome: 'expired',
      });
      expect((await stateOf(w)).history).toHaveLength(2);
      expect(await treatedEvents(w.tenantId)).toHaveLength(2);
    });
  });

  it('when the acceptance is renewed on day 10 until day 90, then day 30 passes and it lapses on day 90', async () => {
    const w = await weakness();
    await withWorker(async () => {
      await change(w, accept(w, 30));
      await sleepUntil(w, 10);
      await change(w, accept(w, 90));
      expect(await handleOf(w).query(acceptanceStateQuery)).toEqual({
        position: 2,
        expiresOn: accept(w, 90).expires_on,
      });
      await sleepUntil(w, 45);
      expect((await stateOf(w)).treatment).toMatchObject({
        state: 'risk_accepted',
        acceptance: { expiresOn: accept(w, 90).expires_on },
      });
      const result = await handleOf(w).result();
      expect(result.outcome).toBe('expired');
      const record = await stateOf(w);
      expect(record.history.at(-1)).toMatchObject({ at: new Date(w.day0 + 90 * DAY_MS).toISOString(), to: 'open' });
    });
  });

  it('when the expiry day begins before the acceptance is written, then the timer waits for the write and lapses it', async () => {
    const w = await weakness();
    const timers = new TemporalAcceptanceTimers(env.client, taskQueue);
    await withWorker(async () => {
      // An acceptance made in the last moments of the day before its expiry: the timer starts, the day turns, and only
      // then is the change written.
      const expiresOn = accept(w, 1).expires_on;
      await timers.accepted({ tenantId: w.tenantId, key: w.key, position: 1, expiresOn });
      await sleepUntil(w, 1, 0.01);
      const logs = new MongoWeaknessRegister(db, audit);
      const written = await logs.appendAt(w.tenantId, w.key, 1, {
        k: 'change',
        at: new Date(w.day0 + DAY_MS - 1_000).toISOString(),
        actor: ACTOR,
        from: 'open',
        to: 'risk_accepted',
        fields: { approver: 'Dana Reyes', approver_role: 'CISO', justification: 'Late', expires_on: expiresOn },
      });
      expect(written).toBe(true);
      expect((await handleOf(w).result()).outcome).toBe('expired');
      expect((await stateOf(w)).history.map((h) => `${h.actor}:${h.to}`)).toEqual([
        `${ACTOR}:risk_accepted`,
        'system:open',
      ]);
    });
  });

  it('when the acceptance a timer was started for is never written, then the timer ends after ten minutes of looking', async () => {
    const w = await weakness();
    await withWorker(async () => {
      await new TemporalAcceptanceTimers(env.client, taskQueue).accepted({
        tenantId: w.tenantId,
        key: w.key,
        position: 1,
        expiresOn: accept(w, 1).expires_on,
      });
      await sleepUntil(w, 0, 12);
      expect(await handleOf(w).result()).toMatchObject({ outcome: 'ended' });
      expect((await stateOf(w)).treatment.state).toBe('open');
    });
  });

  it('when a later change supersedes the acceptance, then its deadline changes nothing and the timer ends', async () => {
    const w = await weakness();
    await withWorker(async () => {
      await change(w, accept(w, 30));
      await sleepUntil(w, 5);
      await change(w, { state: 'mitigated', evidence: 'Fixed after all', mitigated_on: dayOf(clock.now()) });
      const result = await handleOf(w).result();
      expect(result.outcome).toBe('ended');
      const record = await stateOf(w);
      expect(record.treatment.state).toBe('mitigated');
      expect(record.history.map((h) => h.actor)).toEqual([ACTOR, ACTOR]);
    });
  });

  it('when a renewal’s signal was lost, then the timer finds the renewal in force at the first deadline and waits for it', async () => {
    const w = await weakness();
    await withWorker(async () => {
      await change(w, accept(w, 30));
      await sleepUntil(w, 10);
      await change(w, accept(w, 60), unsignalled);
      await sleepUntil(w, 40);
      expect((await stateOf(w)).treatment.state).toBe('risk_accepted');
      expect(await handleOf(w).query(acceptanceStateQuery)).toEqual({
        position: 2,
        expiresOn: accept(w, 60).expires_on,
      });
      expect((await handleOf(w).result()).outcome).toBe('expired');
      expect((await stateOf(w)).history.at(-1)).toMatchObject({
        actor: 'system',
        at: new Date(w.day0 + 60 * DAY_MS).toISOString(),
      });
    });
  });

  it('when accepted again after the timer ended, then a new timer starts under the same id', async () => {
    const w = await weakness();
    await withWorker(async () => {
      await change(w, accept(w, 3));
      expect((await handleOf(w).result()).outcome).toBe('expired');
      // Awaiting a result lets the test server run its clock on past the last timer, to wherever it stops: the next
      // acceptance is dated from where it stands now.
      skew = (await env.currentTimeMs()) - Date.now();
      const later = { ...w, day0: Date.parse(`${dayOf(clock.now())}T00:00:00.000Z`) };
      await change(later, accept(later, 20));
      await sleepUntil(later, 19);
      expect((await stateOf(w)).treatment.state).toBe('risk_accepted');
      expect((await handleOf(w).result()).outcome).toBe('expired');
      expect((await stateOf(w)).history.map((h) => `${h.actor === 'system' ? 'system' : 'person'}:${h.to}`)).toEqual([
        'person:risk_accepted',
        'system:open',
        'person:risk_accepted',
        'system:open',
      ]);
    });
  });
});
