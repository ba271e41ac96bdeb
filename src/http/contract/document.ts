import type { TSchema } from '@sinclair/typebox';
import { ERRORS, type ErrorCode } from '../../domain/errors';
import { ErrorBody, errorTableDescription } from './errors';
import * as findings from './findings';
import { OPERATIONS, type HeaderName, type Operation } from './operations';
import * as reports from './reports';
import * as tenant from './tenant';

/** The version of the document: the API's own (`/api/v2`), with a third number that grows with additions. */
export const API_VERSION = '2.0.0';

type Json = Record<string, unknown>;

/** Schemas the document names under `components/schemas`, by the name they are exported with. */
function namedSchemas(): Map<object, string> {
  const names = new Map<object, string>();
  for (const module of [reports, findings, tenant]) {
    for (const [name, value] of Object.entries(module)) {
      if (typeof value === 'object' && value !== null && !names.has(value)) names.set(value, name);
    }
  }
  names.set(ErrorBody, 'Error');
  return names;
}

/** A plain JSON copy of a schema (TypeBox's symbol keys dropped), each named schema inside it replaced by a
 * reference, so the document lists every shape once. */
function toJson(schema: unknown, names: Map<object, string>, root = true): unknown {
  if (Array.isArray(schema)) return schema.map((s) => toJson(s, names, false));
  if (typeof schema !== 'object' || schema === null) return schema;
  const name = names.get(schema);
  if (name && !root) return { $ref: `#/components/schemas/${name}` };
  const out: Json = {};
  for (const [key, value] of Object.entries(schema)) out[key] = toJson(value, names, false);
  return out;
}

const HEADERS: Readonly<Record<HeaderName, Json>> = {
  Location: {
    description: 'Where to read the resource (or, for a redirect, where to go).',
    required: true,
    schema: { type: 'string' },
  },
  'Retry-After': {
    description: 'Seconds to wait before trying again.',
    schema: { type: 'string', pattern: '^[0-9]+$' },
  },
  ETag: { description: 'The entity tag of the body, for `If-None-Match`.', schema: { type: 'string' } },
  'Idempotent-Replayed': {
    description: 'Present when the answer is the one given before to the same `Idempotency-Key`.',
    schema: { type: 'string', enum: ['true'] },
  },
  'X-Artifact-Signature': {
    description: "A JSON artifact's compact detached JWS over its exact bytes, verifiable against the published keys.",
    schema: { type: 'string' },
  },
  'X-Artifact-Signature-Key-Id': { description: 'The key the artifact was signed with.', schema: { type: 'string' } },
  'Content-Disposition': { description: 'The file name to save the artifact under.', schema: { type: 'string' } },
  'Repr-Digest': { description: "The artifact's sha-256, as RFC 9530 writes it.", schema: { type: 'string' } },
};

/** The codes any operation of a kind may answer: authentication, limits and the server's own failures. */
function baseCodes(op: Operation): ErrorCode[] {
  const codes: ErrorCode[] = ['invalid_request', 'not_found', 'internal', 'already_exists', 'unavailable'];
  if (op.security === 'tenant') codes.push('unauthenticated', 'missing_scope', 'tenant_suspended', 'rate_limited');
  if (op.security === 'operator') codes.push('unauthenticated', 'missing_scope', 'rate_limited');
  if (op.security === 'signedUrl') codes.push('rate_limited');
  // A JSON body of another type, or any body in an encoding the server does not decode, is refused with 415.
  if (op.body) codes.push('payload_too_large', 'unsupported_media_type');
  return codes;
}

function errorResponses(op: Operation, documented: Set<number>, names: Map<object, string>): Json {
  const error = { $ref: '#/components/schemas/Error' };
  const body = op.errorAlternative ? { anyOf: [error, toJson(op.errorAlternative, names, false)] } : error;
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set([...baseCodes(op), ...(op.errors ?? [])])) {
    const status = ERRORS[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const out: Json = {};
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    if (documented.has(status)) continue;
    out[String(status)] = {
      description:
        `An error: ${codes.map((c) => `\`${c}\``).join(', ')}.` +
        (op.errorAlternative ? ' A job that failed with it answers with the job and its error.' : ''),
      ...(status === 429 || status === 503
        ? { headers: { 'Retry-After': { $ref: '#/components/headers/Retry-After' } } }
        : {}),
      content: { 'application/json': { schema: body } },
    };
  }
  return out;
}

/** `/api/v2/reports/:id` as OpenAPI writes it: `/api/v2/reports/{id}`. */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z]+)/g, '{$1}');
}

const SECURITY: Record<Operation['security'], Json[]> = {
  tenant: [{ tenantBearer: [] }],
  operator: [{ operatorBearer: [] }],
  signedUrl: [{ signedUrl: [] }],
  none: [],
};

function operationObject(op: Operation, names: Map<object, string>): Json {
  const schema = (s: TSchema) => toJson(s, names, false);
  const parameters = [
    ...Object.entries(op.params ?? {}).map(([name, p]) => ({
      name,
      in: 'path',
      required: true,
      ...(p.description ? { description: p.description } : {}),
      schema: schema(p.schema),
    })),
    ...Object.entries(op.query ?? {}).map(([name, p]) => ({
      name,
      in: 'query',
      required: p.required ?? false,
      ...(p.description ? { description: p.description } : {}),
      schema: schema(p.schema),
    })),
  ];
  if (op.id === 'createReport' || op.id === 'regenerateReport') {
    parameters.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description: "A key of the client's choosing: a retried request with it answers the first one's report.",
      schema: { type: 'string', minLength: 1, maxLength: 200 },
    });
  }
  const documented = new Set(Object.keys(op.responses).map(Number));
  const responses: Json = {};
  for (const [status, answer] of Object.entries(op.responses)) {
    responses[status] = {
      description: answer.description,
      ...(answer.headers
        ? {
            headers: Object.fromEntries(answer.headers.map((h) => [h, { $ref: `#/components/headers/${h}` }])),
          }
        : {}),
      ...(answer.links
        ? {
            links: Object.fromEntries(
              Object.entries(answer.links).map(([name, operationId]) => [
                name,
                { operationId, parameters: { id: '$response.body#/id' } },
              ]),
            ),
          }
        : {}),
      ...(answer.content
        ? {
            content: Object.fromEntries(
              Object.entries(answer.content).map(([type, s]) => [type, { schema: schema(s) }]),
            ),
          }
        : {}),
    };
  }
  Object.assign(responses, errorResponses(op, documented, names));
  const scope = op.scope ? `Requires a token with the \`${op.scope}\` scope.` : undefined;
  const description = [op.description, scope].filter(Boolean).join('\n\n');
  return {
    operationId: op.id,
    summary: op.summary,
    ...(description ? { description } : {}),
    tags: [op.tag],
    security: SECURITY[op.security],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(op.body
      ? {
          requestBody: {
            required: true,
            content:
              'schema' in op.body
                ? { 'application/json': { schema: schema(op.body.schema) } }
                : {
                    'application/octet-stream': {
                      schema: { type: 'string', contentMediaType: 'application/octet-stream' },
                    },
                  },
          },
        }
      : {}),
    responses,
  };
}

const TAGS = [
  ['Reports', 'Reports: create, poll, download, approve, retry and regenerate; legal holds.'],
  ['Findings', 'Endpoints under test and their findings.'],
  ['Imports', 'Scanner files (garak, promptfoo) imported as jobs.'],
  ['Runs', 'Test runs and their results per probe.'],
  ['Weaknesses', 'Weaknesses and their treatment.'],
  ['Tenant', "The tenant's settings, applicability profile, rating method and branding."],
  ['Tokens', "The tenant's own tokens."],
  ['Audit', "The tenant's audit log."],
  ['Operator', 'The operator API: tenants, their tokens and offboarding. Operator tokens only.'],
  ['Artifacts', 'Artifacts by signed URL.'],
  ['Public', 'Documents anyone may read: the public keys, the JSON Schemas of the export, this document.'],
] as const;

/** Builds the OpenAPI 3.1 document of the whole public API from the operations table and its schemas. */
export function buildOpenApiDocument(): Json {
  const names = namedSchemas();
  const paths: Record<string, Json> = {};
  for (const op of OPERATIONS) {
    const path = openApiPath(op.path);
    paths[path] = { ...(paths[path] ?? {}), [op.method]: operationObject(op, names) };
  }
  const used = new Set<string>();
  const collect = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(collect);
    else if (typeof value === 'object' && value !== null) {
      const ref = (value as Json).$ref;
      if (typeof ref === 'string' && ref.startsWith('#/components/schemas/')) used.add(ref.slice(21));
      Object.values(value).forEach(collect);
    }
  };
  collect(paths);
  const schemas: Json = {};
  // Named schemas referenced from other named schemas are found as they are added.
  for (let added = true; added;) {
    added = false;
    for (const [schema, name] of names) {
      if (used.has(name) && !(name in schemas)) {
        schemas[name] = toJson(schema, names, true);
        collect(schemas[name]);
        added = true;
      }
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Audit evidence reports API',
      version: API_VERSION,
      summary: 'AI red-team findings in, signed audit-ready evidence reports out.',
      description:
        'Every request is checked against this document: a refused one answers `400 invalid_request` (or ' +
        '`framework_unknown`) naming the field and what it allows. Every error has the body `{error: {code, message}}` ' +
        'and a status decided by its code alone:\n\n' +
        errorTableDescription(),
      license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
    },
    servers: [{ url: '/', description: 'This server' }],
    tags: TAGS.map(([name, description]) => ({ name, description })),
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b))),
      headers: HEADERS,
      securitySchemes: {
        tenantBearer: {
          type: 'http',
          scheme: 'bearer',
          description: "A tenant's API token; each operation names the scope it needs.",
        },
        operatorBearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'An operator token (scope `admin`, bound to no tenant): `/api/v2/admin` only.',
        },
        signedUrl: {
          type: 'apiKey',
          in: 'query',
          name: 'signature',
          description: 'A signed, short-lived download URL as `GET /reports/{id}/download` redirects to.',
        },
      },
    },
  };
}
