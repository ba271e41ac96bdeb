import type { Db } from 'mongodb';
import type { Binary } from 'mongodb';
import { DAY_PAGES } from '../../src/infra/mongo/finding-store/layout';
import { unpackItems, type PageItem } from '../../src/infra/mongo/finding-store/page-codec';

/** A stored finding as a test sees it: its page item, with the tenant and endpoint of its page. */
export interface StoredFinding extends PageItem {
  tenantId: string;
  endpointId: string;
}

/**
 * Every finding stored in a database, read straight from its pages, each once: what a test checks the service's
 * own reads against. Reads the whole collection, which only a test may do.
 */
export async function storedFindings(db: Db): Promise<StoredFinding[]> {
  const pages = await db.collection<{ _id: string; t: string; e: string; items: Binary }>(DAY_PAGES).find({}).toArray();
  const seen = new Set<string>();
  const out: StoredFinding[] = [];
  for (const page of pages) {
    for (const item of await unpackItems(page.items, page._id)) {
      if (seen.has(item.id)) continue;
      seen.add(item.id);
      out.push({ ...item, tenantId: page.t, endpointId: page.e });
    }
  }
  return out;
}

/** How many findings are stored for a tenant, or on one of its endpoints. */
export async function countStored(db: Db, where: { tenantId?: string; endpointId?: string }): Promise<number> {
  return (await storedFindings(db)).filter(
    (f) =>
      (where.tenantId === undefined || f.tenantId === where.tenantId) &&
      (where.endpointId === undefined || f.endpointId === where.endpointId),
  ).length;
}

/** How many finding copies the pages of a tenant or endpoint hold, each copy counted: equal to
 * {@link countStored} unless a finding was written twice. */
export async function countCopies(db: Db, where: { tenantId?: string; endpointId?: string }): Promise<number> {
  const pages = await db.collection<{ t: string; e: string; n: number }>(DAY_PAGES).find({}).toArray();
  return pages
    .filter(
      (p) =>
        (where.tenantId === undefined || p.t === where.tenantId) &&
        (where.endpointId === undefined || p.e === where.endpointId),
    )
    .reduce((sum, p) => sum + p.n, 0);
}
