import { parseReportRequest } from '../../src/domain/report-request';
import { AppError } from '../../src/domain/errors';
import { rejectUnknownFields, shown } from '../../src/domain/validation';

/** An array nested `depth` levels around one string, built without recursion (as a parser would). */
function nested(depth: number): unknown {
  let value: unknown = 'x';
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

describe('a value quoted back in an error message', () => {
  it('when it is a short string or a scalar, then it reads as JSON writes it', () => {
    expect(shown('SOC2')).toBe('"SOC2"');
    expect(shown('say "hi"')).toBe('"say \\"hi\\""');
    expect(shown(42)).toBe('42');
    expect(shown(false)).toBe('false');
    expect(shown(null)).toBe('null');
    expect(shown(undefined)).toBe('nothing');
  });

  it('when it is a small array or object, then it reads as JSON writes it', () => {
    expect(shown(['a', 1])).toBe('["a",1]');
    expect(shown({ a: 'b' })).toBe('{"a":"b"}');
  });

  it('when it is nested ten thousand deep, then two levels are shown and the rest elided', () => {
    expect(shown(nested(10_000))).toBe('[[[…]]]');
  });

  it('when it is a megabyte of text, then sixty characters are shown', () => {
    const text = shown('y'.repeat(1_000_000));
    expect(text).toHaveLength(60);
    expect(text).toBe(`"${'y'.repeat(58)}…`);
  });

  it('when it has many entries, then the first four are shown', () => {
    expect(shown([1, 2, 3, 4, 5, 6])).toBe('[1,2,3,4,…]');
    expect(shown({ a: 1, b: 2, c: 3, d: 4, e: 5 })).toBe('{"a":1,"b":2,"c":3,"d":4,…}');
  });

  it('when a key is "__proto__" or "constructor", then it is data like any other', () => {
    expect(shown(JSON.parse('{"__proto__":1,"constructor":2}'))).toBe('{"__proto__":1,"constructor":2}');
  });

  it.each([
    ['frameworks', (v: unknown) => ({ frameworks: [v] }), 'frameworks[0]'],
    ['format', (v: unknown) => ({ format: v }), 'format'],
    ['include_severities', (v: unknown) => ({ include_severities: [v] }), 'scope.include_severities[0]'],
  ])('when %s holds a value nested ten thousand deep, then the request is refused naming it', (_f, place, field) => {
    const body: Record<string, unknown> = {
      title: 'Deep',
      frameworks: ['OWASP_LLM'],
      scope: { endpoint_ids: ['ep_2026_abc123'], from: '2026-04-01', to: '2026-06-30' },
    };
    const change = place(nested(10_000)) as Record<string, unknown>;
    if ('include_severities' in change) body.scope = { ...(body.scope as object), ...change };
    else Object.assign(body, change);
    let caught: unknown;
    try {
      parseReportRequest(body);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(AppError);
    expect((caught as AppError).details?.field).toBe(field);
    expect((caught as AppError).message).toMatch(
      new RegExp(`^${field.replace(/[[\].]/g, '\\$&')}: \\[\\[\\[…\\]\\]\\] is not`),
    );
  });
});

describe('a field name a client made up', () => {
  it('when it is a thousand characters long, then the error names sixty of them', () => {
    let caught: AppError | undefined;
    try {
      rejectUnknownFields({ title: 'x', ['k'.repeat(1_000)]: 1 }, ['title'], 'scope');
    } catch (err) {
      caught = err as AppError;
    }
    expect(caught?.details?.field).toBe(`scope.${'k'.repeat(59)}…`);
    expect(caught?.message).toBe(`scope.${'k'.repeat(59)}…: is not a recognised field; allowed: title`);
  });
});
