import { Router } from 'express';
import type { Clock } from '../../activities/ports';
import type { KeyedWeakness, WeaknessTreatment } from '../app/weakness-treatment';
import { AppError } from '../domain/errors';
import { isId } from '../domain/ids';
import {
  dayOf,
  isEvidenceLink,
  isTreatmentState,
  isWeaknessKey,
  parseTreatmentChange,
  TREATMENT_STATES,
  type HistoryEntry,
  type TreatmentState,
} from '../domain/treatment';
import { invalid, shown } from '../domain/validation';
import { authenticate, principalOf, requireScope, type TokenAuthenticator } from './auth';
import type { EndpointsStore } from './findings-router';
import { validateRequest } from './contract/validate';
import { jsonBody } from './json-body';
import { decodeCursor, pageOf, parseLimit } from './paging';
import { rateLimit, type TokenBuckets } from './rate-limit';

/** What the weaknesses API needs. */
export interface WeaknessesRouterDeps {
  weaknessTreatment: Pick<WeaknessTreatment, 'list' | 'get' | 'change' | 'history'>;
  endpointsStore: Pick<EndpointsStore, 'get'>;
  tokens: TokenAuthenticator;
  rateLimits: TokenBuckets;
  /** Per client address, requests without a live token (see takeAttempt). */
  unauthLimits: TokenBuckets;
  clock: Clock;
  bodyLimitBytes: number;
}

/** `state=`: a comma list of states; `open` takes in `regressed`, which is open again. */
function parseStates(raw: unknown): TreatmentState[] | undefined {
  if (raw === undefined) return undefined;
  const states = new Set<TreatmentState>();
  for (const value of String(raw).split(',')) {
    if (!isTreatmentState(value)) {
      throw invalid('state', `${shown(value)} is not a state; use any of ${TREATMENT_STATES.join(', ')}`);
    }
    states.add(value);
    if (value === 'open') states.add('regressed');
  }
  return [...states];
}

/** The public representation of a weakness: every key always present, null when it does not apply. */
export function presentWeakness({ key, record }: KeyedWeakness): Record<string, unknown> {
  const t = record.treatment;
  return {
    key,
    endpoint_id: record.endpointId,
    category: record.category,
    fingerprint: record.fingerprint,
    title: record.seen.title,
    severity: record.seen.worst,
    state: t.state,
    owner: t.owner,
    due_date: t.dueDate,
    management_response: t.managementResponse,
    mitigation: t.mitigation
      ? {
          evidence: t.mitigation.evidence,
          evidence_is_link: isEvidenceLink(t.mitigation.evidence),
          mitigated_on: t.mitigation.mitigatedOn,
        }
      : null,
    acceptance: t.acceptance
      ? {
          approver: t.acceptance.approver,
          approver_role: t.acceptance.approverRole,
          justification: t.acceptance.justification,
          expires_on: t.acceptance.expiresOn,
        }
      : null,
    false_positive: t.falsePositive ? { reason: t.falsePositive.reason, reviewer: t.falsePositive.reviewer } : null,
    regression: t.regression ? { finding_id: t.regression.findingId, detected_at: t.regression.detectedAt } : null,
    findings: record.seen.findings,
    first_seen: record.seen.firstSeen,
    last_seen: record.seen.lastSeen,
    changed_at: t.changedAt,
    links: { history: `/api/v2/weaknesses/${key}/history` },
  };
}

/** One entry of a weakness's trail as the API answers it. */
export function presentHistoryEntry(h: HistoryEntry): Record<string, unknown> {
  return {
    position: h.position,
    at: h.at,
    actor: h.actor,
    from: h.from,
    to: h.to,
    cause: h.cause,
    fields: h.fields,
  };
}

/**
 * The tenant's weaknesses (one per report row: endpoint, category and fingerprint) and their treatment: listed and
 * read with `findings:read`, changed with `findings:triage`. A key that names no weakness of the caller's tenant,
 * another tenant's included, is `404`.
 */
export function weaknessesRouter(deps: WeaknessesRouterDeps): Router {
  const router = Router();
  router.use('/weaknesses', authenticate(deps.tokens, deps.unauthLimits), rateLimit(deps.rateLimits));

  function keyOf(raw: unknown): string {
    if (!isWeaknessKey(raw)) throw new AppError('not_found', `weakness ${String(raw)} does not exist`);
    return raw;
  }

  router.get('/weaknesses', requireScope('findings:read'), validateRequest('listWeaknesses'), async (req, res) => {
    const tenantId = principalOf(res).tenantId;
    const limit = parseLimit(req.query.limit);
    const filter: { endpointId?: string; states?: TreatmentState[] } = {};
    const endpointId = req.query.endpoint_id;
    if (endpointId !== undefined) {
      const endpoint = isId(endpointId, 'ep') ? await deps.endpointsStore.get(tenantId, endpointId) : undefined;
      if (!endpoint) throw invalid('endpoint_id', `${shown(endpointId)} is not an endpoint of this tenant`);
      filter.endpointId = endpoint.id;
    }
    const states = parseStates(req.query.state);
    if (states) filter.states = states;
    const after = decodeCursor(req.query.cursor, ([n]) => (Number.isInteger(n) && (n as number) >= 0 ? n : undefined));
    const items = await deps.weaknessTreatment.list(tenantId, filter, {
      after: (after as number | undefined) ?? -1,
      limit: limit + 1,
    });
    const page = pageOf(items, limit, (w) => [w.position]);
    res.json({ data: page.data.map(presentWeakness), next_cursor: page.next });
  });

  router.get('/weaknesses/:key', requireScope('findings:read'), async (req, res) => {
    res.json(presentWeakness(await deps.weaknessTreatment.get(principalOf(res).tenantId, keyOf(req.params.key))));
  });

  router.get('/weaknesses/:key/history', requireScope('findings:read'), async (req, res) => {
    const key = keyOf(req.params.key);
    const history = await deps.weaknessTreatment.history(principalOf(res).tenantId, key);
    res.json({ key, data: history.map(presentHistoryEntry) });
  });

  router.patch(
    '/weaknesses/:key',
    requireScope('findings:triage'),
    ...jsonBody(deps.bodyLimitBytes),
    validateRequest('treatWeakness'),
    async (req, res) => {
      const principal = principalOf(res);
      const key = keyOf(req.params.key);
      const change = parseTreatmentChange(req.body, dayOf(deps.clock.now()));
      res.json(
        presentWeakness(await deps.weaknessTreatment.change(principal.tenantId, key, change, principal.tokenId)),
      );
    },
  );

  return router;
}
