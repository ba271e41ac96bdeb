import {
  CROSSWALK_GROUPS,
  CROSSWALK_VERSION,
  crosswalkProblems,
  groupsFor,
  normaliseCategory,
} from '../../src/domain/crosswalk';
import { CATALOGUE_VERSION, FRAMEWORK_SLUGS, findControl, type FrameworkSlug } from '../../src/domain/frameworks';
import type { ApplicabilityProfile } from '../../src/domain/applicability';
import type { Finding } from '../../src/domain/finding';
import { toJsonExport } from '../../src/domain/json-export';
import {
  buildReportModel,
  normaliseFingerprint,
  sourcesOf,
  type ReportModel,
  type ReportModelInput,
} from '../../src/domain/report-model';
import { buildFinding } from '../fixtures/findings';

const endpoint = {
  id: 'ep_2026_fixtureep0001',
  tenantId: 'tnt_2026_fixturetenant01',
  name: 'Support bot',
  description: '',
};

/** The tenant of most examples: the provider of a high-risk system, so the EU AI Act's high-risk articles apply. */
const HIGH_RISK_PROVIDER: ApplicabilityProfile = {
  euAiAct: { role: 'provider', systems: [], defaultRiskClass: 'high_risk' },
};

function build(
  findings: Finding[],
  frameworks: FrameworkSlug[] = ['OWASP_LLM', 'NIST_AI_600_1', 'EU_AI_ACT'],
  /** null: the tenant has stated none. */
  applicability: ApplicabilityProfile | null = HIGH_RISK_PROVIDER,
): ReportModel {
  const input: ReportModelInput = {
    report: {
      id: 'rpt_2026_fixturereport1',
      tenantId: 'tnt_2026_fixturetenant01',
      tenantName: 'Example Corp',
      title: 'Q2 evidence',
      format: 'pdf',
      frameworks,
      scope: {
        endpointIds: [endpoint.id],
        from: '2026-04-01',
        to: '2026-06-30',
        includeSeverities: ['critical', 'high'],
      },
      requestedAt: '2026-07-01T00:00:00.000Z',
    },
    findings,
    endpoints: [endpoint],
    generatedAt: '2026-07-01T00:00:05.000Z',
    applicability: applicability ?? undefined,
  };
  return buildReportModel(input);
}

/** The controls of a row in one framework as `id` (explicit), `id<X01,X02>` (derived) or `id+<X01>` (both). */
function controlsOf(model: ReportModel, row: number, framework: FrameworkSlug): string[] {
  const f = model.rows[row].frameworks.find((x) => x.framework === framework)!;
  return f.controls.map((c) => {
    const via = c.via.map((v) => v.group).join(',');
    if (!via) return c.id;
    return c.explicit ? `${c.id}+<${via}>` : `${c.id}<${via}>`;
  });
}

/** A deterministic shuffle, so the order-independence property is checked over many orders, repeatably. */
function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

const seedExample = () =>
  buildFinding({
    severity: 'critical',
    category: 'unclassified',
    frameworkRefs: [
      { framework: 'OWASP_LLM', control: 'LLM06' },
      { framework: 'NIST_AI_600_1', control: 'MEASURE-2.7' },
      { framework: 'EU_AI_ACT', control: 'Article 10' },
    ],
  });

describe('the crosswalk data', () => {
  it('has 22 groups, each with categories, and every link names a catalogue control with a basis and a reason', () => {
    expect(CROSSWALK_GROUPS).toHaveLength(22);
    expect(CROSSWALK_GROUPS.map((g) => g.id)).toEqual(
      Array.from({ length: 22 }, (_, i) => `X${String(i + 1).padStart(2, '0')}`),
    );
    expect(crosswalkProblems()).toEqual([]);
  });

  it.each([
    ['Prompt Injection', 'prompt_injection'],
    [' prompt-injection ', 'prompt_injection'],
    ['EXCESSIVE AGENCY', 'excessive_agency'],
  ])('folds the category %p to %p', (raw, key) => {
    expect(normaliseCategory(raw)).toBe(key);
  });

  it.each<[string, { framework: FrameworkSlug; control: string }[], string[]]>([
    ['prompt_injection', [], ['X01']],
    ['Indirect Prompt Injection', [], ['X01']],
    ['unclassified', [{ framework: 'MITRE_ATLAS', control: 'AML.T0054' }], ['X02']],
    ['unclassified', [{ framework: 'OWASP_LLM', control: 'LLM07:2025' }], ['X03']],
    ['jailbreak', [{ framework: 'OWASP_LLM', control: 'LLM07:2025' }], ['X02', 'X03']],
    // Controls that many groups share say nothing specific: no group.
    [
      'unclassified',
      [
        { framework: 'NIST_AI_600_1', control: 'MEASURE 2.7' },
        { framework: 'OWASP_LLM', control: 'LLM01:2025' },
      ],
      [],
    ],
  ])('a finding of category %p with refs %j falls in %j', (category, refs, groups) => {
    expect(groupsFor(category, refs).map((g) => g.id)).toEqual(groups);
  });
});

describe('buildReportModel', () => {
  it('the documented example: a critical finding with LLM06, MEASURE-2.7 and Article 10 gives one row listing all three', () => {
    const model = build([seedExample()]);
    expect(model.rows).toHaveLength(1);
    expect(model.rows[0].frameworks.map((f) => [f.framework, f.controls.map((c) => [c.id, c.explicit])])).toEqual([
      ['OWASP_LLM', [['LLM06:2025', true]]],
      ['NIST_AI_600_1', [['MEASURE 2.7', true]]],
      ['EU_AI_ACT', [['Art. 10', true]]],
    ]);
    expect(model.rows[0].frameworks[0].controls[0].title).toBe('Excessive Agency');
  });

  it('when the category falls in an overlap group, then the row adds its controls as derived, saying through which group and why', () => {
    const findings = [
      buildFinding({ category: 'prompt_injection', frameworkRefs: [{ framework: 'OWASP_LLM', control: 'LLM01' }] }),
    ];
    const model = build(findings);
    expect(model.rows[0].groups).toEqual(['X01']);
    expect(controlsOf(model, 0, 'OWASP_LLM')).toEqual(['LLM01:2025+<X01>']);
    // Art. 55(1)(a) binds providers of GPAI models with systemic risk only: not this tenant.
    // X01 links the paragraph its reason rests on, 15(5); the control status matrix counts it under Art. 15.
    expect(controlsOf(model, 0, 'EU_AI_ACT')).toEqual(['Art. 9<X01>', 'Art. 15(5)<X01>']);
    const gpai: ApplicabilityProfile = {
      euAiAct: { role: 'provider', systems: [], defaultRiskClass: 'gpai_systemic' },
    };
    expect(controlsOf(build(findings, undefined, gpai), 0, 'EU_AI_ACT')).toEqual(['Art. 55(1)(a)<X01>']);
    expect(controlsOf(build(findings, undefined, null), 0, 'EU_AI_ACT')).toEqual([]);
    expect(controlsOf(model, 0, 'NIST_AI_600_1')).toEqual([
      '600-1 §2.9<X01>',
      'MEASURE 2.7<X01>',
      'MP-2.3-005<X01>',
      'MP-5.1-005<X01>',
      'MS-2.7-007<X01>',
    ]);
    const art15 = model.rows[0].frameworks[2].controls.find((c) => c.id === 'Art. 15(5)')!;
    expect(art15.via).toEqual([{ group: 'X01', basis: 'EU-TEXT', reason: expect.stringMatching(/\S/) }]);
    const euMatrix = model.coverage.find((c) => c.framework === 'EU_AI_ACT')!.controls;
    expect(euMatrix.filter((c) => c.id.startsWith('Art. 15')).map((c) => [c.id, c.status, c.rows.length])).toEqual([
      ['Art. 15', 'exception', 1],
    ]);
    expect(model.crosswalk.groups).toEqual([{ id: 'X01', name: 'Prompt injection (direct / indirect)' }]);
    expect(model.crosswalk.basis.J).toMatch(/judgement/);
  });

  it('when the same weakness repeats across scans and tools, then it merges into one row with count, first/last seen and worst severity', () => {
    const base = { category: 'prompt_injection' };
    const findings = [
      buildFinding({
        ...base,
        fingerprint: 'PI:ignore-previous',
        severity: 'high',
        detectedAt: '2026-05-02T00:00:00.000Z',
        title: 'old title',
      }),
      buildFinding({
        ...base,
        fingerprint: ' pi:ignore-previous ',
        severity: 'critical',
        detectedAt: '2026-04-10T00:00:00.000Z',
        source: { tool: 'garak' },
      }),
      buildFinding({
        category: 'Prompt Injection',
        fingerprint: 'pi:ignore-previous',
        severity: 'medium',
        detectedAt: '2026-06-20T00:00:00.000Z',
        title: 'latest title',
        source: { tool: 'promptfoo' },
      }),
    ];
    const model = build(findings);
    expect(model.rows).toHaveLength(1);
    expect(model.rows[0]).toMatchObject({
      ref: 'R001',
      occurrences: 3,
      severity: 'critical',
      firstSeen: '2026-04-10T00:00:00.000Z',
      lastSeen: '2026-06-20T00:00:00.000Z',
      title: 'latest title',
      category: 'prompt_injection',
      findingIds: [findings[1].id, findings[0].id, findings[2].id],
    });
  });

  it('when two rows list a control the same way, then they share one frozen object rather than a copy each', () => {
    const refs = [{ framework: 'OWASP_LLM' as const, control: 'LLM01' }];
    const model = build([
      buildFinding({ category: 'prompt_injection', fingerprint: 'a', frameworkRefs: refs }),
      buildFinding({ category: 'Prompt Injection', fingerprint: 'b', frameworkRefs: refs }),
    ]);
    expect(model.rows).toHaveLength(2);
    const [first, second] = model.rows.map((r) => r.frameworks.find((f) => f.framework === 'OWASP_LLM')!.controls);
    expect(first).toEqual([expect.objectContaining({ id: 'LLM01:2025', explicit: true })]);
    expect(second[0]).toBe(first[0]);
    expect(Object.isFrozen(first[0]) && Object.isFrozen(first[0].via)).toBe(true);
    expect(() => first[0].via.push({ group: 'X99', basis: 'J', reason: 'changed through another row' })).toThrow();
  });

  it('when findings differ in endpoint, category or fingerprint, then they stay separate rows', () => {
    const findings = [
      buildFinding({ fingerprint: 'a', category: 'x' }),
      buildFinding({ fingerprint: 'a', category: 'y' }),
      buildFinding({ fingerprint: 'b', category: 'x' }),
      buildFinding({ fingerprint: 'a', category: 'x', endpointId: 'ep_2026_otherendpoint' }),
    ];
    expect(build(findings).rows).toHaveLength(4);
  });

  const mixed = (): Finding[] => [
    buildFinding({ severity: 'low', fingerprint: 'a', category: 'dos' }),
    buildFinding({ severity: 'critical', fingerprint: 'b', category: 'jailbreak' }),
    buildFinding({
      severity: 'high',
      fingerprint: 'c',
      category: 'pii_leak',
      frameworkRefs: [{ framework: 'EU_AI_ACT', control: 'Art. 10' }],
    }),
    buildFinding({
      severity: 'critical',
      fingerprint: 'b',
      category: 'jailbreak',
      detectedAt: '2026-06-01T00:00:00.000Z',
    }),
    buildFinding({
      severity: 'medium',
      fingerprint: 'd',
      category: 'tool_misuse',
      frameworkRefs: [{ framework: 'OWASP_AGENTIC', control: 'ASI02' }],
    }),
    buildFinding({ severity: 'high', fingerprint: 'c', category: 'pii_leak', detectedAt: '2026-04-02T00:00:00.000Z' }),
  ];

  it('property: whatever order the findings arrive in, the model is the same', () => {
    const findings = mixed();
    const reference = build(findings, [...FRAMEWORK_SLUGS]);
    for (let seed = 1; seed <= 25; seed++) {
      expect(build(shuffled(findings, seed), [...FRAMEWORK_SLUGS])).toEqual(reference);
    }
    expect(reference.rows.map((r) => r.severity)).toEqual(['critical', 'high', 'medium', 'low']);
  });

  it('property: merging is idempotent — a finding delivered twice counts once', () => {
    const findings = mixed();
    expect(build([...findings, ...findings.slice(0, 3)])).toEqual(build(findings));
  });

  it('a finding delivered twice counts once whether the findings come in detection order or not', () => {
    const findings = mixed();
    const inOrder = [...findings].sort((a, b) => a.detectedAt.localeCompare(b.detectedAt) || a.id.localeCompare(b.id));
    const reference = build(findings);
    // In detection order, as the repository returns them, copies sit side by side.
    expect(build(inOrder.flatMap((f, i) => (i % 2 === 0 ? [f, { ...f }] : [f])))).toEqual(reference);
    // Out of order, they are apart.
    expect(build([...inOrder].reverse().concat(inOrder.slice(0, 2)))).toEqual(reference);
    expect(reference.summary.findings).toBe(findings.length);
  });

  it('a weakness repeated thousands of times, out of order, is one row with its findings in detection order', () => {
    const repeats = Array.from({ length: 3000 }, (_, i) =>
      buildFinding({
        id: `fnd_2026_repeat${String(i).padStart(8, '0')}`,
        category: 'prompt_injection',
        fingerprint: 'pi:many',
        // Every third one a millisecond apart, the others sharing a time: ties fall back to the id.
        detectedAt: new Date(Date.UTC(2026, 3, 1) + Math.floor(i / 3)).toISOString(),
        severity: i === 1234 ? 'critical' : 'high',
      }),
    );
    const shuffledRepeats = shuffled(repeats, 7);
    const model = build([...shuffledRepeats, ...shuffledRepeats.slice(0, 100)]);
    expect(model.rows).toHaveLength(1);
    expect(model.rows[0]).toMatchObject({
      occurrences: 3000,
      severity: 'critical',
      firstSeen: repeats[0].detectedAt,
      lastSeen: repeats[2999].detectedAt,
    });
    expect(model.rows[0].findingIds).toEqual(repeats.map((f) => f.id));
  });

  it.each([
    ['pi:ignore-previous', 'pi:ignore-previous'],
    ['PI:Ignore-Previous', 'pi:ignore-previous'],
    ['  pi:a  ', 'pi:a'],
    ['pi:a  b', 'pi:a b'],
    ['pi:a\tb', 'pi:a b'],
    ['pi:a\n', 'pi:a'],
    ['pi:a\u00a0b', 'pi:a b'],
    ['PI:ÄRGER', 'pi:ärger'],
    ['pi:ärger', 'pi:ärger'],
    ['', ''],
  ])('fingerprint %j folds to %j', (raw, folded) => {
    expect(normaliseFingerprint(raw)).toBe(folded);
    expect(normaliseFingerprint(raw)).toBe(raw.trim().toLowerCase().replace(/\s+/g, ' '));
  });

  it('property: requesting a subset of frameworks never adds a row or changes a row, only narrows its controls', () => {
    const findings = mixed();
    const all = build(findings, [...FRAMEWORK_SLUGS]);
    const subsets: FrameworkSlug[][] = [
      ['EU_AI_ACT'],
      ['OWASP_AGENTIC', 'MITRE_ATLAS'],
      ['ISO_42001', 'OWASP_LLM', 'NIST_AI_600_1'],
    ];
    for (const subset of subsets) {
      const part = build(findings, subset);
      expect(part.rows.map((r) => [r.ref, r.findingIds, r.severity, r.groups])).toEqual(
        all.rows.map((r) => [r.ref, r.findingIds, r.severity, r.groups]),
      );
      part.rows.forEach((row, i) => {
        expect(row.frameworks).toEqual(subset.map((slug) => all.rows[i].frameworks.find((f) => f.framework === slug)));
      });
    }
  });

  it('property: every control a row shows exists in the catalogue', () => {
    const model = build(mixed(), [...FRAMEWORK_SLUGS]);
    const shown = model.rows.flatMap((r) =>
      r.frameworks.flatMap((f) => f.controls.map((c) => [f.framework, c.id] as const)),
    );
    expect(shown.length).toBeGreaterThan(20);
    for (const [framework, id] of shown)
      expect([framework, id, findControl(framework, id)?.id]).toEqual([framework, id, id]);
  });

  it('when a finding carries a reference the catalogue does not know, then it is reported with the finding id, not dropped silently', () => {
    const f = buildFinding({
      category: 'unclassified',
      frameworkRefs: [
        { framework: 'OWASP_LLM', control: 'LLM11' },
        { framework: 'EU_AI_ACT', control: 'Article 999' },
        { framework: 'OWASP_LLM', control: 'LLM02' },
      ],
    });
    const model = build([f]);
    expect(model.unknownRefs).toEqual([
      { findingId: f.id, framework: 'EU_AI_ACT', control: 'Article 999' },
      { findingId: f.id, framework: 'OWASP_LLM', control: 'LLM11' },
    ]);
    expect(controlsOf(model, 0, 'OWASP_LLM')).toEqual(['LLM02:2025']);
  });

  it('when a finding is general harmful content, then its row takes none of the CBRN or CSAM links its group keeps for those kinds', () => {
    const model = build(
      [
        buildFinding({ category: 'harmful_content', fingerprint: 'h', frameworkRefs: [] }),
        buildFinding({ category: 'cbrn', fingerprint: 'c', frameworkRefs: [] }),
        buildFinding({ category: 'csam', fingerprint: 's', frameworkRefs: [] }),
      ],
      ['NIST_AI_600_1', 'EU_AI_ACT'],
      { euAiAct: { role: 'provider', systems: [], defaultRiskClass: 'gpai_systemic' } },
    );
    const nist = (category: string) =>
      model.rows.find((r) => r.category === category)!.frameworks[0].controls.map((c) => c.id);
    expect(model.rows.every((r) => r.groups.includes('X11'))).toBe(true);
    expect(nist('harmful_content')).toEqual(expect.arrayContaining(['600-1 §2.3', '600-1 §2.11']));
    expect(nist('harmful_content')).not.toEqual(expect.arrayContaining(['600-1 §2.1']));
    expect(nist('harmful_content')).not.toContain('GV-1.4-001');
    expect(nist('cbrn')).toContain('600-1 §2.1');
    expect(nist('cbrn')).not.toContain('GV-1.4-001');
    expect(nist('csam')).toContain('GV-1.4-001');
    expect(nist('csam')).not.toContain('600-1 §2.1');
    const eu = (category: string) =>
      model.rows.find((r) => r.category === category)!.frameworks[1].controls.map((c) => c.id);
    expect(eu('harmful_content')).not.toContain('Art. 55');
    expect(eu('cbrn')).toContain('Art. 55');
  });

  it('the status matrix lists every baseline control of each framework with its rows, weakness and activity apart', () => {
    const findings = [
      buildFinding({
        severity: 'critical',
        category: 'unclassified',
        fingerprint: 'one',
        frameworkRefs: [
          { framework: 'OWASP_LLM', control: 'LLM06' },
          { framework: 'NIST_AI_600_1', control: 'MS-2.7-007' },
          { framework: 'MITRE_ATLAS', control: 'AML.T0051.001' },
          { framework: 'EU_AI_ACT', control: 'Art. 55(1)(a)' },
          { framework: 'ISO_42001', control: 'A.6.2.4' },
        ],
      }),
    ];
    const model = build(
      findings,
      ['OWASP_LLM', 'NIST_AI_600_1', 'MITRE_ATLAS', 'EU_AI_ACT', 'ISO_42001', 'OWASP_AGENTIC'],
      null,
    );
    const byFramework = Object.fromEntries(model.coverage.map((c) => [c.framework, c]));
    const llm = byFramework.OWASP_LLM;
    expect(llm.controls.map((c) => c.id)).toEqual(
      Array.from({ length: 10 }, (_, i) => `LLM${String(i + 1).padStart(2, '0')}:2025`),
    );
    expect(llm.controls.filter((c) => c.rows.length > 0).map((c) => [c.id, c.rows])).toEqual([
      ['LLM06:2025', ['R001']],
    ]);
    expect(llm.counts).toEqual({ exception: 1, tested_no_exception: 0, not_tested: 9, not_applicable: 0 });
    // A suggested action counts under its subcategory; the twelve GAI risks are always listed. MS-2.7-007 is
    // red-teaming itself: the row is evidence of that activity, not an exception to it.
    const nist = byFramework.NIST_AI_600_1;
    expect(nist.controls.find((c) => c.id === 'MEASURE 2.7')).toMatchObject({
      rows: [],
      activityRows: ['R001'],
      status: 'tested_no_exception',
    });
    expect(nist.controls.filter((c) => c.id.startsWith('600-1 §'))).toHaveLength(12);
    // A sub-technique counts under its technique; the LLM techniques are always listed.
    const atlas = byFramework.MITRE_ATLAS;
    expect(atlas.controls.find((c) => c.id === 'AML.T0051')?.rows).toEqual(['R001']);
    expect(atlas.controls.find((c) => c.id === 'AML.T0054')?.rows).toEqual([]);
    // Articles 9–15, 50 and 55 are always listed; without an applicability profile none applies, so no row lists
    // one, and each says why.
    const eu = byFramework.EU_AI_ACT;
    expect(eu.controls.map((c) => c.id)).toEqual([
      'Art. 9',
      'Art. 10',
      'Art. 11',
      'Art. 12',
      'Art. 13',
      'Art. 14',
      'Art. 15',
      'Art. 50',
      'Art. 55',
    ]);
    expect(eu.controls.every((c) => c.status === 'not_applicable' && c.rows.length === 0)).toBe(true);
    expect(eu.controls[0].applicability?.note).toMatch(/not assessed: the tenant has not stated its EU AI Act role/);
    expect(controlsOf(model, 0, 'EU_AI_ACT')).toEqual([]);
    expect(byFramework.ISO_42001.controls.every((c) => c.id.startsWith('A.'))).toBe(true);
    expect(byFramework.ISO_42001.controls.find((c) => c.id === 'A.6.2.4')).toMatchObject({
      rows: [],
      activityRows: ['R001'],
    });
    expect(byFramework.OWASP_AGENTIC.controls.map((c) => c.id)).toEqual(
      Array.from({ length: 10 }, (_, i) => `ASI${String(i + 1).padStart(2, '0')}`),
    );
    expect(byFramework.OWASP_AGENTIC.counts.exception).toBe(0);
  });

  it('the summary counts rows by severity, framework and endpoint', () => {
    const findings = [
      buildFinding({
        severity: 'critical',
        fingerprint: 'a',
        category: 'x',
        frameworkRefs: [{ framework: 'EU_AI_ACT', control: 'Art. 15' }],
      }),
      buildFinding({
        severity: 'critical',
        fingerprint: 'a',
        category: 'x',
        frameworkRefs: [{ framework: 'EU_AI_ACT', control: 'Art. 15' }],
      }),
      buildFinding({ severity: 'high', fingerprint: 'b', category: 'x' }),
    ];
    const { summary } = build(findings);
    expect(summary.rows).toBe(2);
    expect(summary.findings).toBe(3);
    expect(summary.bySeverity.map(({ severity, rows }) => ({ severity, rows }))).toEqual([
      { severity: 'critical', rows: 1 },
      { severity: 'high', rows: 1 },
      { severity: 'medium', rows: 0 },
      { severity: 'low', rows: 0 },
      { severity: 'info', rows: 0 },
    ]);
    expect(summary.byFramework.map((f) => [f.framework, f.rows, f.controlsListed])).toEqual([
      ['OWASP_LLM', 1, 1],
      ['NIST_AI_600_1', 0, 0],
      ['EU_AI_ACT', 1, 1],
    ]);
    expect(summary.byEndpoint).toEqual([{ endpointId: endpoint.id, endpointName: 'Support bot', rows: 2 }]);
  });

  it('the JSON export carries versions, rows with provenance, coverage and unknown references', () => {
    const findings = [
      buildFinding({
        fingerprint: 'a',
        category: 'prompt_injection',
        frameworkRefs: [{ framework: 'OWASP_LLM', control: 'LLM01' }],
      }),
      buildFinding({
        fingerprint: 'b',
        category: 'unclassified',
        severity: 'critical',
        frameworkRefs: [{ framework: 'OWASP_LLM', control: 'LLM99' }],
      }),
    ];
    const model = build(findings);
    const doc = toJsonExport(model) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(Object.keys(doc).slice(0, 3)).toEqual(['schema_version', 'catalogue_version', 'crosswalk_version']);
    expect([doc.schema_version, doc.catalogue_version, doc.crosswalk_version]).toEqual([
      '1.6.0',
      CATALOGUE_VERSION,
      CROSSWALK_VERSION,
    ]);
    expect(doc.rows.map((r: { ref: string; finding_ids: string[] }) => [r.ref, r.finding_ids])).toEqual(
      model.rows.map((r) => [r.ref, r.findingIds]),
    );
    const pi = doc.rows.find((r: { overlap_groups: string[] }) => r.overlap_groups.includes('X01'));
    const owasp = pi.controls.find((c: { framework: string }) => c.framework === 'OWASP_LLM');
    expect(owasp.items).toEqual([
      {
        id: 'LLM01:2025',
        title: 'Prompt Injection',
        link_type: 'weakness_in',
        explicit: true,
        derived_via: [{ group: 'X01', basis: 'OWASP25', reason: expect.any(String) }],
      },
    ]);
    expect(doc.coverage.map((c: { framework: string; total: number }) => [c.framework, c.total])).toEqual([
      ['OWASP_LLM', 10],
      ['NIST_AI_600_1', expect.any(Number)],
      ['EU_AI_ACT', 9],
    ]);
    expect(doc.unknown_refs).toEqual([{ finding_id: findings[1].id, framework: 'OWASP_LLM', control: 'LLM99' }]);
  });
});

describe('sources', () => {
  it('when findings come from two scanner files and the API, then each origin is listed once with its count', () => {
    const garak = { tool: 'garak', toolVersion: '0.14.0', runId: 'run-1', fileSha256: 'a'.repeat(64) };
    const promptfoo = { tool: 'promptfoo', runId: 'eval-9', fileSha256: 'b'.repeat(64) };
    const findings = [
      buildFinding({ source: garak }),
      buildFinding({ source: promptfoo }),
      buildFinding({ source: garak }),
      buildFinding({}),
    ];
    expect(sourcesOf(findings)).toEqual([
      { tool: 'api', findings: 1 },
      { ...garak, findings: 2 },
      { ...promptfoo, findings: 1 },
    ]);
    expect(sourcesOf([...findings].reverse())).toEqual(sourcesOf(findings));
  });
});
