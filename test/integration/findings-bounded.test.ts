/**
 * What a tenant's reads of its findings cost the database: counted as the documents the server returns and the
 * filters it is asked, through the driver's command monitoring. Every read must be an exact `_id` lookup, and
 * what a tenant's list or report collection reads must be the same whether another tenant holds nothing or
 * many times more findings.
 */
import { MongoClient, type CommandStartedEvent, type CommandSucceededEvent, type Db } from 'mongodb';
import type { Finding } from '../../src/domain/finding';
import type { ReportScope } from '../../src/domain/report';
import { MongoFindingsRepo } from '../../src/infra/mongo/findings-repo';
import { createEndpoint, createTenant } from '../../src/infra/mongo/tenant-admin';
import { buildFinding } from '../fixtures/findings';
import { stackEnv, uniqueSuffix } from '../support/stack';

jest.setTimeout(180_000);

let client: MongoClient;
let db: Db;
const commands: { name: string; filter?: Record<string, unknown>; returned: number }[] = [];
const started = new Map<number, CommandStartedEvent>();

/** What the database was asked and answered while `read` ran. */
async function measure<T>(read: () => Promise<T>): Promise<{ value: T; returned: number; commands: typeof commands }> {
  commands.length = 0;
  const value = await read();
  return { value, returned: commands.reduce((n, c) => n + c.returned, 0), commands: [...commands] };
}

const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;

/** `n` findings of a tenant, a few a day over the second quarter of 2026, on two endpoints. */
function findingsOf(tenantId: string, endpoints: string[], n: number): Finding[] {
  const start = Date.UTC(2026, 3, 1);
  const span = Date.UTC(2026, 6, 1) - start;
  return Array.from({ length: n }, (_, i) =>
    buildFinding({
      tenantId,
      endpointId: endpoints[i % endpoints.length],
      detectedAt: new Date(start + Math.floor((i * span) / n)).toISOString(),
      severity: SEVERITIES[i % SEVERITIES.length],
      fingerprint: `weakness:${i % 40}`,
      evidence: { prompt: `prompt ${i} `.repeat(20), response: `response ${i} `.repeat(20) },
    }),
  );
}

let small: { tenantId: string; endpoints: string[] };
let large: { tenantId: string; endpoints: string[] };

beforeAll(async () => {
  client = new MongoClient(stackEnv().mongoUrl, { serverSelectionTimeoutMS: 5_000, monitorCommands: true });
  client.on('commandStarted', (e) => started.set(e.requestId, e));
  client.on('commandSucceeded', (e: CommandSucceededEvent) => {
    const start = started.get(e.requestId);
    started.delete(e.requestId);
    const cursor = (e.reply as { cursor?: { firstBatch?: unknown[]; nextBatch?: unknown[] } }).cursor;
    commands.push({
      name: e.commandName,
      filter: start?.command.filter as Record<string, unknown> | undefined,
      returned: (cursor?.firstBatch ?? cursor?.nextBatch ?? []).length,
    });
  });
  await client.connect();
  db = client.db(`test_bounded_${uniqueSuffix()}`);
  const tenant = async (name: string) => {
    const tenantId = await createTenant(db, { name, auditRetentionDays: 365 });
    const endpoints = [
      await createEndpoint(db, { tenantId, name: `${name} chat`, description: '' }),
      await createEndpoint(db, { tenantId, name: `${name} agent`, description: '' }),
    ];
    return { tenantId, endpoints };
  };
  small = await tenant('Small');
  large = await tenant('Large');
  await new MongoFindingsRepo(db).store(findingsOf(small.tenantId, small.endpoints, 600), new Date());
});

afterAll(async () => {
  await db?.dropDatabase();
  await client?.close();
});

/** The small tenant's reads, each through a repository of its own (nothing remembered from an earlier read). */
async function smallTenantReads() {
  const scope: ReportScope = {
    endpointIds: small.endpoints,
    from: '2026-04-01',
    to: '2026-06-30',
    includeSeverities: ['critical', 'high', 'medium'],
  };
  const first = await measure(() => new MongoFindingsRepo(db).list(small.tenantId, {}, { limit: 50 }));
  const last = first.value[first.value.length - 1];
  const next = await measure(() =>
    new MongoFindingsRepo(db).list(
      small.tenantId,
      {},
      { limit: 50, after: { detectedAt: new Date(last.detectedAt), id: last.id } },
    ),
  );
  const filtered = await measure(() =>
    new MongoFindingsRepo(db).list(
      small.tenantId,
      {
        endpointId: small.endpoints[1],
        severities: ['critical'],
        from: new Date('2026-05-01T00:00:00Z'),
        to: new Date('2026-05-15T00:00:00Z'),
        ref: { framework: 'OWASP_LLM', control: 'LLM01:2025' },
      },
      { limit: 100 },
    ),
  );
  const collected = await measure(async () => {
    const repo = new MongoFindingsRepo(db);
    const [inScope, endpoints] = await Promise.all([
      repo.findInScope(small.tenantId, scope),
      repo.endpoints(small.tenantId, scope.endpointIds),
    ]);
    const evidence = await inScope.evidence(inScope.findings.slice(-40).map((f) => f.id));
    return { findings: inScope.findings.length, endpoints: endpoints.length, evidence: evidence.size };
  });
  return { first, next, filtered, collected };
}

describe('a tenant’s reads of its findings', () => {
  let alone: Awaited<ReturnType<typeof smallTenantReads>>;

  it('when the tenant reads its findings, then every command is an exact _id lookup', async () => {
    alone = await smallTenantReads();
    const all = [alone.first, alone.next, alone.filtered, alone.collected].flatMap((m) => m.commands);
    expect(all.length).toBeGreaterThan(0);
    for (const c of all) {
      expect(c.name).toBe('find');
      expect(c.filter && Object.keys(c.filter)).toEqual(['_id']);
      expect(typeof c.filter!._id).toBe('string');
      expect(c.returned).toBeLessThanOrEqual(1);
    }
    expect(alone.first.value).toHaveLength(50);
    expect(alone.next.value).toHaveLength(50);
    expect(alone.next.value[0].detectedAt <= alone.first.value[49].detectedAt).toBe(true);
    expect(alone.collected.value).toEqual({ findings: 360, endpoints: 2, evidence: 40 });
  });

  it('when another tenant holds thirty times as many findings, then the tenant’s reads return the same documents, no more', async () => {
    const repo = new MongoFindingsRepo(db);
    const many = findingsOf(large.tenantId, large.endpoints, 18_000);
    for (let i = 0; i < many.length; i += 5_000) await repo.store(many.slice(i, i + 5_000), new Date());
    const crowded = await smallTenantReads();
    for (const read of ['first', 'next', 'filtered', 'collected'] as const) {
      expect([read, crowded[read].returned, crowded[read].commands.length]).toEqual([
        read,
        alone[read].returned,
        alone[read].commands.length,
      ]);
      expect(crowded[read].value).toEqual(alone[read].value);
    }
    // The other tenant's data is really there, and read the same way.
    const theirs = await measure(() => new MongoFindingsRepo(db).list(large.tenantId, {}, { limit: 50 }));
    expect(theirs.value).toHaveLength(50);
    expect(theirs.commands.every((c) => c.filter && Object.keys(c.filter).join() === '_id')).toBe(true);
  });
});
