import { Type, type TSchema } from '@sinclair/typebox';
import { HIDDEN_CHARACTER_CLASS } from '../../domain/hidden-characters';
import type { IdPrefix } from '../../domain/ids';

/** A value or `null`: the API writes every key of a resource, null where it does not apply. */
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/**
 * A text field of a request: a string holding something other than white space, at most `max` characters. The
 * description is what an error names as allowed (see validate.ts), so it reads as the end of "must be …".
 */
export const Text = (max: number, description = `a text of 1 to ${max} characters`) =>
  Type.String({ minLength: 1, maxLength: max, pattern: '\\S', description });

/** Some character other than white space, and no control or bidirectional formatting character (see
 * src/domain/hidden-characters.ts), which would make a signed report show something other than what was sent. */
export const PLAIN_TEXT_PATTERN = `^(?=[\\s\\S]*\\S)[^${HIDDEN_CHARACTER_CLASS}]*$`;

/** A text a signed report prints as a name or title: as {@link Text}, with {@link PLAIN_TEXT_PATTERN}. */
export const PlainText = (
  max: number,
  description = `a text of 1 to ${max} characters with no control or bidirectional formatting characters`,
) => Type.String({ minLength: 1, maxLength: max, pattern: PLAIN_TEXT_PATTERN, description });

/** The characters of an id after its prefix: see src/domain/ids.ts, whose `isId` this pattern mirrors. */
const DATED = '_[0-9]{4}_[0-9a-z]{6,40}';
const KEYED = '_[0-9a-z]{20}';

/** An id of the service, e.g. `ep_2026_…`; findings have a dated and a keyed form, runs the keyed form only. */
export function Id(prefix: IdPrefix, example: string) {
  const forms = prefix === 'fnd' ? `(${DATED}|${KEYED})` : prefix === 'run' ? KEYED : DATED;
  return Type.String({
    pattern: `^${prefix}${forms}$`,
    description: `an id such as "${example}"`,
    examples: [example],
  });
}

export const ReportId = Id('rpt', 'rpt_2026_3kq9x2m7v4c8p1za');
export const EndpointId = Id('ep', 'ep_2026_abc123');
export const RunId = Id('run', 'run_0123456789abcdefghjk');
export const ImportId = Id('imp', 'imp_2026_3kq9x2m7v4c8p1za');
export const TenantId = Id('tnt', 'tnt_2026_3kq9x2m7v4c8p1za');

/** The zone-bearing ISO 8601 times the API reads (src/domain/iso-time.ts): `2026-05-02T10:00:00Z`, a space for
 * the `T`, optional seconds and fraction, `Z` or an offset. */
export const ISO_TIME_PATTERN =
  '^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)?([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$';

/** A time a client sends; the calendar (30 February, hour 24) is checked by the domain code. */
export const IsoTime = (description = 'an ISO 8601 time with a zone, such as "2026-05-02T10:00:00Z"') =>
  Type.String({ pattern: ISO_TIME_PATTERN, description, examples: ['2026-05-02T10:00:00Z'] });

/** A calendar day `YYYY-MM-DD` (a real one: ajv-formats checks the calendar). */
export const Day = (description = 'a calendar date written YYYY-MM-DD') =>
  Type.String({ format: 'date', description, examples: ['2026-04-01'] });

/** A time the API writes: always `Date.prototype.toISOString`. */
export const Instant = Type.String({ format: 'date-time' });

/** A hex sha256 digest. */
export const Sha256 = Type.String({ pattern: '^[0-9a-f]{64}$' });

/** One page of a list and the cursor of the next, null on the last. */
export const Page = <T extends TSchema>(item: T) =>
  Type.Object({ data: Type.Array(item), next_cursor: Nullable(Type.String()) }, { additionalProperties: false });

/** A string enum written as JSON Schema's `enum` (TypeBox's union of literals would be an `anyOf`). */
export const Enum = <T extends readonly string[]>(values: T, options: { title?: string; description?: string } = {}) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });

/** An object whose known properties are listed and which may carry others (a free-form details map). */
export const OpenObject = (description: string) => Type.Object({}, { additionalProperties: true, description });
