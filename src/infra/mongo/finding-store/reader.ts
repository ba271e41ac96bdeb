import type { Binary, Collection, Db } from 'mongodb';
import type { FindingsInScope } from '../../../../activities/ports';
import { evidenceDigest } from '../../../domain/evidence/population';
import type { Evidence, Finding, FindingSummary, FrameworkRef } from '../../../domain/finding';
import { normaliseControlId } from '../../../domain/frameworks';
import type { ReportScope } from '../../../domain/report';
import { SEVERITIES, type Severity } from '../../../domain/severity';
import { AppError } from '../../../domain/errors';
import { DAY_EVIDENCE, DAY_PAGES, dayOf, monthKey, monthOf, monthsKey, severityMask, type PageRef } from './layout';
import { fromItem, summaryOf, unpackEvidence, unpackItems, type PageItem } from './page-codec';
import type { IndexLogs } from './writer';

/** What a findings list may be narrowed to. */
export interface FindingFilter {
  endpointId?: string;
  from?: Date;
  /** Exclusive. */
  to?: Date;
  severities?: Severity[];
  ref?: FrameworkRef;
}

/** A position in a list, newest first: after the finding with this time and id. */
export interface ListCursor {
  detectedAt: Date;
  id: string;
}

/** Pages read at once. */
const PAGE_READS = 8;

const ALL_SEVERITIES = severityMask(SEVERITIES);

/** The key a reference is compared by: its framework and its control in canonical form. */
export function refKey(ref: FrameworkRef): string {
  return `${ref.framework}|${normaliseControlId(ref.framework, ref.control) ?? ref.control}`;
}

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The evidence of the item at `index` of a page; a page whose evidence lacks it is damaged, never read as empty. */
function evidenceAt(evidence: [string, string][], index: number, ref: PageRef): [string, string] {
  const found = evidence[index];
  if (!found) throw new AppError('internal', `the evidence of finding page ${ref.id} has no entry ${index}`);
  return found;
}

/** Runs `task` over `items`, `concurrency` at a time, answering in the order of `items`. */
async function inTurns<T, R>(items: readonly T[], concurrency: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await task(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return out;
}

/**
 * Reads a tenant's findings by exact `_id` alone (layout.ts): its month list, the logs of the months in range, the
 * pages whose endpoint, day and severities can match. A finding stored twice (a write undone after it had made its
 * pages visible) is read once, the copy listed first. Pages never change, so their unpacked items are remembered
 * (up to `cachedItems` items, least recently used going first).
 */
export class FindingReader {
  private readonly pages: Collection<{ _id: string; items: Binary }>;
  private readonly evidence: Collection<{ _id: string; evidence: Binary }>;
  private readonly known = new Map<string, PageItem[]>();
  private knownItems = 0;

  constructor(
    db: Db,
    private readonly logs: IndexLogs,
    private readonly cachedItems = 200_000,
  ) {
    this.pages = db.collection(DAY_PAGES);
    this.evidence = db.collection(DAY_EVIDENCE);
  }

  /** The months that hold the tenant's findings, oldest first. */
  async months(tenantId: string): Promise<string[]> {
    const entries = await this.logs.months.read(monthsKey(tenantId));
    return [...new Set(entries.flatMap((e) => e.months))].sort();
  }

  /** The pages of one of the tenant's months, in the order they were written, each once. */
  async pagesOf(tenantId: string, month: string): Promise<PageRef[]> {
    const entries = await this.logs.pages.read(monthKey(tenantId, month));
    const seen = new Set<string>();
    const refs: PageRef[] = [];
    for (const entry of entries) {
      for (const ref of entry.pages) {
        if (seen.has(ref.id)) continue;
        seen.add(ref.id);
        refs.push(ref);
      }
    }
    return refs;
  }

  /** How many findings the tenant has stored: the pages its month logs list, counted from the logs alone. */
  async count(tenantId: string): Promise<number> {
    const months = await this.months(tenantId);
    const pages = await inTurns(months, PAGE_READS, (m) => this.pagesOf(tenantId, m));
    return pages.flat().reduce((n, r) => n + r.n, 0);
  }

  /**
   * The tenant's findings in a report's scope: endpoint among its endpoints, detected from the start of `from` to
   * the end of `to` (UTC days), severity among its severities. Oldest first, ties by id; evidence on request.
   */
  async findInScope(tenantId: string, scope: ReportScope): Promise<FindingsInScope> {
    const endpoints = new Set(scope.endpointIds);
    const mask = severityMask(scope.includeSeverities);
    const months = (await this.months(tenantId)).filter((m) => m >= monthOf(scope.from) && m <= monthOf(scope.to));
    const refs = (await inTurns(months, PAGE_READS, (m) => this.pagesOf(tenantId, m)))
      .flat()
      .filter((r) => endpoints.has(r.e) && r.day >= scope.from && r.day <= scope.to && (r.sev & mask) !== 0);
    const pages = await inTurns(refs, PAGE_READS, (r) => this.items(r));
    const severities = new Set<string>(scope.includeSeverities);
    const seen = new Set<string>();
    const found: { summary: FindingSummary; ref: PageRef; index: number }[] = [];
    refs.forEach((ref, p) => {
      pages[p].forEach((item, index) => {
        if (seen.has(item.id)) return;
        seen.add(item.id);
        if (!severities.has(item.severity)) return;
        found.push({ summary: summaryOf(item, { tenantId, endpointId: ref.e }), ref, index });
      });
    });
    found.sort(
      (a, b) => byCodeUnit(a.summary.detectedAt, b.summary.detectedAt) || byCodeUnit(a.summary.id, b.summary.id),
    );
    const located = new Map(found.map((f) => [f.summary.id, f]));
    const byPage = (ids: readonly string[]): Map<PageRef, { id: string; index: number }[]> => {
      const wanted = new Map<PageRef, { id: string; index: number }[]>();
      for (const id of ids) {
        const at = located.get(id);
        if (!at) continue;
        const list = wanted.get(at.ref);
        if (list) list.push({ id, index: at.index });
        else wanted.set(at.ref, [{ id, index: at.index }]);
      }
      return wanted;
    };
    return {
      findings: found.map((f) => f.summary),
      evidence: async (ids) => {
        const result = new Map<string, Evidence>();
        await inTurns([...byPage(ids)], PAGE_READS, async ([ref, list]) => {
          const evidence = await this.evidenceOf(ref);
          for (const { id, index } of list) {
            const [prompt, response] = evidenceAt(evidence, index, ref);
            result.set(id, { prompt, response });
          }
        });
        return result;
      },
      evidenceDigests: async (ids) => {
        const result = new Map<string, string>();
        await inTurns([...byPage(ids)], PAGE_READS, async ([ref, list]) => {
          const evidence = await this.evidenceOf(ref);
          for (const { id, index } of list) {
            const [prompt, response] = evidenceAt(evidence, index, ref);
            result.set(id, evidenceDigest({ prompt, response }));
          }
        });
        return result;
      },
    };
  }

  /**
   * A page of the tenant's findings, newest first (ties by id, greatest first), after the cursor if given, with
   * their evidence. Months are read newest first and a day's pages together, and reading stops at the first day
   * after which the list is full: what it costs follows the findings listed and the days they span.
   */
  async list(tenantId: string, filter: FindingFilter, page: { limit: number; after?: ListCursor }): Promise<Finding[]> {
    const fromIso = filter.from?.toISOString();
    const toIso = filter.to?.toISOString();
    const afterIso = page.after?.detectedAt.toISOString();
    // The last day that can hold a finding before `to` and the cursor, and the first on or after `from`.
    const lastDay = [toIso && dayOf(new Date(filter.to!.getTime() - 1).toISOString()), afterIso && dayOf(afterIso)]
      .filter((d): d is string => !!d)
      .sort()[0];
    const firstDay = fromIso && dayOf(fromIso);
    const mask = filter.severities ? severityMask(filter.severities) : ALL_SEVERITIES;
    const severities = filter.severities ? new Set<string>(filter.severities) : undefined;
    const wantedRef = filter.ref ? refKey(filter.ref) : undefined;

    const out: { item: PageItem; ref: PageRef; index: number }[] = [];
    const seen = new Set<string>();
    const months = (await this.months(tenantId))
      .filter((m) => (!lastDay || m <= monthOf(lastDay)) && (!firstDay || m >= monthOf(firstDay)))
      .reverse();
    for (const month of months) {
      const refs = (await this.pagesOf(tenantId, month)).filter(
        (r) =>
          (!filter.endpointId || r.e === filter.endpointId) &&
          (!lastDay || r.day <= lastDay) &&
          (!firstDay || r.day >= firstDay) &&
          (r.sev & mask) !== 0,
      );
      const days = [...new Set(refs.map((r) => r.day))].sort().reverse();
      for (const day of days) {
        const onDay = refs.filter((r) => r.day === day);
        const items = await inTurns(onDay, PAGE_READS, (r) => this.items(r));
        const matched: typeof out = [];
        onDay.forEach((ref, p) =>
          items[p].forEach((item, index) => {
            if (seen.has(item.id)) return;
            seen.add(item.id);
            if (fromIso && item.at < fromIso) return;
            if (toIso && item.at >= toIso) return;
            if (severities && !severities.has(item.severity)) return;
            if (wantedRef && !item.refs.some((r) => refKey(r) === wantedRef)) return;
            if (afterIso && (item.at > afterIso || (item.at === afterIso && item.id >= page.after!.id))) return;
            matched.push({ item, ref, index });
          }),
        );
        matched.sort((a, b) => byCodeUnit(b.item.at, a.item.at) || byCodeUnit(b.item.id, a.item.id));
        out.push(...matched);
        if (out.length >= page.limit) return this.withEvidence(tenantId, out.slice(0, page.limit));
      }
    }
    return this.withEvidence(tenantId, out);
  }

  private async withEvidence(
    tenantId: string,
    listed: { item: PageItem; ref: PageRef; index: number }[],
  ): Promise<Finding[]> {
    const refs = [...new Set(listed.map((l) => l.ref))];
    const evidence = new Map(
      (await inTurns(refs, PAGE_READS, async (r) => [r, await this.evidenceOf(r)] as const)).map(([r, e]) => [r, e]),
    );
    return listed.map(({ item, ref, index }) =>
      fromItem(item, { tenantId, endpointId: ref.e }, evidenceAt(evidence.get(ref)!, index, ref)),
    );
  }

  private async items(ref: PageRef): Promise<PageItem[]> {
    const cached = this.known.get(ref.id);
    if (cached) {
      this.known.delete(ref.id);
      this.known.set(ref.id, cached);
      return cached;
    }
    const doc = await this.pages.findOne({ _id: ref.id });
    if (!doc) throw new AppError('internal', `finding page ${ref.id} is listed but cannot be read`);
    const items = await unpackItems(doc.items, ref.id);
    this.known.set(ref.id, items);
    this.knownItems += items.length;
    for (const [oldest, entries] of this.known) {
      if (this.knownItems <= this.cachedItems || oldest === ref.id) break;
      this.known.delete(oldest);
      this.knownItems -= entries.length;
    }
    return items;
  }

  private async evidenceOf(ref: PageRef): Promise<[string, string][]> {
    const doc = await this.evidence.findOne({ _id: ref.id });
    if (!doc) throw new AppError('internal', `the evidence of finding page ${ref.id} cannot be read`);
    return unpackEvidence(doc.evidence, ref.id);
  }
}
