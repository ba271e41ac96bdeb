import {
  euRiskClassFor,
  fromWireApplicability,
  isIsoAnnexA,
  isIsoClause,
  isoInScope,
  toWireApplicability,
  validateApplicabilityProfile,
  type ApplicabilityProfile,
} from '../../src/domain/applicability';
import { AppError } from '../../src/domain/errors';

const body = () => ({
  eu_ai_act: {
    role: 'provider',
    systems: [
      { endpoint_id: 'ep_2026_abc123', risk_class: 'high_risk' },
      { endpoint_id: 'ep_2026_chat01', risk_class: 'limited_risk' },
    ],
    default_risk_class: 'minimal',
  },
  iso_42001: {
    statement_of_applicability: [
      { control: 'A.6.2.4', applicable: true, justification: 'we verify and validate every release' },
      { control: 'ISO/IEC 42001 A.10.4', applicable: false, justification: ' no external customers of the system ' },
    ],
  },
  editions: { OWASP_LLM: '2026' },
});

function errorOf(value: unknown, read = validateApplicabilityProfile): AppError {
  try {
    read(value);
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected the profile to be refused');
}

describe('validateApplicabilityProfile', () => {
  it('when the body is complete and sound, then it parses into the profile with canonical ISO ids', () => {
    expect(validateApplicabilityProfile(body())).toEqual<ApplicabilityProfile>({
      euAiAct: {
        role: 'provider',
        systems: [
          { endpointId: 'ep_2026_abc123', riskClass: 'high_risk' },
          { endpointId: 'ep_2026_chat01', riskClass: 'limited_risk' },
        ],
        defaultRiskClass: 'minimal',
      },
      iso42001: {
        soa: [
          { control: 'A.6.2.4', applicable: true, justification: 'we verify and validate every release' },
          { control: 'A.10.4', applicable: false, justification: 'no external customers of the system' },
        ],
      },
      editions: { OWASP_LLM: '2026' },
    });
  });

  it('when the body is empty, then the profile states nothing', () => {
    expect(validateApplicabilityProfile({})).toEqual({});
  });

  it('when a profile goes out and comes back through the wire form, then it is unchanged', () => {
    const profile = {
      ...validateApplicabilityProfile(body()),
      updatedAt: '2026-12-07T10:00:00.000Z',
      updatedBy: 'ciso@example.com',
    };
    const wire = toWireApplicability(profile);
    expect(wire.updated_by).toBe('ciso@example.com');
    expect(wire.iso_42001?.statement_of_applicability[1]).toEqual({
      control: 'A.10.4',
      applicable: false,
      justification: 'no external customers of the system',
    });
    expect(fromWireApplicability(wire)).toEqual(profile);
  });

  it.each<[string, (b: ReturnType<typeof body>) => unknown, string, RegExp]>([
    ['the body is not an object', () => [], 'body', /must be a JSON object/],
    ['a field is unknown', (b) => ({ ...b, iso42001: {} }), 'iso42001', /allowed: eu_ai_act, iso_42001, editions/],
    [
      'the server-set updated_at is sent',
      (b) => ({ ...b, updated_at: '2026-12-07T00:00:00Z' }),
      'updated_at',
      /not a recognised field/,
    ],
    ['eu_ai_act is not an object', (b) => ({ ...b, eu_ai_act: 'provider' }), 'eu_ai_act', /must be an object/],
    [
      'the role is missing',
      (b) => ({ ...b, eu_ai_act: { systems: [] } }),
      'eu_ai_act.role',
      /is required; use one of provider, deployer, both/,
    ],
    [
      'the role is unknown',
      (b) => ({ ...b, eu_ai_act: { ...b.eu_ai_act, role: 'importer' } }),
      'eu_ai_act.role',
      /"importer" is not a role; use one of provider, deployer, both/,
    ],
    [
      'systems is not an array',
      (b) => ({ ...b, eu_ai_act: { ...b.eu_ai_act, systems: {} } }),
      'eu_ai_act.systems',
      /must be an array/,
    ],
    [
      'an endpoint id is malformed',
      (b) => ({ ...b, eu_ai_act: { ...b.eu_ai_act, systems: [{ endpoint_id: 'chatbot', risk_class: 'minimal' }] } }),
      'eu_ai_act.systems[0].endpoint_id',
      /must be an endpoint id/,
    ],
    [
      'an endpoint is listed twice',
      (b) => ({ ...b, eu_ai_act: { ...b.eu_ai_act, systems: [b.eu_ai_act.systems[0], b.eu_ai_act.systems[0]] } }),
      'eu_ai_act.systems[1].endpoint_id',
      /listed twice/,
    ],
    [
      'a risk class is unknown',
      (b) => ({
        ...b,
        eu_ai_act: { ...b.eu_ai_act, systems: [{ endpoint_id: 'ep_2026_abc123', risk_class: 'high' }] },
      }),
      'eu_ai_act.systems[0].risk_class',
      /"high" is not an EU AI Act risk class; use one of prohibited, high_risk, limited_risk, gpai, gpai_systemic, minimal/,
    ],
    [
      'the default risk class is unknown',
      (b) => ({ ...b, eu_ai_act: { ...b.eu_ai_act, default_risk_class: 'unacceptable' } }),
      'eu_ai_act.default_risk_class',
      /is not an EU AI Act risk class/,
    ],
    [
      'the SoA is empty',
      (b) => ({ ...b, iso_42001: { statement_of_applicability: [] } }),
      'iso_42001.statement_of_applicability',
      /non-empty array/,
    ],
    [
      'an SoA entry names a clause',
      (b) => ({ ...b, iso_42001: { statement_of_applicability: [{ control: '6.1.2', applicable: true }] } }),
      'iso_42001.statement_of_applicability[0].control',
      /"6\.1\.2" is a clause of ISO\/IEC 42001 \(4–10\).*only Annex A controls are Statement of Applicability entries/,
    ],
    [
      'an SoA entry names a clause the catalogue does not list',
      (b) => ({ ...b, iso_42001: { statement_of_applicability: [{ control: '4.1', applicable: true }] } }),
      'iso_42001.statement_of_applicability[0].control',
      /is a clause/,
    ],
    [
      'an SoA entry names no Annex A control',
      (b) => ({ ...b, iso_42001: { statement_of_applicability: [{ control: 'A.6.2.99', applicable: true }] } }),
      'iso_42001.statement_of_applicability[0].control',
      /"A\.6\.2\.99" is not an ISO\/IEC 42001 Annex A control; use one such as "A\.6\.2\.4"/,
    ],
    [
      'an SoA entry is listed twice under two spellings',
      (b) => ({
        ...b,
        iso_42001: {
          statement_of_applicability: [
            { control: 'A.6.2.4', applicable: true },
            { control: 'ISO 42001 A.6.2.4', applicable: true },
          ],
        },
      }),
      'iso_42001.statement_of_applicability[1].control',
      /"A\.6\.2\.4" is listed twice/,
    ],
    [
      'applicable is not a boolean',
      (b) => ({ ...b, iso_42001: { statement_of_applicability: [{ control: 'A.6.2.4', applicable: 'yes' }] } }),
      'iso_42001.statement_of_applicability[0].applicable',
      /must be true or false/,
    ],
    [
      'an exclusion has no justification',
      (b) => ({ ...b, iso_42001: { statement_of_applicability: [{ control: 'A.10.4', applicable: false }] } }),
      'iso_42001.statement_of_applicability[0].justification',
      /required when a control is excluded/,
    ],
    [
      'an edition is not one the catalogue holds',
      (b) => ({ ...b, editions: { OWASP_LLM: '2023' } }),
      'editions.OWASP_LLM',
      /"2023" is not an edition of OWASP_LLM; use one of 2025, 2026/,
    ],
    [
      'an edition is given for a framework held in one edition',
      (b) => ({ ...b, editions: { NIST_AI_600_1: '2024' } }),
      'editions.NIST_AI_600_1',
      /holds one edition of NIST_AI_600_1; leave it out/,
    ],
  ])('when %s, then the error names %s and what it allows', (_case, change, field, message) => {
    const err = errorOf(change(body()));
    expect([err.code, err.details]).toEqual(['invalid_request', { field }]);
    expect(err.message.startsWith(`${field}: `)).toBe(true);
    expect(err.message).toMatch(message);
  });

  it('when an edition names an unknown framework, then 400 framework_unknown naming the field and the slugs', () => {
    const err = errorOf({ editions: { OWASP_LLM_2023: '2023' } });
    expect(err.code).toBe('framework_unknown');
    expect(err.message).toMatch(
      /^editions\.OWASP_LLM_2023: "OWASP_LLM_2023" is not a recognised framework; use any of OWASP_LLM, /,
    );
  });

  it('when a stored profile has a bad updated_at, then reading it names the field', () => {
    expect(errorOf({ updated_at: 'yesterday' }, fromWireApplicability).message).toMatch(/^updated_at: /);
  });
});

describe('what a report asks of a profile', () => {
  const profile = validateApplicabilityProfile(body());

  it('tells Annex A controls from clauses by the catalogue kind', () => {
    expect([isIsoAnnexA('A.6.2.4'), isIsoClause('A.6.2.4')]).toEqual([true, false]);
    expect([isIsoAnnexA('6.1.2'), isIsoClause('6.1.2')]).toEqual([false, true]);
    expect([isIsoAnnexA('10.2'), isIsoClause('10.2')]).toEqual([false, true]);
  });

  it('an Annex A control is in scope as the SoA says; unlisted or with no SoA, undefined; a clause always', () => {
    expect(isoInScope(profile, 'A.6.2.4')).toBe(true);
    expect(isoInScope(profile, 'A.10.4')).toBe(false);
    expect(isoInScope(profile, 'A.7.4')).toBeUndefined();
    expect(isoInScope({}, 'A.6.2.4')).toBeUndefined();
    expect(isoInScope({}, '6.1.2')).toBe(true);
  });

  it("an endpoint's risk class is its own, else the default, else not stated", () => {
    expect(euRiskClassFor(profile, 'ep_2026_abc123')).toBe('high_risk');
    expect(euRiskClassFor(profile, 'ep_2026_other1')).toBe('minimal');
    expect(euRiskClassFor({ euAiAct: { role: 'deployer', systems: [] } }, 'ep_2026_abc123')).toBeUndefined();
    expect(euRiskClassFor({}, 'ep_2026_abc123')).toBeUndefined();
  });
});
