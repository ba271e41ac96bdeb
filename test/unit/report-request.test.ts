import { AppError } from '../../src/domain/errors';
import { parseReportRequest } from '../../src/domain/report-request';
import { documentedRequest } from '../fixtures/requests';

const valid = documentedRequest();

function errorOf(body: unknown): AppError {
  try {
    parseReportRequest(body);
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected the request to be refused');
}

describe('parseReportRequest', () => {
  it('when the body is the documented example, then it parses into the normalised request', () => {
    expect(parseReportRequest(valid)).toEqual({
      title: 'Q2 2026 AI security evidence pack',
      frameworks: ['OWASP_LLM', 'NIST_AI_600_1', 'EU_AI_ACT', 'ISO_42001'],
      scope: {
        endpointIds: ['ep_2026_abc123'],
        from: '2026-04-01',
        to: '2026-06-30',
        includeSeverities: ['critical', 'high', 'medium'],
      },
      format: 'pdf',
    });
  });

  it('when slugs and endpoints repeat and severities are out of order, then they collapse into canonical order', () => {
    const parsed = parseReportRequest({
      ...valid,
      frameworks: ['EU_AI_ACT', 'OWASP_LLM', 'EU_AI_ACT'],
      scope: {
        ...valid.scope,
        endpoint_ids: ['ep_2026_abc123', 'ep_2026_abc123'],
        include_severities: ['low', 'critical'],
      },
    });
    expect(parsed.frameworks).toEqual(['EU_AI_ACT', 'OWASP_LLM']);
    expect(parsed.scope.endpointIds).toEqual(['ep_2026_abc123']);
    expect(parsed.scope.includeSeverities).toEqual(['critical', 'low']);
  });

  it('when format and severities are omitted, then pdf and every severity are assumed', () => {
    const { format: _format, ...rest } = valid;
    const { include_severities: _s, ...scope } = valid.scope;
    const parsed = parseReportRequest({ ...rest, scope });
    expect(parsed.format).toBe('pdf');
    expect(parsed.scope.includeSeverities).toEqual(['critical', 'high', 'medium', 'low', 'info']);
  });

  it('when a framework slug is unknown, then framework_unknown names the entry and lists every valid slug', () => {
    const err = errorOf({ ...valid, frameworks: ['OWASP_LLM', 'NIST_AI_600_1', 'OWASP_LLM_2023'] });
    expect(err.code).toBe('framework_unknown');
    expect(err.message).toBe(
      'frameworks[2]: "OWASP_LLM_2023" is not a recognised framework; use any of OWASP_LLM, OWASP_AGENTIC, NIST_AI_600_1, MITRE_ATLAS, EU_AI_ACT, ISO_42001',
    );
    expect(err.details).toEqual({
      field: 'frameworks[2]',
      allowed: ['OWASP_LLM', 'OWASP_AGENTIC', 'NIST_AI_600_1', 'MITRE_ATLAS', 'EU_AI_ACT', 'ISO_42001'],
    });
  });

  it.each([
    ['a non-object body', [1, 2], 'body'],
    ['a missing title', { ...valid, title: undefined }, 'title'],
    ['a blank title', { ...valid, title: '   ' }, 'title'],
    ['a title over 200 characters', { ...valid, title: 'x'.repeat(201) }, 'title'],
    ['empty frameworks', { ...valid, frameworks: [] }, 'frameworks'],
    ['frameworks not an array', { ...valid, frameworks: 'OWASP_LLM' }, 'frameworks'],
    ['a missing scope', { ...valid, scope: undefined }, 'scope'],
    ['no endpoints', { ...valid, scope: { ...valid.scope, endpoint_ids: [] } }, 'scope.endpoint_ids'],
    [
      'a malformed endpoint id',
      { ...valid, scope: { ...valid.scope, endpoint_ids: ['ep_2026_abc123', '$where'] } },
      'scope.endpoint_ids[1]',
    ],
    ['a non-ISO from date', { ...valid, scope: { ...valid.scope, from: '04/01/2026' } }, 'scope.from'],
    ['an impossible to date', { ...valid, scope: { ...valid.scope, to: '2026-02-30' } }, 'scope.to'],
    ['from after to', { ...valid, scope: { ...valid.scope, from: '2026-07-01' } }, 'scope.from'],
    [
      'an unknown severity',
      { ...valid, scope: { ...valid.scope, include_severities: ['critical', 'urgent'] } },
      'scope.include_severities[1]',
    ],
    ['empty severities', { ...valid, scope: { ...valid.scope, include_severities: [] } }, 'scope.include_severities'],
    ['an unknown format', { ...valid, format: 'docx' }, 'format'],
    ['an unknown top-level field', { ...valid, frameworkz: [] }, 'frameworkz'],
    [
      'an unknown scope field',
      { ...valid, scope: { ...valid.scope, include_severity: ['high'] } },
      'scope.include_severity',
    ],
  ])('when the body has %s, then invalid_request names %s', (_case, body, field) => {
    const err = errorOf(body);
    expect(err.code).toBe('invalid_request');
    expect(err.details).toEqual({ field });
    expect(err.message.startsWith(`${field}: `)).toBe(true);
  });

  it('when from is after to, then the message says which dates', () => {
    expect(errorOf({ ...valid, scope: { ...valid.scope, from: '2026-07-01' } }).message).toBe(
      'scope.from: must not be after scope.to (2026-07-01 > 2026-06-30)',
    );
  });
});
