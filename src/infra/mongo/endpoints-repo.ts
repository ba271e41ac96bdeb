import type { Collection, Db } from 'mongodb';
import type { Endpoint } from '../../domain/finding';
import type { EndpointDoc } from './findings-repo';
import { isDuplicateKey } from './idempotency-repo';

function fromDoc(d: EndpointDoc): Endpoint {
  return {
    id: d._id,
    tenantId: d.tenant_id,
    name: d.name,
    description: d.description,
    ...(d.created_at ? { createdAt: d.created_at.toISOString() } : {}),
  };
}

/** The systems under test of each tenant. A name is unique within a tenant, so registering the same endpoint
 * twice (a pipeline re-run) finds the first instead of making a second. */
export class MongoEndpointsRepo {
  private readonly docs: Collection<EndpointDoc>;

  constructor(db: Db) {
    this.docs = db.collection<EndpointDoc>('endpoints');
  }

  /** Registers an endpoint; when the tenant already has one of that name, returns it with `created: false`. */
  async create(endpoint: Endpoint & { createdAt: string }): Promise<{ endpoint: Endpoint; created: boolean }> {
    try {
      await this.docs.insertOne({
        _id: endpoint.id,
        tenant_id: endpoint.tenantId,
        name: endpoint.name,
        description: endpoint.description,
        created_at: new Date(endpoint.createdAt),
      });
      return { endpoint, created: true };
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const existing = await this.docs.findOne({ tenant_id: endpoint.tenantId, name: endpoint.name });
      if (!existing) throw err;
      return { endpoint: fromDoc(existing), created: false };
    }
  }

  /** One endpoint of the tenant, or undefined (also for another tenant's endpoint). */
  async get(tenantId: string, id: string): Promise<Endpoint | undefined> {
    // By `_id` alone, then the tenant checked: FerretDB reads the whole collection for any other filter.
    const doc = await this.docs.findOne({ _id: id });
    return doc && doc.tenant_id === tenantId ? fromDoc(doc) : undefined;
  }

  /** A page of the tenant's endpoints in id order, after the given id. */
  async list(tenantId: string, page: { limit: number; afterId?: string }): Promise<Endpoint[]> {
    const docs = await this.docs
      .find({ tenant_id: tenantId, ...(page.afterId ? { _id: { $gt: page.afterId } } : {}) })
      .sort({ _id: 1 })
      .limit(page.limit)
      .toArray();
    return docs.map(fromDoc);
  }
}
