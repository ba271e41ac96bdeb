import {
  EU_AI_ACT_AMENDMENTS,
  EU_AI_ACT_AS_OF,
  EU_AI_ACT_SOURCES,
  EU_RISK_CLASSES,
  applicationStatus,
  euAiActProblems,
  euApplicability,
  euArticleApplies,
  type EuProfileRole,
  type EuRiskClass,
} from '../../src/domain/eu-ai-act';
import { getFramework } from '../../src/domain/frameworks';

describe('EU AI Act applicability data', () => {
  it('has no problems, and covers every EU AI Act control of the catalogue', () => {
    expect(euAiActProblems()).toEqual([]);
    for (const c of getFramework('EU_AI_ACT').controls) expect(euApplicability(c.id)).toBeDefined();
  });

  it('every date of every article carries a source the data explains', () => {
    for (const c of getFramework('EU_AI_ACT').controls) {
      for (const d of Object.values(euApplicability(c.id)!.dates)) {
        expect(EU_AI_ACT_SOURCES[d.source]).toMatch(/\S/);
        if (d.original) expect(EU_AI_ACT_SOURCES[d.original.source]).toMatch(/Art\. 113/);
      }
    }
  });

  it('records the Digital Omnibus as adopted, saying the Official Journal text was not read, as of a stated day', () => {
    expect(EU_AI_ACT_AS_OF).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(EU_AI_ACT_AMENDMENTS.map((a) => [a.id, a.status])).toEqual([['DIGITAL-OMNIBUS-AI', 'adopted']]);
    expect(EU_AI_ACT_AMENDMENTS[0].finding).toMatch(/OJ text was not read/);
  });
});

describe('euArticleApplies', () => {
  it.each<[string, EuProfileRole, EuRiskClass, boolean]>([
    ['Art. 26', 'deployer', 'high_risk', true],
    ['Art. 26', 'provider', 'high_risk', false],
    ['Art. 26', 'both', 'high_risk', true],
    ['Art. 26', 'deployer', 'limited_risk', false],
    ['Art. 9', 'provider', 'high_risk', true],
    ['Art. 9', 'deployer', 'high_risk', false],
    ['Art. 9', 'provider', 'limited_risk', false],
    ['Art. 15(5)', 'provider', 'high_risk', true],
    ['Art. 55', 'provider', 'gpai_systemic', true],
    ['Art. 55(1)(a)', 'provider', 'gpai_systemic', true],
    ['Art. 55', 'provider', 'gpai', false],
    ['Art. 55', 'deployer', 'gpai_systemic', false],
    ['Art. 55', 'provider', 'high_risk', false],
    ['Art. 53', 'provider', 'gpai', true],
    ['Art. 53', 'provider', 'gpai_systemic', true],
    ['Art. 53', 'deployer', 'gpai', false],
    ['Art. 50', 'provider', 'limited_risk', true],
    ['Art. 50', 'deployer', 'limited_risk', true],
    ['Art. 50', 'provider', 'minimal', false],
    ['Art. 50(1)', 'deployer', 'limited_risk', false],
    ['Art. 50(1)', 'provider', 'limited_risk', true],
    ['Art. 73', 'provider', 'high_risk', true],
    ['Art. 73', 'deployer', 'high_risk', false],
  ])('%s for a %s of a %s system: %p', (article, role, riskClass, applies) => {
    expect(euArticleApplies(article, { role, riskClass })).toBe(applies);
  });

  it.each([...EU_RISK_CLASSES])('Art. 5 binds providers and deployers of any system, %s included', (riskClass) => {
    expect(euArticleApplies('Art. 5', { role: 'provider', riskClass })).toBe(true);
    expect(euArticleApplies('Art. 5', { role: 'deployer', riskClass })).toBe(true);
  });

  it('an article with no applicability data is an error, not a silent "does not apply"', () => {
    expect(() => euArticleApplies('Art. 99', { role: 'provider', riskClass: 'high_risk' })).toThrow(/Art\. 99/);
  });
});

describe('applicationStatus', () => {
  const q = (from: string, to: string) => ({ from, to });

  it('before, straddling and after the high-risk date as amended (Annex III: 2 December 2027)', () => {
    expect(applicationStatus('Art. 9', q('2026-07-01', '2026-09-30'))).toMatchObject({
      appliesFrom: '2027-12-02',
      status: 'not_yet_applicable',
      source: expect.stringMatching(/Council/),
      note: expect.stringMatching(/Originally 2026-08-02/),
    });
    expect(applicationStatus('Art. 9', q('2027-10-01', '2027-12-31')).status).toBe('applies_during_period');
    expect(applicationStatus('Art. 9', q('2027-12-02', '2027-12-31')).status).toBe('applies');
    expect(applicationStatus('Art. 9', q('2028-01-01', '2028-03-31')).status).toBe('applies');
  });

  it('an Annex I product system reads its own part: 2 August 2028, originally 2 August 2027', () => {
    const s = applicationStatus('Art. 15(5)', q('2028-01-01', '2028-06-30'), 'annex_i');
    expect(s).toMatchObject({ appliesFrom: '2028-08-02', status: 'not_yet_applicable' });
    expect(s.note).toMatch(/Originally 2027-08-02/);
  });

  it('the day a date falls on counts: a period ending on it straddles, one starting on it applies', () => {
    expect(applicationStatus('Art. 50', q('2026-07-01', '2026-08-02')).status).toBe('applies_during_period');
    expect(applicationStatus('Art. 50', q('2026-08-02', '2026-08-31')).status).toBe('applies');
    expect(applicationStatus('Art. 50', q('2026-07-01', '2026-08-01')).status).toBe('not_yet_applicable');
  });

  it('GPAI duties apply from 2 August 2025 under Art. 113 itself, unamended', () => {
    const s = applicationStatus('Art. 55(1)(a)', q('2026-01-01', '2026-03-31'));
    expect(s).toMatchObject({
      appliesFrom: '2025-08-02',
      status: 'applies',
      source: expect.stringMatching(/Art\. 113/),
    });
    expect(s.note).toMatch(/Other parts: legacy_models from 2027-08-02/);
  });

  it('Art. 5 applies from 2 February 2025, but its NCII/CSAM prohibitions only from 2 December 2026', () => {
    expect(applicationStatus('Art. 5', q('2026-07-01', '2026-09-30')).status).toBe('applies');
    const csam = applicationStatus('Art. 5', q('2026-07-01', '2026-09-30'), 'ncii_csam');
    expect(csam).toMatchObject({ appliesFrom: '2026-12-02', status: 'not_yet_applicable' });
    expect(csam.note).toMatch(/Date set by/);
  });

  it('a part the article does not have is an error naming the parts it has', () => {
    expect(() => applicationStatus('Art. 26', q('2026-01-01', '2026-12-31'), 'chapter_ii')).toThrow(
      /annex_iii, annex_i/,
    );
  });
});
