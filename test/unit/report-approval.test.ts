/**
 * Sign-off in pure logic: the approval request's fields, a report's versions, the staged and stored names of a later
 * version, how many weaknesses' treatment changed, and how the templates and the JSON export print a release.
 */
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import Handlebars from 'handlebars';
import path from 'node:path';
import { changedWeaknesses } from '../../activities/approval-activities';
import schema from '../../schemas/report-1.6.0.schema.json';
import { MAX_APPROVER, MAX_STATEMENT, parseApprovalRequest, versionsOf } from '../../src/domain/approval';
import { AppError } from '../../src/domain/errors';
import { toJsonExport } from '../../src/domain/json-export';
import { artifactFileName, type ReportRecord } from '../../src/domain/report';
import { artifactKey, versionedName } from '../../src/domain/storage-keys';
import type { Treatment } from '../../src/domain/treatment';
import { createHtmlRenderer } from '../../src/infra/render/html-renderer';
import { APPROVED_RELEASE, buildReportModelFixture } from '../fixtures/report-model';

const renderer = createHtmlRenderer(path.resolve(__dirname, '../../templates'));
const INTEGRITY = {
  contentDigest: 'a'.repeat(64),
  signer: 'CN=test',
  keyId: 'pdf-0123456789abcdef',
  jwksUrl: 'https://x/jwks',
};
const BODY = {
  approver_name: 'Dana Reyes',
  approver_role: 'CISO',
  assertion: 'Fairly presented.',
  limitations: 'None identified.',
};

function refusal(fn: () => unknown): { code: string; field?: unknown; message: string } {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return { code: err.code, field: err.details?.field, message: err.message };
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('the approval request', () => {
  it('when every field is given, then each is read trimmed', () => {
    expect(parseApprovalRequest({ ...BODY, approver_name: '  Dana Reyes ' })).toEqual({
      approverName: 'Dana Reyes',
      approverRole: 'CISO',
      assertion: 'Fairly presented.',
      limitations: 'None identified.',
    });
  });

  it.each([
    ['approver_name', 'missing', undefined],
    ['approver_role', 'empty', ''],
    ['assertion', 'blank', '   '],
    ['limitations', 'a number', 7],
    ['approver_name', 'too long', 'x'.repeat(MAX_APPROVER + 1)],
    ['assertion', 'too long', 'x'.repeat(MAX_STATEMENT + 1)],
  ])('when %s is %s, then it is refused by name', (field, _what, value) => {
    const r = refusal(() => parseApprovalRequest({ ...BODY, [field]: value }));
    expect(r).toMatchObject({ code: 'invalid_request', field });
  });

  it('when a field is not one of the four, or the body is not an object, then it is refused by name', () => {
    expect(refusal(() => parseApprovalRequest({ ...BODY, approved: true }))).toMatchObject({ field: 'approved' });
    expect(refusal(() => parseApprovalRequest([BODY]))).toMatchObject({ field: 'body' });
    expect(refusal(() => parseApprovalRequest(null))).toMatchObject({ field: 'body' });
  });
});

describe("a report's versions", () => {
  const base: ReportRecord = {
    id: 'rpt_2026_versions0001',
    tenantId: 'tnt_2026_versions0001',
    request: {
      title: 'Q2',
      frameworks: ['OWASP_LLM'],
      format: 'pdf',
      scope: { endpointIds: [], from: '2026-04-01', to: '2026-06-30', includeSeverities: ['high'] },
    },
    status: 'ready',
    createdAt: new Date('2026-07-01T09:00:00Z'),
    completedAt: new Date('2026-07-01T09:01:00Z'),
    progress: { stage: 'done', percent: 100 },
    attempts: 1,
    artifact: { key: 'k', sha256: 'b'.repeat(64), size: 10, contentType: 'application/pdf' },
  };

  it('when a ready report was never approved, then its artifact is version 1, its treatment read at the period end', () => {
    expect(versionsOf(base)).toEqual([
      {
        version: 1,
        createdAt: base.completedAt,
        artifact: base.artifact,
        statusAsOf: new Date('2026-06-30T23:59:59.999Z'),
      },
    ]);
  });

  it('when a report is not ready yet, then it has no version', () => {
    expect(versionsOf({ ...base, status: 'running', artifact: undefined, completedAt: undefined })).toEqual([]);
  });

  it('when a version after the first is named, then its files carry -v<n> and the first keeps its names', () => {
    expect(artifactFileName('rpt_2026_versions0001', 'pdf')).toBe('rpt_2026_versions0001.pdf');
    expect(artifactFileName('rpt_2026_versions0001', 'json', 2)).toBe('rpt_2026_versions0001-v2.json');
    expect(artifactKey('tnt_2026_versions0001', 'rpt_2026_versions0001', 'pdf', 3)).toBe(
      'tenants/tnt_2026_versions0001/reports/rpt_2026_versions0001/artifact/rpt_2026_versions0001-v3.pdf',
    );
    expect(versionedName('model.json')).toBe('model.json');
    expect(versionedName('model.json', 1)).toBe('model.json');
    expect(versionedName('signed.pdf', 2)).toBe('signed-v2.pdf');
  });
});

describe('changed weaknesses', () => {
  const untouched = { state: 'open', owner: null, changedAt: null } as unknown as Treatment;
  const open = { state: 'open', owner: null, changedAt: '2026-05-01T00:00:00.000Z' } as unknown as Treatment;
  const owned = { state: 'open', owner: 'Sam', changedAt: '2026-05-02T00:00:00.000Z' } as unknown as Treatment;
  const fixed = { state: 'mitigated', owner: 'Sam', changedAt: '2026-05-03T00:00:00.000Z' } as unknown as Treatment;

  it('when treatments differ, appear or disappear, then each counts once; the same treatment counts none', () => {
    expect(changedWeaknesses({ a: open, b: owned }, { a: open, b: owned })).toBe(0);
    expect(changedWeaknesses({ a: open, b: owned }, { a: owned, b: fixed })).toBe(2);
    expect(changedWeaknesses({}, { c: fixed })).toBe(1);
    expect(changedWeaknesses({ c: fixed }, {})).toBe(1);
  });

  it('when a weakness only gained a record from its detections, nobody treated it: it counts as unchanged', () => {
    expect(changedWeaknesses({}, { a: untouched })).toBe(0);
    expect(changedWeaknesses({ a: untouched }, { a: owned })).toBe(1);
  });
});

describe('a release in print', () => {
  const draft = buildReportModelFixture();
  const approved = buildReportModelFixture({ release: APPROVED_RELEASE });

  it('when a version is a draft, then the running header says so and the approval page says nobody approved it', () => {
    expect(renderer.headerTemplate(draft)).toContain('DRAFT &middot; NOT APPROVED');
    const html = renderer.renderReportHtml(draft, INTEGRITY);
    expect(html).toContain('Draft: nobody has approved this version.');
    expect(html).toContain('1: draft, not approved');
  });

  it('when a version is approved, then the header has no draft mark and the approver prints escaped', () => {
    expect(renderer.headerTemplate(approved)).not.toContain('DRAFT');
    const html = renderer.renderReportHtml(approved, INTEGRITY);
    expect(html).not.toContain('<b>Okafor</b>');
    expect(html).toContain(Handlebars.escapeExpression('Dana <b>Okafor</b>'));
    expect(html).toContain('the treatment of 2 weaknesses had changed since the version before');
    expect(html).toContain('a'.repeat(64));
    expect(html).not.toContain('Draft: nobody has approved');
    expect(html).toContain(
      '2: approved by Dana &lt;b&gt;Okafor&lt;/b&gt; (Chief Information Security Officer) on 2026-07-03',
    );
  });

  it('when a model was staged before versions existed, then it prints as a draft', () => {
    const { release: _omitted, ...old } = draft;
    void _omitted;
    const legacy = old as typeof draft;
    expect(renderer.headerTemplate(legacy)).toContain('DRAFT');
    expect(renderer.renderReportHtml(legacy, INTEGRITY)).toContain('Draft: nobody has approved this version.');
  });
});

describe('a release in the JSON export', () => {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  const validate = ajv.compile(schema);

  it('when a version is approved, then the export carries the approval and history and validates against 1.6.0', () => {
    const doc = toJsonExport(buildReportModelFixture({ release: APPROVED_RELEASE })) as Record<string, unknown>;
    expect(validate(doc)).toBe(true);
    expect(doc.release).toEqual({
      version: 2,
      status: 'approved',
      status_as_of: '2026-07-03T10:00:00.000Z',
      approval: {
        approver_name: 'Dana <b>Okafor</b>',
        approver_role: 'Chief Information Security Officer',
        approved_at: '2026-07-03T10:00:00.000Z',
        assertion: 'The findings register fairly presents the AI security testing of the period.',
        limitations: 'Endpoints outside the scope were not tested.',
      },
      history: [
        {
          version: 1,
          status: 'draft',
          at: '2026-07-01T09:13:30.000Z',
          sha256: 'a'.repeat(64),
          approver_name: null,
          changed_weaknesses: null,
        },
        {
          version: 2,
          status: 'approved',
          at: '2026-07-03T10:00:00.000Z',
          sha256: null,
          approver_name: 'Dana <b>Okafor</b>',
          changed_weaknesses: 2,
        },
      ],
    });
  });

  it('when the release is missing or its status unknown, then the export does not validate', () => {
    const doc = toJsonExport(buildReportModelFixture()) as Record<string, unknown>;
    expect(validate(doc)).toBe(true);
    const { release: _r, ...without } = doc;
    void _r;
    expect(validate(without)).toBe(false);
    expect(validate({ ...doc, release: { ...(doc.release as object), status: 'signed' } })).toBe(false);
  });
});
