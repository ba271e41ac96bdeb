import { randomUUID } from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { Router, type Request } from 'express';
import type { Clock } from '../../activities/ports';
import { AppError } from '../domain/errors';
import type { Endpoint, Finding } from '../domain/finding';
import { isoTime, parseEndpointInput, parseFindingsBatch, parseRefFilter } from '../domain/finding-input';
import { isIsoDate } from '../domain/report-request';
import { isId } from '../domain/ids';
import { isScannerFormat, SCANNER_FORMATS, type ScannerFormat } from '../domain/importers/types';
import { isSeverity, SEVERITIES, type Severity } from '../domain/severity';
import { invalid } from '../domain/validation';
import type { FindingFilter, StoreResult } from '../infra/mongo/findings-repo';
import { importScannerFile, type ImportResult, type RunRegister } from '../infra/import/scanner-import';
import { stableId } from '../infra/ids';
import type { Logger } from '../infra/logger';
import { authenticate, principalOf, requireScope, type TokenAuthenticator } from './auth';
import { jsonBody } from './json-body';
import { decodeCursor, pageOf, parseLimit } from './paging';
import { rateLimit, type TokenBuckets } from './rate-limit';
import { presentEndpoint, presentFinding } from './present';

/** Endpoints of a tenant, as the findings API needs them. */
export interface EndpointsStore {
  create(endpoint: Endpoint & { createdAt: string }): Promise<{ endpoint: Endpoint; created: boolean }>;
  get(tenantId: string, id: string): Promise<Endpoint | undefined>;
  list(tenantId: string, page: { limit: number; afterId?: string }): Promise<Endpoint[]>;
}

/** Findings of a tenant, as the findings API needs them. */
export interface FindingsStore {
  store(findings: readonly Finding[], now: Date): Promise<StoreResult>;
  list(
    tenantId: string,
    filter: FindingFilter,
    page: { limit: number; after?: { detectedAt: Date; id: string } },
  ): Promise<Finding[]>;
}

/** What the endpoints and findings API needs. */
export interface FindingsRouterDeps {
  endpointsStore: EndpointsStore;
  findingsStore: FindingsStore;
  /** The runs each endpoint has had imported. */
  importedRuns: RunRegister;
  tokens: TokenAuthenticator;
  rateLimits: TokenBuckets;
  clock: Clock;
  logger: Logger;
  newEndpointId: () => string;
  bodyLimitBytes: number;
  /** Body limit of `POST /findings` (a batch of up to 1,000 findings with evidence). */
  findingsBodyLimitBytes: number;
  /** Bounds on a scanner file `POST /findings/imports` takes, and where uploads wait while they are read. */
  imports: { maxBytes: number; maxFindings: number; maxDetectors: number; uploadDir: string };
}

function parseSeverities(raw: unknown): Severity[] | undefined {
  if (raw === undefined) return undefined;
  const values = String(raw).split(',');
  const bad = values.find((v) => !isSeverity(v));
  if (bad !== undefined) throw invalid('severity', `"${bad}" is not a severity; use any of ${SEVERITIES.join(', ')}`);
  return values as Severity[];
}

/** A list filter bound: a day (`2026-04-01`; `to` takes the day as a whole) or an ISO 8601 time. */
function parseBound(raw: unknown, field: 'from' | 'to'): Date | undefined {
  if (raw === undefined) return undefined;
  if (isIsoDate(raw)) {
    const day = new Date(`${raw}T00:00:00Z`);
    return field === 'to' ? new Date(day.getTime() + 86_400_000) : day;
  }
  const at = isoTime(raw);
  if (!at) throw invalid(field, 'must be a calendar day (YYYY-MM-DD) or an ISO 8601 time with a zone');
  return at;
}

function parseFormat(raw: unknown): ScannerFormat | undefined {
  if (raw === undefined) return undefined;
  if (!isScannerFormat(raw)) {
    throw invalid(
      'format',
      `"${String(raw)}" is not a format the importer reads; use one of ${SCANNER_FORMATS.join(', ')}`,
    );
  }
  return raw;
}

function presentImport(r: ImportResult, endpointId: string): Record<string, unknown> {
  return {
    endpoint_id: endpointId,
    format: r.format,
    tool: r.tool,
    tool_version: r.toolVersion ?? null,
    run_id: r.runId ?? null,
    file_sha256: r.fileSha256,
    file_bytes: r.bytes,
    items_read: r.itemsRead,
    findings: r.findings,
    created: r.created,
    duplicates: r.duplicates,
    ...(r.unmappedProbeModules ? { unmapped_probe_modules: r.unmappedProbeModules } : {}),
    ...(r.held !== undefined ? { held: r.held } : {}),
    ...(r.errored !== undefined ? { errored: r.errored } : {}),
    matched_run: r.matchedRun
      ? {
          format: r.matchedRun.format,
          file_sha256: r.matchedRun.fileSha256,
          imported_at: r.matchedRun.importedAt.toISOString(),
          same_file: r.matchedRun.fileSha256 === r.fileSha256,
          ...(r.matchedRun.legacy ? { legacy: true } : {}),
        }
      : null,
  };
}

function parseFlag(raw: unknown, field: string): boolean {
  if (raw === undefined || raw === 'false') return false;
  if (raw === 'true') return true;
  throw invalid(field, `must be true or false, found ${JSON.stringify(raw)}`);
}

/** Copies a request body to a file, refusing it once it passes `maxBytes`. */
async function spool(req: Request, file: string, maxBytes: number): Promise<void> {
  let seen = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > maxBytes) done(new AppError('payload_too_large', `the file is larger than ${maxBytes} bytes`));
      else done(null, chunk);
    },
  });
  await pipeline(req, limit, createWriteStream(file, { flags: 'wx', mode: 0o600 }));
}

/**
 * The endpoints under test and their findings: register endpoints, send findings in batches, list them, and
 * import scanner files (garak, promptfoo). Every query is scoped to the token's tenant; an endpoint of another
 * tenant is "not found", and findings can only be stored on the caller's own endpoints.
 */
export function findingsRouter(deps: FindingsRouterDeps): Router {
  const router = Router();
  router.use(['/endpoints', '/findings'], authenticate(deps.tokens), rateLimit(deps.rateLimits));

  async function ownEndpoint(tenantId: string, id: unknown, field: string): Promise<Endpoint> {
    const endpoint = isId(id, 'ep') ? await deps.endpointsStore.get(tenantId, id) : undefined;
    if (!endpoint) throw invalid(field, `${JSON.stringify(id ?? null)} is not an endpoint of this tenant`);
    return endpoint;
  }

  router.post('/endpoints', requireScope('findings:write'), ...jsonBody(deps.bodyLimitBytes), async (req, res) => {
    const input = parseEndpointInput(req.body);
    const { endpoint, created } = await deps.endpointsStore.create({
      id: deps.newEndpointId(),
      tenantId: principalOf(res).tenantId,
      ...input,
      createdAt: deps.clock.now().toISOString(),
    });
    res
      .status(created ? 201 : 200)
      .location(`/api/v2/endpoints/${endpoint.id}`)
      .json(presentEndpoint(endpoint));
  });

  router.get('/endpoints', requireScope('findings:read'), async (req, res) => {
    const limit = parseLimit(req.query.limit);
    const after = decodeCursor(req.query.cursor, ([id]) => (isId(id, 'ep') ? id : undefined));
    const items = await deps.endpointsStore.list(principalOf(res).tenantId, { limit: limit + 1, afterId: after });
    const page = pageOf(items, limit, (e) => [e.id]);
    res.json({ data: page.data.map(presentEndpoint), next_cursor: page.next });
  });

  router.get('/endpoints/:id', requireScope('findings:read'), async (req, res) => {
    const id = req.params.id;
    const endpoint = isId(id, 'ep') ? await deps.endpointsStore.get(principalOf(res).tenantId, id) : undefined;
    if (!endpoint) throw new AppError('not_found', `endpoint ${id} does not exist`);
    res.json(presentEndpoint(endpoint));
  });

  router.post(
    '/findings',
    requireScope('findings:write'),
    ...jsonBody(deps.findingsBodyLimitBytes),
    async (req, res) => {
      const tenantId = principalOf(res).tenantId;
      const now = deps.clock.now();
      const inputs = parseFindingsBatch(req.body, now);
      const endpointIds = [...new Set(inputs.map((f) => f.endpointId))];
      for (const id of endpointIds) {
        await ownEndpoint(tenantId, id, `findings[${inputs.findIndex((f) => f.endpointId === id)}].endpoint_id`);
      }
      const findings: Finding[] = inputs.map(({ externalId, ...f }) => ({
        ...f,
        // The same finding sent again (by its external id, or else by its content) gets the same id.
        id: stableId(
          'fnd',
          new Date(f.detectedAt),
          externalId ? [tenantId, 'external', externalId] : [tenantId, 'content', JSON.stringify(f)],
        ),
        tenantId,
      }));
      const stored = await deps.findingsStore.store(findings, now);
      res.status(stored.created > 0 ? 201 : 200).json({
        received: findings.length,
        created: stored.created,
        duplicates: stored.duplicates,
        ids: findings.map((f) => f.id),
      });
    },
  );

  router.get('/findings', requireScope('findings:read'), async (req, res) => {
    const tenantId = principalOf(res).tenantId;
    const limit = parseLimit(req.query.limit);
    const filter: FindingFilter = {};
    if (req.query.endpoint_id !== undefined) {
      filter.endpointId = (await ownEndpoint(tenantId, req.query.endpoint_id, 'endpoint_id')).id;
    }
    const from = parseBound(req.query.from, 'from');
    const to = parseBound(req.query.to, 'to');
    if (from) filter.from = from;
    if (to) filter.to = to;
    const severities = parseSeverities(req.query.severity);
    if (severities) filter.severities = severities;
    if (req.query.ref !== undefined) filter.ref = parseRefFilter(req.query.ref, 'ref');
    const after = decodeCursor(req.query.cursor, ([ms, id]) =>
      typeof ms === 'number' && Number.isFinite(ms) && isId(id, 'fnd') ? { detectedAt: new Date(ms), id } : undefined,
    );
    const items = await deps.findingsStore.list(tenantId, filter, { limit: limit + 1, after });
    const page = pageOf(items, limit, (f) => [Date.parse(f.detectedAt), f.id]);
    res.json({ data: page.data.map(presentFinding), next_cursor: page.next });
  });

  router.post('/findings/imports', requireScope('findings:write'), async (req, res) => {
    const tenantId = principalOf(res).tenantId;
    const endpoint = await ownEndpoint(tenantId, req.query.endpoint_id, 'endpoint_id');
    const format = parseFormat(req.query.format);
    const includeEvals = parseFlag(req.query.include_evals, 'include_evals');
    const runStartedAt = req.query.run_started_at;
    if (runStartedAt !== undefined && !isoTime(runStartedAt)) {
      throw invalid('run_started_at', 'must be an ISO 8601 time with a zone, such as "2026-05-02T10:00:00Z"');
    }
    await fs.mkdir(deps.imports.uploadDir, { recursive: true, mode: 0o700 });
    const file = path.join(deps.imports.uploadDir, `${randomUUID()}.upload`);
    try {
      await spool(req, file, deps.imports.maxBytes);
      const now = deps.clock.now();
      const sinks = { store: (batch: Finding[]) => deps.findingsStore.store(batch, now), runs: deps.importedRuns };
      const result = await importScannerFile(file, sinks, {
        tenantId,
        endpointId: endpoint.id,
        ...(format ? { format } : {}),
        ...(runStartedAt ? { runStartedAt: String(runStartedAt) } : {}),
        includeEvals,
        limits: { maxFindings: deps.imports.maxFindings, maxDetectors: deps.imports.maxDetectors },
      });
      deps.logger.info('scanner file imported', { tenant_id: tenantId, ...presentImport(result, endpoint.id) });
      res.status(result.created > 0 ? 201 : 200).json(presentImport(result, endpoint.id));
    } finally {
      await fs.rm(file, { force: true });
    }
  });

  return router;
}
