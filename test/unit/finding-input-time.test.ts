import { AppError } from '../../src/domain/errors';
import { isoTime, parseInstant } from '../../src/domain/finding-input';

const NOW = new Date('2026-07-01T00:00:00Z');

describe('times in API input', () => {
  test('when a detection time names 30 February, then it is refused naming the field, not rolled over into March', () => {
    expect(isoTime('2026-02-30T10:00:00Z')).toBeUndefined();
    expect(() => parseInstant('2026-02-30T10:00:00Z', 'findings[0].detected_at', NOW)).toThrow(
      new AppError(
        'invalid_request',
        'findings[0].detected_at: must be an ISO 8601 time with a zone, such as "2026-05-02T10:00:00Z"',
      ),
    );
  });

  test('when a time has an offset, then it is stored as the UTC instant it names', () => {
    expect(parseInstant('2026-06-03T08:00:00+02:00', 'detected_at', NOW)).toBe('2026-06-03T06:00:00.000Z');
    expect(parseInstant('2026-06-03T08:00:00.1234+0200', 'detected_at', NOW)).toBe('2026-06-03T06:00:00.123Z');
  });

  test('when a time has no zone, then it is refused: it names no instant', () => {
    expect(isoTime('2026-06-03T08:00:00')).toBeUndefined();
  });
});
