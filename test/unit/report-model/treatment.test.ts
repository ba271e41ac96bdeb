import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import schema from '../../../schemas/report-1.6.0.schema.json';
import type { Finding } from '../../../src/domain/finding';
import { toJsonExport } from '../../../src/domain/json-export';
import { buildReportModel, rowTreatment, type TreatmentSnapshot } from '../../../src/domain/report-model';
import { initialTreatment, weaknessKey, type Treatment } from '../../../src/domain/treatment';
import { buildFinding } from '../../fixtures/findings';

const TENANT = 'tnt_2026_fixturetenant01';
const ENDPOINT = 'ep_2026_fixtureep0001';

const validate = new Ajv2020({ strict: true, allErrors: true });
addFormats(validate);
const validateExport = validate.compile(schema);

function treatment(overrides: Partial<Treatment>): Treatment {
  return {
    ...initialTreatment(),
    changedAt: '2026-05-01T00:00:00.000Z',
    ...overrides,
  };
}

function modelOf(findings: Finding[], snapshot?: TreatmentSnapshot) {
  return buildReportModel({
    report: {
      id: 'rpt_2026_treatmentcheck',
      tenantId: TENANT,
      tenantName: 'Example Corp',
      title: 'Q2',
      format: 'json',
      frameworks: ['OWASP_LLM'],
      scope: { endpointIds: [ENDPOINT], from: '2026-04-01', to: '2026-06-30', includeSeverities: ['critical', 'high'] },
      requestedAt: '2026-07-01T00:00:00.000Z',
    },
    findings,
    endpoints: [{ id: ENDPOINT, tenantId: TENANT, name: 'Support bot', description: '' }],
    generatedAt: '2026-07-01T00:00:05.000Z',
    treatment: snapshot,
  });
}

/** Four weaknesses, most severe first so that their rows are R001 to R004 in this order. */
function fourWeaknesses(): Finding[] {
  return [
    buildFinding({ severity: 'critical', fingerprint: 'accepted', detectedAt: '2026-05-04T00:00:00.000Z' }),
    buildFinding({ severity: 'high', fingerprint: 'overdue', detectedAt: '2026-05-03T00:00:00.000Z' }),
    buildFinding({ severity: 'high', fingerprint: 'mitigated', detectedAt: '2026-05-02T00:00:00.000Z' }),
    buildFinding({ severity: 'high', fingerprint: 'untouched', detectedAt: '2026-05-01T00:00:00.000Z' }),
  ];
}

function snapshotOf(findings: Finding[]): TreatmentSnapshot {
  const [accepted, overdue, mitigated] = findings.map((f) => weaknessKey(TENANT, f));
  return {
    asOf: '2026-06-30T23:59:59.999Z',
    from: '2026-04-01T00:00:00.000Z',
    weaknesses: {
      [accepted]: treatment({
        state: 'risk_accepted',
        owner: 'Priya N',
        managementResponse: 'Compensating filter in place.',
        acceptance: {
          approver: 'Dana Reyes',
          approverRole: 'CISO',
          justification: 'Low exposure',
          expiresOn: '2026-12-31',
          position: 3,
        },
      }),
      // Due before the as-of day and still open: overdue.
      [overdue]: treatment({ state: 'regressed', owner: 'Sam', dueDate: '2026-06-15' }),
      // Due before the as-of day too, but treated: not overdue.
      [mitigated]: treatment({
        state: 'mitigated',
        dueDate: '2026-06-01',
        mitigation: { evidence: 'https://tickets.example.com/SEC-42', mitigatedOn: '2026-05-20' },
      }),
    },
    history: [
      {
        key: mitigated,
        position: 2,
        at: '2026-05-20T09:00:00.000Z',
        actor: 'tok_2026_fixture',
        from: 'open',
        to: 'mitigated',
        cause: 'triage',
        fields: { evidence: 'https://tickets.example.com/SEC-42', mitigated_on: '2026-05-20' },
      },
      {
        key: 'wk_notarowofthisreport0',
        position: 1,
        at: '2026-05-21T09:00:00.000Z',
        actor: 'tok_2026_fixture',
        from: 'open',
        to: 'false_positive',
        cause: 'triage',
        fields: {},
      },
    ],
  };
}

describe('report model: treatment of the rows', () => {
  it('when nothing is recorded of a weakness, then its row is open with no owner, due date or response, and not overdue', () => {
    const model = modelOf([buildFinding({ fingerprint: 'alone' })], {
      asOf: '2026-06-30T23:59:59.999Z',
      from: '2026-04-01T00:00:00.000Z',
      weaknesses: {},
      history: [],
    });
    expect(model.rows[0].treatment).toEqual({
      key: weaknessKey(TENANT, { endpointId: ENDPOINT, category: 'Prompt Injection', fingerprint: ' ALONE ' }),
      state: 'open',
      owner: null,
      dueDate: null,
      managementResponse: null,
      overdue: false,
    });
    expect(model.summary.treatment?.byState.find((s) => s.state === 'open')?.rows).toBe(1);
    expect(model.frontPage.treatment?.rows.R001).toEqual({ state: 'open' });
  });

  it('when weaknesses are accepted, mitigated and overdue, then each row carries its details and the summary counts them', () => {
    const findings = fourWeaknesses();
    const model = modelOf(findings, snapshotOf(findings));
    expect(model.rows.map((r) => [r.ref, r.treatment?.state, r.treatment?.overdue])).toEqual([
      ['R001', 'risk_accepted', false],
      ['R002', 'regressed', true],
      ['R003', 'mitigated', false],
      ['R004', 'open', false],
    ]);
    expect(model.rows[0].treatment).toMatchObject({
      owner: 'Priya N',
      managementResponse: 'Compensating filter in place.',
      approver: 'Dana Reyes',
      approverRole: 'CISO',
      expiresOn: '2026-12-31',
    });
    expect(model.rows[2].treatment?.mitigatedOn).toBe('2026-05-20');
    expect(model.rows[1].treatment).not.toHaveProperty('approver');
    expect(model.summary.treatment).toEqual({
      asOf: '2026-06-30',
      byState: [
        { state: 'open', rows: 1 },
        { state: 'mitigated', rows: 1 },
        { state: 'risk_accepted', rows: 1 },
        { state: 'false_positive', rows: 0 },
        { state: 'regressed', rows: 1 },
      ],
      overdue: 1,
    });
    // The front page is fed: the accepted and the mitigated rows are no longer open risks.
    expect(model.frontPage.topRisks.map((r) => [r.ref, r.owner, r.dueDate])).toEqual([
      ['R002', 'Sam', '2026-06-15'],
      ['R004', null, null],
    ]);
    expect(model.frontPage.conclusion.at(-1)).toBe('Treatment: 1 open, 1 mitigated, 1 risk accepted, 1 regressed.');
  });

  it('when the history holds changes to weaknesses that are no row, then only the rows’ changes are kept, each with its row', () => {
    const findings = fourWeaknesses();
    const model = modelOf(findings, snapshotOf(findings));
    expect(model.treatmentHistory).toEqual({
      from: '2026-04-01T00:00:00.000Z',
      until: '2026-06-30T23:59:59.999Z',
      entries: [expect.objectContaining({ row: 'R003', to: 'mitigated', actor: 'tok_2026_fixture' })],
    });
  });

  it('when a due date is the as-of day itself, then it is not yet overdue', () => {
    const t = treatment({ state: 'open', dueDate: '2026-06-30' });
    expect(rowTreatment('wk_x', t, '2026-06-30').overdue).toBe(false);
    expect(rowTreatment('wk_x', t, '2026-07-01').overdue).toBe(true);
    expect(rowTreatment('wk_x', { ...t, state: 'false_positive' }, '2026-07-01').overdue).toBe(false);
  });

  it('when the model has treatment, then the JSON carries it per row, in the summary and as history, and validates', () => {
    const findings = fourWeaknesses();
    const doc = toJsonExport(modelOf(findings, snapshotOf(findings))) as {
      rows: { treatment: Record<string, unknown> }[];
      summary: { treatment: Record<string, unknown> };
      treatment_history: { entries: Record<string, unknown>[] };
    };
    expect(validateExport(doc)).toBe(true);
    expect(doc.rows[0].treatment).toEqual({
      weakness_key: weaknessKey(TENANT, findings[0]),
      state: 'risk_accepted',
      owner: 'Priya N',
      due_date: null,
      management_response: 'Compensating filter in place.',
      approver: 'Dana Reyes',
      approver_role: 'CISO',
      expires_on: '2026-12-31',
      mitigated_on: null,
      overdue: false,
    });
    expect(doc.summary.treatment).toMatchObject({ as_of: '2026-06-30', overdue: 1 });
    expect(doc.treatment_history.entries).toEqual([
      expect.objectContaining({ row: 'R003', from: 'open', to: 'mitigated', cause: 'triage' }),
    ]);
  });

  it('when the model was built without treatment, then the rows carry none, the JSON says null, and the front page says it is not recorded', () => {
    const doc = toJsonExport(modelOf(fourWeaknesses())) as Record<string, unknown> & {
      rows: { treatment: unknown }[];
      summary: { treatment: unknown };
      front_page: { treatment: unknown; conclusion: string[] };
    };
    expect(validateExport(doc)).toBe(true);
    expect(doc.rows.every((r) => r.treatment === null)).toBe(true);
    expect(doc.summary.treatment).toBeNull();
    expect(doc.treatment_history).toBeNull();
    expect(doc.front_page.treatment).toBeNull();
    expect(doc.front_page.conclusion.at(-1)).toBe(
      'Treatment is not recorded in this report, so every weakness counts as open.',
    );
  });
});
