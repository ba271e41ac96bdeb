import { randomBytes } from 'node:crypto';
import type { Collection, Db, Filter } from 'mongodb';
import type { Listed, OffboardingState, TenantRecord, TenantStatus, TokenRecord } from '../../domain/tokens';
import { newId } from '../ids';
import { AppendLogs } from './finding-store/append-log';
import { findByIds } from './keyed-docs';
import type { OffboardingDoc, TenantDoc } from './tenants-repo';
import { hashToken, TOKEN_HASHES, type ApiTokenDoc, type TokenHashDoc } from './tokens-repo';

/** The list of every tenant's id, in `directory_logs`. */
const TENANTS_LIST = 'tenants';
/** The list of a tenant's token ids. */
const tokensList = (tenantId: string) => `tokens/${tenantId}`;
/** The list of operator token ids. */
const OPERATOR_TOKENS_LIST = 'operator-tokens';

/**
 * The lists the operator API pages through are append-only id lists ({@link AppendLogs}, used as sets) whose
 * items are then read by exact `_id`: FerretDB scans a whole collection for any other filter. An id is added to
 * its list before its document is written, so a crash between the two leaves an id with no document, which lists
 * skip, never a document missing from its list.
 */
function directoryLogs(db: Db): AppendLogs<string[]> {
  return new AppendLogs<string[]>(db, 'directory_logs', 50_000);
}

/** Up to `limit` of the distinct ids of `log` after position `after`, with their positions. */
async function idsAfter(
  logs: AppendLogs<string[]>,
  key: string,
  after: number,
  limit: number,
): Promise<{ id: string; position: number }[]> {
  const seen = new Set<string>();
  const ids: string[] = [];
  // A set's log may hold a member twice (a writer stopped before marking it): the first entry stands.
  for (const entry of await logs.read(key)) {
    for (const id of entry) {
      if (!seen.has(id)) ids.push(id);
      seen.add(id);
    }
  }
  return ids
    .map((id, position) => ({ id, position }))
    .slice(after + 1)
    .slice(0, limit);
}

function tenantOf(d: TenantDoc): TenantRecord {
  const record: TenantRecord = {
    id: d._id,
    name: d.name,
    auditRetentionDays: d.audit_retention_days,
    status: d.status ?? 'active',
    createdAt: d.created_at,
  };
  if (d.offboarding) record.offboarding = offboardingOf(d.offboarding);
  return record;
}

function offboardingOf(d: OffboardingDoc): OffboardingState {
  const state: OffboardingState = {
    startedAt: d.started_at,
    startedBy: d.started_by,
    purgeAfter: d.purge_after,
    workflowId: d.workflow_id,
  };
  if (d.purged_at) state.purgedAt = d.purged_at;
  if (d.blocked_at) state.blockedAt = d.blocked_at;
  if (d.held_report_ids) state.heldReportIds = d.held_report_ids;
  return state;
}

function offboardingDoc(s: OffboardingState): OffboardingDoc {
  return { started_at: s.startedAt, started_by: s.startedBy, purge_after: s.purgeAfter, workflow_id: s.workflowId };
}

function tokenOf(d: ApiTokenDoc): TokenRecord {
  const record: TokenRecord = { id: d._id, scopes: d.scopes, createdAt: d.created_at };
  if (d.tenant_id) record.tenantId = d.tenant_id;
  if (d.operator) record.operator = true;
  if (d.name !== undefined) record.name = d.name;
  if (d.expires_at) record.expiresAt = d.expires_at;
  if (d.revoked_at) record.revokedAt = d.revoked_at;
  if (d.last_used_at) record.lastUsedAt = d.last_used_at;
  return record;
}

/** Tenants as the operator API reads them (the application's `TenantDirectory`). */
export class MongoTenantDirectory {
  private readonly tenants: Collection<TenantDoc>;
  private readonly logs: AppendLogs<string[]>;

  constructor(db: Db) {
    this.tenants = db.collection<TenantDoc>('tenants');
    this.logs = directoryLogs(db);
  }

  /** Creates a tenant from a whole document (the demo's carries its applicability profile). */
  async insert(doc: TenantDoc): Promise<void> {
    await this.logs.addToSet(TENANTS_LIST, [doc._id], (ids) => ids);
    await this.tenants.insertOne(doc);
  }

  /** Lists tenants stored before the list existed; idempotent. */
  async register(ids: readonly string[]): Promise<void> {
    if (ids.length > 0) await this.logs.addToSet(TENANTS_LIST, ids, (missing) => missing);
  }

  async create(t: Omit<TenantRecord, 'status'>): Promise<void> {
    await this.insert({
      _id: t.id,
      name: t.name,
      audit_retention_days: t.auditRetentionDays,
      created_at: t.createdAt,
      status: 'active',
    });
  }

  async get(id: string): Promise<TenantRecord | undefined> {
    const d = await this.tenants.findOne({ _id: id });
    return d ? tenantOf(d) : undefined;
  }

  async list(after: number, limit: number): Promise<Listed<TenantRecord>[]> {
    const ids = await idsAfter(this.logs, TENANTS_LIST, after, limit);
    const docs = await findByIds(
      this.tenants,
      ids.map((i) => i.id),
    );
    return ids.flatMap(({ id, position }) => {
      const d = docs.get(id);
      return d ? [{ item: tenantOf(d), position }] : [];
    });
  }

  async setStatus(id: string, status: TenantStatus, at: Date): Promise<void> {
    await this.tenants.updateOne({ _id: id }, { $set: { status, status_changed_at: at } });
  }

  /** Records an offboarding if the tenant still stands in status `from` (a tenant stored before statuses existed
   * stands in `active`); answers whether it did. */
  async beginOffboarding(id: string, state: OffboardingState, from: TenantStatus): Promise<boolean> {
    const inStatus: Filter<TenantDoc> =
      from === 'active' ? { $or: [{ status: 'active' }, { status: { $exists: false } }] } : { status: from };
    const done = await this.tenants.updateOne(
      { _id: id, ...inStatus },
      { $set: { status: 'offboarding', status_changed_at: state.startedAt, offboarding: offboardingDoc(state) } },
    );
    return done.matchedCount === 1;
  }

  /** Marks the tenant offboarding with this state (what the request recorded, again: the workflow's own start
   * makes sure of it), unless it is offboarded already. */
  async markOffboarding(id: string, state: OffboardingState): Promise<void> {
    await this.tenants.updateOne(
      { _id: id, status: { $ne: 'offboarded' } },
      { $set: { status: 'offboarding', offboarding: offboardingDoc(state) } },
    );
  }

  /** Marks the offboarding refused for the reports on hold; only an offboarding tenant's. */
  async markBlocked(id: string, at: Date, heldReportIds: readonly string[]): Promise<void> {
    await this.tenants.updateOne(
      { _id: id, status: 'offboarding' },
      {
        $set: {
          status: 'offboarding_blocked',
          status_changed_at: at,
          'offboarding.blocked_at': at,
          'offboarding.held_report_ids': [...heldReportIds],
        },
      },
    );
  }

  /** Marks the tenant purged; the record stays, so the operator still sees the tenant and when it was purged. */
  async markOffboarded(id: string, purgedAt: Date): Promise<void> {
    await this.tenants.updateOne(
      { _id: id, status: { $ne: 'offboarded' } },
      { $set: { status: 'offboarded', status_changed_at: purgedAt, 'offboarding.purged_at': purgedAt } },
    );
  }
}

/** Tokens as the operator API reads them (the application's `TokenStore`): `api_tokens`, and a list of each
 * tenant's token ids. */
export class MongoTokenStore {
  private readonly tokens: Collection<ApiTokenDoc>;
  private readonly hashes: Collection<TokenHashDoc>;
  private readonly logs: AppendLogs<string[]>;

  constructor(db: Db) {
    this.tokens = db.collection<ApiTokenDoc>('api_tokens');
    this.hashes = db.collection<TokenHashDoc>(TOKEN_HASHES);
    this.logs = directoryLogs(db);
  }

  async mint(
    token: Omit<TokenRecord, 'id' | 'revokedAt' | 'lastUsedAt'>,
  ): Promise<{ record: TokenRecord; secret: string }> {
    const id = newId('tok');
    const secret = `aer_${randomBytes(32).toString('base64url')}`;
    const doc: ApiTokenDoc = {
      _id: id,
      token_sha256: hashToken(secret),
      scopes: [...token.scopes],
      created_at: token.createdAt,
    };
    if (token.tenantId) doc.tenant_id = token.tenantId;
    if (token.operator) doc.operator = true;
    if (token.name !== undefined) doc.name = token.name;
    if (token.expiresAt) doc.expires_at = token.expiresAt;
    if (token.tenantId) await this.register(token.tenantId, [id]);
    if (token.operator) await this.registerOperators([id]);
    await this.tokens.insertOne(doc);
    // Last: the token authenticates only once its hash leads to it, and its secret is answered only after that, so
    // a mint cut short leaves a token nobody holds.
    await this.hashes.insertOne({ _id: doc.token_sha256, token_id: id });
    return { record: tokenOf(doc), secret };
  }

  /** Lists a tenant's tokens stored before the lists existed; idempotent. */
  async register(tenantId: string, ids: readonly string[]): Promise<void> {
    if (ids.length > 0) await this.logs.addToSet(tokensList(tenantId), ids, (missing) => missing);
  }

  /** Lists operator tokens stored before the list existed; idempotent. */
  async registerOperators(ids: readonly string[]): Promise<void> {
    if (ids.length > 0) await this.logs.addToSet(OPERATOR_TOKENS_LIST, ids, (missing) => missing);
  }

  async listOperators(after: number, limit: number): Promise<Listed<TokenRecord>[]> {
    const ids = await idsAfter(this.logs, OPERATOR_TOKENS_LIST, after, limit);
    const docs = await findByIds(
      this.tokens,
      ids.map((i) => i.id),
    );
    return ids.flatMap(({ id, position }) => {
      const d = docs.get(id);
      return d?.operator ? [{ item: tokenOf(d), position }] : [];
    });
  }

  async get(id: string): Promise<TokenRecord | undefined> {
    const d = await this.tokens.findOne({ _id: id });
    return d ? tokenOf(d) : undefined;
  }

  async listForTenant(tenantId: string, after: number, limit: number): Promise<Listed<TokenRecord>[]> {
    const ids = await idsAfter(this.logs, tokensList(tenantId), after, limit);
    const docs = await findByIds(
      this.tokens,
      ids.map((i) => i.id),
    );
    return ids.flatMap(({ id, position }) => {
      const d = docs.get(id);
      return d && d.tenant_id === tenantId ? [{ item: tokenOf(d), position }] : [];
    });
  }

  async revoke(id: string, at: Date): Promise<void> {
    await this.tokens.updateOne({ _id: id }, { $set: { revoked_at: at } });
  }
}
