import type { Collection, Db } from 'mongodb';
import { isDuplicateKey } from './idempotency-repo';
import { findByIds } from './keyed-docs';

/** A taken slot: who holds it and since when. */
interface SlotDoc {
  _id: string;
  holder: string;
  at: Date;
}

/** Whether the holder of a slot has ended (or was never created), so that its slot may be taken over. `since` is
 * when the slot was taken. */
export type HolderEnded = (holder: string, since: Date) => Promise<boolean>;

/**
 * A tenant's quotas of things in flight (imports running, reports queued or running), kept as slot documents
 * `<quota>/<tenant>/<n>` for n below the limit. Taking one is an insert, which the unique `_id` settles between
 * requests racing for the last slot, on FerretDB and MongoDB alike, with no counter to drift; giving it back is a
 * delete. A holder that ended without giving its slot back (a crash) is found out when the slots are full, by
 * asking whether it has ended, and its slot is taken over. Every read and write is by `_id`: a check costs at
 * most the limit's lookups, whatever other tenants hold.
 */
export class QuotaSlots {
  private readonly slots: Collection<SlotDoc>;

  constructor(db: Db) {
    this.slots = db.collection<SlotDoc>('quota_slots');
  }

  /** Takes a slot of `quota` for `holder`; false when all `limit` slots are held by holders still running. */
  async take(quota: string, tenantId: string, holder: string, limit: number, ended: HolderEnded, now: Date) {
    const ids = Array.from({ length: limit }, (_, n) => slotId(quota, tenantId, n));
    for (const id of ids) if (await this.insert(id, holder, now)) return true;
    const held = await findByIds(this.slots, ids);
    for (const [id, slot] of held) {
      if (slot.holder === holder) return true;
      if (!(await ended(slot.holder, slot.at))) continue;
      // Taken over only if it still holds the holder found ended: another request may have taken it over first.
      const again = await this.slots.findOne({ _id: id });
      if (again?.holder === slot.holder) await this.slots.deleteOne({ _id: id });
      if (await this.insert(id, holder, now)) return true;
    }
    return false;
  }

  /** Gives back the slot `holder` holds, if any. */
  async release(quota: string, tenantId: string, holder: string, limit: number): Promise<void> {
    const ids = Array.from({ length: limit }, (_, n) => slotId(quota, tenantId, n));
    for (const [id, slot] of await findByIds(this.slots, ids)) {
      if (slot.holder === holder) await this.slots.deleteOne({ _id: id });
    }
  }

  /** How many slots of `quota` are held. */
  async held(quota: string, tenantId: string, limit: number): Promise<number> {
    const ids = Array.from({ length: limit }, (_, n) => slotId(quota, tenantId, n));
    return (await findByIds(this.slots, ids)).size;
  }

  private async insert(id: string, holder: string, now: Date): Promise<boolean> {
    try {
      await this.slots.insertOne({ _id: id, holder, at: now });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }
}

function slotId(quota: string, tenantId: string, n: number): string {
  return `${quota}/${tenantId}/${n}`;
}
