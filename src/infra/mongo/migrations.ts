import type { Binary, Db, ObjectId } from 'mongodb';
import { SightingsBuilder } from '../../domain/treatment/sightings';
import { DAY_PAGES } from './finding-store/layout';
import { unpackItems } from './finding-store/page-codec';
import { MongoWeaknessRegister } from './weakness-register';
import type { AuditEvent } from '../../domain/audit';
import { MongoAuditLog, storedEventId } from './audit-repo';
import { fromWireScan, type Finding } from '../../domain/finding';
import type { ImportedRun } from '../../domain/importers/types';
import { MongoFindingsRepo, type LegacyFindingDoc } from './findings-repo';
import { MongoImportedRuns } from './import-runs-repo';
import { isDuplicateKey } from './idempotency-repo';
import { findByIds } from './keyed-docs';
import { MongoTenantDirectory, MongoTokenStore } from './tenant-directory';
import { REPORT_KEYS, reportKey } from './reports-repo';
import { TOKEN_HASHES, type TokenHashDoc } from './tokens-repo';

/** A one-time change to stored data, applied once per database: its marker in `migrations` says it is done. */
interface Migration {
  id: string;
  run(db: Db): Promise<void>;
}

/** A finding id of the dated form (`fnd_2026_…`) every finding had before imported findings were identified by
 * their run and item alone. */
const DATED_FINDING_ID = /^fnd_\d{4}_/;

/**
 * Imports made before runs were recorded become records of their runs, marked legacy: their findings' ids carry
 * the year of the time they were dated with, so a later import of the same run cannot match them one by one, and
 * stores none of them instead of storing each hit a second time. Reads every stored finding once.
 */
const legacyImportedRuns: Migration = {
  id: '2026-12-imported-runs-from-findings',
  async run(db) {
    const runs = new Map<string, ImportedRun>();
    const cursor = db
      .collection<LegacyFindingDoc>('findings')
      .find(
        { 'source.file_sha256': { $exists: true } },
        { projection: { _id: 1, tenant_id: 1, endpoint_id: 1, source: 1, stored_at: 1 } },
      );
    for await (const d of cursor) {
      if (!DATED_FINDING_ID.test(d._id) || !d.source?.file_sha256) continue;
      const run: ImportedRun = {
        tenantId: d.tenant_id,
        endpointId: d.endpoint_id,
        tool: d.source.tool,
        runKey: d.source.run_id ?? `file:${d.source.file_sha256}`,
        format: 'unknown',
        fileSha256: d.source.file_sha256,
        importedAt: d.stored_at ?? new Date(0),
        legacy: true,
      };
      const key = JSON.stringify([run.tenantId, run.endpointId, run.tool, run.runKey]);
      const known = runs.get(key);
      if (!known || run.importedAt < known.importedAt) runs.set(key, run);
    }
    await new MongoImportedRuns(db).record([...runs.values()]);
  },
};

/** Findings a step of {@link legacyFindingsToPages} moves at once. */
const MOVE_UNIT = 1_000;

function fromLegacy(d: LegacyFindingDoc): Finding {
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
 * Findings stored one document each in `findings` (before the page layout of finding-store/) are written into that
 * layout under their own ids, so reports and lists, which read only the layout, keep seeing them. Each tenant's
 * findings move in units of fixed content (ids in order) under write keys of their own, so a move cut short and
 * started again finishes the same writes (writer.ts). The old documents are left where they are.
 */
const legacyFindingsToPages: Migration = {
  id: '2026-12-findings-to-day-pages',
  async run(db) {
    const legacy = db.collection<LegacyFindingDoc>('findings');
    const byTenant = new Map<string, string[]>();
    for await (const d of legacy.find({}, { projection: { _id: 1, tenant_id: 1 } })) {
      const ids = byTenant.get(d.tenant_id);
      if (ids) ids.push(d._id);
      else byTenant.set(d.tenant_id, [d._id]);
    }
    const repo = new MongoFindingsRepo(db);
    for (const [tenantId, ids] of byTenant) {
      ids.sort();
      for (let i = 0; i < ids.length; i += MOVE_UNIT) {
        const docs = await findByIds(legacy, ids.slice(i, i + MOVE_UNIT));
        await repo.store([...docs.values()].map(fromLegacy), new Date(), {
          writeKey: `migrate:${tenantId}:${i / MOVE_UNIT}`,
        });
      }
    }
  },
};

/**
 * Audit events recorded before the tenants' month logs existed are appended to them, so `GET /audit-events`, which
 * reads only the logs, lists them too. Their id in the log is their `_id` (an `event_id`, or an ObjectId's hex).
 * Each is added as a set member ({@link MongoAuditLog.appendToLog}), so an event recorded by the new code before
 * this ran, or a migration cut short and run again, adds nothing twice. Reads every stored event once.
 */
const auditEventsToLogs: Migration = {
  id: '2027-01-audit-events-to-tenant-logs',
  async run(db) {
    const audit = new MongoAuditLog(db);
    for await (const d of db.collection<AuditEvent & { _id: string | ObjectId }>('audit_events').find({})) {
      const { _id, ...event } = d;
      await audit.appendToLog(storedEventId(_id), event);
    }
  },
};

/** Tenants and tokens stored before the operator API listed them by id are added to its lists: reads every tenant
 * and token once, so that listing them later never does. */
const tenantsAndTokensToLists: Migration = {
  id: '2026-12-tenant-and-token-lists',
  async run(db) {
    const tenantIds: string[] = [];
    for await (const d of db.collection<{ _id: string }>('tenants').find({}, { projection: { _id: 1 } })) {
      tenantIds.push(d._id);
    }
    await new MongoTenantDirectory(db).register(tenantIds);
    const byTenant = new Map<string, string[]>();
    const tokens = db.collection<{ _id: string; tenant_id?: string }>('api_tokens');
    for await (const d of tokens.find({}, { projection: { _id: 1, tenant_id: 1 } })) {
      if (d.tenant_id) byTenant.set(d.tenant_id, [...(byTenant.get(d.tenant_id) ?? []), d._id]);
    }
    const store = new MongoTokenStore(db);
    for (const [tenantId, ids] of byTenant) await store.register(tenantId, ids);
  },
};

/** Tokens minted before a token was found by the `_id` of its hash get that key, and operator tokens minted before
 * they were listed join their list: reads every token once, so that authenticating and listing never do. */
const tokenHashKeys: Migration = {
  id: '2027-01-token-hash-keys',
  async run(db) {
    const hashes = db.collection<TokenHashDoc>(TOKEN_HASHES);
    const tokens = db.collection<{ _id: string; token_sha256: string; operator?: true }>('api_tokens');
    const operators: string[] = [];
    for await (const d of tokens.find({}, { projection: { _id: 1, token_sha256: 1, operator: 1 } })) {
      await hashes.replaceOne({ _id: d.token_sha256 }, { token_id: d._id }, { upsert: true });
      if (d.operator) operators.push(d._id);
    }
    await new MongoTokenStore(db).registerOperators(operators);
  },
};

/** Reports stored before a tenant's report was found by its key under the tenant get that key: reads every report
 * once, so that no lookup by id reads another tenant's report. */
const reportKeys: Migration = {
  id: '2027-01-report-keys',
  async run(db) {
    const keys = db.collection<{ _id: string; tenant_id: string }>(REPORT_KEYS);
    const reports = db.collection<{ _id: string; tenant_id: string }>('reports');
    for await (const d of reports.find({}, { projection: { _id: 1, tenant_id: 1 } })) {
      await keys.replaceOne({ _id: reportKey(d.tenant_id, d._id) }, { tenant_id: d.tenant_id }, { upsert: true });
    }
  },
};

/**
 * Findings stored before the weakness register existed are registered (weakness-register.ts): each write's findings
 * of a weakness become one sighting under the write's tag, which its pages' ids carry, as the write would have
 * recorded them itself. A write recording its own sightings while this runs is therefore counted once, and so is a
 * migration cut short and run again. Reads every page once, a tenant at a time.
 */
const weaknessRegister: Migration = {
  id: '2027-02-weakness-register',
  async run(db) {
    const pages = db.collection<{ _id: string; t: string; e: string; items: Binary }>(DAY_PAGES);
    const byTenant = new Map<string, string[]>();
    for await (const d of pages.find({}, { projection: { _id: 1, t: 1 } })) {
      const ids = byTenant.get(d.t);
      if (ids) ids.push(d._id);
      else byTenant.set(d.t, [d._id]);
    }
    const register = new MongoWeaknessRegister(db);
    const now = new Date();
    for (const [tenantId, ids] of byTenant) {
      const byWrite = new Map<string, SightingsBuilder>();
      for (let i = 0; i < ids.length; i += 100) {
        for (const page of (await findByIds(pages, ids.slice(i, i + 100))).values()) {
          // `<tenant>/<endpoint>/<day>/<write tag>/<n>` (layout.ts).
          const tag = page._id.split('/')[3];
          let builder = byWrite.get(tag);
          if (!builder) byWrite.set(tag, (builder = new SightingsBuilder(tenantId)));
          for (const item of await unpackItems(page.items, page._id)) {
            builder.add({
              id: item.id,
              endpointId: page.e,
              category: item.category,
              fingerprint: item.fingerprint,
              detectedAt: item.at,
              title: item.title,
              severity: item.severity,
            });
          }
        }
      }
      for (const [tag, builder] of byWrite) await register.recordSightings(tenantId, builder.sightings(), tag, now);
    }
  },
};

const MIGRATIONS: readonly Migration[] = [
  legacyImportedRuns,
  legacyFindingsToPages,
  auditEventsToLogs,
  tenantsAndTokensToLists,
  tokenHashKeys,
  reportKeys,
  weaknessRegister,
];

/** Applies the migrations this database has not had, in order. Safe to run from several processes at once: each
 * migration's writes are idempotent, and its marker is written after them. */
export async function migrate(db: Db): Promise<void> {
  const done = db.collection<{ _id: string; at: Date }>('migrations');
  for (const m of MIGRATIONS) {
    if (await done.findOne({ _id: m.id })) continue;
    await m.run(db);
    try {
      await done.insertOne({ _id: m.id, at: new Date() });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }
}
