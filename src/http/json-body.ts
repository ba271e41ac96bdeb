import express, { type RequestHandler } from 'express';
import { AppError } from '../domain/errors';
import { invalid } from '../domain/validation';

/** Levels of arrays and objects a JSON body may nest. The deepest body the API reads nests five (a finding's
 * framework reference in a batch); the bound leaves room and keeps every later walk over a body short. */
export const MAX_BODY_DEPTH = 32;

/** Content encodings a JSON body may be sent in; the body limit applies to the decoded bytes. */
export const BODY_ENCODINGS = ['identity', 'gzip', 'deflate', 'br'] as const;

/** The `Content-Encoding` of a request, lower case; `identity` when there is none. */
export function contentEncoding(req: { get(name: string): string | undefined }): string {
  return (req.get('content-encoding') ?? 'identity').trim().toLowerCase() || 'identity';
}

/** Refuses a request whose body is in a content encoding outside `accepted`, with 415 naming those it takes. */
export function acceptEncodings(accepted: readonly string[]): RequestHandler {
  return (req, _res, next) => {
    const encoding = contentEncoding(req);
    if (!accepted.includes(encoding)) {
      throw new AppError(
        'unsupported_media_type',
        accepted.length === 1
          ? `Content-Encoding: ${JSON.stringify(encoding.slice(0, 40))} is not accepted here; send the body as it is, without Content-Encoding`
          : `Content-Encoding: ${JSON.stringify(encoding.slice(0, 40))} is not supported; use one of ${accepted.join(', ')}`,
        { accepted: [...accepted] },
      );
    }
    next();
  };
}

/** Whether a parsed JSON value nests deeper than `max` levels. Walks with a stack of its own, never recursion, and
 * stops at the first container past the bound. */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const pending: [unknown, number][] = [[value, 1]];
  while (pending.length > 0) {
    const [next, depth] = pending.pop()!;
    if (typeof next !== 'object' || next === null) continue;
    if (depth > max) return true;
    for (const child of Array.isArray(next) ? next : Object.values(next)) pending.push([child, depth + 1]);
  }
  return false;
}

/** Refuses a body nested deeper than {@link MAX_BODY_DEPTH}, before any validator walks it. */
const boundedDepth: RequestHandler = (req, _res, next) => {
  if (nestsDeeperThan(req.body, MAX_BODY_DEPTH)) {
    throw invalid('body', `nests arrays and objects more than ${MAX_BODY_DEPTH} levels deep`);
  }
  next();
};

/** A body the parser could not decode from its Content-Encoding (the parser's own errors carry a `type`; a
 * decompressor's do not) is the client's fault: `400 invalid_request` naming the encoding. */
function undecodable(err: unknown, encoding: string): unknown {
  const fromParser = typeof (err as { type?: unknown } | undefined)?.type === 'string';
  if (err instanceof AppError || fromParser || encoding === 'identity') return err;
  return invalid('body', `is not valid ${encoding} data, as its Content-Encoding says`);
}

/** Express's JSON parser, with a failure to decode the body turned into the client's error. */
function parseJson(limitBytes: number): RequestHandler {
  const parse = express.json({ limit: limitBytes, strict: false });
  return (req, res, next) => {
    void parse(req, res, (err?: unknown) => {
      if (err === undefined) next();
      else next(undecodable(err, contentEncoding(req)));
    });
  };
}

/** Accepts a JSON body of at most `limitBytes` (decoded: a compressed body is refused with 413 once it inflates
 * past the limit, without inflating the rest), refusing any other content type or an unsupported content encoding
 * with 415, a body that does not decode with 400, and one nested deeper than {@link MAX_BODY_DEPTH} with 400. */
export function jsonBody(limitBytes: number): RequestHandler[] {
  return [
    (req, _res, next) => {
      if (!req.is('application/json')) {
        throw new AppError('unsupported_media_type', 'Content-Type must be application/json');
      }
      next();
    },
    acceptEncodings(BODY_ENCODINGS),
    parseJson(limitBytes),
    boundedDepth,
  ];
}
