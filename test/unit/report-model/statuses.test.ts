import type { ApplicabilityProfile } from '../../../src/domain/applicability';
import { groupsFor, linkApplies, linkTypeOf, normaliseCategory } from '../../../src/domain/crosswalk';
import type { Finding } from '../../../src/domain/finding';
import { coverageKey, normaliseControlId, type FrameworkSlug } from '../../../src/domain/frameworks';
import {
  buildReportModel,
  type ControlStatus,
  type ReportModel,
  type ReportModelInput,
} from '../../../src/domain/report-model';
import type { ProbeResult, TestRun } from '../../../src/domain/runs';
import { SEVERITIES, type Severity } from '../../../src/domain/severity';
import { buildFinding } from '../../fixtures/findings';

const ENDPOINT = {
  id: 'ep_2026_fixtureep0001',
  tenantId: 'tnt_2026_fixturetenant01',
  name: 'Support bot',
  description: '',
};
const FRAMEWORKS: FrameworkSlug[] = ['OWASP_LLM', 'NIST_AI_600_1', 'EU_AI_ACT', 'ISO_42001'];

function run(results: Partial<ProbeResult>[], overrides: Partial<TestRun> = {}): TestRun {
  return {
    id: `run_fixture${String(Math.random()).slice(2, 12)}`,
    tenantId: ENDPOINT.tenantId,
    endpointId: ENDPOINT.id,
    tool: 'garak',
    runId: 'run-1',
    startedAt: '2026-05-02T00:00:00.000Z',
    origin: 'import',
    resultsComplete: true,
    recordedAt: '2026-05-02T01:00:00.000Z',
    results: results.map((r, i) => ({ probe: `probe.P${i}`, attempts: 10, failures: 0, frameworkRefs: [], ...r })),
    ...overrides,
  };
}

function build(
  findings: Finding[],
  runs: TestRun[],
  applicability?: ApplicabilityProfile,
  severities: Severity[] = [...SEVERITIES],
): ReportModel {
  const input: ReportModelInput = {
    report: {
      id: 'rpt_2026_fixturereport1',
      tenantId: ENDPOINT.tenantId,
      tenantName: 'Example',
      title: 'Q2',
      format: 'json',
      frameworks: FRAMEWORKS,
      scope: { endpointIds: [ENDPOINT.id], from: '2026-04-01', to: '2026-06-30', includeSeverities: severities },
      requestedAt: '2026-07-01T00:00:00.000Z',
    },
    findings: findings.filter((f) => severities.includes(f.severity)),
    endpoints: [ENDPOINT],
    generatedAt: '2026-07-01T00:00:00.000Z',
    runs,
    applicability,
  };
  return buildReportModel(input);
}

const entry = (model: ReportModel, framework: FrameworkSlug, id: string) =>
  model.coverage.find((c) => c.framework === framework)!.controls.find((c) => c.id === id)!;

describe('control statuses', () => {
  const injection = buildFinding({ category: 'prompt_injection', fingerprint: 'pi', frameworkRefs: [] });

  it('a control a row’s weakness bears on is an exception, with the row', () => {
    const model = build([injection], []);
    expect(entry(model, 'OWASP_LLM', 'LLM01:2025')).toMatchObject({ status: 'exception', rows: ['R001'] });
  });

  it('a control whose probes ran with attempts and none failed is tested without exception, with what ran', () => {
    const model = build([], [run([{ probe: 'promptfoo.harmful:hate', category: 'bias', attempts: 12, failures: 0 }])]);
    expect(entry(model, 'OWASP_LLM', 'LLM04:2025')).toMatchObject({
      status: 'tested_no_exception',
      rows: [],
      tested: { probes: ['garak promptfoo.harmful:hate'], attempts: 12, failures: 0 },
    });
  });

  it('a control whose probe failed is an exception even when the scope left its findings out', () => {
    const leak = buildFinding({ category: 'system_prompt_leakage', fingerprint: 'sp', severity: 'low' });
    const model = build([leak], [run([{ category: 'system_prompt_leakage', attempts: 4, failures: 2 }])], undefined, [
      'critical',
      'high',
    ]);
    expect(model.rows).toEqual([]);
    expect(entry(model, 'OWASP_LLM', 'LLM07:2025')).toMatchObject({
      status: 'exception',
      rows: [],
      tested: { attempts: 4, failures: 2 },
    });
  });

  it('a control nothing of the period bears on is not tested; a probe with no attempts tests nothing', () => {
    const model = build([injection], [run([{ category: 'bias', attempts: 0, failures: 0 }])]);
    expect(entry(model, 'OWASP_LLM', 'LLM08:2025')).toMatchObject({ status: 'not_tested', rows: [] });
    expect(entry(model, 'OWASP_LLM', 'LLM04:2025').status).toBe('not_tested');
  });

  it('a run that holds hits only, and a run outside the period or on another endpoint, test nothing', () => {
    const hitsOnly = run([], { resultsComplete: false });
    const before = run([{ category: 'bias' }], { startedAt: '2026-03-31T23:59:59.000Z' });
    const elsewhere = run([{ category: 'bias' }], { endpointId: 'ep_2026_fixtureep0002' });
    const model = build([], [hitsOnly, before, elsewhere]);
    expect(model.testing.runs.map((r) => r.resultsComplete)).toEqual([false]);
    expect(model.testing.incompleteRuns).toBe(1);
    expect(entry(model, 'OWASP_LLM', 'LLM04:2025').status).toBe('not_tested');
  });

  it('a control linked as the testing activity itself is never an exception: the row is evidence it took place', () => {
    const model = build([injection], []);
    expect(entry(model, 'ISO_42001', 'A.6.2.4')).toMatchObject({
      status: 'tested_no_exception',
      rows: [],
      activityRows: ['R001'],
    });
    const listed = model.rows[0].frameworks.find((f) => f.framework === 'ISO_42001')!.controls;
    expect(listed.find((c) => c.id === 'A.6.2.4')?.type).toBe('activity_evidence');
  });

  it('the profile makes controls not applicable, with the reason: an EU article without a profile, an SoA exclusion', () => {
    const none = build([injection], []);
    expect(entry(none, 'EU_AI_ACT', 'Art. 15')).toMatchObject({
      status: 'not_applicable',
      rows: [],
      applicability: { applies: false, note: expect.stringMatching(/^not assessed/) },
    });
    const profile: ApplicabilityProfile = {
      euAiAct: { role: 'provider', systems: [{ endpointId: ENDPOINT.id, riskClass: 'high_risk' }] },
      iso42001: { soa: [{ control: 'A.6.2.4', applicable: false, justification: 'Tested by the parent company.' }] },
    };
    const stated = build([injection], [], profile);
    expect(entry(stated, 'EU_AI_ACT', 'Art. 15')).toMatchObject({ status: 'exception', rows: ['R001'] });
    expect(entry(stated, 'EU_AI_ACT', 'Art. 55').status).toBe('not_applicable');
    expect(entry(stated, 'ISO_42001', 'A.6.2.4')).toMatchObject({
      status: 'not_applicable',
      applicability: { applies: false, note: expect.stringContaining('Tested by the parent company.') },
    });
  });

  it('counts each status per framework, and ISO clauses apart from Annex A controls', () => {
    const model = build([injection], [run([{ category: 'bias' }])]);
    for (const fw of model.coverage) {
      const counted = fw.controls.reduce<Record<string, number>>(
        (n, c) => ({ ...n, [c.status]: (n[c.status] ?? 0) + 1 }),
        {},
      );
      expect(fw.counts).toEqual({ exception: 0, tested_no_exception: 0, not_tested: 0, not_applicable: 0, ...counted });
    }
    const iso = model.coverage.find((c) => c.framework === 'ISO_42001')!;
    expect(iso.byKind.map((k) => k.kind).sort()).toEqual(['annex-a', 'clause']);
  });

  it('property: every status equals a plain recomputation from the rows, the probes and the profile', () => {
    let seed = 11;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const categories = [
      'prompt_injection',
      'jailbreak',
      'pii_leak',
      'bias',
      'excessive_agency',
      'xss',
      'cbrn',
      'unmapped',
    ];
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
    for (let round = 0; round < 20; round++) {
      const findings = Array.from({ length: 8 }, (_, i) =>
        buildFinding({
          category: pick(categories),
          fingerprint: `f${i % 5}`,
          severity: pick(SEVERITIES),
          frameworkRefs: [],
        }),
      );
      const runs = [
        run(
          Array.from({ length: 6 }, () => {
            const attempts = Math.floor(random() * 4);
            return { category: pick(categories), attempts, failures: Math.floor(random() * (attempts + 1)) };
          }),
        ),
      ];
      const profile: ApplicabilityProfile | undefined =
        random() < 0.5
          ? {
              euAiAct: {
                role: pick(['provider', 'deployer', 'both'] as const),
                systems: [],
                defaultRiskClass: 'high_risk',
              },
            }
          : undefined;
      const severities = SEVERITIES.filter(() => random() < 0.7);
      const model = build(findings, runs, profile, severities);
      for (const fw of model.coverage) {
        for (const c of fw.controls)
          expect([fw.framework, c.id, c.status]).toEqual([fw.framework, c.id, naive(model, fw.framework, c.id, runs)]);
      }
    }
  });
});

/** A control's status worked out the plain way: not applicable as the model's profile says; an exception when a
 * row lists a control under it as a weakness or a probe bearing on it that way failed; tested when a probe with
 * attempts bears on it or a row lists one as activity evidence; not tested otherwise. */
function naive(model: ReportModel, framework: FrameworkSlug, id: string, runs: TestRun[]): ControlStatus {
  const e = model.coverage.find((c) => c.framework === framework)!.controls.find((c) => c.id === id)!;
  if (e.applicability && !e.applicability.applies) return 'not_applicable';
  const under = (control: string) => coverageKey(framework, control) === id;
  const weakRows = model.rows.some((r) =>
    r.frameworks.some(
      (f) =>
        f.framework === framework &&
        f.controls.some((c) => under(c.id) && linkTypeOf(framework, c.id) === 'weakness_in'),
    ),
  );
  const activityRows = model.rows.some((r) =>
    r.frameworks.some(
      (f) =>
        f.framework === framework &&
        f.controls.some((c) => under(c.id) && linkTypeOf(framework, c.id) !== 'weakness_in'),
    ),
  );
  const probes = runs.flatMap((r) => r.results).filter((p) => p.attempts > 0);
  const bearing = (p: ProbeResult) => {
    const refs = p.frameworkRefs.flatMap((r) => {
      const control = normaliseControlId(r.framework, r.control);
      return control ? [{ framework: r.framework, control }] : [];
    });
    const category = normaliseCategory(p.category ?? '');
    return groupsFor(category, refs)
      .flatMap((g) => g.links)
      .filter((l) => l.framework === framework && under(l.control) && linkApplies(l, category));
  };
  const failedAsWeakness = probes.some((p) => p.failures > 0 && bearing(p).some((l) => l.type === 'weakness_in'));
  if (weakRows || failedAsWeakness) return 'exception';
  if (activityRows || probes.some((p) => bearing(p).length > 0)) return 'tested_no_exception';
  return 'not_tested';
}
