import {
  BASIS_KINDS,
  CROSSWALK_BASIS,
  CROSSWALK_CHANGES,
  CROSSWALK_GROUPS,
  CROSSWALK_VERSION,
  LINK_TYPES,
  LINK_TYPE_DESCRIPTIONS,
  crosswalkProblems,
  groupsFor,
  isJudgementBasis,
  linkApplies,
  normaliseCategory,
  type CrosswalkGroup,
} from '../../src/domain/crosswalk';
import { findControl, getFramework, type FrameworkSlug } from '../../src/domain/frameworks';

const links = CROSSWALK_GROUPS.flatMap((g) => g.links.map((l) => ({ group: g.id, ...l })));
const group = (id: string): CrosswalkGroup => CROSSWALK_GROUPS.find((g) => g.id === id)!;
/** The controls groups give a finding of the category (all of their links when no category is given). */
const controlsOf = (groups: readonly CrosswalkGroup[], category?: string): string[] =>
  groups.flatMap((g) =>
    g.links
      .filter((l) => category === undefined || linkApplies(l, normaliseCategory(category)))
      .map((l) => `${l.framework} ${l.control}`),
  );
/** The controls a finding of the category gets through the groups it falls in. */
const derivedFor = (category: string): string[] => controlsOf(groupsFor(category, []), category);

/** Controls only a CBRN or CSAM/NCII finding may carry. */
const CBRN_OR_CSAM = ['NIST_AI_600_1 600-1 §2.1', 'NIST_AI_600_1 GV-1.4-001', 'EU_AI_ACT Art. 5'];

describe('crosswalk link types', () => {
  it('the crosswalk data has no problems: known controls, types, bases and kinds, one type per control', () => {
    expect(crosswalkProblems()).toEqual([]);
    expect(CROSSWALK_VERSION).toBe('2026.12.2');
    expect(CROSSWALK_GROUPS).toHaveLength(22);
  });

  it('every link of every group is typed weakness_in or activity_evidence', () => {
    expect(links.filter((l) => !(LINK_TYPES as readonly string[]).includes(l.type))).toEqual([]);
    expect(new Set(links.map((l) => l.type))).toEqual(new Set(LINK_TYPES));
  });

  it('the legend describes each link type', () => {
    expect(LINK_TYPE_DESCRIPTIONS.weakness_in).toMatch(/at risk or failed/);
    expect(LINK_TYPE_DESCRIPTIONS.activity_evidence).toMatch(/evidence that the control's activity/);
  });

  it.each([
    ['NIST_AI_600_1', 'MS-2.7-007'],
    ['NIST_AI_600_1', 'MP-2.3-005'],
    ['NIST_AI_600_1', 'MP-5.1-005'],
    ['NIST_AI_600_1', 'MS-2.10-001'],
    ['ISO_42001', 'A.6.2.4'],
    ['EU_AI_ACT', 'Art. 55(1)(a)'],
  ])('%s %s, an activity that running the test is, is activity_evidence wherever it is linked', (fw, control) => {
    const found = links.filter((l) => l.framework === fw && l.control === control);
    expect(found.length).toBeGreaterThan(0);
    expect(found.map((l) => l.type)).toEqual(found.map(() => 'activity_evidence'));
  });

  it('a link whose reason says it is red-teaming, adversarial testing or V&V is activity_evidence', () => {
    const testing = links.filter((l) =>
      /^the action is (AI |GAI )?red-teaming|V&V activity|adversarial testing/.test(l.reason),
    );
    expect(testing.length).toBeGreaterThan(10);
    expect(testing.filter((l) => l.type !== 'activity_evidence')).toEqual([]);
  });

  it('the OWASP, ATLAS and agentic links are all weakness_in: the finding is an instance of the risk', () => {
    const kinds: FrameworkSlug[] = ['OWASP_LLM', 'OWASP_AGENTIC', 'MITRE_ATLAS'];
    expect(links.filter((l) => kinds.includes(l.framework) && l.type !== 'weakness_in')).toEqual([]);
  });
});

describe('the derivations the audit named', () => {
  it('no prompt-injection or jailbreak group links Art. 5, and Art. 5 is linked only from the CSAM/NCII group on judgement', () => {
    for (const category of ['prompt_injection', 'indirect_prompt_injection', 'jailbreak', 'guardrail_bypass']) {
      expect(derivedFor(category)).not.toContain('EU_AI_ACT Art. 5');
    }
    const art5 = links.filter((l) => l.framework === 'EU_AI_ACT' && l.control === 'Art. 5');
    expect(art5.map((l) => [l.group, l.basis, l.type, l.scope, l.categories])).toEqual([
      ['X11', 'J', 'weakness_in', 'ncii_csam', ['csam', 'child_exploitation', 'ncii']],
    ]);
  });

  it('Art. 55 links rest on judgement, never on the EU text, and say they bind only GPAI systemic-risk providers', () => {
    const art55 = links.filter((l) => l.framework === 'EU_AI_ACT' && l.control.startsWith('Art. 55'));
    expect(art55.length).toBeGreaterThan(0);
    for (const l of art55) {
      expect(l.basis).toBe('J');
      expect(l.reason).toMatch(/providers of GPAI models with systemic risk/);
    }
  });

  it.each(['content_filter_bypass', 'Content Filter Bypass', 'harmful_content', 'toxicity', 'self_harm', 'jailbreak'])(
    'a %p finding falls in groups that carry no CBRN or CSAM control and no Art. 55 systemic-risk link',
    (category) => {
      expect(groupsFor(category, []).length).toBeGreaterThan(0);
      const controls = derivedFor(category);
      for (const c of CBRN_OR_CSAM) expect(controls).not.toContain(c);
      expect(controls.filter((c) => c === 'EU_AI_ACT Art. 55')).toEqual([]);
    },
  );

  it('a content-filter bypass is a guardrail bypass whose failed content filter is MG-3.2-005', () => {
    expect(groupsFor('content_filter_bypass', []).map((g) => g.id)).toEqual(['X02']);
    expect(controlsOf([group('X02')])).toContain('NIST_AI_600_1 MG-3.2-005');
  });

  it('a CBRN finding gets the CBRN risk, and a CSAM or NCII finding the CSAM action, each from its own group', () => {
    expect(groupsFor('cbrn', []).map((g) => g.id)).toEqual(['X11']);
    expect(derivedFor('cbrn')).toEqual(expect.arrayContaining(['NIST_AI_600_1 600-1 §2.1', 'EU_AI_ACT Art. 55']));
    expect(derivedFor('cbrn')).not.toContain('NIST_AI_600_1 GV-1.4-001');
    expect(derivedFor('cbrn')).not.toContain('NIST_AI_600_1 600-1 §2.3');
    for (const category of ['csam', 'ncii', 'child_exploitation']) {
      expect(groupsFor(category, []).map((g) => g.id)).toEqual(['X11']);
      expect(derivedFor(category)).toContain('NIST_AI_600_1 GV-1.4-001');
      expect(derivedFor(category)).not.toContain('NIST_AI_600_1 600-1 §2.1');
    }
  });

  it('a general harmful-content ref (content filters, external harms) pulls in no CBRN or CSAM group', () => {
    const refs = [
      { framework: 'NIST_AI_600_1' as const, control: 'MG-3.2-005' },
      { framework: 'MITRE_ATLAS' as const, control: 'AML.T0048' },
      { framework: 'NIST_AI_600_1' as const, control: '600-1 §2.3' },
    ];
    expect(groupsFor('unclassified', refs).map((g) => g.id)).toEqual(['X11']);
  });

  it.each<[FrameworkSlug, string]>([
    ['NIST_AI_600_1', 'MP-2.3-005'],
    ['NIST_AI_600_1', 'MS-2.5-003'],
    ['NIST_AI_600_1', 'MG-3.1-003'],
  ])('a finding citing only %s %s, an activity linked by one group, falls in no group', (framework, control) => {
    expect(links.filter((l) => l.framework === framework && l.control === control)).toHaveLength(1);
    expect(groupsFor('unclassified', [{ framework, control }])).toEqual([]);
  });

  it('a control linked as weakness_in by one group still anchors it', () => {
    expect(groupsFor('unclassified', [{ framework: 'NIST_AI_600_1', control: '600-1 §2.1' }]).map((g) => g.id)).toEqual(
      ['X11'],
    );
    // ... whose CBRN links a finding of another category does not take.
    expect(controlsOf([group('X11')], 'unclassified')).not.toContain('NIST_AI_600_1 600-1 §2.1');
  });

  it('every category the old harmful-content group held is still mapped', () => {
    for (const category of ['harmful_content', 'toxicity', 'cbrn', 'self_harm']) {
      expect(groupsFor(category, []).length).toBeGreaterThan(0);
    }
  });
});

describe('basis kinds', () => {
  it('every basis has a kind; PF and J are judgement, the framework texts are sources', () => {
    expect(Object.keys(BASIS_KINDS).sort()).toEqual(Object.keys(CROSSWALK_BASIS).sort());
    expect(BASIS_KINDS.PF).toBe('judgement');
    expect(BASIS_KINDS.J).toBe('judgement');
    for (const b of ['OWASP25', 'NIST-TEXT', 'EU-TEXT', 'ATLAS-DESC']) expect(BASIS_KINDS[b]).toBe('source');
  });

  it("every promptfoo-based link is judgement, and the legend says it is a vendor's", () => {
    const pf = links.filter((l) => l.basis === 'PF');
    expect(pf.length).toBeGreaterThan(0);
    expect(pf.every((l) => isJudgementBasis(l.basis))).toBe(true);
    expect(CROSSWALK_BASIS.PF).toMatch(/vendor's judgement, not the framework's text/);
  });

  it('an unknown basis counts as judgement', () => {
    expect(isJudgementBasis('NO-SUCH-BASIS')).toBe(true);
    expect(isJudgementBasis('EU-TEXT')).toBe(false);
  });
});

/** A link as `group framework control`. */
const linkKey = (l: { group: string; framework: string; control: string }): string =>
  `${l.group} ${l.framework} ${l.control}`;
const linked = new Set(links.map(linkKey));

describe('the corrections of crosswalk 2026.12.2', () => {
  const added: [string, FrameworkSlug, string][] = [
    ['X04', 'NIST_AI_600_1', '600-1 §2.9'],
    ['X05', 'NIST_AI_600_1', '600-1 §2.9'],
    ['X08', 'NIST_AI_600_1', '600-1 §2.9'],
    ['X13', 'NIST_AI_600_1', '600-1 §2.9'],
    ['X10', 'NIST_AI_600_1', '600-1 §2.7'],
    ['X14', 'OWASP_LLM', 'LLM08:2025'],
    ['X18', 'OWASP_AGENTIC', 'T9'],
    ['X21', 'MITRE_ATLAS', 'AML.T0025'],
    ['X12', 'NIST_AI_600_1', '600-1 §2.3'],
    ['X05', 'MITRE_ATLAS', 'AML.T0010.002'],
    ['X08', 'MITRE_ATLAS', 'AML.T0010.002'],
    ['X08', 'MITRE_ATLAS', 'AML.T0110'],
    ['X08', 'MITRE_ATLAS', 'AML.T0011.002'],
    ['X08', 'MITRE_ATLAS', 'AML.T0060'],
    ['X07', 'OWASP_AGENTIC', 'ASI01'],
    ['X07', 'OWASP_AGENTIC', 'ASI03'],
    ['X02', 'ISO_42001', 'A.9.4'],
  ];
  const narrowed: [string, FrameworkSlug, string, string][] = [
    ['X01', 'EU_AI_ACT', 'Art. 15', 'Art. 15(5)'],
    ['X05', 'EU_AI_ACT', 'Art. 15', 'Art. 15(5)'],
    ['X14', 'EU_AI_ACT', 'Art. 15', 'Art. 15(5)'],
    ['X21', 'EU_AI_ACT', 'Art. 15', 'Art. 15(5)'],
    ['X16', 'EU_AI_ACT', 'Art. 50', 'Art. 50(1)'],
    ['X18', 'EU_AI_ACT', 'Art. 72', 'Art. 72(2)'],
  ];
  const removed: [string, FrameworkSlug, string][] = [
    ['X02', 'OWASP_AGENTIC', 'T7'],
    ['X04', 'EU_AI_ACT', 'Art. 10'],
    ['X13', 'EU_AI_ACT', 'Art. 10'],
    ['X06', 'MITRE_ATLAS', 'AML.T0067'],
    ['X07', 'OWASP_AGENTIC', 'T4'],
    ['X09', 'MITRE_ATLAS', 'AML.T0046'],
    ['X16', 'OWASP_AGENTIC', 'ASI03'],
    ['X16', 'OWASP_AGENTIC', 'ASI07'],
    ['X18', 'MITRE_ATLAS', 'AML.T0108'],
    ['X20', 'MITRE_ATLAS', 'AML.T0094'],
    ['X20', 'NIST_AI_600_1', 'MS-4.2-004'],
    ['X22', 'ISO_42001', 'A.5.5'],
  ];
  const logged = (group: string, framework: string, control: string) =>
    CROSSWALK_CHANGES.filter(
      (c) => c.version === '2026.12.2' && c.group === group && c.framework === framework && c.control === control,
    );

  it.each(added)('%s links %s %s, a control of the catalogue, and the change log says why', (group, fw, control) => {
    expect(findControl(fw, control)).toBeDefined();
    expect(linked.has(`${group} ${fw} ${control}`)).toBe(true);
    expect(logged(group, fw, control).map((c) => c.change)).toEqual(['added']);
  });

  it.each(narrowed)(
    '%s links %s %s as its paragraph %s, with the reason it rests on',
    (group, fw, article, paragraph) => {
      expect(findControl(fw, paragraph)).toBeDefined();
      expect(linked.has(`${group} ${fw} ${article}`)).toBe(false);
      expect(linked.has(`${group} ${fw} ${paragraph}`)).toBe(true);
      const [change] = logged(group, fw, paragraph);
      expect([change.change, change.replaces]).toEqual(['replaced', article]);
    },
  );

  it.each(removed)('%s no longer links %s %s, and the change log says why', (group, fw, control) => {
    expect(linked.has(`${group} ${fw} ${control}`)).toBe(false);
    const [change] = logged(group, fw, control);
    expect(change.change).toBe('removed');
    expect(change.basis.length).toBeGreaterThan(40);
  });

  it('inter-agent communication rests on the monitoring paragraph 72(2) as judgement, no longer on the EU text', () => {
    const art72 = links.filter((l) => l.framework === 'EU_AI_ACT' && l.control.startsWith('Art. 72'));
    expect(art72.map((l) => [l.group, l.control, l.basis])).toEqual([['X18', 'Art. 72(2)', 'J']]);
  });

  it('every EU AI Act paragraph the audit found unlinked is linked by at least one group', () => {
    for (const paragraph of [
      'Art. 15(5)',
      'Art. 55(1)(a)',
      'Art. 55(1)(d)',
      'Art. 72(2)',
      'Art. 53(1)(c)',
      'Art. 50(1)',
    ]) {
      expect([paragraph, links.some((l) => l.framework === 'EU_AI_ACT' && l.control === paragraph)]).toEqual([
        paragraph,
        true,
      ]);
    }
  });

  it('every finding category the importers use falls in a group: off_policy is in the guardrail group X02', () => {
    expect(groupsFor('off_policy', []).map((g) => g.id)).toEqual(['X02']);
    expect(groupsFor('Off Policy', []).map((g) => g.id)).toEqual(['X02']);
  });

  it('an off-policy answer derives the guardrail and intended-use controls, none of the security or safety ones', () => {
    const controls = derivedFor('off_policy');
    expect(controls).toEqual(
      expect.arrayContaining([
        'ISO_42001 A.9.4',
        'NIST_AI_600_1 MG-3.2-005',
        'NIST_AI_600_1 MS-2.5-006',
        'ISO_42001 A.6.2.4',
      ]),
    );
    for (const c of ['OWASP_LLM LLM01:2025', 'MITRE_ATLAS AML.T0054', 'EU_AI_ACT Art. 15', 'EU_AI_ACT Art. 55(1)(a)']) {
      expect(controls).not.toContain(c);
    }
  });

  it('a jailbreak still derives the security links of X02, and not the off-policy intended-use link', () => {
    const controls = derivedFor('jailbreak');
    expect(controls).toEqual(
      expect.arrayContaining(['OWASP_LLM LLM01:2025', 'MITRE_ATLAS AML.T0054', 'EU_AI_ACT Art. 15']),
    );
    expect(controls).not.toContain('ISO_42001 A.9.4');
  });

  it('the change log records every change of the version with a basis, and agrees with the groups', () => {
    const changes = CROSSWALK_CHANGES.filter((c) => c.version === '2026.12.2');
    expect(changes.filter((c) => c.basis.trim().length < 20)).toEqual([]);
    const counts = Object.fromEntries(
      ['added', 'removed', 'replaced', 'scoped', 'category', 'reviewed'].map((k) => [
        k,
        changes.filter((c) => c.change === k).length,
      ]),
    );
    expect(counts).toEqual({
      added: added.length,
      removed: removed.length,
      replaced: narrowed.length,
      scoped: 12,
      category: 1,
      reviewed: 5,
    });
    // The groups hold what the log says (crosswalkProblems checks each logged link against them).
    expect(crosswalkProblems()).toEqual([]);
  });

  it('the audit items found already done are logged as reviewed: MEASURE 2.7 in X15 is judgement', () => {
    expect(links.find((l) => linkKey(l) === 'X15 NIST_AI_600_1 MEASURE 2.7')?.basis).toBe('J');
    expect(logged('X15', 'NIST_AI_600_1', 'MEASURE 2.7').map((c) => c.change)).toEqual(['reviewed']);
  });

  it('every linked ATLAS mitigation is a mitigation of the catalogue', () => {
    const mitigations = links.filter((l) => l.framework === 'MITRE_ATLAS' && l.control.startsWith('AML.M'));
    expect(mitigations.length).toBeGreaterThan(0);
    for (const l of mitigations) expect(findControl('MITRE_ATLAS', l.control)?.kind).toBe('mitigation');
    expect(getFramework('MITRE_ATLAS').controls.filter((c) => c.kind === 'mitigation')).toHaveLength(5);
  });
});
