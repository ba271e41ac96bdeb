import type { components, operations } from './api-types';
import { ApiError, errorFromResponse } from './api-error';

// The types are the API's document's own (src/client/api-types.ts is generated from it), named for callers.
type Schemas = components['schemas'];
type JsonOf<R> = R extends { content: { 'application/json': infer B } } ? B : never;
export type Report = Schemas['Report'];
export type ReportRequest = Schemas['ReportRequest'];
/** The answer to a create, a regenerate (with `regenerated_from`) or a retry (with `attempt`). */
export type ReportQueued = Schemas['ReportQueued'];
export type ReportPage = JsonOf<operations['listReports']['responses'][200]>;
export type Endpoint = Schemas['Endpoint'];
export type EndpointInput = Schemas['EndpointInput'];
export type EndpointPage = JsonOf<operations['listEndpoints']['responses'][200]>;
export type ImportJob = Schemas['ImportJob'];
export type Jwks = JsonOf<operations['getJwks']['responses'][200]>;
/** The body of every error answer. */
export type ErrorBody = Schemas['Error'];

/** Where the client sends its requests, and as whom. */
export interface ClientOptions {
  /** The service's address, such as `https://evidence.example.com`; a trailing `/api/v2` is accepted too. */
  baseUrl: string;
  /** A tenant's bearer token; only the public documents (the JWKS) can be read without one. */
  token?: string;
  /** The fetch to call; the global one by default (tests pass their own). */
  fetch?: typeof fetch;
}

/** One page of a list: at most `limit` items after `cursor` (the `next_cursor` of the page before). */
export interface PageQuery {
  limit?: number;
  cursor?: string;
}

/** What an import is asked to do with the file it is sent. */
export interface ImportOptions {
  endpointId: string;
  /** `garak-report`, `garak-hitlog` or `promptfoo`; read from the file when left out. */
  format?: string;
  /** ISO 8601 time with a zone: when the run started, for a file that does not say (a garak hitlog). */
  runStartedAt?: string;
  includeEvals?: boolean;
  /** Seconds (at most 300) the API may hold the answer until the job ends. */
  wait?: number;
}

/** A downloaded artifact: its bytes, the file name the service gives it and, for JSON, its detached signature. */
export interface DownloadedArtifact {
  /** The name from `Content-Disposition` when it is a plain file name, else undefined. */
  fileName?: string;
  contentType: string;
  bytes: Uint8Array;
  /** The detached JWS of a JSON artifact (`X-Artifact-Signature`), when the store sent it. */
  signature?: string;
}

const API_PREFIX = '/api/v2';

/** A file name the client may save under: no folder, no leading dot, nothing a shell or a file system treats
 * specially. The service's names (`rpt_….pdf`, `rpt_…-v2.json`) all are. */
const SAFE_FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,200}$/;

/** The file name a `Content-Disposition` header gives, if it is a safe one. */
export function fileNameOf(disposition: string | null): string | undefined {
  if (!disposition) return undefined;
  const extended = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(disposition)?.[1];
  let name: string | undefined;
  try {
    name = extended ? decodeURIComponent(extended.trim()) : undefined;
  } catch {
    name = undefined;
  }
  name ??= /filename\s*=\s*"([^"]*)"/i.exec(disposition)?.[1] ?? /filename\s*=\s*([^;\s]+)/i.exec(disposition)?.[1];
  return name !== undefined && SAFE_FILE_NAME.test(name) && !name.includes('..') ? name : undefined;
}

/**
 * A typed client of the evidence reports API (`/api/v2`). Every call answers the API's body as its type, or
 * rejects with an {@link ApiError} carrying the status, code, message and field of the API's error answer (status
 * 0, code `unreachable`, when no answer came). It depends on nothing but the runtime's fetch.
 */
export class EvidenceClient {
  readonly baseUrl: string;
  private readonly token: string | undefined;
  private readonly fetch: typeof fetch;

  constructor(options: ClientOptions) {
    let base: URL;
    try {
      base = new URL(options.baseUrl);
    } catch {
      throw new TypeError(`baseUrl "${options.baseUrl}" is not a URL; use one such as https://evidence.example.com`);
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new TypeError(`baseUrl "${options.baseUrl}" must be an http or https URL`);
    }
    this.baseUrl = base.href.replace(/\/+$/, '').replace(/\/api\/v2$/, '');
    this.token = options.token;
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  createReport(request: ReportRequest, options: { idempotencyKey?: string } = {}): Promise<ReportQueued> {
    return this.json('POST', '/reports', {
      body: request,
      headers: options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {},
    });
  }

  getReport(id: string): Promise<Report> {
    return this.json('GET', `/reports/${encodeURIComponent(id)}`);
  }

  listReports(page: PageQuery = {}): Promise<ReportPage> {
    return this.json('GET', `/reports${query({ limit: page.limit, cursor: page.cursor })}`);
  }

  /** Another attempt at a failed report, under the same id. */
  retryReport(id: string): Promise<ReportQueued> {
    return this.json('POST', `/reports/${encodeURIComponent(id)}/retry`);
  }

  /** A new report over the same request as `id`, which it names as `regenerated_from`. */
  regenerateReport(id: string): Promise<ReportQueued> {
    return this.json('POST', `/reports/${encodeURIComponent(id)}/regenerate`);
  }

  /**
   * Downloads a ready report's artifact (the latest version, or `version`). The API answers with a redirect to a
   * short-lived signed URL, which is fetched without the token: the URL is its own authority, and the token is
   * not sent to wherever the artifact is stored.
   */
  async downloadReport(id: string, options: { version?: number } = {}): Promise<DownloadedArtifact> {
    const path = `/reports/${encodeURIComponent(id)}/download${query({ version: options.version })}`;
    const redirect = await this.send('GET', path, { redirect: 'manual' });
    const location = redirect.headers.get('location');
    if (redirect.status < 300 || redirect.status >= 400 || !location) {
      if (!redirect.ok) throw await errorFromResponse(redirect);
      await redirect.body?.cancel();
      throw new ApiError(redirect.status, 'unexpected_answer', `${path} answered ${redirect.status}, not a redirect`);
    }
    await redirect.body?.cancel();
    const url = new URL(location, `${this.baseUrl}${API_PREFIX}${path}`).href;
    const res = await this.call(url, { method: 'GET' });
    if (!res.ok) throw await errorFromResponse(res);
    const signature = res.headers.get('x-artifact-signature') ?? undefined;
    return {
      fileName: fileNameOf(res.headers.get('content-disposition')),
      contentType: res.headers.get('content-type') ?? 'application/octet-stream',
      bytes: new Uint8Array(await res.arrayBuffer()),
      ...(signature ? { signature } : {}),
    };
  }

  /**
   * Sends a scanner file (garak report or hitlog, promptfoo results) to be imported into an endpoint, as one
   * streamed body. The API answers the import job; with `wait` it holds the answer until the job ends, and a job
   * that failed is answered as the job (its `error` says why), not thrown.
   */
  async importFile(file: Blob | ReadableStream<Uint8Array> | Uint8Array, options: ImportOptions): Promise<ImportJob> {
    const path = `/findings/imports${query({
      endpoint_id: options.endpointId,
      format: options.format,
      run_started_at: options.runStartedAt,
      include_evals: options.includeEvals === undefined ? undefined : String(options.includeEvals),
      wait: options.wait,
    })}`;
    // A stream is sent as it is read (half duplex); a Blob, such as a file opened as one, carries its length.
    const streamed = typeof ReadableStream !== 'undefined' && file instanceof ReadableStream;
    const res = await this.send('POST', path, {
      rawBody: file as NonNullable<RequestInit['body']>,
      headers: { 'content-type': 'application/octet-stream' },
      ...(streamed ? { duplex: 'half' } : {}),
    });
    return this.importAnswer(res);
  }

  /** Reads an import job; with `wait` (seconds, at most 300) the API holds the answer until the job ends. */
  async getImport(id: string, options: { wait?: number } = {}): Promise<ImportJob> {
    const res = await this.send('GET', `/findings/imports/${encodeURIComponent(id)}${query({ wait: options.wait })}`);
    return this.importAnswer(res);
  }

  createEndpoint(input: EndpointInput): Promise<Endpoint> {
    return this.json('POST', '/endpoints', { body: input });
  }

  listEndpoints(page: PageQuery = {}): Promise<EndpointPage> {
    return this.json('GET', `/endpoints${query({ limit: page.limit, cursor: page.cursor })}`);
  }

  /** The public keys the service signs artifacts with (`/.well-known/jwks.json`), read without a token. */
  async jwks(): Promise<Jwks> {
    const res = await this.call(`${this.baseUrl}/.well-known/jwks.json`, { method: 'GET' });
    if (!res.ok) throw await errorFromResponse(res);
    const body = (await res.json()) as Jwks;
    if (!Array.isArray(body?.keys)) {
      throw new ApiError(res.status, 'unexpected_answer', `${res.url} is not a JWKS (no "keys" array)`);
    }
    return body;
  }

  /** A job answer is the job even with an error status (a failed import answers its error's status). */
  private async importAnswer(res: Response): Promise<ImportJob> {
    if (res.ok) return (await res.json()) as ImportJob;
    const error = await errorFromResponse(res.clone());
    const body = (await res.json().catch(() => undefined)) as Partial<ImportJob> | undefined;
    if (typeof body?.id === 'string' && body.status === 'failed') return body as ImportJob;
    throw error;
  }

  private async json<T>(
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<T> {
    const res = await this.send(method, path, options);
    if (!res.ok) throw await errorFromResponse(res);
    return (await res.json()) as T;
  }

  /** Sends one request to the API with the token; answers whatever came back. */
  private send(
    method: string,
    path: string,
    options: {
      body?: unknown;
      rawBody?: RequestInit['body'];
      headers?: Record<string, string>;
      redirect?: RequestInit['redirect'];
      duplex?: 'half';
    } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`;
    let body: RequestInit['body'] = options.rawBody;
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    return this.call(`${this.baseUrl}${API_PREFIX}${path}`, {
      method,
      headers,
      ...(body !== undefined && body !== null ? { body } : {}),
      ...(options.redirect ? { redirect: options.redirect } : {}),
      ...(options.duplex ? { duplex: options.duplex } : {}),
    } as RequestInit);
  }

  /** fetch, with a failure to get any answer turned into the one error type. */
  private async call(url: string, init: RequestInit): Promise<Response> {
    try {
      return await this.fetch(url, init);
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
      throw new ApiError(0, 'unreachable', `cannot reach ${new URL(url).origin}: ${why}`);
    }
  }
}

/** A query string of the values given, in order; undefined ones are left out. */
function query(values: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}
