import { Router, type Response } from 'express';
import type { Clock } from '../../activities/ports';
import { AppError, ERRORS, isErrorCode } from '../domain/errors';
import type { Endpoint, Finding, FindingSource } from '../domain/finding';
import type { TestRun } from '../domain/runs';
import { isoTime, parseEndpointInput, parseFindingsBatch, parseRefFilter } from '../domain/finding-input';
import { isId } from '../domain/ids';
import { isScannerFormat, SCANNER_FORMATS, type ScannerFormat } from '../domain/importers/types';
import { isSeverity, SEVERITIES, type Severity } from '../domain/severity';
import { invalid, shown } from '../domain/validation';
import type { FindingFilter, StoreResult } from '../infra/mongo/findings-repo';
import type { ImportJobs } from '../app/import-jobs';
import type { TenantQuotas } from '../app/tenant-quotas';
import type { ImportRecord } from '../domain/imports';
import { stableId } from '../infra/ids';
import type { Logger } from '../infra/logger';
import { authenticate, principalOf, requireScope, type TokenAuthenticator } from './auth';
import { FindingInput } from './contract/findings';
import { schemaCheck, validateRequest } from './contract/validate';
import { acceptEncodings, jsonBody } from './json-body';
import { decodeCursor, pageOf, parseLimit } from './paging';
import { parseBound } from './time-bounds';
import { rateLimit, type TokenBuckets } from './rate-limit';
import { presentEndpoint, presentFinding, presentImportJob } from './present';

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
  /** The runs findings may name (`run_id`). */
  runsStore: { get(tenantId: string, id: string): Promise<TestRun | undefined> };
  /** Scanner imports, run as jobs. */
  importJobs: Pick<ImportJobs, 'start' | 'get' | 'waitFor'>;
  /** The tenant's quota of stored findings. */
  quotas: Pick<TenantQuotas, 'checkStored'>;
  tokens: TokenAuthenticator;
  rateLimits: TokenBuckets;
  /** Per client address, requests without a live token (see takeAttempt). */
  unauthLimits: TokenBuckets;
  clock: Clock;
  logger: Logger;
  newEndpointId: () => string;
  bodyLimitBytes: number;
  /** Body limit of `POST /findings` (a batch of up to 1,000 findings with evidence). */
  findingsBodyLimitBytes: number;
}

function parseSeverities(raw: unknown): Severity[] | undefined {
  if (raw === undefined) return undefined;
  const values = String(raw).split(',');
  const bad = values.find((v) => !isSeverity(v));
  if (bad !== undefined)
    throw invalid('severity', `${shown(bad)} is not a severity; use any of ${SEVERITIES.join(', ')}`);
  return values as Severity[];
}

function parseFormat(raw: unknown): ScannerFormat | undefined {
  if (raw === undefined) return undefined;
  if (!isScannerFormat(raw)) {
    throw invalid(
      'format',
      `${shown(raw)} is not a format the importer reads; use one of ${SCANNER_FORMATS.join(', ')}`,
    );
  }
  return raw;
}

/** Most seconds `wait` may hold a request open. */
const MAX_WAIT_SECONDS = 300;

function parseWait(raw: unknown): number {
  if (raw === undefined) return 0;
  const n = Number(raw);
  if (typeof raw !== 'string' || !/^\d{1,3}$/.test(raw) || n > MAX_WAIT_SECONDS) {
    throw invalid('wait', `must be a whole number of seconds from 0 to ${MAX_WAIT_SECONDS}`);
  }
  return n;
}

/** Answers an import job. A job still going is `202` when just started (`200` when read), with where to follow
 * it; one that succeeded is `201` when it created findings, else `200`; one that failed answers its error's
 * status (`422` for a file that cannot be imported), so a pipeline's `curl -f` fails with it. */
function replyImport(res: Response, r: ImportRecord, started: boolean): void {
  let status = started ? 202 : 200;
  if (r.status === 'succeeded') status = started && (r.outcome?.created ?? 0) > 0 ? 201 : 200;
  else if (r.status === 'failed' && started)
    status = ERRORS[isErrorCode(r.error?.code) ? r.error!.code : 'internal'].status;
  res.status(status).location(`/api/v2/findings/imports/${r.id}`).json(presentImportJob(r));
}

function parseFlag(raw: unknown, field: string): boolean {
  if (raw === undefined || raw === 'false') return false;
  if (raw === 'true') return true;
  throw invalid(field, `must be true or false, found ${shown(raw)}`);
}

/**
 * The endpoints under test and their findings: register endpoints, send findings in batches, list them, and
 * import scanner files (garak, promptfoo). Every query is scoped to the token's tenant; an endpoint of another
 * tenant is "not found", and findings can only be stored on the caller's own endpoints.
 */
export function findingsRouter(deps: FindingsRouterDeps): Router {
  const router = Router();
  router.use(['/endpoints', '/findings'], authenticate(deps.tokens, deps.unauthLimits), rateLimit(deps.rateLimits));

  async function ownEndpoint(tenantId: string, id: unknown, field: string): Promise<Endpoint> {
    const endpoint = isId(id, 'ep') ? await deps.endpointsStore.get(tenantId, id) : undefined;
    if (!endpoint) throw invalid(field, `${shown(id ?? null)} is not an endpoint of this tenant`);
    return endpoint;
  }

  /** The source each run a batch names gives its findings; a run that is not the tenant's, or is of another
   * endpoint than the finding, refuses the batch naming the finding. */
  async function runSources(
    tenantId: string,
    inputs: readonly { endpointId: string; runRef?: string }[],
  ): Promise<Map<string, FindingSource>> {
    const runs = new Map<string, TestRun | undefined>();
    const sources = new Map<string, FindingSource>();
    for (const [index, f] of inputs.entries()) {
      if (f.runRef === undefined) continue;
      if (!runs.has(f.runRef)) runs.set(f.runRef, await deps.runsStore.get(tenantId, f.runRef));
      const run = runs.get(f.runRef);
      const field = `findings[${index}].run_id`;
      if (!run) throw invalid(field, `${shown(f.runRef)} is not a run of this tenant`);
      if (run.endpointId !== f.endpointId) {
        throw invalid(field, `run ${run.id} is a run of endpoint ${run.endpointId}, not of ${f.endpointId}`);
      }
      sources.set(run.id, {
        tool: run.tool,
        ...(run.toolVersion !== undefined ? { toolVersion: run.toolVersion } : {}),
        runId: run.runId,
      });
    }
    return sources;
  }

  const checkFinding = schemaCheck(FindingInput);

  router.post(
    '/endpoints',
    requireScope('findings:write'),
    ...jsonBody(deps.bodyLimitBytes),
    validateRequest('createEndpoint'),
    async (req, res) => {
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
    },
  );

  router.get('/endpoints', requireScope('findings:read'), validateRequest('listEndpoints'), async (req, res) => {
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
    validateRequest('sendFindings'),
    async (req, res) => {
      const tenantId = principalOf(res).tenantId;
      const now = deps.clock.now();
      const inputs = parseFindingsBatch(req.body, now, checkFinding);
      const endpointIds = [...new Set(inputs.map((f) => f.endpointId))];
      for (const id of endpointIds) {
        await ownEndpoint(tenantId, id, `findings[${inputs.findIndex((f) => f.endpointId === id)}].endpoint_id`);
      }
      const sources = await runSources(tenantId, inputs);
      await deps.quotas.checkStored(tenantId, inputs.length);
      const findings: Finding[] = inputs.map(({ externalId, runRef, ...f }) => ({
        ...f,
        ...(runRef !== undefined ? { source: sources.get(runRef)! } : {}),
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

  router.get('/findings', requireScope('findings:read'), validateRequest('listFindings'), async (req, res) => {
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
    // Evidence is masked unless the token may read it as stored: findings:read is for listing and triage,
    // evidence:read for whoever must see exactly what the model said (GDPR Art. 5(1)(c)).
    const evidence = principalOf(res).scopes.includes('evidence:read') ? 'stored' : 'masked';
    res.json({ data: page.data.map((f) => presentFinding(f, evidence)), next_cursor: page.next });
  });

  // A scanner file is staged as sent and its digest is the file's own, so it is taken only as it is: a compressed
  // upload is refused with 415 rather than stored as a file no importer can read.
  router.post(
    '/findings/imports',
    requireScope('findings:write'),
    acceptEncodings(['identity']),
    validateRequest('importFindings'),
    async (req, res) => {
      const tenantId = principalOf(res).tenantId;
      const endpoint = await ownEndpoint(tenantId, req.query.endpoint_id, 'endpoint_id');
      const format = parseFormat(req.query.format);
      const includeEvals = parseFlag(req.query.include_evals, 'include_evals');
      const wait = parseWait(req.query.wait);
      const runStartedAt = req.query.run_started_at;
      if (runStartedAt !== undefined && !isoTime(runStartedAt)) {
        throw invalid('run_started_at', 'must be an ISO 8601 time with a zone, such as "2026-05-02T10:00:00Z"');
      }
      const started = await deps.importJobs.start(
        {
          tenantId,
          endpointId: endpoint.id,
          ...(format ? { format } : {}),
          ...(runStartedAt ? { runStartedAt: isoTime(runStartedAt)!.toISOString() } : {}),
          includeEvals,
        },
        req,
      );
      deps.logger.info('scanner import started', {
        tenant_id: tenantId,
        import_id: started.id,
        endpoint_id: endpoint.id,
        bytes: started.upload.bytes,
      });
      const answer = wait > 0 ? ((await deps.importJobs.waitFor(tenantId, started.id, wait)) ?? started) : started;
      replyImport(res, answer, true);
    },
  );

  router.get('/findings/imports/:id', requireScope('findings:read'), validateRequest('getImport'), async (req, res) => {
    const tenantId = principalOf(res).tenantId;
    const id = req.params.id;
    const wait = parseWait(req.query.wait);
    const found = isId(id, 'imp')
      ? wait > 0
        ? await deps.importJobs.waitFor(tenantId, id, wait)
        : await deps.importJobs.get(tenantId, id)
      : undefined;
    if (!found) throw new AppError('not_found', `import ${id} does not exist`);
    replyImport(res, found, false);
  });

  return router;
}
