import type { ApplicationFailure } from '@temporalio/common';
import type { ArtifactStore, FindingsInScope, FindingsRepo, ReportsRepo, TenantsRepo } from '../../activities/ports';
import { createReportActivities, latestOfEachRow, type FindingsSnapshot } from '../../activities/report-activities';
import { evidenceDigest } from '../../src/domain/evidence/population';
import type { Evidence, Finding } from '../../src/domain/finding';
import type { ReportRecord, ReportScope } from '../../src/domain/report';
import { validateBranding, type Branding } from '../../src/domain/branding';
import { buildReportModel, type ReportModel } from '../../src/domain/report-model';
import {
  initialTreatment,
  weaknessKey,
  type HistoryEntry,
  type Treatment,
  type WeaknessRecord,
} from '../../src/domain/treatment';
import { buildFinding } from '../fixtures/findings';

const TENANT = 'tnt_2026_fixturetenant01';
const ENDPOINTS = ['ep_2026_fixtureep0001', 'ep_2026_fixtureep0002'];
const SCOPE: ReportScope = {
  endpointIds: ENDPOINTS,
  from: '2026-04-01',
  to: '2026-06-30',
  includeSeverities: ['critical', 'high', 'medium', 'low', 'info'],
};

/** Repeats of a few weaknesses in every spelling the model folds together (category case and separators,
 * fingerprint case and white space), some at the same instant, on two endpoints. */
function spelledFindings(): Finding[] {
  const categories = [
    ['prompt_injection', 'Prompt Injection', 'prompt-injection'],
    ['sensitive_information_disclosure', 'Sensitive Information Disclosure'],
    ['excessive_agency', 'excessive agency'],
  ];
  const findings: Finding[] = [];
  for (let i = 0; i < 120; i++) {
    const weakness = i % 7;
    const spellings = categories[weakness % categories.length];
    const fingerprint = `Weakness:${weakness}`;
    findings.push(
      buildFinding({
        tenantId: TENANT,
        endpointId: ENDPOINTS[weakness % 2],
        category: spellings[i % spellings.length],
        fingerprint: i % 3 === 0 ? `  ${fingerprint.toUpperCase()} ` : fingerprint,
        severity: (['critical', 'high', 'medium', 'low'] as const)[i % 4],
        // Every fourth finding shares its instant with the one before: ties break on id.
        detectedAt: new Date(Date.UTC(2026, 3, 1) + (i - (i % 4 === 3 ? 1 : 0)) * 3_600_000).toISOString(),
        evidence: { prompt: `prompt of finding ${i}`, response: `response of finding ${i}` },
      }),
    );
  }
  return findings;
}

/** A repository over findings in memory that remembers which evidence was asked for. */
function fakeFindings(all: Finding[], lose: string[] = []): FindingsRepo & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async findInScope(): Promise<FindingsInScope> {
      const sorted = [...all].sort((a, b) => a.detectedAt.localeCompare(b.detectedAt) || a.id.localeCompare(b.id));
      return {
        findings: sorted.map(({ evidence: _evidence, ...summary }) => summary),
        async evidence(ids) {
          asked.push(...ids);
          const byId = new Map(all.map((f) => [f.id, f.evidence]));
          return new Map(ids.filter((id) => !lose.includes(id)).map((id) => [id, byId.get(id)!] as [string, Evidence]));
        },
        async evidenceDigests(ids) {
          const byId = new Map(all.map((f) => [f.id, f.evidence]));
          return new Map(ids.map((id) => [id, evidenceDigest(byId.get(id)!)]));
        },
      };
    },
    async endpoints(_tenantId, ids) {
      return ids.map((id) => ({ id, tenantId: TENANT, name: `Endpoint ${id}`, description: '' }));
    },
  };
}

function activities(
  findings: FindingsRepo,
  branding: () => Branding | undefined = () => undefined,
  treated: (at: Date) => Map<string, WeaknessRecord> = () => new Map(),
) {
  const stored = new Map<string, Buffer>();
  const report = {
    id: 'rpt_2026_fixturereport1',
    tenantId: TENANT,
    request: { title: 'Q2', format: 'json', frameworks: ['OWASP_LLM', 'EU_AI_ACT'], scope: SCOPE },
    status: 'running',
    createdAt: new Date('2026-07-01T00:00:00Z'),
    progress: { stage: 'collecting', percent: 10 },
    attempts: 1,
  } as unknown as ReportRecord;
  const reports = {
    get: async () => report,
    setProgress: async () => undefined,
    scopeFacts: async () => undefined,
  } as unknown as ReportsRepo;
  const store: ArtifactStore = {
    put: async (key, body) => void stored.set(key, body),
    get: async (key) => stored.get(key)!,
    deletePrefix: async () => 0,
  };
  const tenants = { get: async () => undefined, branding: async () => branding() } as unknown as TenantsRepo;
  const acts = createReportActivities({
    reports,
    findings,
    runs: { runsInScope: async () => [] },
    tenants,
    weaknesses: {
      treatmentAsOf: async (_tenant, at) => treated(at),
      historyBetween: async () => {
        throw new Error('the collect step reads the trail from the records as of its instant');
      },
    },
    store,
    staging: store,
    clock: { now: () => new Date() },
    quotas: { releaseReport: () => Promise.resolve() },
  });
  return { acts, stored, report };
}

function modelOf(findings: Finding[], evidenceDigests?: Record<string, string>) {
  return buildReportModel({
    report: {
      id: 'rpt_2026_fixturereport1',
      tenantId: TENANT,
      tenantName: 'Example Corp',
      title: 'Q2',
      format: 'json',
      frameworks: ['OWASP_LLM', 'EU_AI_ACT'],
      scope: SCOPE,
      requestedAt: '2026-07-01T00:00:00.000Z',
    },
    findings,
    evidenceDigests,
    endpoints: [],
    generatedAt: '2026-07-01T00:00:00.000Z',
  });
}

describe('collectFindings reads evidence only where a report shows it', () => {
  it('when findings repeat in every spelling the model merges, then the snapshot builds the same model as the full findings', async () => {
    const all = spelledFindings();
    const repo = fakeFindings(all);
    const { acts, stored } = activities(repo);
    const { snapshotKey, findings } = await acts.collectFindings({
      tenantId: TENANT,
      reportId: 'rpt_2026_fixturereport1',
    });
    const snapshot = JSON.parse(stored.get(snapshotKey)!.toString('utf8')) as FindingsSnapshot;

    const expected = modelOf(all);
    expect(findings).toBe(all.length);
    expect(modelOf(snapshot.findings, snapshot.evidenceDigests)).toEqual(expected);
    expect(snapshot.context).toEqual([]);
    expect(Object.keys(snapshot.evidenceDigests ?? {}).sort()).toEqual(all.map((f) => f.id).sort());
    expect(repo.asked.sort()).toEqual(expected.rows.map((r) => r.findingIds[r.findingIds.length - 1]).sort());
    const withEvidence = snapshot.findings.filter((f) => f.evidence.prompt !== '');
    expect(withEvidence.map((f) => f.id).sort()).toEqual([...repo.asked].sort());
  });

  it('when several findings of a row share the latest instant, then the one with the greatest id is the latest', () => {
    const a = buildFinding({ id: 'fnd_2026_tie_a', detectedAt: '2026-05-01T00:00:00.000Z', fingerprint: 'tie' });
    const b = buildFinding({ id: 'fnd_2026_tie_b', detectedAt: '2026-05-01T00:00:00.000Z', fingerprint: 'TIE' });
    const older = buildFinding({ id: 'fnd_2026_tie_c', detectedAt: '2026-04-01T00:00:00.000Z', fingerprint: 'tie' });
    expect(latestOfEachRow([b, older, a])).toEqual([b.id]);
    expect(modelOf([a, b, older]).rows.map((r) => r.evidence)).toEqual([
      { ...b.evidence, findingId: b.id, redactions: { prompt: [], response: [], scan: [] } },
    ]);
  });

  it('when the evidence of a row’s latest finding cannot be read, then collection fails instead of showing none', async () => {
    const all = spelledFindings();
    const lost = latestOfEachRow(all)[0];
    const { acts } = activities(fakeFindings(all, [lost]));
    const failure = (await acts
      .collectFindings({ tenantId: TENANT, reportId: 'rpt_2026_fixturereport1' })
      .catch((err: unknown) => err)) as ApplicationFailure;
    expect(failure).toMatchObject({
      type: 'internal',
      message: `finding ${lost} is in scope but its evidence cannot be read`,
    });
  });
});

describe('collectFindings freezes the tenant branding', () => {
  it('when the branding changes after the findings are collected, then the model keeps the branding as collected', async () => {
    let current: Branding | undefined = validateBranding({ organisation_name: 'Before', accent_colour: '#112233' });
    const { acts, stored } = activities(fakeFindings(spelledFindings()), () => current);
    const ref = { tenantId: TENANT, reportId: 'rpt_2026_fixturereport1' };
    const { snapshotKey } = await acts.collectFindings(ref);
    current = validateBranding({ organisation_name: 'After' });

    const { modelKey } = await acts.buildReportModel({ ...ref, snapshotKey });
    const model = JSON.parse(stored.get(modelKey)!.toString('utf8')) as ReportModel;
    expect(model.branding).toEqual({ organisationName: 'Before', accentColour: '#112233' });
  });

  it('when the tenant has no branding, then the model says so with null', async () => {
    const { acts, stored } = activities(fakeFindings(spelledFindings()));
    const ref = { tenantId: TENANT, reportId: 'rpt_2026_fixturereport1' };
    const { snapshotKey } = await acts.collectFindings(ref);
    const { modelKey } = await acts.buildReportModel({ ...ref, snapshotKey });
    expect((JSON.parse(stored.get(modelKey)!.toString('utf8')) as ReportModel).branding).toBeNull();
  });
});

describe('collectFindings freezes the treatment as of the report’s date', () => {
  function record(f: Finding, treatment: Partial<Treatment>, history: HistoryEntry[]): WeaknessRecord {
    return {
      endpointId: f.endpointId,
      category: f.category,
      fingerprint: f.fingerprint,
      seen: { findings: 1, firstSeen: f.detectedAt, lastSeen: f.detectedAt, title: f.title, worst: f.severity },
      treatment: { ...initialTreatment(), ...treatment },
      history,
      length: history.length + 1,
    };
  }
  const change = (at: string, to: HistoryEntry['to']): HistoryEntry => ({
    position: 1,
    at,
    actor: 'tok_2026_fixture',
    from: 'open',
    to,
    cause: 'triage',
    fields: {},
  });

  it('when a row’s weakness was treated under another spelling, then its row shows it, with the period’s changes only, and other weaknesses are left out', async () => {
    const all = spelledFindings();
    const treatedOne = all[all.length - 1];
    const key = weaknessKey(TENANT, treatedOne);
    const asked: Date[] = [];
    const records = new Map([
      [
        key,
        record(
          treatedOne,
          { state: 'mitigated', owner: 'Priya N', mitigation: { evidence: 'SEC-42', mitigatedOn: '2026-06-10' } },
          [change('2026-03-01T00:00:00.000Z', 'false_positive'), change('2026-06-10T12:00:00.000Z', 'mitigated')],
        ),
      ],
      [
        'wk_notarowofthisreport0',
        record(buildFinding({ endpointId: ENDPOINTS[0], fingerprint: 'elsewhere' }), { state: 'false_positive' }, []),
      ],
    ]);
    const { acts, stored } = activities(fakeFindings(all), undefined, (at) => {
      asked.push(at);
      return records;
    });
    const ref = { tenantId: TENANT, reportId: 'rpt_2026_fixturereport1' };
    const { snapshotKey } = await acts.collectFindings(ref);
    const snapshot = JSON.parse(stored.get(snapshotKey)!.toString('utf8')) as FindingsSnapshot;
    // The period ends before the report was created, so its end is the as-of instant.
    expect(asked.map((d) => d.toISOString())).toEqual(['2026-06-30T23:59:59.999Z']);
    expect(Object.keys(snapshot.treatment!.weaknesses)).toEqual([key]);
    expect(snapshot.treatment!.history.map((h) => [h.key, h.to])).toEqual([[key, 'mitigated']]);

    const { modelKey } = await acts.buildReportModel({ ...ref, snapshotKey });
    const model = JSON.parse(stored.get(modelKey)!.toString('utf8')) as ReportModel;
    const treatedRows = model.rows.filter((r) => r.treatment?.state === 'mitigated');
    expect(treatedRows.map((r) => [r.treatment?.owner, r.treatment?.mitigatedOn])).toEqual([['Priya N', '2026-06-10']]);
    expect(model.rows.filter((r) => r.treatment?.state === 'open')).toHaveLength(model.rows.length - 1);
    expect(model.treatmentHistory?.entries.map((e) => [e.row, e.to])).toEqual([[treatedRows[0].ref, 'mitigated']]);
  });
});
