import type { Client } from '@temporalio/client';
import type { Db } from 'mongodb';
import type { OffboardingActivityDeps } from '../../activities/offboarding-activities';
import type { ArtifactStore, AuditLog, Clock } from '../../activities/ports';
import { TenantOffboarding } from '../app/tenant-offboarding';
import { MongoDeletionReceipts, MongoOperatorLog, MongoPurgeLedger } from '../infra/mongo/offboarding-repo';
import { MongoTenantDirectory, MongoTokenStore } from '../infra/mongo/tenant-directory';
import { MongoTenantRecords } from '../infra/mongo/tenant-records';
import { jwsDocumentSigner } from '../infra/signing/artifact-signers';
import type { JwsKeyRing } from '../infra/signing/jwks';
import { TemporalOffboarding, TemporalTenantWorkflows } from '../infra/temporal/offboarding-workflows';

/** Offboarding requests over a database and a Temporal client; the API and the tests build theirs the same way. */
export function tenantOffboardingOf(
  db: Db,
  temporal: { client: Client; taskQueue: string },
  opts: { audit: AuditLog; clock: Clock; graceDays: number },
): TenantOffboarding {
  return new TenantOffboarding({
    tenants: new MongoTenantDirectory(db),
    holds: new MongoTenantRecords(db),
    workflows: new TemporalOffboarding(temporal.client, temporal.taskQueue),
    receipts: new MongoDeletionReceipts(db),
    audit: opts.audit,
    operatorLog: new MongoOperatorLog(db),
    clock: opts.clock,
    graceDays: opts.graceDays,
  });
}

/** What the worker's offboarding activities are built from: the tenant's records in the database, its objects in
 * the store, its workflows on the Temporal client, and the JSON signing keys for the receipt. */
export function offboardingActivityDepsOf(
  db: Db,
  opts: {
    store: ArtifactStore;
    staging: ArtifactStore;
    temporal: Client;
    jwsKeys: JwsKeyRing;
    audit: AuditLog;
    clock: Clock;
    jwksUrl: string;
  },
): OffboardingActivityDeps {
  return {
    tenants: new MongoTenantDirectory(db),
    tokens: new MongoTokenStore(db),
    records: new MongoTenantRecords(db),
    ledger: new MongoPurgeLedger(db),
    store: opts.store,
    staging: opts.staging,
    workflows: new TemporalTenantWorkflows(opts.temporal),
    receipts: new MongoDeletionReceipts(db),
    signer: jwsDocumentSigner(opts.jwsKeys),
    audit: opts.audit,
    operatorLog: new MongoOperatorLog(db),
    clock: opts.clock,
    jwksUrl: opts.jwksUrl,
  };
}
