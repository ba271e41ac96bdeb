import { Router } from 'express';
import type { Clock } from '../../activities/ports';
import { AppError } from '../domain/errors';
import type { Endpoint } from '../domain/finding';
import { isId } from '../domain/ids';
import { isIsoDate } from '../domain/report-request';
import { parseRunInput } from '../domain/run-input';
import { canonicalJson, type RunTotals, type TestRun } from '../domain/runs';
import { invalid } from '../domain/validation';
import { keyId } from '../infra/ids';
import { authenticate, principalOf, requireScope, type TokenAuthenticator } from './auth';
import { validateRequest } from './contract/validate';
import { jsonBody } from './json-body';
import { decodeCursor, pageOf, parseLimit } from './paging';
import { presentRun } from './present';
import { rateLimit, type TokenBuckets } from './rate-limit';

/** Test runs of a tenant, as the API needs them (MongoRunsRepo). */
export interface RunsStore {
  save(run: TestRun): Promise<{ run: TestRun; outcome: 'created' | 'replaced' | 'kept' }>;
  get(tenantId: string, id: string): Promise<TestRun | undefined>;
  summariesInScope(
    tenantId: string,
    endpointIds: string[],
    from: string,
    to: string,
  ): Promise<(TestRun & { totals: RunTotals })[]>;
}

/** What the runs API needs. */
export interface RunsRouterDeps {
  runsStore: RunsStore;
  endpointsStore: { get(tenantId: string, id: string): Promise<Endpoint | undefined> };
  tokens: TokenAuthenticator;
  rateLimits: TokenBuckets;
  /** Per client address, requests without a live token (see takeAttempt). */
  unauthLimits: TokenBuckets;
  clock: Clock;
  /** Body limit of `POST /runs`, as of `POST /findings`: up to 10,000 results. */
  findingsBodyLimitBytes: number;
}

/** Longest period `GET /runs` lists at once. */
const MAX_LIST_DAYS = 366;

function parseDay(raw: unknown, field: 'from' | 'to'): string {
  if (!isIsoDate(raw)) throw invalid(field, 'is required: a calendar day (YYYY-MM-DD)');
  return raw;
}

/**
 * Test runs: posted by a client (`POST /runs`, then its findings with `run_id`) or recorded by an import, each with
 * its results per probe, so a report can say what was tested and how often it held, not only what failed. Every
 * call is scoped to the token's tenant; another tenant's run or endpoint is not found.
 */
export function runsRouter(deps: RunsRouterDeps): Router {
  const router = Router();
  router.use('/runs', authenticate(deps.tokens, deps.unauthLimits), rateLimit(deps.rateLimits));

  async function ownEndpoint(tenantId: string, id: string): Promise<Endpoint> {
    const endpoint = await deps.endpointsStore.get(tenantId, id);
    if (!endpoint) throw new AppError('not_found', `endpoint ${id} does not exist`, { field: 'endpoint_id' });
    return endpoint;
  }

  const postRun = [
    requireScope('findings:write'),
    ...jsonBody(deps.findingsBodyLimitBytes),
    validateRequest('createRun'),
  ];
  router.post('/runs', ...postRun, async (req, res) => {
    const tenantId = principalOf(res).tenantId;
    const now = deps.clock.now();
    const { externalId, ...input } = parseRunInput(req.body, now);
    await ownEndpoint(tenantId, input.endpointId);
    // The same run posted again (by its external id, or else by its content) is the same run, so a retried post
    // does not count its attempts twice.
    const id = keyId('run', [
      tenantId,
      input.endpointId,
      'api',
      externalId !== undefined ? `external:${externalId}` : `content:${canonicalJson(input)}`,
    ]);
    const saved = await deps.runsStore.save({
      ...input,
      id,
      tenantId,
      runId: id,
      origin: 'api',
      resultsComplete: true,
      recordedAt: now.toISOString(),
    });
    res
      .status(saved.outcome === 'created' ? 201 : 200)
      .location(`/api/v2/runs/${id}`)
      .json(presentRun(saved.run));
  });

  router.get('/runs/:id', requireScope('findings:read'), async (req, res) => {
    const id = req.params.id;
    const run = isId(id, 'run') ? await deps.runsStore.get(principalOf(res).tenantId, id) : undefined;
    if (!run) throw new AppError('not_found', `run ${id} does not exist`);
    res.json(presentRun(run));
  });

  router.get('/runs', requireScope('findings:read'), validateRequest('listRuns'), async (req, res) => {
    const tenantId = principalOf(res).tenantId;
    const endpointId = req.query.endpoint_id;
    if (!isId(endpointId, 'ep')) throw invalid('endpoint_id', 'is required: an endpoint id such as "ep_2026_abc123"');
    const from = parseDay(req.query.from, 'from');
    const to = parseDay(req.query.to, 'to');
    if (from > to) throw invalid('from', `${from} is after to (${to})`);
    const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000 + 1;
    if (days > MAX_LIST_DAYS)
      throw invalid('to', `the period spans ${days} days; list at most ${MAX_LIST_DAYS} at once`);
    const limit = parseLimit(req.query.limit);
    const after = decodeCursor(req.query.cursor, ([at, id]) =>
      typeof at === 'string' && isId(id, 'run') ? { startedAt: at, id } : undefined,
    );
    await ownEndpoint(tenantId, endpointId);
    // Newest first; the period is bounded, so its runs are read whole and paged here.
    const runs = (await deps.runsStore.summariesInScope(tenantId, [endpointId], from, to)).reverse();
    const start = after
      ? runs.findIndex((r) => r.startedAt < after.startedAt || (r.startedAt === after.startedAt && r.id < after.id))
      : 0;
    const items = start < 0 ? [] : runs.slice(start, start + limit + 1);
    const page = pageOf(items, limit, (r) => [r.startedAt, r.id]);
    res.json({ data: page.data.map((r) => presentRun(r, r.totals)), next_cursor: page.next });
  });

  return router;
}
