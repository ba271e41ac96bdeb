import { parseIsoTime } from '../../src/domain/iso-time';

const at = (text: string, withoutZone?: 'utc'): string | undefined =>
  parseIsoTime(text, withoutZone ? { withoutZone } : {})?.toISOString();

describe('parseIsoTime, the one reader of ISO 8601 times', () => {
  test.each([
    ['2026-05-02T10:00:00Z', '2026-05-02T10:00:00.000Z'],
    ['2026-05-02T10:00Z', '2026-05-02T10:00:00.000Z'],
    ['2026-05-02 10:00:00Z', '2026-05-02T10:00:00.000Z'],
    ['2026-05-02t10:00:00z', '2026-05-02T10:00:00.000Z'],
    ['2026-05-02T10:00:00.5Z', '2026-05-02T10:00:00.500Z'],
    ['2026-05-02T10:00:00,25Z', '2026-05-02T10:00:00.250Z'],
    ['2026-05-02T10:00:00.123456789Z', '2026-05-02T10:00:00.123Z'],
    ['2026-05-02T10:00:00.9999Z', '2026-05-02T10:00:00.999Z'],
    ['2026-05-02T10:00:00+01:00', '2026-05-02T09:00:00.000Z'],
    ['2026-05-02T10:00:00+0100', '2026-05-02T09:00:00.000Z'],
    ['2026-05-02T10:00:00+01', '2026-05-02T09:00:00.000Z'],
    ['2026-05-02T10:00:00-05:30', '2026-05-02T15:30:00.000Z'],
    ['2026-01-01T00:30:00+01:00', '2025-12-31T23:30:00.000Z'],
    ['2024-02-29T12:00:00Z', '2024-02-29T12:00:00.000Z'],
  ])('when given %s, then the instant %s', (text, instant) => {
    expect(at(text)).toBe(instant);
  });

  test.each([
    ['a day without a time', '2026-05-02'],
    ['a time without a zone', '2026-05-02T10:00:00'],
    ['30 February', '2026-02-30T10:00:00Z'],
    ['29 February of a common year', '2026-02-29T10:00:00Z'],
    ['31 April', '2026-04-31T10:00:00Z'],
    ['month 13', '2026-13-01T10:00:00Z'],
    ['day 0', '2026-05-00T10:00:00Z'],
    ['24:00', '2026-05-02T24:00:00Z'],
    ['a 60th minute', '2026-05-02T10:60:00Z'],
    ['a 60th second', '2026-05-02T10:00:60Z'],
    ['an offset of 24 hours', '2026-05-02T10:00:00+24:00'],
    ['an offset of 60 minutes', '2026-05-02T10:00:00+01:60'],
    ['surrounding white space', ' 2026-05-02T10:00:00Z'],
    ['a fraction without digits', '2026-05-02T10:00:00.Z'],
    ['a two-digit year', '26-05-02T10:00:00Z'],
    ['words', 'yesterday'],
  ])('when given %s, then nothing', (_, text) => {
    expect(at(text)).toBeUndefined();
  });

  test('when a time has no zone and the reader takes it as UTC, then it is read as UTC', () => {
    expect(at('2026-05-02T10:00:00.123456', 'utc')).toBe('2026-05-02T10:00:00.123Z');
    expect(at('2026-05-02 10:00', 'utc')).toBe('2026-05-02T10:00:00.000Z');
    expect(at('2026-02-30T10:00:00', 'utc')).toBeUndefined();
  });
});
