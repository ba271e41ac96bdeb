import { randomBytes } from 'node:crypto';
import type { Db } from 'mongodb';
import type { Finding } from '../../domain/finding';
import { newId } from '../ids';
import { insertIgnoringDuplicates, writeFindingPages } from './finding-pages';
import type { FindingDoc, EndpointDoc } from './findings-repo';
import type { TenantDoc } from './tenants-repo';
import { hashToken, type ApiTokenDoc, type Scope } from './tokens-repo';

/** Creates a tenant and returns its id. */
export async function createTenant(
  db: Db,
  tenant: { name: string; auditRetentionDays: number; id?: string },
): Promise<string> {
  const id = tenant.id ?? newId('tnt');
  await db.collection<TenantDoc>('tenants').insertOne({
    _id: id,
    name: tenant.name,
    audit_retention_days: tenant.auditRetentionDays,
    created_at: new Date(),
  });
  return id;
}

/** Registers an endpoint under test for a tenant and returns its id. */
export async function createEndpoint(
  db: Db,
  endpoint: { tenantId: string; name: string; description: string; id?: string },
): Promise<string> {
  const id = endpoint.id ?? newId('ep');
  await db.collection<EndpointDoc>('endpoints').insertOne({
    _id: id,
    tenant_id: endpoint.tenantId,
    name: endpoint.name,
    description: endpoint.description,
  });
  return id;
}

/**
 * Stores findings as given (ids included): each as a full record in `findings`, and the batch as digest pages
 * for report queries (finding-pages.ts). Pages are written first, so that a finding in `findings`
 * is always in reports; a write that fails in between leaves findings that reports see but `findings` lacks,
 * until the caller re-sends the batch. Re-sending is safe: page ids follow from the batch's finding ids, and an
 * id already stored keeps its first version in both places. A finding re-sent in a different batch lands in a
 * second page; reads take the copy written first. Findings are immutable: re-sending an id with other content
 * changes nothing.
 */
export async function insertFindings(db: Db, findings: Finding[]): Promise<void> {
  if (findings.length === 0) return;
  await writeFindingPages(db, findings, new Date());
  await insertIgnoringDuplicates(
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
      ...(f.source ? { source: { tool: f.source.tool, run_id: f.source.runId } } : {}),
    })),
  );
}

/** Mints an API token for a tenant. The secret is returned once and only its hash is stored. */
export async function mintToken(
  db: Db,
  token: { tenantId: string; scopes: Scope[]; expiresAt?: Date },
): Promise<{ id: string; secret: string }> {
  const id = newId('tok');
  const secret = `aer_${randomBytes(32).toString('base64url')}`;
  const doc: ApiTokenDoc = {
    _id: id,
    token_sha256: hashToken(secret),
    tenant_id: token.tenantId,
    scopes: [...token.scopes],
    created_at: new Date(),
  };
  if (token.expiresAt) doc.expires_at = token.expiresAt;
  await db.collection<ApiTokenDoc>('api_tokens').insertOne(doc);
  return { id, secret };
}
