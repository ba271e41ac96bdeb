import { Type } from '@sinclair/typebox';
import { ERRORS, type ErrorCode } from '../../domain/errors';
import { Enum } from './types';

const CODES = Object.keys(ERRORS) as ErrorCode[];

/** The one error body: `{error: {code, message, ...details}}`, with the details a code may carry. */
export const ErrorBody = Type.Object(
  {
    error: Type.Object(
      {
        code: Enum(CODES, { description: 'a code of the error table; the status is decided by the code alone' }),
        message: Type.String({ description: 'for people: names the field and what it allows' }),
        field: Type.Optional(Type.String({ description: 'the offending field, e.g. `frameworks[2]`' })),
        allowed: Type.Optional(Type.Array(Type.String())),
        errors: Type.Optional(
          Type.Array(
            Type.Object(
              { index: Type.Integer(), field: Type.String(), message: Type.String() },
              { additionalProperties: false },
            ),
            { description: "a refused batch's problems, by item index and field, up to fifty" },
          ),
        ),
        error_count: Type.Optional(Type.Integer()),
        required_scope: Type.Optional(Type.String()),
        retry_after_seconds: Type.Optional(Type.Number()),
      },
      { additionalProperties: true },
    ),
  },
  { additionalProperties: false },
);

/** The error table as the document states it: each code with its status, and whether it may be retried. */
export function errorTableDescription(): string {
  const rows = CODES.map((c) => `| \`${c}\` | ${ERRORS[c].status} | ${ERRORS[c].retryable ? 'yes' : 'no'} |`);
  return ['| code | status | retry helps |', '| --- | --- | --- |', ...rows].join('\n');
}

/** The codes of the table that answer with `status`. */
export function codesWithStatus(status: number): ErrorCode[] {
  return CODES.filter((c) => ERRORS[c].status === status);
}
