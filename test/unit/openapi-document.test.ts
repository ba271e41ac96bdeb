import fs from 'node:fs';
import { OPENAPI_COPY, documentText } from '../../scripts/openapi-write';
import { breakingChanges } from '../../src/http/contract/compatibility';
import { buildOpenApiDocument } from '../../src/http/contract/document';
import { ERRORS } from '../../src/domain/errors';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const copy = (): Json => JSON.parse(JSON.stringify(buildOpenApiDocument()));

describe('the OpenAPI document', () => {
  it('when openapi/openapi.json is read, then it is what npm run openapi:write writes from the schemas', () => {
    expect(fs.readFileSync(OPENAPI_COPY, 'utf8')).toBe(documentText());
  });

  it('when the error table is read from the document, then every code is there with its status', () => {
    const doc = copy();
    expect(doc.components.schemas.Error.properties.error.properties.code.enum.sort()).toEqual(
      Object.keys(ERRORS).sort(),
    );
    for (const [code, traits] of Object.entries(ERRORS)) {
      expect(doc.info.description).toContain(`| \`${code}\` | ${traits.status} |`);
    }
  });

  it('when an import is refused as it arrives (an empty file) or fails on a quota, then its 422 and 429 take the error body and the failed job', () => {
    const responses = copy().paths['/api/v2/findings/imports'].post.responses;
    for (const status of ['422', '429']) {
      expect(responses[status].content['application/json'].schema.anyOf).toEqual(
        expect.arrayContaining([{ $ref: '#/components/schemas/Error' }, { $ref: '#/components/schemas/ImportJob' }]),
      );
      // An error body has no job to follow.
      expect(responses[status].headers?.Location?.required).not.toBe(true);
    }
  });

  it('when a scanner file is uploaded compressed, then its 415 is documented, as for a JSON body', () => {
    const responses = copy().paths['/api/v2/findings/imports'].post.responses;
    expect(responses['415'].description).toContain('`unsupported_media_type`');
  });

  it('when a report is created, then links lead to reading and downloading it, and from the read to the download', () => {
    const paths = copy().paths;
    const byId = { id: '$response.body#/id' };
    const created = paths['/api/v2/reports'].post.responses['202'].links;
    expect(created.GetReport).toMatchObject({ operationId: 'getReport', parameters: byId });
    expect(created.DownloadReport).toMatchObject({ operationId: 'downloadReport', parameters: byId });
    expect(paths['/api/v2/reports/{id}'].get.responses['200'].links.DownloadReport).toMatchObject({
      operationId: 'downloadReport',
      parameters: byId,
    });
  });

  it('when the published schema is read, then its parameters carry a name and version that exist', () => {
    const params = copy().paths['/api/v2/schemas/{name}/{version}'].get.parameters;
    expect(params.map((p: Json) => [p.name, p.schema.examples])).toEqual([
      ['name', ['report']],
      ['version', [expect.stringMatching(/^\d+\.\d+\.\d+$/)]],
    ]);
  });

  it('when nothing changed, then no breaking change is found', () => {
    expect(breakingChanges(copy(), copy())).toEqual([]);
  });

  it('when a response property is removed, then the check names it', () => {
    const after = copy();
    delete after.components.schemas.Report.properties.legal_hold;
    expect(breakingChanges(copy(), after)).toContain('GET /api/v2/reports/{id} 200.legal_hold: removed');
  });

  it('when a type is narrowed, then the check names it', () => {
    const after = copy();
    // regenerated_from: a report id or null, narrowed to a report id.
    after.components.schemas.Report.properties.regenerated_from = { type: 'string' };
    expect(breakingChanges(copy(), after)).toContain(
      'GET /api/v2/reports/{id} 200.regenerated_from: type narrowed (no longer null)',
    );
  });

  it('when a request limit is tightened, an enum value removed or a field newly required, then the check names each', () => {
    const after = copy();
    const request = after.components.schemas.ReportRequest;
    request.properties.title.maxLength = 100;
    request.properties.format.enum = ['pdf'];
    request.required.push('format');
    const found = breakingChanges(copy(), after);
    expect(found).toEqual(
      expect.arrayContaining([
        'POST /api/v2/reports body.title: maxLength tightened to 100',
        'POST /api/v2/reports body.format: enum value removed: json',
        'POST /api/v2/reports body.format: newly required',
      ]),
    );
  });

  it('when an operation or a path is removed, then the check names it', () => {
    const after = copy();
    delete after.paths['/api/v2/reports/{id}/retry'];
    delete after.paths['/api/v2/reports'].get;
    expect(breakingChanges(copy(), after)).toEqual(
      expect.arrayContaining(['/api/v2/reports/{id}/retry: path removed', 'GET /api/v2/reports: operation removed']),
    );
  });

  it('when a field or an operation is added, then nothing is breaking', () => {
    const after = copy();
    after.components.schemas.Report.properties.note = { type: 'string' };
    after.paths['/api/v2/reports/{id}/notes'] = { get: { responses: { 200: { description: 'x' } } } };
    expect(breakingChanges(copy(), after)).toEqual([]);
  });
});

describe('the breaking-change check with choices', () => {
  it('when a schema becomes a choice that still takes the old one, then nothing is breaking', () => {
    const after = copy();
    const report = after.components.schemas.Report;
    after.components.schemas.Report = { anyOf: [report, { type: 'string' }] };
    expect(breakingChanges(copy(), after)).toEqual([]);
  });
});

describe('the links between operations', () => {
  it("when an answer links to an operation, then that operation exists and takes the answer's id as its id", () => {
    const doc = copy();
    const operations = new Map<string, Json>();
    for (const item of Object.values(doc.paths) as Json[]) {
      for (const op of Object.values(item) as Json[]) operations.set(op.operationId, op);
    }
    const links = [...operations.values()].flatMap((op) =>
      Object.values(op.responses as Json).flatMap((answer: Json) => Object.values(answer.links ?? {})),
    ) as Json[];
    expect(links.length).toBeGreaterThan(5);
    for (const link of links) {
      const target = operations.get(link.operationId);
      expect([link.operationId, target?.parameters?.some((p: Json) => p.in === 'path' && p.name === 'id')]).toEqual([
        link.operationId,
        true,
      ]);
    }
  });
});
