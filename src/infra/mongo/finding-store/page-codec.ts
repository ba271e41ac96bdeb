import { promisify } from 'node:util';
import { deflateRaw, inflateRaw } from 'node:zlib';
import { Binary } from 'mongodb';
import { AppError } from '../../../domain/errors';
import {
  fromWireScan,
  sourceKey,
  toWireScan,
  type Finding,
  type FindingSource,
  type FrameworkRef,
  type WireScan,
} from '../../../domain/finding';
import type { Severity } from '../../../domain/severity';

/** What a page keeps of one finding besides its evidence. */
export interface PageItem {
  id: string;
  /** ISO 8601 UTC detection time. */
  at: string;
  severity: Severity;
  category: string;
  fingerprint: string;
  title: string;
  refs: FrameworkRef[];
  source?: FindingSource;
  scan?: WireScan;
}

/** A page's items with each source written once, items naming theirs by position: a source (tool, version, run,
 * file digest) is the same for every finding of an import, and would otherwise be a third of its text. */
interface PackedItems {
  sources: FindingSource[];
  items: (Omit<PageItem, 'source'> & { source?: number })[];
}

const deflate = promisify(deflateRaw);
const inflate = promisify(inflateRaw);

/** What a page keeps of a finding. */
export function toItem(f: Finding): PageItem {
  const item: PageItem = {
    id: f.id,
    at: new Date(f.detectedAt).toISOString(),
    severity: f.severity,
    category: f.category,
    fingerprint: f.fingerprint,
    title: f.title,
    refs: f.frameworkRefs.map((r) => ({ framework: r.framework, control: r.control })),
  };
  if (f.source) item.source = { ...f.source };
  if (f.scan) item.scan = toWireScan(f.scan);
  return item;
}

/** A finding as a page item gives it back, without its evidence. */
export function summaryOf(item: PageItem, where: { tenantId: string; endpointId: string }): Omit<Finding, 'evidence'> {
  const f: Omit<Finding, 'evidence'> = {
    id: item.id,
    tenantId: where.tenantId,
    endpointId: where.endpointId,
    title: item.title,
    category: item.category,
    severity: item.severity,
    detectedAt: item.at,
    fingerprint: item.fingerprint,
    frameworkRefs: item.refs,
  };
  if (item.source) f.source = item.source;
  if (item.scan) f.scan = fromWireScan(item.scan);
  return f;
}

/** A finding as a page item and its evidence give it back. */
export function fromItem(
  item: PageItem,
  where: { tenantId: string; endpointId: string },
  evidence: [string, string],
): Finding {
  return { ...summaryOf(item, where), evidence: { prompt: evidence[0], response: evidence[1] } };
}

/** Page items as stored: deflate-raw of their JSON, sources written once. FerretDB decodes every field of a
 * document it reads (about 0.2 ms a finding as fields) but passes a binary on in a fraction of that. */
export async function packItems(items: readonly PageItem[]): Promise<Binary> {
  const sources: FindingSource[] = [];
  const numbers = new Map<string, number>();
  const packed: PackedItems['items'] = items.map(({ source, ...item }) => {
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
  return new Binary(await deflate(Buffer.from(JSON.stringify({ sources, items: packed }), 'utf8')));
}

/** Page items read back; items of one source share one source object. */
export async function unpackItems(packed: Binary, pageId: string): Promise<PageItem[]> {
  const { sources, items } = await unpack<PackedItems>(packed, 'items', pageId);
  return items.map((item) => {
    if (item.source === undefined) return item as PageItem;
    const source = sources[item.source];
    if (!source) throw new AppError('internal', `finding page ${pageId}: an item names a source it lacks`);
    return { ...item, source };
  });
}

/** A page's evidence as stored: deflate-raw of `[prompt, response][]`, aligned with its items. */
export async function packEvidence(evidence: readonly [string, string][]): Promise<Binary> {
  return new Binary(await deflate(Buffer.from(JSON.stringify(evidence), 'utf8')));
}

/** A page's evidence read back. */
export function unpackEvidence(packed: Binary, pageId: string): Promise<[string, string][]> {
  return unpack<[string, string][]>(packed, 'evidence', pageId);
}

async function unpack<T>(packed: Binary, what: string, pageId: string): Promise<T> {
  try {
    return JSON.parse((await inflate(Buffer.from(packed.buffer))).toString('utf8')) as T;
  } catch (err) {
    throw new AppError('internal', `finding page ${pageId}: its ${what} cannot be unpacked`, undefined, err);
  }
}
