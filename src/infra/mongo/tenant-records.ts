import type { Collection, Db, Document } from 'mongodb';
import type { TenantRecords } from '../../../activities/offboarding-activities';
import type { PurgedRecordKind } from '../../domain/offboarding';
import type { ReportRecord } from '../../domain/report';
import { tenantPrefix } from '../../domain/storage-keys';
import { DAY_EVIDENCE, DAY_PAGES, FINDING_INDEX, FINDING_KEYS, FINDING_WRITES } from './finding-store/layout';
import { findByIds } from './keyed-docs';
import { MongoReportsRepo, REPORT_KEYS, REPORT_SCOPES } from './reports-repo';
import type { TenantDoc } from './tenants-repo';
import { MongoWeaknessRegister, WEAKNESS_LISTS, WEAKNESS_LOGS } from './weakness-register';
import { TOKEN_HASHES, type ApiTokenDoc, type TokenHashDoc } from './tokens-repo';

/** `text` as a regular expression matching itself. */
function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Where one kind of a tenant's records lives: a collection, and the filter that selects the tenant's documents
 * (a tenant field, or the tenant's prefix of `_id` where the id is all that names it). */
interface Selector {
  collection: string;
  filter(tenantId: string): Document;
}

const byField = (collection: string, field = 'tenant_id'): Selector => ({
  collection,
  filter: (tenantId) => ({ [field]: tenantId }),
});

const byId = (collection: string, pattern: (tenantId: string) => string): Selector => ({
  collection,
  filter: (tenantId) => ({ _id: { $regex: pattern(literal(tenantId)) } }),
});

/**
 * Every collection that holds a tenant's data, by the kind the deletion receipt counts it as. A collection added
 * with tenant data must be added here (and its kind to PURGED_RECORD_KINDS), or offboarding leaves it behind:
 * `grep -rn "collection" src/infra/mongo` lists them. Not here: the tokens' hash keys (`token_hashes`), which name
 * no tenant and are found from the tenant's tokens; and, on purpose, `tenants` (the record stays, marked
 * offboarded; its settings are `tenant_settings`), the operator's log and the deletion receipts (they record the
 * purge), `published_keys` and `migrations` (no tenant's).
 */
const SELECTORS: Readonly<Record<Exclude<PurgedRecordKind, 'tenant_settings' | 'token_hashes'>, Selector>> = {
  reports: byField('reports'),
  // `<tenant>/<report>`
  report_keys: byField(REPORT_KEYS),
  // `<tenant>/<scope key>`
  report_scopes: byField(REPORT_SCOPES),
  report_queue_marks: byField('queued_reports'),
  idempotency_keys: byField('idempotency_keys'),
  // `<quota>/<tenant>/<n>`
  quota_slots: byId('quota_slots', (t) => `^[^/]+/${t}/`),
  findings: byField(FINDING_KEYS, 't'),
  finding_pages: byField(DAY_PAGES, 't'),
  // `<tenant>/<endpoint>/<day>/<write>/<n>`, as its page
  finding_evidence: byId(DAY_EVIDENCE, (t) => `^${t}/`),
  // `<tenant>/months#<n>`, `<tenant>/months@<month>`, `<tenant>/<month>#<n>`
  finding_index_entries: byId(FINDING_INDEX, (t) => `^${t}/`),
  finding_writes: byField(FINDING_WRITES, 't'),
  // One document per finding, from before the page layout; the migration left them in place.
  legacy_findings: byField('findings'),
  endpoints: byField('endpoints'),
  test_runs: byField('test_runs'),
  // `<tenant>/<endpoint>/<month>#<n>` and `…@<run>`
  test_run_index_entries: byId('test_run_months', (t) => `^${t}/`),
  // Each weakness's log, `<tenant>/<key>#<n>`: its findings seen and its treatment.
  weakness_log_entries: byId(WEAKNESS_LOGS, (t) => `^${t}/`),
  // `<tenant>/all` and `<tenant>/<endpoint>`, `#<n>` and `@<key>`
  weakness_list_entries: byId(WEAKNESS_LISTS, (t) => `^${t}/`),
  imported_runs: byField('imported_runs'),
  imports: byField('imports'),
  import_queue_marks: byField('waiting_imports'),
  tokens: byField('api_tokens'),
  // The tenant's token list: `tokens/<tenant>#<n>` and `tokens/<tenant>@<token>`.
  token_list_entries: byId('directory_logs', (t) => `^tokens/${t}[#@]`),
  audit_events: byField('audit_events'),
  // `audit/<tenant>/<yyyy-mm>#<n>` and `…@<event>`
  audit_log_entries: byId('audit_logs', (t) => `^audit/${t}/`),
};

/** The tenant's own settings, stated by the tenant: removed from its record, which otherwise stays. */
const SETTINGS = ['applicability', 'rating_method', 'branding'] as const;

/**
 * A tenant's records for its offboarding (the activities' {@link TenantRecords}). Deletions go in batches: the ids
 * of up to `limit` of the tenant's documents, then a delete of those ids, so each call is short whatever the tenant
 * holds, and deleting what is already gone deletes nothing. On FerretDB each filter here reads its whole collection
 * (keyed-docs.ts): this is an operator's path, run once per tenant, never a request's. The tenant id is checked
 * against the id shape first, so no id can widen a filter to other tenants' documents.
 */
export class MongoTenantRecords implements TenantRecords {
  private readonly reports: MongoReportsRepo;
  private readonly tenants: Collection<TenantDoc>;

  constructor(private readonly db: Db) {
    this.reports = new MongoReportsRepo(db);
    this.tenants = db.collection<TenantDoc>('tenants');
  }

  weaknessKeys(tenantId: string): Promise<string[]> {
    checked(tenantId);
    return new MongoWeaknessRegister(this.db).tenantKeys(tenantId);
  }

  async heldReports(tenantId: string, limit: number): Promise<string[]> {
    checked(tenantId);
    const docs = await this.db
      .collection('reports')
      .find({ tenant_id: tenantId, legal_hold: { $exists: true } }, { projection: { _id: 1 } })
      .sort({ _id: 1 })
      .limit(limit)
      .toArray();
    return docs.map((d) => String(d._id));
  }

  reportsAfter(tenantId: string, afterId: string | undefined, limit: number): Promise<ReportRecord[]> {
    checked(tenantId);
    return this.reports.listById(tenantId, { limit, ...(afterId !== undefined ? { afterId } : {}) });
  }

  async importsAfter(tenantId: string, afterId: string | undefined, limit: number): Promise<string[]> {
    checked(tenantId);
    const filter = afterId !== undefined ? { tenant_id: tenantId, _id: { $gt: afterId } } : { tenant_id: tenantId };
    const docs = await this.db
      .collection<{ _id: string }>('imports')
      .find(filter, { projection: { _id: 1 } })
      .sort({ _id: 1 })
      .limit(limit)
      .toArray();
    return docs.map((d) => d._id);
  }

  async count(tenantId: string, kind: PurgedRecordKind): Promise<number> {
    checked(tenantId);
    if (kind === 'tenant_settings') return this.statedSettings(tenantId).then((s) => s.length);
    if (kind === 'token_hashes') return (await this.tokenHashKeys(tenantId)).length;
    const selector = SELECTORS[kind];
    return this.db.collection(selector.collection).countDocuments(selector.filter(tenantId));
  }

  async deleteSome(tenantId: string, kind: PurgedRecordKind, limit: number): Promise<number> {
    checked(tenantId);
    if (kind === 'tenant_settings') {
      const stated = await this.statedSettings(tenantId);
      if (stated.length > 0) {
        await this.tenants.updateOne({ _id: tenantId }, { $unset: Object.fromEntries(stated.map((f) => [f, ''])) });
      }
      return stated.length;
    }
    if (kind === 'token_hashes') {
      const keys = (await this.tokenHashKeys(tenantId)).slice(0, limit);
      if (keys.length > 0) await this.db.collection<TokenHashDoc>(TOKEN_HASHES).deleteMany({ _id: { $in: keys } });
      return keys.length;
    }
    const selector = SELECTORS[kind];
    const collection = this.db.collection(selector.collection);
    const ids = (
      await collection
        .find(selector.filter(tenantId), { projection: { _id: 1 } })
        .limit(limit)
        .toArray()
    ).map((d) => d._id);
    if (ids.length === 0) return 0;
    await collection.deleteMany({ _id: { $in: ids } });
    return ids.length;
  }

  /** The hash keys (`api_token_hashes`) still stored of the tenant's tokens: each token names its hash, and the
   * keys are looked up by `_id`. */
  private async tokenHashKeys(tenantId: string): Promise<string[]> {
    const tokens = await this.db
      .collection<ApiTokenDoc>('api_tokens')
      .find({ tenant_id: tenantId }, { projection: { token_sha256: 1 } })
      .toArray();
    const hashes = tokens.map((t) => t.token_sha256);
    return [...(await findByIds(this.db.collection<TokenHashDoc>(TOKEN_HASHES), hashes)).keys()];
  }

  private async statedSettings(tenantId: string): Promise<string[]> {
    const doc = await this.tenants.findOne({ _id: tenantId });
    return doc ? SETTINGS.filter((f) => doc[f] !== undefined) : [];
  }
}

/** Throws unless the tenant id has the shape of one: what stands between a bad id and a filter wider than a tenant. */
function checked(tenantId: string): void {
  tenantPrefix(tenantId);
}
