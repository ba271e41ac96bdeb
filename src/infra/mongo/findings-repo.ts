import type { Collection, Db } from 'mongodb';
import type { FindingsRepo, TenantsRepo } from '../../../activities/ports';
import type { Endpoint, Finding, FrameworkRef } from '../../domain/finding';
import type { ReportScope } from '../../domain/report';
import type { Severity } from '../../domain/severity';

/** A finding as stored. Framework references are an array of objects, never keys: control ids contain dots. */
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

/** A tenant as stored. */
export interface TenantDoc {
  _id: string;
  name: string;
  audit_retention_days: number;
  created_at: Date;
}

function findingFromDoc(d: FindingDoc): Finding {
  const finding: Finding = {
    id: d._id,
    tenantId: d.tenant_id,
    endpointId: d.endpoint_id,
    title: d.title,
    category: d.category,
    severity: d.severity,
    detectedAt: d.detected_at.toISOString(),
    fingerprint: d.fingerprint,
    frameworkRefs: (d.framework_refs ?? []).map((r) => ({ framework: r.framework, control: r.control })),
    evidence: { prompt: d.evidence?.prompt ?? '', response: d.evidence?.response ?? '' },
  };
  if (d.source) finding.source = { tool: d.source.tool, runId: d.source.run_id };
  return finding;
}

/** The first instant after a calendar day (UTC), so `to` includes the whole of its day. */
function dayAfter(day: string): Date {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d;
}

/** MongoDB implementation of {@link FindingsRepo}; the scope query runs on the tenant+endpoint+date index. */
export class MongoFindingsRepo implements FindingsRepo {
  private readonly findings: Collection<FindingDoc>;
  private readonly endpointDocs: Collection<EndpointDoc>;

  constructor(db: Db) {
    this.findings = db.collection<FindingDoc>('findings');
    this.endpointDocs = db.collection<EndpointDoc>('endpoints');
  }

  async findInScope(tenantId: string, scope: ReportScope): Promise<Finding[]> {
    const cursor = this.findings
      .find({
        tenant_id: tenantId,
        endpoint_id: { $in: scope.endpointIds },
        detected_at: { $gte: new Date(`${scope.from}T00:00:00Z`), $lt: dayAfter(scope.to) },
        severity: { $in: scope.includeSeverities },
      })
      .sort({ detected_at: 1, _id: 1 });
    const found: Finding[] = [];
    for await (const doc of cursor) found.push(findingFromDoc(doc));
    return found;
  }

  async endpoints(tenantId: string, ids: string[]): Promise<Endpoint[]> {
    const docs = await this.endpointDocs.find({ tenant_id: tenantId, _id: { $in: ids } }).toArray();
    return docs.map((d) => ({ id: d._id, tenantId: d.tenant_id, name: d.name, description: d.description }));
  }
}

/** MongoDB implementation of {@link TenantsRepo}. */
export class MongoTenantsRepo implements TenantsRepo {
  private readonly tenants: Collection<TenantDoc>;

  constructor(db: Db) {
    this.tenants = db.collection<TenantDoc>('tenants');
  }

  async get(tenantId: string): Promise<{ id: string; name: string; auditRetentionDays: number } | undefined> {
    const d = await this.tenants.findOne({ _id: tenantId });
    return d ? { id: d._id, name: d.name, auditRetentionDays: d.audit_retention_days } : undefined;
  }
}
