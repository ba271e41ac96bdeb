import type { Collection, Db, OptionalUnlessRequiredId } from 'mongodb';
import { isDuplicateKey } from '../idempotency-repo';
import { findByIds, insertNew } from '../keyed-docs';

/** One entry of a log: position `n` of log `key` is the document `<key>#<n>`. */
interface EntryDoc<T> {
  _id: string;
  v: T;
}

/** A set's membership marker: `<key>@<member>` exists once the member is in the set's log. */
interface MarkerDoc {
  _id: string;
}

/** Positions asked for at once when reading on past what a process already knows: a log a tenant wrote to a
 * finding at a time is long, and a cold read of it costs its length over this in round trips. */
const READ_WINDOW = 32;

/**
 * Append-only lists kept as one document per entry, `<key>#0`, `<key>#1`, …, written only by insert. The unique
 * `_id` decides races: of two writers at one position one wins and the other takes the next. Entries are never
 * changed or removed and no position is filled before the one before it, so reading positions from 0 up to the
 * first missing one gives the whole list as it was at some moment, by exact `_id` lookups alone (see
 * keyed-docs.ts). A prefix once read stays true, so each process remembers what it has read, up to
 * `cachedEntries` entries over all lists (least recently used go first), and later reads ask only for positions
 * past it: usually one lookup that finds nothing new.
 *
 * Sets are logs too ({@link addToSet}): a member's marker document says it is in the log, so adding it again
 * costs one lookup and no entry.
 */
export class AppendLogs<T> {
  private readonly entries: Collection<EntryDoc<T>>;
  private readonly markers: Collection<MarkerDoc>;
  private readonly known = new Map<string, T[]>();
  private knownCount = 0;

  constructor(
    db: Db,
    collection: string,
    private readonly cachedEntries = 200_000,
  ) {
    this.entries = db.collection<EntryDoc<T>>(collection);
    this.markers = db.collection<MarkerDoc>(collection);
  }

  /** The log's entries in order. */
  async read(key: string): Promise<readonly T[]> {
    const list = [...(this.known.get(key) ?? [])];
    for (let window = 1; ; window = Math.min(window * 2, READ_WINDOW)) {
      const ids = Array.from({ length: window }, (_, i) => `${key}#${list.length + i}`);
      const found = await findByIds(this.entries, ids, window);
      let added = 0;
      for (const id of ids) {
        const doc = found.get(id);
        if (!doc) break;
        list.push(doc.v);
        added++;
      }
      if (added < window) break;
    }
    this.remember(key, list);
    return list;
  }

  /** Adds an entry at the end of the log. */
  async append(key: string, value: T): Promise<void> {
    let position = (await this.read(key)).length;
    for (;;) {
      try {
        await this.entries.insertOne({ _id: `${key}#${position}`, v: value } as EntryDoc<T>);
        return;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        // Another writer took the position first: read on to the new end.
        position = Math.max(position + 1, (await this.read(key)).length);
      }
    }
  }

  /** Writes an entry at `position` of the log if no other writer has: answers false when the position is taken.
   * A writer that decided what to write from the entries before `position` learns so whether they were still the
   * whole log, and reads on to decide again. */
  async appendAt(key: string, position: number, value: T): Promise<boolean> {
    try {
      await this.entries.insertOne({ _id: `${key}#${position}`, v: value } as EntryDoc<T>);
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      return false;
    }
    this.extend(key, position, value);
    return true;
  }

  /** {@link appendAt} for entries of several logs at once, in one write: answers the indexes (in `entries`) of those
   * whose position another writer had taken. */
  async appendManyAt(entries: readonly { key: string; position: number; value: T }[]): Promise<Set<number>> {
    const taken = await insertNew(
      this.entries,
      entries.map((e) => ({ _id: `${e.key}#${e.position}`, v: e.value }) as OptionalUnlessRequiredId<EntryDoc<T>>),
    );
    entries.forEach((e, i) => {
      if (!taken.has(i)) this.extend(e.key, e.position, e.value);
    });
    return taken;
  }

  /** The entries of the log this process has read, without asking the database: a prefix of the log, possibly
   * behind it; undefined when it holds none of that log. A writer may append at its end without reading, since
   * {@link appendAt} refuses a position another writer took. */
  cached(key: string): readonly T[] | undefined {
    return this.known.get(key);
  }

  /** Those of `members` the set kept in log `key` does not hold yet (their markers are missing). */
  async missing(key: string, members: readonly string[]): Promise<string[]> {
    const marker = (m: string) => `${key}@${m}`;
    const held = await findByIds(this.markers, members.map(marker));
    return members.filter((m) => !held.has(marker(m)));
  }

  /** Adds to the set kept in log `key` those of `members` it does not hold yet, as one entry made by `entry`,
   * then marks them held. A writer stopped between the two leaves members in the log unmarked, and the next
   * writer appends them again: readers of a set ignore repeats. */
  async addToSet(key: string, members: readonly string[], entry: (missing: string[]) => T): Promise<void> {
    const marker = (m: string) => `${key}@${m}`;
    const missing = await this.missing(key, members);
    if (missing.length === 0) return;
    await this.append(key, entry(missing));
    await insertNew(
      this.markers,
      missing.map((m) => ({ _id: marker(m) })),
    );
  }

  /** Remembers an entry this process wrote at `position`, when what it holds of the log ends right before it. */
  private extend(key: string, position: number, value: T): void {
    const list = this.known.get(key);
    if (list?.length === position) this.remember(key, [...list, value]);
  }

  private remember(key: string, list: T[]): void {
    this.knownCount += list.length - (this.known.get(key)?.length ?? 0);
    this.known.delete(key);
    this.known.set(key, list);
    for (const [oldest, entries] of this.known) {
      if (this.knownCount <= this.cachedEntries || oldest === key) break;
      this.known.delete(oldest);
      this.knownCount -= entries.length;
    }
  }
}
