/**
 * The weakness register on the real database: treatment as of a past instant and the trail within a period (what
 * a report will read), what storing findings costs the register (reads by exact `_id`, in proportion to the
 * weaknesses a write touches, not its findings), and the migration that registers findings stored before it.
 */
import { MongoClient, type CommandStartedEvent, type Db } from 'mongodb';
import { WeaknessTreatment } from '../../../src/app/weakness-treatment';
import type { Finding } from '../../../src/domain/finding';
import { parseTreatmentChange, weaknessKey } from '../../../src/domain/treatment';
import { MongoAuditLog } from '../../../src/infra/mongo/audit-repo';
import { MongoFindingsRepo } from '../../../src/infra/mongo/findings-repo';
import { migrate } from '../../../src/infra/mongo/migrations';
import { MongoWeaknessRegister, WEAKNESS_LISTS, WEAKNESS_LOGS } from '../../../src/infra/mongo/weakness-register';
import { buildFinding } from '../../fixtures/findings';
import { stackEnv, uniqueSuffix } from '../../support/stack';

jest.setTimeout(180_000);

let client: MongoClient;
let db: Db;
const commands: CommandStartedEvent[] = [];

beforeAll(async () => {
  client = new MongoClient(stackEnv().mongoUrl, { serverSelectionTimeoutMS: 5_000, monitorCommands: true });
  client.on('commandStarted', (e) => commands.push(e));
  await client.connect();
  db = client.db(`test_register_${uniqueSuffix()}`);
});

afterAll(async () => {
  await db?.dropDatabase();
  await client?.close();
});

const ACTOR = 'tok_2026_triage000000000';
const at = (iso: string) => new Date(iso);

/** The use cases with a clock the test sets. */
function treatmentAt(now: { value: Date }) {
  const audit = new MongoAuditLog(db);
  return new WeaknessTreatment({
    logs: new MongoWeaknessRegister(db, audit),
    audit,
    timers: { accepted: async () => undefined },
    clock: { now: () => now.value },
  });
}

describe('treatment as of an instant, and the trail within a period', () => {
  const tenantId = `tnt_2026_asof${uniqueSuffix()}00`;
  const chat = 'ep_2026_asofchat00000000';
  const agent = 'ep_2026_asofagent0000000';
  const leak = { endpointId: chat, category: 'system_prompt_leakage', fingerprint: 'leak' };
  const agency = { endpointId: agent, category: 'excessive_agency', fingerprint: 'delete' };
  const late = { endpointId: chat, category: 'jailbreak', fingerprint: 'late' };
  const keys = {
    leak: weaknessKey(tenantId, leak),
    agency: weaknessKey(tenantId, agency),
    late: weaknessKey(tenantId, late),
  };
  let register: MongoWeaknessRegister;

  beforeAll(async () => {
    const repo = new MongoFindingsRepo(db);
    const now = { value: at('2026-04-02T09:00:00Z') };
    const use = treatmentAt(now);
    const change = (key: string, body: Record<string, unknown>) =>
      use.change(tenantId, key, parseTreatmentChange(body, now.value.toISOString().slice(0, 10)), ACTOR);
    await repo.store(
      [
        buildFinding({ tenantId, ...leak, detectedAt: '2026-04-01T10:00:00.000Z' }),
        buildFinding({ tenantId, ...agency, detectedAt: '2026-04-01T11:00:00.000Z' }),
      ],
      at('2026-04-01T12:00:00Z'),
    );
    await change(keys.leak, { state: 'mitigated', evidence: 'Prompt moved server-side', mitigated_on: '2026-04-02' });
    now.value = at('2026-05-10T09:00:00Z');
    await change(keys.agency, {
      state: 'risk_accepted',
      approver: 'Dana Reyes',
      approver_role: 'CISO',
      justification: 'Human review',
      expires_on: '2026-12-31',
      owner: 'Priya N',
    });
    // Found again in June: the mitigation did not hold.
    await repo.store(
      [buildFinding({ tenantId, ...leak, detectedAt: '2026-06-03T08:00:00.000Z' })],
      at('2026-06-03T09:00:00Z'),
    );
    await repo.store(
      [buildFinding({ tenantId, ...late, detectedAt: '2026-07-02T08:00:00.000Z' })],
      at('2026-07-02T09:00:00Z'),
    );
    register = new MongoWeaknessRegister(db);
  });

  it('when read as of a day in each month, then each weakness has the treatment it had then', async () => {
    const statesAt = async (iso: string) =>
      Object.fromEntries(
        [...(await register.treatmentAsOf(tenantId, at(iso)))].map(([k, r]) => [k, r.treatment.state]),
      );
    expect(await statesAt('2026-04-01T23:59:59Z')).toEqual({ [keys.leak]: 'open', [keys.agency]: 'open' });
    expect(await statesAt('2026-04-30T00:00:00Z')).toEqual({ [keys.leak]: 'mitigated', [keys.agency]: 'open' });
    expect(await statesAt('2026-05-31T00:00:00Z')).toEqual({
      [keys.leak]: 'mitigated',
      [keys.agency]: 'risk_accepted',
    });
    expect(await statesAt('2026-07-31T00:00:00Z')).toEqual({
      [keys.leak]: 'regressed',
      [keys.agency]: 'risk_accepted',
      [keys.late]: 'open',
    });
    const may = await register.treatmentAsOf(tenantId, at('2026-05-31T00:00:00Z'));
    expect(may.get(keys.agency)).toMatchObject({
      endpointId: agent,
      category: 'excessive_agency',
      fingerprint: 'delete',
      seen: { findings: 1 },
      treatment: { owner: 'Priya N', acceptance: { approver: 'Dana Reyes', expiresOn: '2026-12-31' } },
    });
  });

  it('when narrowed to endpoints, then only their weaknesses are read', async () => {
    const onAgent = await register.treatmentAsOf(tenantId, at('2026-07-31T00:00:00Z'), { endpointIds: [agent] });
    expect([...onAgent.keys()]).toEqual([keys.agency]);
  });

  it('when the trail of a period is asked for, then the changes made in it come, oldest first, with their weakness', async () => {
    const q2 = await register.historyBetween(tenantId, at('2026-04-01T00:00:00Z'), at('2026-07-01T00:00:00Z'));
    expect(q2.map((h) => [h.key, h.from, h.to, h.actor, h.at])).toEqual([
      [keys.leak, 'open', 'mitigated', ACTOR, '2026-04-02T09:00:00.000Z'],
      [keys.agency, 'open', 'risk_accepted', ACTOR, '2026-05-10T09:00:00.000Z'],
      [keys.leak, 'mitigated', 'regressed', 'system', '2026-06-03T09:00:00.000Z'],
    ]);
    expect(q2[2]).toMatchObject({ endpointId: chat, category: 'system_prompt_leakage', fingerprint: 'leak' });
    const may = await register.historyBetween(tenantId, at('2026-05-01T00:00:00Z'), at('2026-06-01T00:00:00Z'));
    expect(may.map((h) => h.to)).toEqual(['risk_accepted']);
    // `to` is not included.
    expect(await register.historyBetween(tenantId, at('2026-04-01T00:00:00Z'), at('2026-04-02T09:00:00.000Z'))).toEqual(
      [],
    );
  });
});

describe('what storing findings costs the register', () => {
  /** The commands sent to the register's collections while `run` ran. */
  async function registerCommands(run: () => Promise<unknown>): Promise<CommandStartedEvent[]> {
    commands.length = 0;
    await run();
    return commands.filter((c) => [WEAKNESS_LOGS, WEAKNESS_LISTS].includes(String(c.command[c.commandName])));
  }

  function batch(tenantId: string, weaknesses: number, n = 1_000): Finding[] {
    return Array.from({ length: n }, (_, i) =>
      buildFinding({
        tenantId,
        endpointId: 'ep_2026_costendpoint00000',
        fingerprint: `w:${i % weaknesses}`,
        detectedAt: new Date(Date.UTC(2026, 4, 1) + i * 60_000).toISOString(),
      }),
    );
  }

  it('when 1,000 findings of 5 and of 50 weaknesses are stored, then the register is asked in proportion to the weaknesses, each read an exact _id lookup, and a warm process writes once', async () => {
    const tenantId = `tnt_2026_cost${uniqueSuffix()}00`;
    const few = await registerCommands(() => new MongoFindingsRepo(db).store(batch(tenantId, 5), new Date()));
    const many = await registerCommands(() => new MongoFindingsRepo(db).store(batch(tenantId, 50), new Date()));
    for (const c of [...few, ...many].filter((c) => c.commandName === 'find')) {
      expect(Object.keys(c.command.filter)).toEqual(['_id']);
      expect(typeof c.command.filter._id).toBe('string');
    }
    // A new weakness: a list marker looked up, a list entry and marker written, its log read and appended to.
    expect(few.length).toBeLessThanOrEqual(5 * 6 + 6);
    expect(many.length).toBeLessThanOrEqual(50 * 6 + 6);
    // Known weaknesses cost less: their list markers are found, and only their logs are read (from a cold process:
    // the entry there and the miss after it) and appended to.
    const again = await registerCommands(() => new MongoFindingsRepo(db).store(batch(tenantId, 50), new Date()));
    expect(again.length).toBeLessThanOrEqual(50 * 5);
    // A process that has read the logs (an import's worker, batch after batch) appends to all of them in one insert.
    const worker = new MongoFindingsRepo(db);
    await worker.store(batch(tenantId, 50), new Date());
    const warm = await registerCommands(() => worker.store(batch(tenantId, 50), new Date()));
    expect(warm.map((c) => c.commandName)).toEqual(['insert']);
    const listed = await new MongoWeaknessRegister(db).list(tenantId, {}, { after: -1, limit: 100 });
    expect(listed).toHaveLength(50);
    expect(listed.reduce((n, w) => n + w.record.seen.findings, 0)).toBe(5 * 1_000);
  });

  it('when a tenant’s weaknesses are listed and read as of a date, then every command is an exact _id lookup', async () => {
    const tenantId = `tnt_2026_read${uniqueSuffix()}00`;
    await new MongoFindingsRepo(db).store(batch(tenantId, 12, 200), new Date());
    const reads = await registerCommands(async () => {
      const register = new MongoWeaknessRegister(db);
      await register.list(tenantId, { states: ['open'] }, { after: -1, limit: 5 });
      await register.treatmentAsOf(tenantId, new Date());
      await register.historyBetween(tenantId, new Date(0), new Date());
    });
    expect(reads.length).toBeGreaterThan(12);
    for (const c of reads) {
      expect(c.commandName).toBe('find');
      expect(Object.keys(c.command.filter)).toEqual(['_id']);
    }
  });
});

describe('the migration that registers findings stored before the register', () => {
  it('when the register is dropped and the migration run, twice, then every weakness is listed with its findings counted once', async () => {
    const tenantId = `tnt_2026_migr${uniqueSuffix()}00`;
    const repo = new MongoFindingsRepo(db);
    const findings = Array.from({ length: 30 }, (_, i) =>
      buildFinding({
        tenantId,
        endpointId: i % 2 ? 'ep_2026_migrateone000000' : 'ep_2026_migratetwo000000',
        fingerprint: `m:${i % 4}`,
        detectedAt: new Date(Date.UTC(2026, 2, 1 + i)).toISOString(),
      }),
    );
    await repo.store(findings.slice(0, 10), new Date());
    await repo.store(findings.slice(10), new Date());
    const before = await new MongoWeaknessRegister(db).list(tenantId, {}, { after: -1, limit: 100 });

    await db.collection(WEAKNESS_LOGS).deleteMany({});
    await db.collection(WEAKNESS_LISTS).deleteMany({});
    expect(await new MongoWeaknessRegister(db).list(tenantId, {}, { after: -1, limit: 100 })).toEqual([]);
    for (let run = 0; run < 2; run++) {
      await db.collection('migrations').deleteOne({ _id: '2027-02-weakness-register' as never });
      await migrate(db);
    }
    const after = await new MongoWeaknessRegister(db).list(tenantId, {}, { after: -1, limit: 100 });
    const summary = (list: typeof before) =>
      list
        .map((w) => [
          w.key,
          w.record.endpointId,
          w.record.seen.findings,
          w.record.seen.firstSeen,
          w.record.seen.lastSeen,
        ])
        .sort();
    expect(summary(after)).toEqual(summary(before));
    expect(after.reduce((n, w) => n + w.record.seen.findings, 0)).toBe(30);
    expect(after).toHaveLength(4);
  });
});
