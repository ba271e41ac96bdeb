import type { Db } from 'mongodb';
import type { AuditLog, WeaknessTreatments } from '../../../activities/ports';
import {
  foldLog,
  treatmentAuditEvent,
  type HistoryEntry,
  type LogEntry,
  type SeenEntry,
  type TreatmentState,
  type WeaknessRecord,
  type WeaknessSighting,
} from '../../domain/treatment';
import { MongoAuditLog } from './audit-repo';
import { AppendLogs } from './finding-store/append-log';

/**
 * Where weaknesses and their treatment live, every document under an id the code computes (keyed-docs.ts says why):
 *
 * - `weakness_logs`: each weakness's log (domain/treatment/log.ts), `<tenant>/<key>#<n>`, insert-only: the findings
 *   stored of it and every change of its treatment, in one order that the unique `_id` decides.
 * - `weakness_lists`: the keys of a tenant's weaknesses, `<tenant>/all`, and of each of its endpoints,
 *   `<tenant>/<endpoint>`, as append-only sets: what lists page through.
 *
 * FerretDB applies an update as a read and a whole-document write with nothing held between them, so two writers
 * of one document can lose each other's change; inserts are the one write whose races the server decides. Counts,
 * states and trails are therefore never updated in place: they are read from the logs.
 */
export const WEAKNESS_LOGS = 'weakness_logs';
export const WEAKNESS_LISTS = 'weakness_lists';

const logKey = (tenantId: string, key: string): string => `${tenantId}/${key}`;
const tenantList = (tenantId: string): string => `${tenantId}/all`;
const endpointList = (tenantId: string, endpointId: string): string => `${tenantId}/${endpointId}`;

/** Logs read at once. */
const CONCURRENCY = 16;

/** A weakness of a list, with its position in the list for the next page's cursor. */
export interface ListedWeakness {
  key: string;
  record: WeaknessRecord;
  position: number;
}

/** What a list of weaknesses may be narrowed to. */
export interface WeaknessFilter {
  endpointId?: string;
  states?: readonly TreatmentState[];
}

/** A change in a weakness's trail, with the weakness it belongs to. */
export interface WeaknessHistoryEntry extends HistoryEntry {
  key: string;
  endpointId: string;
  category: string;
  fingerprint: string;
}

/** Runs `task` over `items`, `concurrency` at a time, answering in the order of `items`. */
async function inTurns<T, R>(
  items: readonly T[],
  concurrency: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await task(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return out;
}

/**
 * A tenant's weaknesses: registered and seen as findings are stored, treated as people and timers change them, read
 * back as records (current or as of a past instant) and trails. Every read is an exact `_id` lookup of the tenant's
 * own lists and logs. One instance per process: it remembers the log entries it has read, which never change.
 */
export class MongoWeaknessRegister implements WeaknessTreatments {
  private readonly logs: AppendLogs<LogEntry>;
  private readonly lists: AppendLogs<string[]>;
  private readonly audit: AuditLog;

  constructor(db: Db, audit?: AuditLog) {
    this.logs = new AppendLogs<LogEntry>(db, WEAKNESS_LOGS, 100_000);
    this.lists = new AppendLogs<string[]>(db, WEAKNESS_LISTS, 50_000);
    this.audit = audit ?? new MongoAuditLog(db);
  }

  /**
   * Records what one write of findings stored, one sighting per weakness it touched (see SightingsBuilder): reads
   * each weakness's log (unless this process holds it already), lists the weaknesses met for the first time (a
   * weakness is listed before its log holds anything, so a listed key may have an empty log, which lists skip, but
   * a logged one is always listed), then appends a `seen` entry to every log in one write, each at the position
   * after what was read; an entry whose position another writer took meanwhile is appended after it. A weakness
   * that was mitigated and is detected after its mitigation's day is regressed by that entry, and its audit event
   * recorded here. Doing a write again (after a crash) appends its entries again, which the logs count once, and
   * records no event twice. Costs one insert of them all, and a key lookup or two per weakness whose log this
   * process has not read, whatever the number of findings.
   */
  async recordSightings(
    tenantId: string,
    sightings: readonly WeaknessSighting[],
    writeId: string,
    now: Date,
  ): Promise<void> {
    if (sightings.length === 0) return;
    // What this process has read of a log is a prefix of it: appending after it without reading first is safe, since
    // a position another writer took is refused and that entry is then appended after reading.
    const before = await inTurns(
      sightings,
      CONCURRENCY,
      async (s) => this.logs.cached(logKey(tenantId, s.key)) ?? this.logs.read(logKey(tenantId, s.key)),
    );
    const fresh = sightings.filter((_, i) => before[i].length === 0);
    if (fresh.length > 0) {
      // A key is listed under its endpoint before the tenant's list, so one the tenant's list holds is in both.
      const byEndpoint = new Map<string, string[]>();
      for (const s of fresh) byEndpoint.set(s.endpointId, [...(byEndpoint.get(s.endpointId) ?? []), s.key]);
      for (const [endpointId, keys] of byEndpoint) {
        await this.lists.addToSet(endpointList(tenantId, endpointId), keys, (m) => m);
      }
      await this.lists.addToSet(
        tenantList(tenantId),
        fresh.map((s) => s.key),
        (m) => m,
      );
    }
    const at = now.toISOString();
    const entries = sightings.map((s): SeenEntry => ({
      k: 'seen',
      w: writeId,
      at,
      e: s.endpointId,
      c: s.category,
      f: s.fingerprint,
      n: s.findings,
      first: s.first,
      last: s.last,
      last_id: s.lastId,
      title: s.title,
      sev: s.worst,
    }));
    const taken = await this.logs.appendManyAt(
      sightings.map((s, i) => ({ key: logKey(tenantId, s.key), position: before[i].length, value: entries[i] })),
    );
    await inTurns(sightings, CONCURRENCY, async (s, i) => {
      const log = taken.has(i) ? await this.append(tenantId, s.key, entries[i]) : [...before[i], entries[i]];
      const record = foldLog(log);
      if (!record) return;
      for (const h of record.history) {
        const by = log[h.position];
        if (h.cause === 'redetected' && by.k === 'seen' && by.w === writeId) {
          await this.audit.record(treatmentAuditEvent(tenantId, s.key, s.endpointId, h));
        }
      }
    });
  }

  /** Appends an entry at the end of a weakness's log, whoever else writes; answers the log up to and with it. */
  private async append(tenantId: string, key: string, entry: LogEntry): Promise<LogEntry[]> {
    for (;;) {
      const before = await this.logs.read(logKey(tenantId, key));
      if (await this.logs.appendAt(logKey(tenantId, key), before.length, entry)) return [...before, entry];
    }
  }

  /** A weakness's log, empty when the tenant has no weakness of that key. */
  entries(tenantId: string, key: string): Promise<readonly LogEntry[]> {
    return this.logs.read(logKey(tenantId, key));
  }

  /** Writes `entry` at `position` of a weakness's log unless another entry took it first (then answers false). */
  appendAt(tenantId: string, key: string, position: number, entry: LogEntry): Promise<boolean> {
    return this.logs.appendAt(logKey(tenantId, key), position, entry);
  }

  /** A weakness's record as it stands, or as it stood at `until`; undefined when the tenant has no such weakness. */
  async record(tenantId: string, key: string, until?: Date): Promise<WeaknessRecord | undefined> {
    return foldLog(await this.entries(tenantId, key), until?.toISOString());
  }

  /** Every weakness key of the tenant, in the order first stored: what offboarding stops the timers of. */
  tenantKeys(tenantId: string): Promise<string[]> {
    return this.keysOf(tenantList(tenantId));
  }

  /** The keys of a list, each once, in the order they were first listed. */
  private async keysOf(listKey: string): Promise<string[]> {
    const seen = new Set<string>();
    // A set's log may hold a member twice (a writer stopped before marking it): the first entry stands.
    for (const entry of await this.lists.read(listKey)) for (const key of entry) seen.add(key);
    return [...seen];
  }

  /**
   * Up to `limit` of the tenant's weaknesses after list position `after` (-1: from the start), in the order they
   * were first stored, with their records; narrowed to an endpoint (its own list is read) and to states (records are
   * read a window at a time until the page is full, so a rare state costs a read of the tenant's weaknesses).
   */
  async list(
    tenantId: string,
    filter: WeaknessFilter,
    page: { after: number; limit: number },
  ): Promise<ListedWeakness[]> {
    const keys = await this.keysOf(
      filter.endpointId ? endpointList(tenantId, filter.endpointId) : tenantList(tenantId),
    );
    const out: ListedWeakness[] = [];
    const window = Math.max(page.limit, CONCURRENCY);
    for (let start = page.after + 1; start < keys.length && out.length < page.limit; start += window) {
      const slice = keys.slice(start, start + window);
      const records = await inTurns(slice, CONCURRENCY, (key) => this.record(tenantId, key));
      records.forEach((record, i) => {
        if (!record || out.length >= page.limit) return;
        if (filter.states && !filter.states.includes(record.treatment.state)) return;
        out.push({ key: slice[i], record, position: start + i });
      });
    }
    return out;
  }

  /** The tenant's weaknesses (those of `endpointIds` when given) as they stood at `at`: each one's record, with
   * its treatment as of then. A weakness first seen after `at` is left out. */
  async treatmentAsOf(
    tenantId: string,
    at: Date,
    options: { endpointIds?: readonly string[] } = {},
  ): Promise<Map<string, WeaknessRecord>> {
    const keys = await this.keysIn(tenantId, options.endpointIds);
    const records = await inTurns(keys, CONCURRENCY, (key) => this.record(tenantId, key, at));
    const out = new Map<string, WeaknessRecord>();
    records.forEach((record, i) => {
      if (record) out.set(keys[i], record);
    });
    return out;
  }

  /** The changes to the tenant's weaknesses (those of `endpointIds` when given) made from `from` up to, not
   * including, `to`, oldest first. */
  async historyBetween(
    tenantId: string,
    from: Date,
    to: Date,
    options: { endpointIds?: readonly string[] } = {},
  ): Promise<WeaknessHistoryEntry[]> {
    const keys = await this.keysIn(tenantId, options.endpointIds);
    const records = await inTurns(keys, CONCURRENCY, (key) => this.record(tenantId, key));
    const [fromIso, toIso] = [from.toISOString(), to.toISOString()];
    const out: WeaknessHistoryEntry[] = [];
    records.forEach((record, i) => {
      if (!record) return;
      for (const h of record.history) {
        if (h.at < fromIso || h.at >= toIso) continue;
        out.push({
          ...h,
          key: keys[i],
          endpointId: record.endpointId,
          category: record.category,
          fingerprint: record.fingerprint,
        });
      }
    });
    return out.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  private async keysIn(tenantId: string, endpointIds?: readonly string[]): Promise<string[]> {
    if (!endpointIds) return this.keysOf(tenantList(tenantId));
    const lists = await inTurns([...new Set(endpointIds)], CONCURRENCY, (e) => this.keysOf(endpointList(tenantId, e)));
    return lists.flat();
  }
}
