import type { Db, MongoClient } from 'mongodb';
import { latestOfEachRow } from '../../activities/report-activities';
import type { Finding } from '../../src/domain/finding';
import type { ReportScope } from '../../src/domain/report';
import { buildReportModel } from '../../src/domain/report-model';
import { ensureIndexes } from '../../src/infra/mongo/database';
import { DAY_EVIDENCE, DAY_PAGES, FINDING_KEYS, PAGE_MAX_ITEMS } from '../../src/infra/mongo/finding-store/layout';
import { migrate } from '../../src/infra/mongo/migrations';
import { MongoFindingsRepo } from '../../src/infra/mongo/findings-repo';
import { insertFindings } from '../../src/infra/mongo/tenant-admin';
import { buildFinding } from '../fixtures/findings';
import { freshDatabase } from '../support/stack';

jest.setTimeout(60_000);

const TENANT = 'tnt_2026_scopetenant0001';
const OTHER_TENANT = 'tnt_2026_scopetenant0002';
const EP1 = 'ep_2026_scopeendpoint1';
const EP2 = 'ep_2026_scopeendpoint2';
const EP_OUT = 'ep_2026_scopeendpoint3';
const SCOPE: ReportScope = {
  endpointIds: [EP1, EP2],
  from: '2026-04-01',
  to: '2026-04-30',
  includeSeverities: ['critical', 'high', 'medium'],
};

let client: MongoClient;
let db: Db;
let repo: MongoFindingsRepo;

let made = 0;
/** A finding with evidence of its own, words only: a random number could read as a phone or card and be masked. */
const finding = (overrides: Partial<Finding>): Finding => {
  made += 1;
  const word = `n${made.toString(36)}x`;
  return buildFinding({
    tenantId: TENANT,
    endpointId: EP1,
    evidence: { prompt: `prompt ${word}`, response: `response ${word}` },
    ...overrides,
  });
};

/** Findings a scope query must return, in the order it must return them. */
const inScope: Finding[] = [];
/** Findings a scope query must leave out. */
const outOfScope: Finding[] = [];

beforeAll(async () => {
  ({ client, db } = await freshDatabase('findings_scope'));
  await ensureIndexes(db);
  repo = new MongoFindingsRepo(db);
});

afterAll(async () => {
  await db?.dropDatabase();
  await client?.close();
});

describe('findings in a report scope, read from day pages', () => {
  // One weakness seen three times on EP1 (two spellings of its fingerprint), one on EP2 seen twice at the same
  // instant, and the edges of the date range.
  const first = finding({ detectedAt: '2026-04-01T00:00:00.000Z', fingerprint: 'pi:system-prompt', severity: 'high' });
  const repeat = finding({ detectedAt: '2026-04-10T08:00:00.000Z', fingerprint: ' PI:System-Prompt ' });
  const latest = finding({ detectedAt: '2026-04-20T09:30:00.000Z', fingerprint: 'pi:system-prompt' });
  const lastInstant = finding({
    endpointId: EP2,
    detectedAt: '2026-04-30T23:59:59.999Z',
    fingerprint: 'leak:1',
    category: 'sensitive_information_disclosure',
    severity: 'critical',
    source: { tool: 'garak', runId: 'run-7' },
  });
  const sameInstantA = finding({
    id: 'fnd_2026_scopesameinstant_a',
    endpointId: EP2,
    detectedAt: '2026-04-15T12:00:00.000Z',
    fingerprint: 'tool:refund',
    category: 'excessive_agency',
    severity: 'medium',
  });
  const sameInstantB = finding({ ...sameInstantA, id: 'fnd_2026_scopesameinstant_b' });

  const beforeRange = finding({ detectedAt: '2026-03-31T23:59:59.999Z', fingerprint: 'pi:system-prompt' });
  const afterRange = finding({ detectedAt: '2026-05-01T00:00:00.000Z', fingerprint: 'pi:system-prompt' });
  const lowSeverity = finding({ detectedAt: '2026-04-12T00:00:00.000Z', severity: 'low' });
  const otherEndpoint = finding({ endpointId: EP_OUT, detectedAt: '2026-04-12T00:00:00.000Z' });
  const otherTenant = finding({ tenantId: OTHER_TENANT, detectedAt: '2026-04-12T00:00:00.000Z' });

  it('when batches are written, re-sent whole and re-sent in part, then each finding is created once', async () => {
    const batch1 = [latest, first, beforeRange, otherEndpoint, sameInstantB];
    expect(await repo.store(batch1, new Date())).toEqual({ created: 5, duplicates: 0 });
    expect(await repo.store(batch1, new Date())).toEqual({ created: 0, duplicates: 5 });
    expect(await repo.store([otherTenant], new Date())).toEqual({ created: 1, duplicates: 0 });
    // A write cut short after it claimed its findings and before their pages: sent again, it completes.
    const batch2 = [repeat, lastInstant, afterRange, lowSeverity, sameInstantA];
    await expect(new MongoFindingsRepo(failingEvidenceWrites(db)).store(batch2, new Date())).rejects.toThrow(
      'evidence write failed',
    );
    expect(await repo.store(batch2, new Date())).toEqual({ created: 5, duplicates: 0 });
    // The same findings again, in a batch of another make-up: nothing new.
    expect(await repo.store([latest, repeat, lastInstant], new Date())).toEqual({ created: 0, duplicates: 3 });

    inScope.push(first, repeat, sameInstantA, sameInstantB, latest, lastInstant);
    outOfScope.push(beforeRange, afterRange, lowSeverity, otherEndpoint, otherTenant);
    expect(await db.collection(FINDING_KEYS).countDocuments()).toBe(inScope.length + outOfScope.length);
  });

  it('when queried, then exactly the tenant’s findings in scope come back once each, oldest first, without evidence', async () => {
    const found = await repo.findInScope(TENANT, SCOPE);
    expect(found.findings).toEqual(inScope.map(({ evidence: _evidence, ...summary }) => summary));
    expect(found.findings.map((f) => f.id)).toEqual([
      first.id,
      repeat.id,
      sameInstantA.id,
      sameInstantB.id,
      latest.id,
      lastInstant.id,
    ]);
  });

  it('when evidence is asked for, then each finding gets its own and ids out of scope get none', async () => {
    const found = await repo.findInScope(TENANT, SCOPE);
    const evidence = await found.evidence([latest.id, lastInstant.id, otherTenant.id, beforeRange.id]);
    expect([...evidence.entries()].sort()).toEqual(
      [
        [latest.id, latest.evidence],
        [lastInstant.id, lastInstant.evidence],
      ].sort(),
    );
  });

  it('when the model is built from the digests and the evidence of each row’s latest finding, then it equals the model of the full findings', async () => {
    const found = await repo.findInScope(TENANT, SCOPE);
    const shown = latestOfEachRow(found.findings);
    expect(shown.sort()).toEqual([latest.id, lastInstant.id, sameInstantB.id].sort());
    const evidence = await found.evidence(shown);
    const snapshot = found.findings.map((f) => ({
      ...f,
      evidence: evidence.get(f.id) ?? { prompt: '', response: '' },
    }));
    const digests = Object.fromEntries(await found.evidenceDigests(found.findings.map((f) => f.id)));
    const model = (findings: Finding[], evidenceDigests?: Record<string, string>) =>
      buildReportModel({
        report: {
          id: 'rpt_2026_scopereport0001',
          tenantId: TENANT,
          tenantName: 'Scope Corp',
          title: 'Scope',
          format: 'json',
          frameworks: ['OWASP_LLM', 'EU_AI_ACT'],
          scope: SCOPE,
          requestedAt: '2026-05-01T00:00:00.000Z',
        },
        findings,
        evidenceDigests,
        endpoints: [],
        generatedAt: '2026-05-01T00:00:00.000Z',
      });
    // The page reader's digests are those of the stored evidence, as the full findings' own give.
    const fromPages = model(snapshot, digests);
    expect(fromPages).toEqual(model(inScope));
    expect(fromPages.rows.map((r) => r.evidence).sort((a, b) => a.prompt.localeCompare(b.prompt))).toEqual(
      [latest, lastInstant, sameInstantB]
        .map((f) => ({ ...f.evidence, findingId: f.id, redactions: { prompt: [], response: [], scan: [] } }))
        .sort((a, b) => a.prompt.localeCompare(b.prompt)),
    );
  });

  it('when another tenant queries the same endpoint, then it sees only its own finding', async () => {
    const found = await repo.findInScope(OTHER_TENANT, SCOPE);
    expect(found.findings.map((f) => f.id)).toEqual([otherTenant.id]);
    expect(await found.evidence([otherTenant.id, latest.id])).toEqual(
      new Map([[otherTenant.id, otherTenant.evidence]]),
    );
  });

  it('when the scope narrows to one day and one severity, then only that day’s findings of that severity come back', async () => {
    const found = await repo.findInScope(TENANT, {
      endpointIds: [EP2],
      from: '2026-04-30',
      to: '2026-04-30',
      includeSeverities: ['critical'],
    });
    expect(found.findings.map((f) => f.id)).toEqual([lastInstant.id]);
  });
});

describe('a write batch larger than a page', () => {
  const tenantId = 'tnt_2026_scopetenantbig1';
  const many = Array.from({ length: PAGE_MAX_ITEMS * 2 + 500 }, (_, i) =>
    buildFinding({
      tenantId,
      endpointId: EP1,
      detectedAt: new Date(Date.UTC(2026, 3, 1) + i * 30_000).toISOString(),
      evidence: { prompt: `p${i}`, response: `r${i}` },
    }),
  );

  it('when written, then it is split into pages of at most the page size and read back whole, in order', async () => {
    await insertFindings(db, many);
    const pages = (await db.collection(DAY_PAGES).find({}).toArray()).filter((p) => p.t === tenantId);
    expect(pages.map((p) => p.n as number).sort((a, b) => a - b)).toEqual([500, PAGE_MAX_ITEMS, PAGE_MAX_ITEMS]);

    const found = await repo.findInScope(tenantId, { ...SCOPE, endpointIds: [EP1] });
    expect(found.findings.map((f) => f.id)).toEqual(many.map((f) => f.id));
    const ids = [many[0].id, many[1_000].id, many[many.length - 1].id];
    const evidence = await found.evidence(ids);
    expect(ids.map((id) => evidence.get(id))).toEqual(
      [many[0], many[1_000], many[many.length - 1]].map((f) => f.evidence),
    );
  });
});

describe('a write cut short and never done again', () => {
  it('when abandoned writes are released, then their findings are let go and a later write stores them', async () => {
    const tenantId = 'tnt_2026_scopetenantrel1';
    const lost = [1, 2].map((d) => finding({ tenantId, detectedAt: `2026-04-0${d}T10:00:00.000Z` }));
    await expect(new MongoFindingsRepo(failingEvidenceWrites(db)).store(lost, new Date())).rejects.toThrow();
    // Claimed but never written: a write of another make-up sees them as stored and cannot see them.
    const other = finding({ tenantId, detectedAt: '2026-04-03T10:00:00.000Z' });
    expect(await repo.store([...lost, other], new Date())).toEqual({ created: 1, duplicates: 2 });
    expect((await repo.findInScope(tenantId, SCOPE)).findings.map((f) => f.id)).toEqual([other.id]);

    // A write begun in the future is not abandoned yet.
    expect(await repo.releaseAbandonedWrites(new Date(Date.now() - 60_000))).toBe(0);
    expect(await repo.releaseAbandonedWrites(new Date(Date.now() + 60_000))).toBe(1);
    expect(await repo.store([...lost, other], new Date())).toEqual({ created: 2, duplicates: 1 });
    expect((await repo.findInScope(tenantId, SCOPE)).findings.map((f) => f.id)).toEqual(
      [...lost, other].map((f) => f.id),
    );
  });
});

describe('findings stored one document each, before the page layout', () => {
  it('when the database is migrated, then they read back from pages, once each, however often it runs', async () => {
    const tenantId = 'tnt_2026_scopetenantold1';
    const old = [
      finding({ tenantId, id: 'fnd_2025_legacyonedoc0001', detectedAt: '2026-04-02T00:00:00.000Z' }),
      finding({
        tenantId,
        id: 'fnd_2025_legacyonedoc0002',
        detectedAt: '2026-04-03T00:00:00.000Z',
        source: { tool: 'garak', toolVersion: '0.14.1', runId: 'run-1', fileSha256: 'a'.repeat(64) },
      }),
    ];
    await db.collection('findings').insertMany(
      old.map((f) => ({
        _id: f.id as never,
        tenant_id: f.tenantId,
        endpoint_id: f.endpointId,
        title: f.title,
        category: f.category,
        severity: f.severity,
        detected_at: new Date(f.detectedAt),
        fingerprint: f.fingerprint,
        framework_refs: f.frameworkRefs,
        evidence: f.evidence,
        ...(f.source
          ? { source: { tool: 'garak', tool_version: '0.14.1', run_id: 'run-1', file_sha256: 'a'.repeat(64) } }
          : {}),
      })),
    );
    for (let run = 0; run < 2; run++) {
      await db.collection('migrations').deleteMany({});
      await migrate(db);
    }
    const found = await new MongoFindingsRepo(db).findInScope(tenantId, SCOPE);
    expect(found.findings).toEqual(old.map(({ evidence: _evidence, ...summary }) => summary));
    expect(await found.evidence(old.map((f) => f.id))).toEqual(new Map(old.map((f) => [f.id, f.evidence])));
    expect(await repo.store(old, new Date())).toEqual({ created: 0, duplicates: 2 });
  });
});

/** The database as a writer sees it, with every evidence page write failing: a write cut short after it has
 * claimed its findings, before any of its pages exist. */
function failingEvidenceWrites(real: Db): Db {
  return new Proxy(real, {
    get(target, prop, receiver) {
      if (prop !== 'collection') return Reflect.get(target, prop, receiver) as unknown;
      return (name: string) => {
        const collection = target.collection(name);
        if (name !== DAY_EVIDENCE) return collection;
        return new Proxy(collection, {
          get(c, p, r) {
            if (p === 'insertMany') return () => Promise.reject(new Error('evidence write failed'));
            return Reflect.get(c, p, r) as unknown;
          },
        });
      };
    },
  });
}
