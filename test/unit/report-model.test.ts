import { buildReportModel, type ReportModelInput } from '../../src/domain/report-model';
import { toJsonExport } from '../../src/domain/json-export';
import { buildFinding } from '../fixtures/findings';

const endpoint = {
  id: 'ep_2026_fixtureep0001',
  tenantId: 'tnt_2026_fixturetenant01',
  name: 'Support bot',
  description: '',
};

function input(overrides: Partial<ReportModelInput> = {}): ReportModelInput {
  return {
    report: {
      id: 'rpt_2026_fixturereport1',
      tenantId: 'tnt_2026_fixturetenant01',
      tenantName: 'Example Corp',
      title: 'Q2 evidence',
      format: 'pdf',
      frameworks: ['OWASP_LLM', 'NIST_AI_600_1', 'EU_AI_ACT'],
      scope: {
        endpointIds: [endpoint.id],
        from: '2026-04-01',
        to: '2026-06-30',
        includeSeverities: ['critical', 'high'],
      },
      requestedAt: '2026-07-01T00:00:00.000Z',
    },
    findings: [],
    endpoints: [endpoint],
    generatedAt: '2026-07-01T00:00:05.000Z',
    ...overrides,
  };
}

describe('buildReportModel', () => {
  it('when a critical finding refers to LLM06, MEASURE-2.7 and Article 10, then one row lists all three controls', () => {
    const finding = buildFinding({
      severity: 'critical',
      category: 'excessive_agency',
      frameworkRefs: [
        { framework: 'OWASP_LLM', control: 'LLM06' },
        { framework: 'NIST_AI_600_1', control: 'MEASURE-2.7' },
        { framework: 'EU_AI_ACT', control: 'Article 10' },
      ],
    });
    const model = buildReportModel(input({ findings: [finding] }));
    expect(model.rows).toHaveLength(1);
    expect(model.rows[0].frameworks.map((f) => [f.framework, f.controls.map((c) => c.id)])).toEqual([
      ['OWASP_LLM', ['LLM06:2025']],
      ['NIST_AI_600_1', ['MEASURE 2.7']],
      ['EU_AI_ACT', ['Art. 10']],
    ]);
    expect(model.rows[0].frameworks[0].controls[0].title).toBe('Excessive Agency');
  });

  it('when the same weakness repeats across scans, then it merges into one row with count, first/last seen and worst severity', () => {
    const base = { fingerprint: 'pi:1', category: 'prompt_injection' };
    const findings = [
      buildFinding({ ...base, severity: 'high', detectedAt: '2026-05-02T00:00:00.000Z', title: 'old title' }),
      buildFinding({ ...base, severity: 'critical', detectedAt: '2026-04-10T00:00:00.000Z' }),
      buildFinding({ ...base, severity: 'medium', detectedAt: '2026-06-20T00:00:00.000Z', title: 'latest title' }),
    ];
    const [row] = buildReportModel(input({ findings })).rows;
    expect(row).toMatchObject({
      ref: 'R001',
      occurrences: 3,
      severity: 'critical',
      firstSeen: '2026-04-10T00:00:00.000Z',
      lastSeen: '2026-06-20T00:00:00.000Z',
      title: 'latest title',
      findingIds: [findings[1].id, findings[0].id, findings[2].id],
    });
  });

  it('when findings differ in endpoint, category or fingerprint, then they stay separate rows', () => {
    const findings = [
      buildFinding({ fingerprint: 'a', category: 'x' }),
      buildFinding({ fingerprint: 'a', category: 'y' }),
      buildFinding({ fingerprint: 'b', category: 'x' }),
      buildFinding({ fingerprint: 'a', category: 'x', endpointId: 'ep_2026_otherendpoint' }),
    ];
    expect(buildReportModel(input({ findings })).rows).toHaveLength(4);
  });

  it('when findings arrive in any order, then the rows come out the same', () => {
    const findings = [
      buildFinding({ severity: 'low', fingerprint: 'a' }),
      buildFinding({ severity: 'critical', fingerprint: 'b' }),
      buildFinding({ severity: 'high', fingerprint: 'c' }),
      buildFinding({ severity: 'critical', fingerprint: 'b', detectedAt: '2026-06-01T00:00:00.000Z' }),
    ];
    const forward = buildReportModel(input({ findings }));
    const backward = buildReportModel(input({ findings: [...findings].reverse() }));
    expect(backward.rows).toEqual(forward.rows);
    expect(forward.rows.map((r) => r.severity)).toEqual(['critical', 'high', 'low']);
  });

  it('when a ref names a framework that was not requested, then the row does not show it', () => {
    const finding = buildFinding({
      frameworkRefs: [
        { framework: 'MITRE_ATLAS', control: 'AML.T0051' },
        { framework: 'OWASP_LLM', control: 'LLM01' },
      ],
    });
    const [row] = buildReportModel(input({ findings: [finding] })).rows;
    expect(row.frameworks.map((f) => f.framework)).toEqual(['OWASP_LLM', 'NIST_AI_600_1', 'EU_AI_ACT']);
    expect(row.frameworks.flatMap((f) => f.controls.map((c) => c.id))).toEqual(['LLM01:2025']);
  });

  it('the summary counts rows by severity, framework and endpoint', () => {
    const findings = [
      buildFinding({
        severity: 'critical',
        fingerprint: 'a',
        frameworkRefs: [{ framework: 'EU_AI_ACT', control: 'Art. 15' }],
      }),
      buildFinding({
        severity: 'critical',
        fingerprint: 'a',
        frameworkRefs: [{ framework: 'EU_AI_ACT', control: 'Art. 15' }],
      }),
      buildFinding({ severity: 'high', fingerprint: 'b' }),
    ];
    const { summary } = buildReportModel(input({ findings }));
    expect(summary.rows).toBe(2);
    expect(summary.findings).toBe(3);
    expect(summary.bySeverity).toEqual([
      { severity: 'critical', rows: 1 },
      { severity: 'high', rows: 1 },
      { severity: 'medium', rows: 0 },
      { severity: 'low', rows: 0 },
      { severity: 'info', rows: 0 },
    ]);
    expect(summary.byFramework.map((f) => [f.framework, f.rows, f.controlsCovered])).toEqual([
      ['OWASP_LLM', 1, 1],
      ['NIST_AI_600_1', 0, 0],
      ['EU_AI_ACT', 1, 1],
    ]);
    expect(summary.byEndpoint).toEqual([{ endpointId: endpoint.id, endpointName: 'Support bot', rows: 2 }]);
  });

  it('the JSON export carries schema_version and the same rows', () => {
    const findings = [buildFinding({ fingerprint: 'a' }), buildFinding({ fingerprint: 'b', severity: 'critical' })];
    const model = buildReportModel(input({ findings }));
    const doc = toJsonExport(model) as { schema_version: string; rows: { ref: string; finding_ids: string[] }[] };
    expect(doc.schema_version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(Object.keys(doc)[0]).toBe('schema_version');
    expect(doc.rows.map((r) => [r.ref, r.finding_ids])).toEqual(model.rows.map((r) => [r.ref, r.findingIds]));
  });
});
