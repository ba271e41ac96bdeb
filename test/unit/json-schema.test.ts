import Ajv2020, { type ErrorObject } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import schema from '../../schemas/report-1.6.0.schema.json';
import type { Endpoint, Finding } from '../../src/domain/finding';
import { FRAMEWORK_SLUGS, type FrameworkSlug } from '../../src/domain/frameworks';
import { toJsonExport } from '../../src/domain/json-export';
import type { ReportFormat } from '../../src/domain/report';
import { REPORT_SCHEMA_VERSION, buildReportModel } from '../../src/domain/report-model';
import { SEVERITIES, type Severity } from '../../src/domain/severity';
import { PUBLISHED_SCHEMAS } from '../../src/http/published-schemas';
import { buildFinding } from '../fixtures/findings';
import { buildReportModelFixture, type ReportModelOverrides } from '../fixtures/report-model';

const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv);
const validate = ajv.compile(schema);

/** Validation errors as `path: message` lines, so a failure says where the export and the schema disagree. */
function problems(document: unknown): string[] {
  return validate(document) ? [] : (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath}: ${e.message}`);
}

/** Marks a value to be taken out rather than replaced. */
const REMOVED = Symbol('removed');

/** The value at a JSON Pointer (`/rows/0/evidence`) in a document. */
function at(document: unknown, pointer: string): unknown {
  return pointer
    .split('/')
    .slice(1)
    .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], document);
}

/** A deep copy of an export with the value at `pointer` replaced by `value`, or taken out: the way to build a
 * document that must not validate. */
function damaged(document: Record<string, unknown>, pointer: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(document);
  const parent = at(copy, pointer.slice(0, pointer.lastIndexOf('/'))) as Record<string, unknown>;
  const key = pointer.slice(pointer.lastIndexOf('/') + 1);
  if (value === REMOVED) delete parent[key];
  else parent[key] = value;
  return copy;
}

const ENDPOINTS: Endpoint[] = [
  { id: 'ep_2026_fixtureep0001', tenantId: 'tnt_2026_fixturetenant01', name: 'Support bot', description: '' },
  { id: 'ep_2026_fixtureep0002', tenantId: 'tnt_2026_fixturetenant01', name: 'Claims agent', description: '' },
];

/** The export of a model built by the domain from findings, as the pipeline builds it. */
function exportOf(
  findings: Finding[],
  frameworks: FrameworkSlug[],
  format: ReportFormat = 'json',
  includeSeverities: Severity[] = [...SEVERITIES],
): Record<string, unknown> {
  return toJsonExport(
    buildReportModel({
      report: {
        id: 'rpt_2026_schemacheck01',
        tenantId: 'tnt_2026_fixturetenant01',
        tenantName: 'Example Corp',
        title: 'Q2 evidence',
        format,
        frameworks,
        scope: { endpointIds: ENDPOINTS.map((e) => e.id), from: '2026-04-01', to: '2026-06-30', includeSeverities },
        requestedAt: '2026-07-01T00:00:00.000Z',
      },
      findings,
      endpoints: ENDPOINTS,
      generatedAt: '2026-07-01T00:00:05.000Z',
    }),
  );
}

/** The export of the fixture model. */
function fixtureExport(overrides: ReportModelOverrides = {}): Record<string, unknown> {
  return toJsonExport(buildReportModelFixture(overrides));
}

/** Findings of several kinds: repeats that merge, every severity, refs in several frameworks, categories the
 * crosswalk derives more controls from, one on an endpoint the caller does not name, and stray references. */
function mixedFindings(): Finding[] {
  const repeated = buildFinding({ fingerprint: 'pi:system-override', severity: 'medium' });
  return [
    repeated,
    buildFinding({ fingerprint: 'PI:System-Override ', severity: 'critical', detectedAt: '2026-05-12T08:00:00.000Z' }),
    buildFinding({
      title: 'System prompt disclosed through a role-play request',
      category: 'System Prompt Leakage',
      severity: 'low',
      frameworkRefs: [
        { framework: 'OWASP_LLM', control: 'LLM07:2025' },
        { framework: 'MITRE_ATLAS', control: 'AML.T0056' },
        { framework: 'OWASP_LLM', control: 'LLM99' },
      ],
    }),
    buildFinding({
      title: 'Agent issues a refund without confirmation',
      category: 'excessive-agency',
      severity: 'info',
      endpointId: 'ep_2026_fixtureep0002',
      frameworkRefs: [
        { framework: 'OWASP_AGENTIC', control: 'ASI02' },
        { framework: 'EU_AI_ACT', control: 'Art. 14' },
      ],
    }),
    buildFinding({
      title: 'Model answers with invented policy',
      category: 'misinformation',
      severity: 'high',
      frameworkRefs: [
        { framework: 'ISO_42001', control: 'A.8.2' },
        { framework: 'NIST_AI_600_1', control: '600-1 §2.2' },
      ],
    }),
    buildFinding({ category: 'unmapped_weakness', frameworkRefs: [], endpointId: 'ep_2026_unnamedep01' }),
  ];
}

describe('the published JSON Schema of the report export', () => {
  it('every published version states its own version, in its description and its schema_version const', () => {
    for (const [version, published] of Object.entries(PUBLISHED_SCHEMAS.report)) {
      const doc = published as { description: string; $id: string; properties: { schema_version: { const: string } } };
      expect([doc.properties.schema_version.const, doc.$id.endsWith(`/${version}`)]).toEqual([version, true]);
      expect(doc.description).toContain(`schema_version ${version}:`);
    }
    expect(Object.keys(PUBLISHED_SCHEMAS.report)).toContain(REPORT_SCHEMA_VERSION);
  });

  it('when read, then its schema_version const is the version the report model stamps', () => {
    expect(schema.properties.schema_version.const).toBe(REPORT_SCHEMA_VERSION);
    expect(schema.$id).toBe(`https://schemas.audit-evidence-reports.local/report/${REPORT_SCHEMA_VERSION}`);
  });

  it('when compared with the domain, then its severity and framework enums list exactly the domain values', () => {
    expect(schema.$defs.severity.enum).toEqual([...SEVERITIES]);
    expect(schema.$defs.frameworkSlug.enum).toEqual([...FRAMEWORK_SLUGS]);
  });

  it('when the fixture model is exported, then the export validates', () => {
    const document = fixtureExport();
    expect(document.unknown_refs).not.toEqual([]);
    expect(problems(document)).toEqual([]);
  });

  it('when the front page compares with a previous report and carries treatment, then the export validates and says so', () => {
    const base = buildReportModelFixture();
    const previous = {
      ...base.frontPage.facts,
      reportId: 'rpt_2026_previous0001',
      generatedAt: '2026-04-01T00:00:00.000Z',
    };
    const model = buildReportModelFixture({
      previous: { ...previous, weaknesses: previous.weaknesses.slice(1) },
      treatment: {
        rows: { R001: { state: 'open', owner: 'CISO', dueDate: '2026-08-01' } },
        byState: [{ state: 'open', count: 1 }],
      },
    });
    const doc = toJsonExport(model) as { front_page: Record<string, unknown> };
    expect(problems(doc)).toEqual([]);
    expect(doc.front_page).toMatchObject({
      conclusion: model.frontPage.conclusion,
      change: { report_id: 'rpt_2026_previous0001', new_count: 1, gone_count: 0 },
      treatment: { by_state: [{ state: 'open', count: 1 }] },
    });
    expect(problems(damaged(doc, '/front_page/top_risks/0/age_days', -1))).toEqual([
      '/front_page/top_risks/0/age_days: must be >= 0',
    ]);
    expect(problems(damaged(doc, '/front_page/change', REMOVED))).toEqual([
      "/front_page: must have required property 'change'",
    ]);
  });

  it('when the fixture’s testing is damaged, then the export fails validation where it was damaged', () => {
    const document = fixtureExport();
    for (const [pointer, value] of [
      ['/testing/probes/0/attack_success_rate/high', 1.2],
      ['/testing/runs/0/config_sha256', 'not-a-digest'],
      ['/testing/runs/0/origin', 'upload'],
      ['/applicability/eu_ai_act/role', 'importer'],
    ] as const) {
      const found = problems(damaged(document, pointer, value));
      expect(found).not.toEqual([]);
      expect(found.every((p) => p.startsWith(pointer.split('/').slice(0, 2).join('/')))).toBe(true);
    }
  });

  it.each(['json', 'pdf'] as ReportFormat[])(
    'when the fixture model was requested as %s, then it validates',
    (format) => {
      expect(problems(fixtureExport({ report: { format } }))).toEqual([]);
    },
  );

  it('when the fixture model has no rows, then the export validates', () => {
    const document = fixtureExport({ rows: [] });
    expect(document.rows).toEqual([]);
    expect(problems(document)).toEqual([]);
  });

  it.each([
    ['one framework', ['OWASP_LLM']],
    ['the agentic framework alone', ['OWASP_AGENTIC']],
    ['the regulatory frameworks', ['EU_AI_ACT', 'ISO_42001', 'NIST_AI_600_1']],
    ['every framework', [...FRAMEWORK_SLUGS]],
  ] as [string, FrameworkSlug[]][])('when the fixture model lists %s, then the export validates', (_, frameworks) => {
    expect(problems(fixtureExport({ frameworks }))).toEqual([]);
  });

  it('when the fixture model has many rows, then row refs past R099 still validate', () => {
    const document = fixtureExport({ rowCount: 120 });
    expect((document.rows as { ref: string }[])[119].ref).toBe('R120');
    expect(problems(document)).toEqual([]);
  });

  it.each([
    ['OWASP_LLM alone', ['OWASP_LLM']],
    ['MITRE_ATLAS and OWASP_AGENTIC', ['MITRE_ATLAS', 'OWASP_AGENTIC']],
    ['EU_AI_ACT, ISO_42001 and NIST_AI_600_1', ['EU_AI_ACT', 'ISO_42001', 'NIST_AI_600_1']],
    ['every framework', [...FRAMEWORK_SLUGS]],
  ] as [string, FrameworkSlug[]][])(
    'when a model is built from mixed findings for %s, then its export validates',
    (_, frameworks) => {
      const document = exportOf(mixedFindings(), frameworks);
      expect(problems(document)).toEqual([]);
      expect((document.rows as unknown[]).length).toBeGreaterThan(3);
    },
  );

  it.each(['json', 'pdf'] as ReportFormat[])(
    'when the report was requested as %s, then the export validates',
    (format) => {
      expect(problems(exportOf(mixedFindings(), ['OWASP_LLM', 'EU_AI_ACT'], format))).toEqual([]);
    },
  );

  it('when no finding is in scope, then the export with zero rows validates', () => {
    const document = exportOf([], ['OWASP_LLM', 'MITRE_ATLAS'], 'json', ['critical']);
    expect(document.rows).toEqual([]);
    expect(document.unknown_refs).toEqual([]);
    expect(problems(document)).toEqual([]);
  });

  it('when findings carry references the catalogue does not hold, then the export lists them and validates', () => {
    const document = exportOf(
      [
        buildFinding({
          frameworkRefs: [
            { framework: 'OWASP_LLM', control: 'LLM08:2023' },
            { framework: 'MITRE_ATLAS', control: 'AML.T9999' },
          ],
        }),
      ],
      ['OWASP_LLM'],
    );
    expect(document.unknown_refs).toHaveLength(2);
    expect(problems(document)).toEqual([]);
  });

  describe('when an export is damaged', () => {
    const valid = exportOf(mixedFindings(), [...FRAMEWORK_SLUGS]);

    it('then the undamaged export is valid to begin with', () => {
      expect(problems(valid)).toEqual([]);
    });

    it.each([
      '/schema_version',
      '/report/generated_at',
      '/report/scope/include_severities',
      '/summary/by_endpoint',
      '/rows/0/evidence',
      '/rows/0/controls/0/items/0/derived_via',
      '/coverage/0/total',
      '/crosswalk/basis',
      '/unknown_refs',
    ])('by removing the required %s, then it fails validation naming it', (pointer) => {
      const parent = pointer.slice(0, pointer.lastIndexOf('/'));
      const field = pointer.slice(pointer.lastIndexOf('/') + 1);

      expect(problems(damaged(valid, pointer, REMOVED))).toEqual([`${parent}: must have required property '${field}'`]);
    });

    it.each([
      '/signature',
      '/report/status',
      '/summary/by_status',
      '/rows/0/cvss',
      '/rows/0/controls/0/items/0/weight',
    ])('by adding the unknown field %s, then it fails validation', (pointer) => {
      expect(problems(damaged(valid, pointer, 'x'))).toEqual([
        `${pointer.slice(0, pointer.lastIndexOf('/'))}: must NOT have additional properties`,
      ]);
    });

    it.each(['1.0.0', '1.1.0', '2.0.0', ''])('by stamping schema_version "%s", then it fails validation', (version) => {
      expect(problems(damaged(valid, '/schema_version', version))).toEqual([
        '/schema_version: must be equal to constant',
      ]);
    });

    it.each([
      ['/rows/0/severity', 'severe'],
      ['/report/scope/include_severities/0', 'CRITICAL'],
      ['/rows/1/severity', 'Critical'],
    ])('by setting %s to the severity "%s", then it fails validation', (pointer, severity) => {
      expect(problems(damaged(valid, pointer, severity))).toEqual([
        `${pointer}: must be equal to one of the allowed values`,
      ]);
    });

    it('by giving the summary a severity that does not exist, then it fails validation', () => {
      expect(problems(damaged(valid, '/summary/by_severity/4/severity', 'informational'))).toContain(
        '/summary/by_severity/4/severity: must be equal to constant',
      );
    });

    it.each([
      ['an unknown framework slug', '/report/frameworks/0/slug', 'OWASP_LLM_2023'],
      ['an unknown framework in a row', '/rows/0/controls/0/framework', 'OWASP_LLM_2023'],
      ['a report format that does not exist', '/report/format', 'docx'],
      ['a malformed report id', '/report/id', 'RPT-2026-1'],
      ['a tenant id of another kind', '/report/tenant_id', 'rpt_2026_abcdef'],
      ['an empty finding id', '/rows/0/finding_ids/0', ''],
      ['a row ref that is not R + digits', '/rows/0/ref', 'row-1'],
      ['a timestamp without a zone', '/report/generated_at', '2026-07-01T00:00:05'],
      ['a scope date that is not a day', '/report/scope/to', '2026-06-31'],
      ['a timestamp as a scope date', '/report/scope/from', '2026-04-01T00:00:00.000Z'],
      ['a fractional count', '/summary/rows', 1.5],
      ['a negative count', '/coverage/0/counts/exception', -1],
      ['a status that does not exist', '/coverage/0/controls/0/status', 'covered'],
      ['a link type that does not exist', '/rows/0/controls/0/items/0/link_type', 'maps_to'],
      ['a population digest that is not sha256 hex', '/population/digest/value', 'abc'],
      ['an evidence digest in capitals', '/records/0/evidence_sha256', 'A'.repeat(64)],
      [
        'a zero for an excluded severity count',
        '/population/excluded',
        [{ severity: 'low', reason: 'severity_filter', findings: 0 }],
      ],
      ['a count as a string', '/rows/0/occurrences', '2'],
      ['explicit as a string', '/rows/0/controls/0/items/0/explicit', 'true'],
      ['an empty framework list', '/report/frameworks', []],
    ])('by writing %s, then it fails validation', (_, pointer, value) => {
      const found = problems(damaged(valid, pointer, value));
      expect(found).not.toEqual([]);
      expect(found.every((p) => p.startsWith(pointer))).toBe(true);
    });

    it('by listing the summary severities out of order, then it fails validation', () => {
      const reversed = [...(at(valid, '/summary/by_severity') as unknown[])].reverse();
      expect(problems(damaged(valid, '/summary/by_severity', reversed))).toContain(
        '/summary/by_severity/0/severity: must be equal to constant',
      );
    });

    it('by listing a finding twice in a row, then it fails validation', () => {
      const ids = at(valid, '/rows/0/finding_ids') as string[];
      expect(problems(damaged(valid, '/rows/0/finding_ids', [...ids, ids[0]]))).toEqual([
        expect.stringMatching(/^\/rows\/0\/finding_ids: must NOT have duplicate items/),
      ]);
    });
  });
});
