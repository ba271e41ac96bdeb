import type { RequestHandler } from 'express';
import type { TSchema } from '@sinclair/typebox';
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { AppError } from '../../domain/errors';
import { FRAMEWORK_SLUGS } from '../../domain/frameworks';
import { shown } from '../../domain/validation';
import { operation, type Operation } from './operations';

type Schema = Record<string, unknown>;

/** One Ajv per way of checking: bodies as sent, and query strings, whose values arrive as text and are read as the
 * numbers and booleans the document declares. Both keep the schema of each error (`verbose`), which the message
 * is written from. */
function newAjv(coerce: boolean): Ajv2020 {
  const ajv = new Ajv2020({ strict: true, strictTypes: false, verbose: true, coerceTypes: coerce ? 'array' : false });
  addFormats(ajv, ['date', 'date-time']);
  return ajv;
}

const bodies = newAjv(false);
const queries = newAjv(true);

/** `/scope/endpoint_ids/0` as the API names fields: `scope.endpoint_ids[0]`, under `prefix` when given. */
function fieldName(pointer: string, prefix = ''): string {
  let field = prefix;
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    field += /^\d+$/.test(part) ? `[${part}]` : field ? `.${part}` : part;
  }
  return field;
}

/** What a schema allows, in words: its own description, else one made from its type and limits. */
export function allowed(schema: unknown): string {
  if (typeof schema !== 'object' || schema === null) return 'a value';
  const s = schema as Schema;
  if (typeof s.description === 'string' && s.description.length <= 200) return s.description;
  if (Array.isArray(s.anyOf)) {
    const parts = s.anyOf.map(allowed);
    return parts.join(' or ');
  }
  if (Array.isArray(s.enum)) return `one of ${s.enum.join(', ')}`;
  switch (s.type) {
    case 'string':
      if (s.format === 'date') return 'a calendar date written YYYY-MM-DD';
      if (s.format === 'date-time') return 'an ISO 8601 time with a zone';
      return typeof s.maxLength === 'number' ? `a text of ${s.minLength ?? 0} to ${s.maxLength} characters` : 'a text';
    case 'integer':
      return typeof s.minimum === 'number' && typeof s.maximum === 'number'
        ? `a whole number from ${s.minimum} to ${s.maximum}`
        : 'a whole number';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true or false';
    case 'array':
      return 'an array';
    case 'object':
      return 'an object';
    case 'null':
      return 'null';
    default:
      return 'a value';
  }
}

const isFrameworkEnum = (schema: Schema | undefined): boolean =>
  Array.isArray(schema?.enum) && schema.enum.join() === FRAMEWORK_SLUGS.join();

/**
 * The error for the first problem Ajv found, in the words the API has always used: `invalid_request` naming the
 * field (`frameworks[2]`, `findings[0].severity`) and what it allows, or `framework_unknown` for a framework slug
 * the catalogue does not hold. `prefix` names where the value sits (a query parameter, an item of a batch).
 */
export function refusal(error: ErrorObject, prefix = '', echoNumbers = true): AppError {
  const parent = error.parentSchema as Schema | undefined;
  const params = error.params as Record<string, unknown>;
  const at = fieldName(error.instancePath, prefix);
  const field = at || 'body';
  const refuse = (name: string, what: string) => new AppError('invalid_request', `${name}: ${what}`, { field: name });
  if ((error.keyword === 'enum' || error.keyword === 'type') && isFrameworkEnum(parent)) {
    return new AppError(
      'framework_unknown',
      `${field}: ${shown(error.data)} is not a recognised framework; use any of ${FRAMEWORK_SLUGS.join(', ')}`,
      { field, allowed: [...FRAMEWORK_SLUGS] },
    );
  }
  switch (error.keyword) {
    case 'required': {
      const missing = String(params.missingProperty);
      const name = at ? `${at}.${missing}` : missing;
      const properties = (parent?.properties ?? {}) as Record<string, unknown>;
      return refuse(name, `is required: ${allowed(properties[missing])}`);
    }
    case 'additionalProperties': {
      const extra = String(params.additionalProperty);
      const known = Object.keys((parent?.properties ?? {}) as object);
      return refuse(at ? `${at}.${extra}` : extra, `is not a recognised field; allowed: ${known.join(', ')}`);
    }
    case 'enum': {
      const noun = typeof parent?.title === 'string' ? `a ${parent.title}` : 'allowed';
      // The enum's own description, where it has one, may say more than the list (why a value is refused).
      return refuse(field, `${shown(error.data)} is not ${noun}; use ${allowed(parent)}`);
    }
    default:
      if (error.keyword === 'type' && !at && error.schemaPath === '#/type') {
        return refuse('body', 'must be a JSON object');
      }
      // A number is echoed with what it missed, as the API always wrote it: `-1 is not a whole number from 0 to …`.
      // A query parameter is not echoed, as the lists' `limit` never was.
      if (echoNumbers && (parent?.type === 'integer' || parent?.type === 'number')) {
        return refuse(field, `${shown(error.data)} is not ${allowed(parent)}`);
      }
      return refuse(field, `must be ${allowed(parent)}`);
  }
}

/** A check of one value against a schema, compiled once: throws the {@link refusal} of its first problem. */
export function schemaCheck(schema: TSchema): (value: unknown, prefix?: string) => void {
  const validate = bodies.compile(schema);
  return (value, prefix = '') => {
    if (!validate(value)) throw refusal(validate.errors![0], prefix);
  };
}

/** The body schema with the items of `property` left to a check of their own (see {@link Operation.itemsChecked}). */
function withoutItems(schema: TSchema, property: string): Schema {
  const properties = schema.properties as Record<string, Schema>;
  return { ...schema, properties: { ...properties, [property]: { ...properties[property], items: {} } } };
}

function queryValidator(op: Operation): ValidateFunction | undefined {
  if (!op.query) return undefined;
  const required = Object.entries(op.query)
    .filter(([, p]) => p.required)
    .map(([name]) => name);
  return queries.compile({
    type: 'object',
    properties: Object.fromEntries(Object.entries(op.query).map(([name, p]) => [name, p.schema])),
    ...(required.length > 0 ? { required } : {}),
    ...(op.closedQuery ? { additionalProperties: false } : {}),
  });
}

/**
 * The middleware that checks a request against its operation in the document: the query string, then the JSON body
 * (after the body parser). Compiled when the router is built, never per request. Cross-field rules (`from` not after
 * `to`, times not in the future, endpoints of the caller's tenant) are the domain code's, which runs after it.
 */
export function validateRequest(operationId: string): RequestHandler {
  const op = operation(operationId);
  const query = queryValidator(op);
  const body =
    op.body && 'schema' in op.body
      ? bodies.compile(op.itemsChecked ? withoutItems(op.body.schema, op.itemsChecked) : op.body.schema)
      : undefined;
  return (req, _res, next) => {
    if (query && !query({ ...(req.query as object) })) {
      const error = query.errors![0];
      // The query's own pointer starts at the parameter: `/limit` names `limit`.
      throw refusal(error, '', false);
    }
    if (body && !body(req.body)) throw refusal(body.errors![0]);
    next();
  };
}
