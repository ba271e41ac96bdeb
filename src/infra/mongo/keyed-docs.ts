import { MongoBulkWriteError, type Collection, type OptionalUnlessRequiredId, type WithId } from 'mongodb';

/**
 * Reading and writing documents by `_id` alone. FerretDB 1.x looks a document up through an index only for a
 * filter that is exactly one `_id` equality; any other filter, a range, an `$in` or a sort reads every document of
 * the collection, of every tenant. So data that request paths read is kept in documents whose ids the code can
 * compute, and is read one exact `_id` at a time: the cost then follows what is read, not what is stored.
 */

/** Inserts documents whose ids are deterministic, unordered; those already stored keep their first version.
 * Returns the positions (in `docs`) of the ones that were already stored; any other write error is thrown. */
export async function insertNew<T extends { _id: string }>(
  collection: Collection<T>,
  docs: OptionalUnlessRequiredId<T>[],
): Promise<Set<number>> {
  if (docs.length === 0) return new Set();
  try {
    await collection.insertMany(docs, { ordered: false });
    return new Set();
  } catch (err) {
    const errors =
      err instanceof MongoBulkWriteError && err.writeErrors !== undefined
        ? Array.isArray(err.writeErrors)
          ? err.writeErrors
          : [err.writeErrors]
        : undefined;
    if (!errors || !errors.every((e) => e.code === 11000)) throw err;
    return new Set(errors.map((e) => e.index));
  }
}

/** {@link insertNew}, answering only how many were already stored. */
export async function insertIgnoringDuplicates<T extends { _id: string }>(
  collection: Collection<T>,
  docs: OptionalUnlessRequiredId<T>[],
): Promise<number> {
  return (await insertNew(collection, docs)).size;
}

/** Reads documents by id, a few lookups at a time; ids with no document are left out of the answer. A
 * `projection` leaves fields out of what is read (its documents are then partial, whatever `T` says). */
export async function findByIds<T extends { _id: string }>(
  collection: Collection<T>,
  ids: readonly string[],
  concurrency = 16,
  projection?: Record<string, 0>,
): Promise<Map<string, WithId<T>>> {
  const found = new Map<string, WithId<T>>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < ids.length) {
      const id = ids[next++];
      const doc = await collection.findOne(
        { _id: id } as Parameters<Collection<T>['findOne']>[0],
        projection ? { projection } : {},
      );
      if (doc) found.set(id, doc);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, worker));
  return found;
}
