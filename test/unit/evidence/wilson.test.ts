import { wilsonInterval } from '../../../src/domain/evidence/wilson';

// Expected values from statsmodels 0.15.0, independently of this code:
//   from statsmodels.stats.proportion import proportion_confint
//   proportion_confint(successes, trials, alpha=0.05, method='wilson')
// 81/263 is one of the worked examples in Newcombe (1998), "Two-sided confidence intervals for the single proportion",
// Statistics in Medicine 17:857–872, whose Wilson score interval for it is 0.2553 to 0.3662.
const STATSMODELS_95: [number, number, number, number][] = [
  [0, 10, 0.0, 0.27753279986288926],
  [5, 10, 0.23659309051256394, 0.7634069094874361],
  [10, 10, 0.7224672001371106, 1.0],
  [1, 100, 0.001767432064140647, 0.05448619617870533],
  [81, 263, 0.2552885198782742, 0.36620957698280004],
  [0, 1, 0.0, 0.7934506856227627],
  [1, 1, 0.2065493143772374, 1.0],
  [3, 7, 0.15821985525146964, 0.7495416354723428],
  [999, 1000, 0.9943574414020421, 0.9998234536293739],
  [0, 100000, 0.0, 3.841311258303965e-5],
];

describe('wilsonInterval', () => {
  it.each(STATSMODELS_95)(
    'when %i of %i attempts succeed, then the 95%% interval is statsmodels’ [%f, %f]',
    (s, n, low, high) => {
      const interval = wilsonInterval(s, n);
      expect(interval.low).toBeCloseTo(low, 12);
      expect(interval.high).toBeCloseTo(high, 12);
    },
  );

  it('when nothing succeeded or everything did, then the interval ends exactly at 0 or 1', () => {
    expect(wilsonInterval(0, 37).low).toBe(0);
    expect(wilsonInterval(37, 37).high).toBe(1);
  });

  it('when another z is given, then it sets the confidence level (99%: statsmodels alpha=0.01)', () => {
    // z = scipy.stats.norm.ppf(0.995)
    const interval = wilsonInterval(81, 263, 2.5758293035489004);
    expect(interval.low).toBeCloseTo(0.24013690268760773, 12);
    expect(interval.high).toBeCloseTo(0.38528250231822986, 12);
  });

  it('when there were no trials, then the interval is the whole range', () => {
    expect(wilsonInterval(0, 0)).toEqual({ low: 0, high: 1 });
  });

  it.each([
    [-1, 10, 'successes: must be a non-negative integer, got -1'],
    [1.5, 10, 'successes: must be a non-negative integer, got 1.5'],
    [1, Number.NaN, 'trials: must be a non-negative integer, got NaN'],
    [1, -3, 'trials: must be a non-negative integer, got -3'],
    [11, 10, 'successes: must not exceed trials (11 > 10)'],
  ])('when the counts are %p of %p, then it refuses them naming the argument', (s, n, message) => {
    expect(() => wilsonInterval(s, n)).toThrow(new Error(message));
  });

  it('when z is not a positive number, then it refuses it', () => {
    expect(() => wilsonInterval(1, 2, 0)).toThrow('z: must be a positive finite number, got 0');
  });
});
