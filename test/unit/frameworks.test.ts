import {
  CATALOGUE_CHANGES,
  CATALOGUE_SOURCES,
  CATALOGUE_VERSION,
  FRAMEWORK_SLUGS,
  canonicalControlId,
  catalogueProblems,
  coverageKey,
  findControl,
  getFramework,
  isBaselineControl,
  normaliseControlId,
  type FrameworkSlug,
} from '../../src/domain/frameworks';
import { DEMO_TENANT_ID, demoFindings } from '../../src/demo/demo-data';

describe('control id normalisation', () => {
  it.each<[FrameworkSlug, string, string]>([
    ['OWASP_LLM', 'LLM06', 'LLM06:2025'],
    ['OWASP_LLM', 'llm06', 'LLM06:2025'],
    ['OWASP_LLM', 'LLM06:2025', 'LLM06:2025'],
    ['OWASP_LLM', 'OWASP LLM06', 'LLM06:2025'],
    ['OWASP_LLM', 'LLM6', 'LLM06:2025'],
    ['OWASP_LLM', 'LLM03:2026', 'LLM03:2026'],
    ['OWASP_AGENTIC', 'asi01', 'ASI01'],
    ['OWASP_AGENTIC', 'T02', 'T2'],
    ['NIST_AI_600_1', 'MEASURE-2.7', 'MEASURE 2.7'],
    ['NIST_AI_600_1', 'MEASURE 2.7', 'MEASURE 2.7'],
    ['NIST_AI_600_1', 'MS-2.7', 'MEASURE 2.7'],
    ['NIST_AI_600_1', 'ms-2.7-007', 'MS-2.7-007'],
    ['NIST_AI_600_1', '600-1 §2.4', '600-1 §2.4'],
    ['MITRE_ATLAS', 'aml.t0051.000', 'AML.T0051.000'],
    ['MITRE_ATLAS', 'aml.m0024', 'AML.M0024'],
    ['MITRE_ATLAS', 'AML.M0029', 'AML.M0029'],
    ['EU_AI_ACT', 'Article 10', 'Art. 10'],
    ['EU_AI_ACT', 'Art. 10', 'Art. 10'],
    ['EU_AI_ACT', 'Art.10', 'Art. 10'],
    ['EU_AI_ACT', 'Art 55(1)(a)', 'Art. 55(1)(a)'],
    ['ISO_42001', 'A.6.2.4', 'A.6.2.4'],
    ['ISO_42001', 'ISO/IEC 42001 A.6.2.4', 'A.6.2.4'],
  ])('in %s, %s is %s', (slug, raw, canonical) => {
    expect(canonicalControlId(slug, raw)).toBe(canonical);
    expect(normaliseControlId(slug, raw)).toBe(canonical);
  });

  it('when a control does not exist in the catalogue, then normalisation returns undefined', () => {
    expect(normaliseControlId('OWASP_LLM', 'LLM11')).toBeUndefined();
    expect(normaliseControlId('EU_AI_ACT', 'Article 999')).toBeUndefined();
    expect(normaliseControlId('MITRE_ATLAS', 'T0051')).toBeUndefined();
  });

  it('every framework has controls with unique ids, titles, a named source and a status', () => {
    for (const slug of FRAMEWORK_SLUGS) {
      const { controls, label } = getFramework(slug);
      expect(label.length).toBeGreaterThan(3);
      expect(controls.length).toBeGreaterThan(5);
      expect(new Set(controls.map((c) => c.id)).size).toBe(controls.length);
      for (const c of controls) {
        expect(c.title.trim()).not.toBe('');
        expect([c.id, CATALOGUE_SOURCES[c.source]]).toEqual([c.id, expect.stringMatching(/\S/)]);
        expect([c.id, c.status]).toEqual([c.id, expect.stringMatching(/^(verified|secondary|partial)$/)]);
      }
    }
  });

  it('every reference in the demo data resolves to a catalogue control, and all six frameworks are used', () => {
    const used = new Set<string>();
    for (const f of demoFindings(DEMO_TENANT_ID)) {
      for (const ref of f.frameworkRefs) {
        expect([ref, normaliseControlId(ref.framework, ref.control)]).not.toEqual([ref, undefined]);
        used.add(ref.framework);
      }
    }
    expect([...used].sort()).toEqual([...FRAMEWORK_SLUGS].sort());
  });
});

describe('catalogue 2026.12.1', () => {
  const MITIGATIONS = ['AML.M0020', 'AML.M0024', 'AML.M0026', 'AML.M0029', 'AML.M0033'];

  it('the catalogue data has no problems, and every change it logs holds', () => {
    expect(CATALOGUE_VERSION).toBe('2026.12.1');
    expect(catalogueProblems()).toEqual([]);
  });

  it.each(MITIGATIONS)('%s is a mitigation, not a technique, and the change log says why', (id) => {
    const control = findControl('MITRE_ATLAS', id)!;
    expect(control.kind).toBe('mitigation');
    // A mitigation is never a baseline technique of the ATLAS matrix, and stands for itself there.
    expect(isBaselineControl('MITRE_ATLAS', control)).toBe(false);
    expect(coverageKey('MITRE_ATLAS', id)).toBe(id);
    const changes = CATALOGUE_CHANGES.filter((c) => c.control === id);
    expect(changes.map((c) => [c.version, c.field, c.from, c.to])).toEqual([
      ['2026.12.1', 'kind', 'technique', 'mitigation'],
    ]);
    expect(changes[0].basis).toMatch(/mitigation/);
  });

  it('no ATLAS technique id is catalogued as anything but a technique or sub-technique', () => {
    for (const c of getFramework('MITRE_ATLAS').controls) {
      const expected = c.id.startsWith('AML.M') ? 'mitigation' : c.id.includes('.', 4) ? 'sub-technique' : 'technique';
      expect([c.id, c.kind]).toEqual([c.id, expected]);
    }
  });

  it('the OWASP LLM 2026 entries name the text they were checked against, and the log says why they stay verified', () => {
    const edition2026 = getFramework('OWASP_LLM').controls.filter((c) => c.edition === '2026');
    expect(edition2026).toHaveLength(10);
    for (const c of edition2026) expect([c.id, c.source, c.status]).toEqual([c.id, 'S-OWASP-LLM26', 'verified']);
    expect(CATALOGUE_SOURCES['S-OWASP-LLM26']).toMatch(/published 4 August 2026/);
    const [change] = CATALOGUE_CHANGES.filter((c) => c.source === 'S-OWASP-LLM26');
    expect(change.basis).toMatch(/draft/);
  });
});
