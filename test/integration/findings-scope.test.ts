import { deflateRawSync } from 'node:zlib';
import { Binary, type Db, type MongoClient } from 'mongodb';
import { latestOfEachRow } from '../../activities/report-activities';
import type { Finding } from '../../src/domain/finding';
import type { ReportScope } from '../../src/domain/report';
import { buildReportModel } from '../../src/domain/report-model';
import { ensureIndexes } from '../../src/infra/mongo/database';
import { FINDING_PAGES, PAGE_MAX_ITEMS, writeFindingPages } from '../../src/infra/mongo/finding-pages';
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

const finding = (overrides: Partial<Finding>): Finding =>
  buildFinding({
    tenantId: TENANT,
    endpointId: EP1,
    evidence: { prompt: `prompt ${Math.random()}`, response: `response ${Math.random()}` },
    ...overrides,
  });

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

describe('findings in a report scope, read from digest pages', () => {
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

  it('when batches are written, re-sent whole and re-sent in part, then every call succeeds', async () => {
    const batch1 = [latest, first, beforeRange, otherEndpoint, otherTenant, sameInstantB];
    await insertFindings(db, batch1);
    await insertFindings(db, batch1);
    // A crash after the pages and before `findings`: the batch is re-sent and completes.
    const batch2 = [repeat, lastInstant, afterRange, lowSeverity, sameInstantA];
    await writeFindingPages(db, batch2, new Date());
    await insertFindings(db, batch2);
    // The same findings again, in a batch of another make-up: their digests sit in a second page.
    await insertFindings(db, [latest, repeat, lastInstant]);

    inScope.push(first, repeat, sameInstantA, sameInstantB, latest, lastInstant);
    outOfScope.push(beforeRange, afterRange, lowSeverity, otherEndpoint, otherTenant);
    expect(await db.collection('findings').countDocuments()).toBe(inScope.length + outOfScope.length);
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
    const model = (findings: Finding[]) =>
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
        endpoints: [],
        generatedAt: '2026-05-01T00:00:00.000Z',
      });
    const fromPages = model(snapshot);
    expect(fromPages).toEqual(model(inScope));
    expect(fromPages.rows.map((r) => r.evidence).sort((a, b) => a.prompt.localeCompare(b.prompt))).toEqual(
      [latest, lastInstant, sameInstantB]
        .map((f) => ({ ...f.evidence, findingId: f.id }))
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
      detectedAt: new Date(Date.UTC(2026, 3, 1) + i * 60_000).toISOString(),
      evidence: { prompt: `p${i}`, response: `r${i}` },
    }),
  );

  it('when written, then it is split into pages of at most the page size and read back whole, in order', async () => {
    await insertFindings(db, many);
    const pages = await db
      .collection(FINDING_PAGES)
      .find({ tenant_id: tenantId }, { projection: { count: 1 } })
      .toArray();
    expect(pages.map((p) => p.count as number).sort((a, b) => a - b)).toEqual([500, PAGE_MAX_ITEMS, PAGE_MAX_ITEMS]);

    const found = await repo.findInScope(tenantId, { ...SCOPE, endpointIds: [EP1] });
    expect(found.findings.map((f) => f.id)).toEqual(many.map((f) => f.id));
    const ids = [many[0].id, many[1_000].id, many[many.length - 1].id];
    const evidence = await found.evidence(ids);
    expect(ids.map((id) => evidence.get(id))).toEqual(
      [many[0], many[1_000], many[many.length - 1]].map((f) => f.evidence),
    );
  });
});

describe('a page of an unknown layout', () => {
  it('when it is in scope, then the query fails rather than leaving its findings out', async () => {
    const tenantId = 'tnt_2026_scopetenantfmt1';
    await db.collection(FINDING_PAGES).insertOne({
      _id: 'fpg_unknownlayout' as never,
      tenant_id: tenantId,
      endpoint_id: EP1,
      first_at: new Date('2026-04-02T00:00:00Z'),
      last_at: new Date('2026-04-02T00:00:00Z'),
      count: 1,
      written_at: new Date(),
      format: 3,
    });
    await expect(repo.findInScope(tenantId, SCOPE)).rejects.toMatchObject({
      code: 'internal',
      message: expect.stringContaining('format 3'),
    });
  });
});

describe('a page of layout 1, each item carrying its own source', () => {
  it('when it is in scope, then its findings read back with their sources, beside pages of the current layout', async () => {
    const tenantId = 'tnt_2026_scopetenantfmt2';
    const garak = { tool: 'garak', toolVersion: '0.14.1', runId: 'run-1', fileSha256: 'a'.repeat(64) };
    const items = [
      {
        id: 'fnd_2026_layoutone00001',
        at: '2026-04-03T00:00:00.000Z',
        severity: 'high',
        category: 'prompt_injection',
        fingerprint: 'pi:one',
        title: 'Layout one',
        refs: [{ framework: 'OWASP_LLM', control: 'LLM01:2025' }],
        source: garak,
      },
    ];
    await db.collection(FINDING_PAGES).insertOne({
      _id: 'fpg_layoutone' as never,
      tenant_id: tenantId,
      endpoint_id: EP1,
      first_at: new Date(items[0].at),
      last_at: new Date(items[0].at),
      count: 1,
      written_at: new Date('2026-04-03T00:00:00Z'),
      format: 1,
      items: new Binary(deflateRawSync(Buffer.from(JSON.stringify(items)))),
      evidence: new Binary(deflateRawSync(Buffer.from(JSON.stringify([['old prompt', 'old response']])))),
    });
    // The current layout writes each source of a page once; items name theirs, or none.
    const promptfoo = { tool: 'promptfoo', runId: 'eval-2' };
    const current = [
      finding({ tenantId, detectedAt: '2026-04-04T00:00:00.000Z', source: promptfoo }),
      finding({ tenantId, detectedAt: '2026-04-05T00:00:00.000Z' }),
      finding({ tenantId, detectedAt: '2026-04-06T00:00:00.000Z', source: garak }),
      finding({ tenantId, detectedAt: '2026-04-07T00:00:00.000Z', source: promptfoo }),
    ];
    await writeFindingPages(db, current, new Date());

    const found = await repo.findInScope(tenantId, SCOPE);
    expect(found.findings.map((f) => [f.id, f.source])).toEqual([
      ['fnd_2026_layoutone00001', garak],
      [current[0].id, promptfoo],
      [current[1].id, undefined],
      [current[2].id, garak],
      [current[3].id, promptfoo],
    ]);
    const evidence = await found.evidence(['fnd_2026_layoutone00001']);
    expect(evidence.get('fnd_2026_layoutone00001')).toEqual({ prompt: 'old prompt', response: 'old response' });
  });
});
