import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { buildOpenApiDocument, openApiPath } from '../../src/http/contract/document';
import { OPERATIONS, type Operation } from '../../src/http/contract/operations';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The header a harness request carries so that the answer's check is found by the request that made it. */
export const CHECK_ID_HEADER = 'x-contract-check';

interface Route {
  op: Operation;
  pattern: RegExp;
}

/** The document's routes as Express matches them: any case, a trailing slash allowed. */
function routes(): Route[] {
  return OPERATIONS.map((op) => ({
    op,
    pattern: new RegExp(`^${op.path.replace(/[.]/g, '\\.').replace(/:[A-Za-z]+/g, '[^/]+')}/?$`, 'i'),
  }));
}

/** The content type an answer gave through writeHead. */
const written = new WeakMap<ServerResponse, string>();

/** The URL the client asked for. Express rewrites `req.url` while a router mounted at a prefix (`/api/v2`) handles the
 * request, so an answer sent from inside one would otherwise be looked up without its prefix, match no operation and
 * go unchecked; `originalUrl` keeps the whole path. */
function requestUrl(req: IncomingMessage): string {
  return (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/';
}

const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

/**
 * Checks every answer of the API against the OpenAPI document, as an outside client (or fuzzer) holding the document
 * would: the status is documented for the operation, the content type is one the document names for it, and the
 * body is valid against the schema. Answers to paths the document does not describe (and to HEAD) are not checked.
 * Each mismatch is kept: the harness throws it from the request that caused it, and any left from the test file's
 * other requests when it closes, so a new test is checked without asking for it.
 */
export class ContractCheck {
  private readonly doc = buildOpenApiDocument();
  private readonly ajv = new Ajv2020({ strict: false, validateSchema: false, allErrors: false });
  private readonly routes = routes();
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly byId = new Map<string, string[]>();
  /** Mismatches of answers to requests the harness did not send itself. */
  readonly unclaimed: string[] = [];

  constructor() {
    addFormats(this.ajv, ['date', 'date-time']);
    this.ajv.addSchema(this.doc, 'openapi.json');
  }

  /** Wraps the API's listener so that every answer it writes is checked once it ends. */
  wrap(listener: RequestListener): RequestListener {
    return (req, res) => {
      const chunks: Buffer[] = [];
      const write = res.write.bind(res) as (...args: unknown[]) => boolean;
      const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
      const keep = (chunk: unknown, encoding?: unknown) => {
        if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
        chunks.push(
          Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string, (encoding as BufferEncoding) ?? 'utf8'),
        );
      };
      res.write = ((chunk: unknown, ...rest: unknown[]) => {
        keep(chunk, rest[0]);
        return write(chunk, ...rest);
      }) as typeof res.write;
      // A fast path writes its headers with writeHead, where getHeader does not see them.
      const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
      res.writeHead = ((status: number, ...rest: unknown[]) => {
        const headers = rest.find((r) => typeof r === 'object' && r !== null && !Array.isArray(r));
        for (const [name, value] of Object.entries((headers ?? {}) as Record<string, string>)) {
          if (name.toLowerCase() === 'content-type') written.set(res, String(value));
        }
        return writeHead(status, ...rest);
      }) as typeof res.writeHead;
      res.end = ((chunk?: unknown, ...rest: unknown[]) => {
        keep(chunk, rest[0]);
        this.check(req, res, Buffer.concat(chunks));
        return end(chunk, ...rest);
      }) as typeof res.end;
      listener(req, res);
    };
  }

  /** The mismatches found for the request the harness tagged with `id`, forgotten once read. */
  take(id: string): string[] {
    const found = this.byId.get(id) ?? [];
    this.byId.delete(id);
    return found;
  }

  private check(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    const problems = this.problems(req, res, body);
    if (problems.length === 0) return;
    const id = req.headers[CHECK_ID_HEADER];
    const text = problems.map((p) => `${req.method} ${requestUrl(req)} → ${res.statusCode}: ${p}`);
    if (typeof id === 'string') this.byId.set(id, [...(this.byId.get(id) ?? []), ...text]);
    else this.unclaimed.push(...text);
  }

  private problems(req: IncomingMessage, res: ServerResponse, body: Buffer): string[] {
    const method = (req.method ?? 'GET').toLowerCase();
    const path = requestUrl(req).split('?')[0];
    const route = this.routes.find((r) => r.op.method === method && r.pattern.test(path));
    if (!route) return [];
    const status = String(res.statusCode);
    const opPointer = pointer('paths', openApiPath(route.op.path), method);
    const responses = (this.doc.paths as Json)[openApiPath(route.op.path)][method].responses as Json;
    const answer = responses[status] ?? responses.default;
    if (!answer) return [`status ${status} is not documented for ${route.op.id}`];
    if (!answer.content || body.length === 0) return [];
    const type = String(res.getHeader('content-type') ?? written.get(res) ?? '')
      .split(';')[0]
      .trim()
      .toLowerCase();
    if (!(type in answer.content)) {
      return [
        `content type ${type || '(none)'} is not documented for ${status}; expected ${Object.keys(answer.content).join(', ')}`,
      ];
    }
    if (!type.includes('json')) return [];
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return ['the body is not JSON'];
    }
    const ref = `openapi.json#/${opPointer}/${pointer('responses', status in responses ? status : 'default', 'content', type, 'schema')}`;
    let validate = this.compiled.get(ref);
    if (!validate) {
      validate = this.ajv.compile({ $ref: ref });
      this.compiled.set(ref, validate);
    }
    if (validate(parsed)) return [];
    return (validate.errors ?? []).map(
      (e) =>
        `body${e.instancePath} ${e.message}${e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : ''}`,
    );
  }
}
