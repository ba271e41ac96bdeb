import { AppError } from '../../../src/domain/errors';
import {
  DEFAULT_RATING_METHOD,
  fromWireRatingMethod,
  rate,
  toWireRatingMethod,
  validateRatingMethod,
  type WireRatingMethod,
} from '../../../src/domain/evidence/rating';
import { SEVERITIES, severityRank } from '../../../src/domain/severity';

function wire(): WireRatingMethod {
  return toWireRatingMethod(DEFAULT_RATING_METHOD);
}

function errorOf(input: unknown): AppError {
  try {
    validateRatingMethod(input);
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected the rating method to be refused');
}

describe('DEFAULT_RATING_METHOD', () => {
  it('when read, then it describes every severity once, most severe first, and both scales from 1 to 4', () => {
    expect(DEFAULT_RATING_METHOD.levels.map((l) => l.severity)).toEqual([...SEVERITIES]);
    expect(DEFAULT_RATING_METHOD.likelihood.map((l) => l.value)).toEqual([1, 2, 3, 4]);
    expect(DEFAULT_RATING_METHOD.impact.map((l) => l.value)).toEqual([1, 2, 3, 4]);
    for (const l of [
      ...DEFAULT_RATING_METHOD.levels,
      ...DEFAULT_RATING_METHOD.likelihood,
      ...DEFAULT_RATING_METHOD.impact,
    ]) {
      expect(l.meaning.length).toBeGreaterThan(20);
    }
  });

  it('when every pair is rated, then the severity follows the bands of likelihood × impact', () => {
    const band = (product: number) =>
      product >= 12 ? 'critical' : product >= 8 ? 'high' : product >= 4 ? 'medium' : product >= 2 ? 'low' : 'info';
    for (let l = 1; l <= 4; l += 1) {
      for (let i = 1; i <= 4; i += 1) expect([l, i, rate(DEFAULT_RATING_METHOD, l, i)]).toEqual([l, i, band(l * i)]);
    }
  });

  it('when a pair is outside the scales, then rate refuses it', () => {
    expect(() => rate(DEFAULT_RATING_METHOD, 5, 1)).toThrow(
      "likelihood 5 × impact 1 is outside likelihood-impact-4x4's scales (1–4 × 1–4)",
    );
    expect(() => rate(DEFAULT_RATING_METHOD, 2, 0)).toThrow('outside');
    expect(() => rate(DEFAULT_RATING_METHOD, 1.5, 2)).toThrow('outside');
  });

  it('when someone tries to change it, then it is frozen all the way down', () => {
    expect(Object.isFrozen(DEFAULT_RATING_METHOD.matrix[0])).toBe(true);
    expect(Object.isFrozen(DEFAULT_RATING_METHOD.levels[0])).toBe(true);
  });

  it('when validated as a tenant override, then it passes unchanged', () => {
    expect(validateRatingMethod(wire())).toEqual(DEFAULT_RATING_METHOD);
  });
});

describe('wire form', () => {
  it('when written and read back, then the method is the same and the copy shares nothing with the default', () => {
    const w = wire();
    expect(fromWireRatingMethod(JSON.parse(JSON.stringify(w)))).toEqual(DEFAULT_RATING_METHOD);
    w.matrix[0][0] = 'low';
    expect(Object.isFrozen(w.matrix[0])).toBe(false);
    expect(DEFAULT_RATING_METHOD.matrix[0][0]).toBe('info');
  });

  it('when a tenant uses a 3 × 5 scale, then it is accepted and its levels come back in canonical order', () => {
    const scale = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ value: i + 1, label: `L${i + 1}`, meaning: `level ${i + 1}` }));
    const method = validateRatingMethod({
      id: 'acme.risk-v2',
      version: '2026-04',
      description: 'ACME three by five',
      levels: [...wire().levels].reverse(),
      likelihood: scale(3),
      impact: scale(5),
      matrix: [
        ['info', 'info', 'low', 'medium', 'high'],
        ['info', 'low', 'medium', 'high', 'critical'],
        ['low', 'medium', 'high', 'critical', 'critical'],
      ],
    });
    expect(method.levels.map((l) => l.severity)).toEqual([...SEVERITIES]);
    expect(rate(method, 3, 5)).toBe('critical');
  });
});

describe('validateRatingMethod', () => {
  const withLevel = (i: number, change: Record<string, unknown>) => {
    const w = wire();
    return { ...w, levels: w.levels.map((l, j) => (j === i ? { ...l, ...change } : l)) };
  };

  it.each<[string, unknown, string]>([
    ['not an object', [], 'rating_method: must be an object'],
    [
      'an unknown field',
      { ...wire(), colour: 'red' },
      'rating_method.colour: is not a recognised field; allowed: id, version, description, levels, likelihood, impact, matrix',
    ],
    [
      'a bad id',
      { ...wire(), id: 'Has Spaces' },
      'rating_method.id: must be lowercase letters, digits, ".", "_" or "-"',
    ],
    ['an empty version', { ...wire(), version: ' ' }, 'rating_method.version: must be a string of 1 to 32 characters'],
    [
      'an unknown severity',
      withLevel(2, { severity: 'urgent' }),
      'rating_method.levels[2].severity: "urgent" is not a severity; use one of critical, high, medium, low, info',
    ],
    [
      'a severity described twice',
      withLevel(2, { severity: 'high' }),
      'rating_method.levels[2].severity: "high" is already described',
    ],
    [
      'a severity left out',
      { ...wire(), levels: wire().levels.slice(0, 4) },
      'rating_method.levels: must describe every severity; missing info',
    ],
    [
      'a level without meaning',
      withLevel(0, { meaning: '' }),
      'rating_method.levels[0].meaning: must be a string of 1 to 1000 characters',
    ],
    [
      'a scale with a gap',
      { ...wire(), likelihood: wire().likelihood.map((l, i) => (i === 2 ? { ...l, value: 4 } : l)) },
      'rating_method.likelihood[2].value: must be 3: levels are numbered from 1, lowest first, without gaps',
    ],
    [
      'a one-level scale',
      { ...wire(), impact: wire().impact.slice(0, 1) },
      'rating_method.impact: must have 2 to 10 levels',
    ],
    [
      'a repeated label',
      { ...wire(), impact: wire().impact.map((l, i) => (i === 1 ? { ...l, label: 'minor' } : l)) },
      'rating_method.impact[1].label: "minor" is already used',
    ],
    [
      'a matrix with a missing row',
      { ...wire(), matrix: wire().matrix.slice(0, 3) },
      'rating_method.matrix: must have 4 rows, one per likelihood level',
    ],
    [
      'a matrix row too short',
      { ...wire(), matrix: wire().matrix.map((r, l) => (l === 1 ? r.slice(0, 3) : r)) },
      'rating_method.matrix[1]: must have 4 entries, one per impact level',
    ],
    [
      'a matrix cell that is no severity',
      { ...wire(), matrix: wire().matrix.map((r, l) => (l === 3 ? ['medium', 'high', 'critical', 'extreme'] : r)) },
      'rating_method.matrix[3][3]: "extreme" is not a severity; use one of critical, high, medium, low, info',
    ],
    [
      'severity falling as likelihood rises',
      { ...wire(), matrix: wire().matrix.map((r, l) => (l === 2 ? ['info', 'medium', 'high', 'critical'] : r)) },
      'rating_method.matrix[2][0]: "info" is less severe than the lower likelihood\'s "low"; severity must not fall as likelihood rises',
    ],
    [
      'severity falling as impact rises',
      { ...wire(), matrix: wire().matrix.map((r, l) => (l === 0 ? ['low', 'info', 'low', 'medium'] : r)) },
      'rating_method.matrix[0][1]: "info" is less severe than the lower impact\'s "low"; severity must not fall as impact rises',
    ],
  ])('when the method has %s, then invalid_request names the field and what it allows', (_what, input, message) => {
    const err = errorOf(input);
    expect(err.code).toBe('invalid_request');
    expect(err.message).toBe(message);
    expect(err.details).toEqual({ field: message.slice(0, message.indexOf(':')) });
  });

  it('when every cell of the default matrix is checked, then none is less severe than its neighbours below and left', () => {
    const m = DEFAULT_RATING_METHOD.matrix;
    m.forEach((row, l) =>
      row.forEach((cell, i) => {
        if (l > 0) expect(severityRank(cell)).toBeLessThanOrEqual(severityRank(m[l - 1][i]));
        if (i > 0) expect(severityRank(cell)).toBeLessThanOrEqual(severityRank(row[i - 1]));
      }),
    );
  });
});
