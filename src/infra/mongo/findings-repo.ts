import type { Collection, Db } from 'mongodb';
import type { FindingsInScope, FindingsRepo } from '../../../activities/ports';
import type { Endpoint, Finding, FrameworkRef, WireScan } from '../../domain/finding';
import type { ReportScope } from '../../domain/report';
import type { Severity } from '../../domain/severity';
import { AppendLogs } from './finding-store/append-log';
import { FINDING_INDEX, writeTag, type PageRef } from './finding-store/layout';
import { FindingReader, type FindingFilter, type ListCursor } from './finding-store/reader';
import { FindingWriter, type StoreResult, type WriteOptions } from './finding-store/writer';
import { findByIds } from './keyed-docs';
import { MongoWeaknessRegister } from './weakness-register';
import { sightingsOf } from '../../domain/treatment/sightings';

export type { FindingFilter, ListCursor } from './finding-store/reader';
export type { StoreResult, WriteOptions } from './finding-store/writer';

/** An endpoint under test as stored. */
export interface EndpointDoc {
  _id: string;
  tenant_id: string;
  name: string;
  description: string;
  created_at?: Date;
}

/** A finding as it was stored before the page layout of finding-store/ (one document each, in `findings`): what
 * the upgrade to that layout reads (migrations.ts). Nothing writes it any more. */
export interface LegacyFindingDoc {
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
  stored_at?: Date;
}

/**
 * Findings and the endpoints they were found on, in MongoDB: written and read by exact `_id` alone through the
 * layout of finding-store/ (layout.ts says why and how), so whatever a tenant asks for costs what its own
 * findings in range cost, whatever other tenants hold. One instance per process: it remembers the index entries
 * and pages it has read, which never change.
 */
export class MongoFindingsRepo implements FindingsRepo {
  private readonly endpointDocs: Collection<EndpointDoc>;
  private readonly writer: FindingWriter;
  private readonly reader: FindingReader;

  /** Findings stored are seen by the tenant's weakness register (weakness-register.ts) as they are written, whichever
   * way they arrive: through the API, an import, a migration or a seed. */
  constructor(db: Db) {
    this.endpointDocs = db.collection<EndpointDoc>('endpoints');
    const logs = {
      months: new AppendLogs<{ months: string[] }>(db, FINDING_INDEX),
      pages: new AppendLogs<{ pages: PageRef[] }>(db, FINDING_INDEX),
    };
    const register = new MongoWeaknessRegister(db);
    this.writer = new FindingWriter(db, logs, (tenantId, created, writeId, now) =>
      register.recordSightings(tenantId, sightingsOf(tenantId, created), writeTag(writeId), now),
    );
    this.reader = new FindingReader(db, logs);
  }

  findInScope(tenantId: string, scope: ReportScope): Promise<FindingsInScope> {
    return this.reader.findInScope(tenantId, scope);
  }

  /** The tenant's endpoints among `ids`, looked up one id at a time. */
  async endpoints(tenantId: string, ids: string[]): Promise<Endpoint[]> {
    const found = await findByIds(this.endpointDocs, [...new Set(ids)]);
    return [...found.values()]
      .filter((d) => d.tenant_id === tenantId)
      .map((d) => ({ id: d._id, tenantId: d.tenant_id, name: d.name, description: d.description }));
  }

  /** Stores findings of one tenant, ids included (see FindingWriter). */
  store(findings: readonly Finding[], now: Date, options?: WriteOptions): Promise<StoreResult> {
    return this.writer.store(findings, now, options);
  }

  /** Drops the kept markers of an ended import's writes (see FindingWriter.forget). */
  forgetWrites(tenantId: string, series: string): Promise<void> {
    return this.writer.forget(tenantId, series);
  }

  /** Undoes writes begun before `before` and never finished (see FindingWriter.releaseAbandoned). */
  releaseAbandonedWrites(before: Date): Promise<number> {
    return this.writer.releaseAbandoned(before);
  }

  /** How many findings the tenant has stored. */
  countStored(tenantId: string): Promise<number> {
    return this.reader.count(tenantId);
  }

  /** A page of the tenant's findings, newest first (ties by id), after the cursor position if given. */
  list(tenantId: string, filter: FindingFilter, page: { limit: number; after?: ListCursor }): Promise<Finding[]> {
    return this.reader.list(tenantId, filter, page);
  }
}

/** Stores findings as given, ids included, through a repository of its own: for seeding and tests. */
export function storeFindings(db: Db, findings: readonly Finding[], now = new Date()): Promise<StoreResult> {
  return new MongoFindingsRepo(db).store(findings, now);
}
