import { createHash } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import type { Finding } from '../../../domain/finding';
import { isDuplicateKey } from '../idempotency-repo';
import { findByIds, insertNew } from '../keyed-docs';
import type { AppendLogs } from './append-log';
import {
  DAY_EVIDENCE,
  DAY_PAGES,
  FINDING_KEYS,
  FINDING_WRITES,
  PAGE_MAX_EVIDENCE_CHARS,
  PAGE_MAX_ITEMS,
  dayOf,
  monthKey,
  monthOf,
  monthsKey,
  pageId,
  severityBit,
  type FindingKeyDoc,
  type PageRef,
} from './layout';
import { packEvidence, packItems, toItem, type PageItem } from './page-codec';

/** How a batch of findings was stored: how many were new and how many were already there. */
export interface StoreResult {
  created: number;
  duplicates: number;
}

/** What a store call may say about the write. */
export interface WriteOptions {
  /** Names the write, so that doing it again after a crash finishes it rather than starting another: an import
   * names each batch after itself. Without it a write is named by its findings' ids, so a batch the API is sent
   * again is the same write. */
  writeKey?: string;
  /** Keeps the marker of the finished write with its count, so doing the write again answers that count without
   * writing (an import, until it ends, see {@link FindingWriter.forget}). Otherwise the marker goes once done. */
  keepDone?: boolean;
}

/** A write in progress or, kept, done. */
interface WriteDoc {
  _id: string;
  t: string;
  state: 'begun' | 'done';
  at: Date;
  /** The findings the write claims, while it is in progress: what is let go if it never finishes. */
  ids?: string[];
  created?: number;
}

/** A page about to be written: its document, its evidence and how its month's log lists it. */
interface NewPage {
  ref: PageRef;
  items: PageItem[];
  evidence: [string, string][];
}

/** Findings one write unit claims at most: its marker lists their ids. */
const WRITE_UNIT = 5_000;

/** The page index entries a write leaves, what {@link FindingReader} reads back. */
export interface IndexLogs {
  months: AppendLogs<{ months: string[] }>;
  pages: AppendLogs<{ pages: PageRef[] }>;
}

/** What follows a write unit that stored new findings (the weakness register's sightings). */
export type AfterWrite = (tenantId: string, created: readonly Finding[], writeId: string, now: Date) => Promise<void>;

/** The marker id of a write unit: the tenant, and a digest of the unit's key. */
const writeIdOf = (tenantId: string, key: string): string =>
  `${tenantId}/${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;

/**
 * Stores findings (layout.ts), each tenant's in writes of its own. A write unit, up to {@link WRITE_UNIT} findings of a
 * tenant:
 *
 * 1. marks the write begun, with the ids it is about to claim;
 * 2. claims each finding id in `finding_keys`; an id already there is a duplicate, unless this same write claimed
 *    it before it was cut short, which only a write whose marker was already there needs to check;
 * 3. writes the new findings' pages (evidence first), then adds their months to the tenant's month list and
 *    the pages to their months' logs, which is what makes them visible;
 * 4. marks the write done, or removes the marker.
 *
 * A write cut short anywhere is finished by doing it again (the same findings, or the same write key): its pages
 * have the same ids and are not written twice, and it claims again what it had claimed. One never done again is
 * undone by {@link releaseAbandoned}, which lets go of its claims so a later write stores those findings; pages
 * it had already made visible then stand twice, and readers keep one copy of a finding. Findings are immutable:
 * an id already stored keeps its first version.
 */
export class FindingWriter {
  private readonly keys: Collection<FindingKeyDoc>;
  private readonly writes: Collection<WriteDoc>;
  private readonly pages: Collection<Record<string, unknown> & { _id: string }>;
  private readonly evidence: Collection<Record<string, unknown> & { _id: string }>;

  /** `afterWrite` is told of the findings each write unit stored new, once they are visible and before the write is
   * marked done: a write done again after a crash tells it again, with the same findings and write id. */
  constructor(
    db: Db,
    private readonly logs: IndexLogs,
    private readonly afterWrite?: AfterWrite,
  ) {
    this.keys = db.collection<FindingKeyDoc>(FINDING_KEYS);
    this.writes = db.collection<WriteDoc>(FINDING_WRITES);
    this.pages = db.collection(DAY_PAGES);
    this.evidence = db.collection(DAY_EVIDENCE);
  }

  /** Stores findings, ids included, each tenant's as writes of their own; see the class comment. */
  async store(findings: readonly Finding[], now: Date, options: WriteOptions = {}): Promise<StoreResult> {
    const result: StoreResult = { created: 0, duplicates: 0 };
    const byTenant = new Map<string, Finding[]>();
    for (const f of findings) {
      const list = byTenant.get(f.tenantId);
      if (list) list.push(f);
      else byTenant.set(f.tenantId, [f]);
    }
    for (const [tenantId, ofTenant] of byTenant) {
      for (let i = 0; i < ofTenant.length; i += WRITE_UNIT) {
        const unit = ofTenant.slice(i, i + WRITE_UNIT);
        const key =
          options.writeKey !== undefined
            ? `${options.writeKey}/${i / WRITE_UNIT}`
            : `ids:${JSON.stringify(unit.map((f) => f.id).sort())}`;
        const stored = await this.writeUnit(tenantId, unit, writeIdOf(tenantId, key), now, options);
        result.created += stored.created;
        result.duplicates += stored.duplicates;
      }
    }
    return result;
  }

  /** Drops the kept markers of the finished writes `<series>:0`, `<series>:1`, … (an import's batches, once it
   * has ended), up to the first that was never written. A write still marked begun is left for
   * {@link releaseAbandoned}, which lets go of what it claimed. */
  async forget(tenantId: string, series: string): Promise<void> {
    for (let n = 0; ; n++) {
      const id = writeIdOf(tenantId, `${series}:${n}/0`);
      const marker = await this.writes.findOne({ _id: id });
      if (!marker) return;
      if (marker.state === 'done') await this.writes.deleteOne({ _id: id });
    }
  }

  /**
   * Undoes writes begun before `before` and never finished: lets go of the finding ids each had claimed (those
   * still claimed by it) and removes its marker. Returns how many writes it undid. Reads every marker, which are
   * only those of writes in progress and of imports not yet ended: an operations path, not a request's.
   */
  async releaseAbandoned(before: Date): Promise<number> {
    const stale = (await this.writes.find({}).toArray()).filter((w) => w.state === 'begun' && w.at < before);
    for (const w of stale) {
      const claimed = await findByIds(this.keys, w.ids ?? []);
      for (const [id, doc] of claimed) if (doc.b === w._id) await this.keys.deleteOne({ _id: id });
      await this.writes.deleteOne({ _id: w._id });
    }
    return stale.length;
  }

  private async writeUnit(
    tenantId: string,
    unit: readonly Finding[],
    writeId: string,
    now: Date,
    options: WriteOptions,
  ): Promise<StoreResult> {
    let again = false;
    try {
      await this.writes.insertOne({ _id: writeId, t: tenantId, state: 'begun', at: now, ids: unit.map((f) => f.id) });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const earlier = await this.writes.findOne({ _id: writeId });
      if (earlier?.state === 'done') {
        const created = earlier.created ?? 0;
        return { created, duplicates: unit.length - created };
      }
      again = true;
    }

    const seen = await insertNew(
      this.keys,
      unit.map((f) => ({ _id: f.id, t: tenantId, b: writeId })),
    );
    const fresh = unit.map((_, i) => !seen.has(i));
    if (again && seen.size > 0) {
      // What this write claimed before it was cut short is its own to store.
      const ids = [...seen].map((i) => unit[i].id);
      const claims = await findByIds(this.keys, ids);
      for (const i of seen) if (claims.get(unit[i].id)?.b === writeId) fresh[i] = true;
    }
    const created = unit.filter((_, i) => fresh[i]);
    await this.writePages(tenantId, created, writeId);
    if (created.length > 0 && this.afterWrite) await this.afterWrite(tenantId, created, writeId, now);

    if (options.keepDone) {
      await this.writes.updateOne(
        { _id: writeId },
        { $set: { state: 'done', created: created.length }, $unset: { ids: '' } },
      );
    } else {
      await this.writes.deleteOne({ _id: writeId });
    }
    return { created: created.length, duplicates: unit.length - created.length };
  }

  private async writePages(tenantId: string, findings: readonly Finding[], writeId: string): Promise<void> {
    if (findings.length === 0) return;
    const pages = cutPages(tenantId, findings, writeId);
    // Evidence before items, and both before the index: a page a reader can find has all its parts.
    await insertNew(
      this.evidence,
      await Promise.all(pages.map(async (p) => ({ _id: p.ref.id, evidence: await packEvidence(p.evidence) }))),
    );
    await insertNew(
      this.pages,
      await Promise.all(
        pages.map(async (p) => ({
          _id: p.ref.id,
          t: tenantId,
          e: p.ref.e,
          day: p.ref.day,
          n: p.ref.n,
          format: 3,
          items: await packItems(p.items),
        })),
      ),
    );
    const byMonth = new Map<string, PageRef[]>();
    for (const p of pages) {
      const month = monthOf(p.ref.day);
      const refs = byMonth.get(month);
      if (refs) refs.push(p.ref);
      else byMonth.set(month, [p.ref]);
    }
    await this.logs.months.addToSet(monthsKey(tenantId), [...byMonth.keys()], (months) => ({ months }));
    for (const [month, refs] of byMonth) await this.logs.pages.append(monthKey(tenantId, month), { pages: refs });
  }
}

/** Cuts a write's new findings into pages: per endpoint and UTC day, in time order, at most
 * {@link PAGE_MAX_ITEMS} findings and {@link PAGE_MAX_EVIDENCE_CHARS} of evidence a page. The same findings
 * always give the same pages. */
function cutPages(tenantId: string, findings: readonly Finding[], writeId: string): NewPage[] {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    const key = `${f.endpointId}/${dayOf(new Date(f.detectedAt).toISOString())}`;
    const group = groups.get(key);
    if (group) group.push(f);
    else groups.set(key, [f]);
  }
  const pages: NewPage[] = [];
  for (const group of groups.values()) {
    const sorted = group
      .map((f) => ({ item: toItem(f), evidence: [f.evidence.prompt, f.evidence.response] as [string, string] }))
      .sort((a, b) => (a.item.at < b.item.at ? -1 : a.item.at > b.item.at ? 1 : a.item.id < b.item.id ? -1 : 1));
    const endpointId = group[0].endpointId;
    const day = dayOf(sorted[0].item.at);
    let current: NewPage | undefined;
    let chars = 0;
    for (const { item, evidence } of sorted) {
      const size = evidence[0].length + evidence[1].length;
      if (!current || current.items.length >= PAGE_MAX_ITEMS || chars + size > PAGE_MAX_EVIDENCE_CHARS) {
        current = {
          ref: {
            id: pageId(tenantId, endpointId, day, writeId, pages.length),
            e: endpointId,
            day,
            n: 0,
            first: item.at,
            last: item.at,
            sev: 0,
          },
          items: [],
          evidence: [],
        };
        pages.push(current);
        chars = 0;
      }
      current.items.push(item);
      current.evidence.push(evidence);
      current.ref.n++;
      current.ref.last = item.at;
      current.ref.sev |= severityBit(item.severity);
      chars += size;
    }
  }
  return pages;
}
