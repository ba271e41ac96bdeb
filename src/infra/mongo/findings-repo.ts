import type { Collection, Db, Filter } from 'mongodb';
import type { FindingsInScope, FindingsRepo } from '../../../activities/ports';
import {
  fromWireScan,
  toWireScan,
  type Endpoint,
  type Finding,
  type FindingSource,
  type FrameworkRef,
  type WireScan,
} from '../../domain/finding';
import { normaliseControlId } from '../../domain/frameworks';
import type { ReportScope } from '../../domain/report';
import type { Severity } from '../../domain/severity';
import { insertIgnoringDuplicates, readFindingPages, writeFindingPages } from './finding-pages';

/** A finding as stored: the full record, evidence included, written by {@link storeFindings} along with its
 * digest page. Framework references are an array of objects, never keys: control ids contain dots. */
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
  source?: { tool: string; tool_version?: string; run_id?: string; file_sha256?: string };
  scan?: WireScan;
  /** `FRAMEWORK|control` of each reference in canonical form: what the list's `ref` filter matches, since
   * FerretDB cannot match two fields of one array element (`$elemMatch`). */
  ref_keys?: string[];
  stored_at?: Date;
}

/** The key a reference is listed under in `ref_keys`. */
export function refKey(ref: FrameworkRef): string {
  return `${ref.framework}|${normaliseControlId(ref.framework, ref.control) ?? ref.control}`;
}

/** An endpoint under test as stored. */
export interface EndpointDoc {
  _id: string;
  tenant_id: string;
  name: string;
  description: string;
  created_at?: Date;
}

/** How a batch of findings was stored: how many were new and how many were already there (re-sent). */
export interface StoreResult {
  created: number;
  duplicates: number;
}

/** What a findings list may be narrowed to. */
export interface FindingFilter {
  endpointId?: string;
  from?: Date;
  to?: Date;
  severities?: Severity[];
  ref?: FrameworkRef;
}

function sourceDoc(s: FindingSource): NonNullable<FindingDoc['source']> {
  return {
    tool: s.tool,
    ...(s.toolVersion !== undefined ? { tool_version: s.toolVersion } : {}),
    ...(s.runId !== undefined ? { run_id: s.runId } : {}),
    ...(s.fileSha256 !== undefined ? { file_sha256: s.fileSha256 } : {}),
  };
}

function fromDoc(d: FindingDoc): Finding {
  const f: Finding = {
    id: d._id,
    tenantId: d.tenant_id,
    endpointId: d.endpoint_id,
    title: d.title,
    category: d.category,
    severity: d.severity,
    detectedAt: d.detected_at.toISOString(),
    fingerprint: d.fingerprint,
    frameworkRefs: d.framework_refs,
    evidence: d.evidence,
  };
  if (d.source) {
    f.source = { tool: d.source.tool };
    if (d.source.tool_version !== undefined) f.source.toolVersion = d.source.tool_version;
    if (d.source.run_id !== undefined) f.source.runId = d.source.run_id;
    if (d.source.file_sha256 !== undefined) f.source.fileSha256 = d.source.file_sha256;
  }
  if (d.scan) f.scan = fromWireScan(d.scan);
  return f;
}

/**
 * Stores findings as given (ids included): each as a full record in `findings`, and the batch as digest pages
 * for report queries (finding-pages.ts). Pages are written first, so that a finding in `findings` is always in
 * reports; a write that fails in between leaves findings that reports see but `findings` lacks, until the
 * caller re-sends the batch. Re-sending is safe: ids are deterministic (see `stableId`), page ids follow from
 * the batch's finding ids, and an id already stored keeps its first version in both places. A finding re-sent
 * in a different batch lands in a second page; reads take the copy written first. Findings are immutable:
 * re-sending an id with other content changes nothing.
 */
export async function storeFindings(db: Db, findings: readonly Finding[], now = new Date()): Promise<StoreResult> {
  if (findings.length === 0) return { created: 0, duplicates: 0 };
  await writeFindingPages(db, findings, now);
  const duplicates = await insertIgnoringDuplicates(
    db.collection<FindingDoc>('findings'),
    findings.map((f) => ({
      _id: f.id,
      tenant_id: f.tenantId,
      endpoint_id: f.endpointId,
      title: f.title,
      category: f.category,
      severity: f.severity,
      detected_at: new Date(f.detectedAt),
      fingerprint: f.fingerprint,
      framework_refs: f.frameworkRefs,
      evidence: f.evidence,
      ...(f.source ? { source: sourceDoc(f.source) } : {}),
      ...(f.scan ? { scan: toWireScan(f.scan) } : {}),
      ref_keys: [...new Set(f.frameworkRefs.map(refKey))],
      stored_at: now,
    })),
  );
  return { created: findings.length - duplicates, duplicates };
}

/** MongoDB implementation of {@link FindingsRepo}. Scope queries read the finding digest pages, not
 * `findings`: see {@link readFindingPages}. */
export class MongoFindingsRepo implements FindingsRepo {
  private readonly endpointDocs: Collection<EndpointDoc>;
  private readonly findingDocs: Collection<FindingDoc>;

  constructor(private readonly db: Db) {
    this.endpointDocs = db.collection<EndpointDoc>('endpoints');
    this.findingDocs = db.collection<FindingDoc>('findings');
  }

  findInScope(tenantId: string, scope: ReportScope): Promise<FindingsInScope> {
    return readFindingPages(this.db, tenantId, scope);
  }

  async endpoints(tenantId: string, ids: string[]): Promise<Endpoint[]> {
    const docs = await this.endpointDocs.find({ tenant_id: tenantId, _id: { $in: ids } }).toArray();
    return docs.map((d) => ({ id: d._id, tenantId: d.tenant_id, name: d.name, description: d.description }));
  }

  /** Stores a batch of findings of one tenant; see {@link storeFindings}. */
  store(findings: readonly Finding[], now: Date): Promise<StoreResult> {
    return storeFindings(this.db, findings, now);
  }

  /** A page of one tenant's findings, newest first (ties by id), after the cursor position if given. */
  async list(
    tenantId: string,
    filter: FindingFilter,
    page: { limit: number; after?: { detectedAt: Date; id: string } },
  ): Promise<Finding[]> {
    const query: Filter<FindingDoc> = { tenant_id: tenantId };
    if (filter.endpointId) query.endpoint_id = filter.endpointId;
    if (filter.from || filter.to) {
      query.detected_at = { ...(filter.from ? { $gte: filter.from } : {}), ...(filter.to ? { $lt: filter.to } : {}) };
    }
    if (filter.severities) query.severity = { $in: filter.severities };
    if (filter.ref) query.ref_keys = refKey(filter.ref);
    const after = page.after;
    const conditions: Filter<FindingDoc>[] = [query];
    if (after) {
      conditions.push({
        $or: [{ detected_at: { $lt: after.detectedAt } }, { detected_at: after.detectedAt, _id: { $lt: after.id } }],
      });
    }
    const docs = await this.findingDocs
      .find(conditions.length === 1 ? query : { $and: conditions })
      .sort({ detected_at: -1, _id: -1 })
      .limit(page.limit)
      .toArray();
    return docs.map(fromDoc);
  }
}
