import {
  CATALOGUE_SOURCES,
  FRAMEWORK_SLUGS,
  canonicalControlId,
  getFramework,
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
