import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { deflateRaw, inflateRaw } from 'node:zlib';
import { Binary, MongoBulkWriteError, type Collection, type Db, type OptionalUnlessRequiredId } from 'mongodb';
import type { FindingSummary, FindingsInScope } from '../../../activities/ports';
import { AppError } from '../../domain/errors';
import {
  fromWireScan,
  sourceKey,
  toWireScan,
  type Evidence,
  type Finding,
  type FindingSource,
  type FrameworkRef,
  type WireScan,
} from '../../domain/finding';
import type { ReportScope } from '../../domain/report';
import type { Severity } from '../../domain/severity';

/** The collection of finding digest pages: what report scope queries read instead of `findings`. */
export const FINDING_PAGES = 'finding_pages';

/** At most this many findings per page, so a page stays far below the 16 MiB document limit and one page's
 * evidence is cheap to unpack. */
export const PAGE_MAX_ITEMS = 1_000;

/** A page also closes once its findings' JSON passes this many bytes (long evidence), before compression. */
const PAGE_MAX_RAW_BYTES = 8 * 1024 * 1024;

/** The page layout this code writes. It reads that and layout 1 (each item carrying its own source, which was
 * a third of the items' text for imported findings); a page of another layout is an error, never skipped. */
const PAGE_FORMAT = 2;
const READABLE_FORMATS: readonly number[] = [1, PAGE_FORMAT];

/** What a page keeps of one finding: everything a report row needs except its evidence. */
interface PageItem {
  id: string;
  at: string;
  severity: Severity;
  category: string;
  fingerprint: string;
  title: string;
  refs: FrameworkRef[];
  source?: FindingSource;
  scan?: WireScan;
}

/** The items of a layout-2 page: each source once, items naming theirs by position. */
interface PackedItems {
  sources: FindingSource[];
  items: (Omit<PageItem, 'source'> & { source?: number })[];
}

/** A page's items with their sources written once each. */
function packItems(items: readonly PageItem[]): PackedItems {
  const sources: FindingSource[] = [];
  const numbers = new Map<string, number>();
  const packed = items.map(({ source, ...item }) => {
    if (!source) return item;
    const key = sourceKey(source);
    let n = numbers.get(key);
    if (n === undefined) {
      n = sources.length;
      sources.push(source);
      numbers.set(key, n);
    }
    return { ...item, source: n };
  });
  return { sources, items: packed };
}

/** A page's items as written in either layout, items of one source sharing one source object. */
function unpackItems(format: number, unpacked: unknown, pageIdValue: string): PageItem[] {
  if (format === 1) return unpacked as PageItem[];
  const { sources, items } = unpacked as PackedItems;
  return items.map((item) => {
    if (item.source === undefined) return item as PageItem;
    const source = sources[item.source];
    if (!source) throw new AppError('internal', `finding page ${pageIdValue}: an item names a source it lacks`);
    return { ...item, source };
  });
}

/**
 * A digest page: up to {@link PAGE_MAX_ITEMS} findings of one tenant and endpoint from one write, in time
 * order, with the time span they cover. The findings and their evidence are two deflated JSON arrays, aligned
 * by position, because FerretDB (SQLite) decodes every field of every document it reads (about 0.2 ms per
 * finding, whether as documents or as array elements) but passes a binary on at about 40 ms per MB. Evidence
 * travels in the page, unpacked only for the findings a report shows, because fetching it from `findings` by id
 * is slower still: FerretDB uses no index there, so each `$in` or `findOne` on `_id` reads the whole
 * collection. Pages span a time slice, not a calendar day: one write covering 90 days would otherwise make 90
 * small pages per endpoint, and FerretDB's cost is per document.
 */
export interface FindingPageDoc {
  /** `fpg_` and a hash of the tenant, the endpoint and the sorted finding ids: re-sending a batch hits the
   * same ids. */
  _id: string;
  tenant_id: string;
  endpoint_id: string;
  first_at: Date;
  last_at: Date;
  count: number;
  written_at: Date;
  format: number;
  /** deflate-raw of `JSON.stringify(PageItem[])`. */
  items: Binary;
  /** deflate-raw of `JSON.stringify([prompt, response][])`, aligned with `items`. */
  evidence: Binary;
}

const deflate = promisify(deflateRaw);
const inflate = promisify(inflateRaw);

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function toItem(f: Finding): PageItem {
  const item: PageItem = {
    id: f.id,
    at: new Date(f.detectedAt).toISOString(),
    severity: f.severity,
    category: f.category,
    fingerprint: f.fingerprint,
    title: f.title,
    refs: f.frameworkRefs.map((r) => ({ framework: r.framework, control: r.control })),
  };
  if (f.source) item.source = f.source.runId === undefined ? { tool: f.source.tool } : { ...f.source };
  if (f.scan) item.scan = toWireScan(f.scan);
  return item;
}

function pageId(tenantId: string, endpointId: string, ids: string[]): string {
  const hash = createHash('sha256').update(JSON.stringify([tenantId, endpointId, [...ids].sort(byCodeUnit)]));
  return `fpg_${hash.digest('hex').slice(0, 40)}`;
}

async function toPage(
  tenantId: string,
  endpointId: string,
  items: PageItem[],
  evidence: [string, string][],
  writtenAt: Date,
): Promise<FindingPageDoc> {
  const [packedItems, packedEvidence] = await Promise.all([
    deflate(Buffer.from(JSON.stringify(packItems(items)), 'utf8')),
    deflate(Buffer.from(JSON.stringify(evidence), 'utf8')),
  ]);
  return {
    _id: pageId(
      tenantId,
      endpointId,
      items.map((i) => i.id),
    ),
    tenant_id: tenantId,
    endpoint_id: endpointId,
    first_at: new Date(items[0].at),
    last_at: new Date(items[items.length - 1].at),
    count: items.length,
    written_at: writtenAt,
    format: PAGE_FORMAT,
    items: new Binary(packedItems),
    evidence: new Binary(packedEvidence),
  };
}

/** Cuts one write batch into digest pages: per tenant and endpoint, in time order, at most
 * {@link PAGE_MAX_ITEMS} findings (fewer when their evidence is long). The same batch always gives the same
 * pages. */
export async function buildFindingPages(findings: readonly Finding[], writtenAt: Date): Promise<FindingPageDoc[]> {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    const key = JSON.stringify([f.tenantId, f.endpointId]);
    const group = groups.get(key);
    if (group) group.push(f);
    else groups.set(key, [f]);
  }
  const pages: Promise<FindingPageDoc>[] = [];
  for (const group of groups.values()) {
    const { tenantId, endpointId } = group[0];
    const items = group.map(toItem).sort((a, b) => byCodeUnit(a.at, b.at) || byCodeUnit(a.id, b.id));
    const evidenceById = new Map(
      group.map((f) => [f.id, [f.evidence.prompt, f.evidence.response] as [string, string]]),
    );
    let pageItems: PageItem[] = [];
    let pageEvidence: [string, string][] = [];
    let bytes = 0;
    for (const item of items) {
      const evidence = evidenceById.get(item.id)!;
      const size = JSON.stringify(item).length + evidence[0].length + evidence[1].length;
      if (pageItems.length > 0 && (pageItems.length >= PAGE_MAX_ITEMS || bytes + size > PAGE_MAX_RAW_BYTES)) {
        pages.push(toPage(tenantId, endpointId, pageItems, pageEvidence, writtenAt));
        pageItems = [];
        pageEvidence = [];
        bytes = 0;
      }
      pageItems.push(item);
      pageEvidence.push(evidence);
      bytes += size;
    }
    pages.push(toPage(tenantId, endpointId, pageItems, pageEvidence, writtenAt));
  }
  return Promise.all(pages);
}

/** Inserts documents whose ids are deterministic; one already stored (an earlier attempt of the same write)
 * stays as it is, so the first write of an id wins. Returns how many were already stored; any other write error
 * is thrown. */
export async function insertIgnoringDuplicates<T extends { _id: string }>(
  collection: Collection<T>,
  docs: OptionalUnlessRequiredId<T>[],
): Promise<number> {
  if (docs.length === 0) return 0;
  try {
    await collection.insertMany(docs, { ordered: false });
    return 0;
  } catch (err) {
    const errors =
      err instanceof MongoBulkWriteError && err.writeErrors !== undefined
        ? Array.isArray(err.writeErrors)
          ? err.writeErrors
          : [err.writeErrors]
        : undefined;
    if (!errors || !errors.every((e) => e.code === 11000)) throw err;
    return errors.length;
  }
}

/** Stores the digest pages of one write batch. */
export async function writeFindingPages(db: Db, findings: readonly Finding[], writtenAt: Date): Promise<void> {
  if (findings.length === 0) return;
  await insertIgnoringDuplicates(
    db.collection<FindingPageDoc>(FINDING_PAGES),
    await buildFindingPages(findings, writtenAt),
  );
}

async function unpack<T>(packed: Binary, what: string, pageIdValue: string): Promise<T> {
  try {
    return JSON.parse((await inflate(Buffer.from(packed.buffer))).toString('utf8')) as T;
  } catch (err) {
    throw new AppError('internal', `finding page ${pageIdValue}: its ${what} cannot be unpacked`, undefined, err);
  }
}

/** The first instant after a calendar day (UTC), so `to` includes the whole of its day. */
function dayAfter(day: string): Date {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d;
}

/**
 * Reads the findings of one tenant in a report's scope from the digest pages: pages of the scope's endpoints
 * whose span meets [from, end of `to`], then each finding filtered exactly (time, severity). A finding re-sent
 * in another batch sits in two pages; the page written first wins, as in `findings`. Sorted by detection time,
 * then id. Evidence is unpacked later, and only for the findings asked for.
 *
 * FerretDB (SQLite) pushes none of this filter down and uses no index for it: it decodes every page in the
 * collection, of every tenant, to answer. That is why pages are few and their contents opaque; the cost still
 * grows with all the findings stored, not only those in scope.
 */
export async function readFindingPages(db: Db, tenantId: string, scope: ReportScope): Promise<FindingsInScope> {
  const from = new Date(`${scope.from}T00:00:00Z`);
  const end = dayAfter(scope.to);
  const fromIso = from.toISOString();
  const endIso = end.toISOString();
  const severities = new Set<string>(scope.includeSeverities);
  const pages = await db
    .collection<FindingPageDoc>(FINDING_PAGES)
    .find({
      tenant_id: tenantId,
      endpoint_id: { $in: scope.endpointIds },
      first_at: { $lt: end },
      last_at: { $gte: from },
    })
    .toArray();
  pages.sort((a, b) => a.written_at.getTime() - b.written_at.getTime() || byCodeUnit(a._id, b._id));

  for (const page of pages) {
    if (!READABLE_FORMATS.includes(page.format)) {
      throw new AppError(
        'internal',
        `finding page ${page._id} has format ${page.format}; this build reads ${READABLE_FORMATS.join(' and ')}`,
      );
    }
  }
  const unpacked = await Promise.all(
    pages.map(async (page) => unpackItems(page.format, await unpack<unknown>(page.items, 'items', page._id), page._id)),
  );

  const seen = new Set<string>();
  const found: { summary: FindingSummary; page: FindingPageDoc; index: number }[] = [];
  pages.forEach((page, p) => {
    unpacked[p].forEach((item, index) => {
      if (seen.has(item.id)) return;
      seen.add(item.id);
      if (item.at < fromIso || item.at >= endIso || !severities.has(item.severity)) return;
      const summary: FindingSummary = {
        id: item.id,
        tenantId: page.tenant_id,
        endpointId: page.endpoint_id,
        title: item.title,
        category: item.category,
        severity: item.severity,
        detectedAt: item.at,
        fingerprint: item.fingerprint,
        frameworkRefs: item.refs,
      };
      if (item.source) summary.source = item.source;
      if (item.scan) summary.scan = fromWireScan(item.scan);
      found.push({ summary, page, index });
    });
  });
  found.sort(
    (a, b) => byCodeUnit(a.summary.detectedAt, b.summary.detectedAt) || byCodeUnit(a.summary.id, b.summary.id),
  );
  const located = new Map(found.map((f) => [f.summary.id, f]));

  return {
    findings: found.map((f) => f.summary),
    async evidence(ids: readonly string[]): Promise<Map<string, Evidence>> {
      const wanted = new Map<FindingPageDoc, { id: string; index: number }[]>();
      for (const id of ids) {
        const at = located.get(id);
        if (!at) continue;
        const list = wanted.get(at.page);
        if (list) list.push({ id, index: at.index });
        else wanted.set(at.page, [{ id, index: at.index }]);
      }
      const result = new Map<string, Evidence>();
      await Promise.all(
        [...wanted].map(async ([page, list]) => {
          const evidence = await unpack<[string, string][]>(page.evidence, 'evidence', page._id);
          for (const { id, index } of list)
            result.set(id, { prompt: evidence[index][0], response: evidence[index][1] });
        }),
      );
      return result;
    },
  };
}
