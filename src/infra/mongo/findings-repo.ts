import type { Collection, Db } from 'mongodb';
import type { FindingsInScope, FindingsRepo } from '../../../activities/ports';
import type { Endpoint, FrameworkRef } from '../../domain/finding';
import type { ReportScope } from '../../domain/report';
import type { Severity } from '../../domain/severity';
import { readFindingPages } from './finding-pages';

/** A finding as stored: the full record, evidence included, written by `insertFindings` along with its digest
 * page. Framework references are an array of objects, never keys: control ids contain dots. */
export interface FindingDoc {
  _id: string;
  tenant_id: string;
  endpoint_id: string;
  title: string;
  category: string;
  severity: Severity;
  detected_at: Date;
  fingerprint: string;
  framework_refs: FrameworkRef[];
  evidence: { prompt: string; response: string };
  source?: { tool: string; run_id?: string };
}

/** An endpoint under test as stored. */
export interface EndpointDoc {
  _id: string;
  tenant_id: string;
  name: string;
  description: string;
}

/** MongoDB implementation of {@link FindingsRepo}. Scope queries read the finding digest pages, not
 * `findings`: see {@link readFindingPages}. */
export class MongoFindingsRepo implements FindingsRepo {
  private readonly endpointDocs: Collection<EndpointDoc>;

  constructor(private readonly db: Db) {
    this.endpointDocs = db.collection<EndpointDoc>('endpoints');
  }

  findInScope(tenantId: string, scope: ReportScope): Promise<FindingsInScope> {
    return readFindingPages(this.db, tenantId, scope);
  }

  async endpoints(tenantId: string, ids: string[]): Promise<Endpoint[]> {
    const docs = await this.endpointDocs.find({ tenant_id: tenantId, _id: { $in: ids } }).toArray();
    return docs.map((d) => ({ id: d._id, tenantId: d.tenant_id, name: d.name, description: d.description }));
  }
}
