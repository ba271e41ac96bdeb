import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Db } from 'mongodb';
import { Client, Connection } from '@temporalio/client';
import { ImportJobs } from '../app/import-jobs';
import { presentImportJob } from '../http/present';
import { loadConfig, type ApiConfig } from '../config';
import { importEnded, type ImportRecord } from '../domain/imports';
import { newId } from '../infra/ids';
import { createLogger } from '../infra/logger';
import { createArtifactStore } from '../infra/storage';
import { TemporalImportWorkflows } from '../infra/temporal/import-workflows';
import { tenantQuotasOf } from './tenant-quotas';
import { MongoTenantsRepo } from '../infra/mongo/tenants-repo';
import { DEMO_APPLICABILITY, DEMO_ENDPOINTS, DEMO_TENANT_ID, demoFindings, demoRuns } from '../demo/demo-data';
import { MongoRunsRepo } from '../infra/mongo/runs-repo';
import { fileSource } from '../infra/import/byte-source';
import { connectDatabase } from '../infra/mongo/database';
import { MongoEndpointsRepo } from '../infra/mongo/endpoints-repo';
import { MongoImportsRepo } from '../infra/mongo/imports-repo';
import { createEndpoint, createTenant, insertFindings, mintToken } from '../infra/mongo/tenant-admin';
import { DEFAULT_SCOPES, type Scope } from '../infra/mongo/tokens-repo';
import { verifyArtifact } from '../infra/signing/verify-artifact';
import { readJwks, verdictLine } from '../client/cli/verify';
import { loadJwsKeys } from '../infra/signing/jwks';
import { MongoAuditLog } from '../infra/mongo/audit-repo';
import { presentMinted, presentTenant, presentToken } from '../http/admin-router';
import { parseCommandLine, USAGE, type AdminCommand, type CliCommand } from './cli-args';
import { tenantAdminOf } from './tenant-admin';

async function seedDemo(db: Db): Promise<void> {
  const exists = await db.collection('tenants').findOne({ _id: DEMO_TENANT_ID as never });
  if (!exists) {
    await createTenant(db, {
      id: DEMO_TENANT_ID,
      name: 'Example Corp (demo)',
      auditRetentionDays: 365,
      applicability: DEMO_APPLICABILITY,
    });
    for (const e of DEMO_ENDPOINTS) await createEndpoint(db, { tenantId: DEMO_TENANT_ID, ...e });
    await insertFindings(db, demoFindings(DEMO_TENANT_ID));
    const runs = new MongoRunsRepo(db);
    for (const run of demoRuns(DEMO_TENANT_ID)) await runs.save(run);
  } else if (!exists.applicability) {
    // A demo tenant seeded before profiles existed states the demo's, as a new one does.
    await new MongoTenantsRepo(db).setApplicability(DEMO_TENANT_ID, DEMO_APPLICABILITY);
  }
  const token = await mintToken(db, { tenantId: DEMO_TENANT_ID, scopes: [...DEFAULT_SCOPES] });
  process.stdout.write(
    `${JSON.stringify({ token: token.secret, tenant_id: DEMO_TENANT_ID, endpoint_ids: DEMO_ENDPOINTS.map((e) => e.id) })}\n`,
  );
}

async function mint(db: Db, tenantId: string, scopes: readonly string[] = DEFAULT_SCOPES): Promise<void> {
  if (!(await db.collection('tenants').findOne({ _id: tenantId as never }))) {
    throw new Error(`tenant ${tenantId} does not exist`);
  }
  const token = await mintToken(db, { tenantId, scopes: scopes as Scope[] });
  process.stdout.write(`${JSON.stringify({ token: token.secret, token_id: token.id, tenant_id: tenantId, scopes })}\n`);
}

/** What an auditor runs: checks a downloaded artifact with nothing but the published keys. Exit 0 = valid. */
async function verify(command: Extract<CliCommand, { kind: 'verify' }>): Promise<number> {
  const bytes = await fs.readFile(command.file);
  const jws =
    command.signature ??
    (command.signatureFile ? (await fs.readFile(command.signatureFile, 'utf8')).trim() : undefined);
  const verdict = await verifyArtifact(bytes, await readJwks(command.jwks), jws);
  process.stdout.write(`${verdictLine(command.file, verdict)}\n`);
  return verdict.valid ? 0 : 1;
}

/** A one-line progress bar on a terminal; a line per phase and quarter of the file otherwise (CI logs). */
function progressPrinter(): (p: ImportRecord['progress']) => void {
  const tty = process.stderr.isTTY;
  let last = '';
  return (p) => {
    const fraction = p.bytesTotal > 0 ? Math.min(1, p.bytesRead / p.bytesTotal) : 0;
    const label = p.phase.padEnd(9);
    if (tty) {
      const width = 30;
      const done = Math.round(fraction * width);
      process.stderr.write(
        `\r${label} [${'#'.repeat(done)}${'.'.repeat(width - done)}] ${(fraction * 100).toFixed(0).padStart(3)}%  ${p.findings} findings stored`,
      );
    } else {
      const step = `${p.phase} ${Math.floor(fraction * 4) * 25}%`;
      if (step !== last)
        process.stderr.write(`${label} ${(fraction * 100).toFixed(0)}%, ${p.findings} findings stored\n`);
      last = step;
    }
  };
}

/** Imports a scanner file as the API does: staged in the tenant's storage, read and stored by a worker's import
 * job. Waits for the job with a progress bar, then prints it as the API shows it; exits 1 when it failed. */
async function importFile(
  db: Db,
  config: ApiConfig,
  command: Extract<CliCommand, { kind: 'import' }>,
): Promise<number> {
  const endpoints = new MongoEndpointsRepo(db);
  if (!(await endpoints.get(command.tenantId, command.endpointId))) {
    throw new Error(`endpoint ${command.endpointId} is not an endpoint of tenant ${command.tenantId}`);
  }
  const logger = createLogger(config.logLevel, { service: 'cli' });
  const connection = await Connection.connect({ address: config.temporal.address });
  try {
    const clock = { now: () => new Date() };
    const jobs = new ImportJobs({
      imports: new MongoImportsRepo(db),
      workflows: new TemporalImportWorkflows(
        new Client({ connection, namespace: config.temporal.namespace }),
        config.temporal.taskQueue,
      ),
      store: await createArtifactStore(config, logger),
      quotas: tenantQuotasOf(db, config.quotas, clock),
      clock,
      newImportId: () => newId('imp'),
      maxBytes: config.imports.maxBytes,
    });
    const source = await fileSource(command.file);
    const started = await jobs.start(
      {
        tenantId: command.tenantId,
        endpointId: command.endpointId,
        ...(command.format ? { format: command.format } : {}),
        ...(command.runStartedAt ? { runStartedAt: command.runStartedAt } : {}),
        includeEvals: command.includeEvals,
      },
      source.chunks(),
    );
    process.stderr.write(`import ${started.id} started (${started.upload.bytes} bytes staged)\n`);
    const print = progressPrinter();
    let record = started;
    while (!importEnded(record.status)) {
      record = (await jobs.waitFor(command.tenantId, started.id, 1)) ?? record;
      print(record.progress);
    }
    if (process.stderr.isTTY) process.stderr.write('\n');
    process.stdout.write(`${JSON.stringify(presentImportJob(record))}\n`);
    return record.status === 'succeeded' ? 0 : 1;
  } finally {
    await connection.close();
  }
}

/** Runs a tenant or token command as the operator API would, printing its answer as JSON. */
async function admin(db: Db, command: AdminCommand): Promise<void> {
  const tenants = tenantAdminOf(db, new MongoAuditLog(db), { now: () => new Date() });
  const print = (value: unknown): void => void process.stdout.write(`${JSON.stringify(value)}\n`);
  const all = async <T>(page: (after: number) => Promise<{ item: T; position: number }[]>): Promise<T[]> => {
    const items: T[] = [];
    for (let after = -1; ;) {
      const listed = await page(after);
      if (listed.length === 0) return items;
      items.push(...listed.map((l) => l.item));
      after = listed[listed.length - 1].position;
    }
  };
  switch (command.kind) {
    case 'operator-token create': {
      const minted = await tenants.mintOperatorToken(command.name);
      return print({ id: minted.record.id, token: minted.secret });
    }
    case 'operator-token list':
      return print((await all((after) => tenants.listOperatorTokens(after, 100))).map(presentToken));
    case 'tenant create':
      return print(presentTenant(await tenants.createTenant(command.request)));
    case 'tenant list':
      return print((await all((after) => tenants.listTenants(after, 100))).map(presentTenant));
    case 'tenant suspend':
      return print(presentTenant(await tenants.suspend(command.tenantId, 'cli')));
    case 'tenant resume':
      return print(presentTenant(await tenants.resume(command.tenantId, 'cli')));
    case 'token mint':
      return print(presentMinted(await tenants.mintToken(command.tenantId, command.request, 'cli')));
    case 'token list':
      return print((await all((after) => tenants.listTokens(command.tenantId, after, 100))).map(presentToken));
    case 'token revoke':
      await tenants.revokeToken(command.tokenId, 'cli');
      return print({ id: command.tokenId, revoked: true });
  }
}

/** Connects to the database for a command, and closes the connection once it is done. */
async function withDatabase<T>(run: (db: Db, config: ApiConfig) => Promise<T>): Promise<T> {
  const config = loadConfig(process.env, 'api');
  const { client, db } = await connectDatabase(config.mongo.url, config.mongo.db);
  try {
    return await run(db, config);
  } finally {
    await client.close();
  }
}

async function run(command: CliCommand): Promise<number> {
  switch (command.kind) {
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return 0;
    case 'verify':
      return verify(command);
    case 'new-jws-key': {
      // An operator's deliberate act, run where the folder will be mounted from: production never generates a key.
      const folder = path.resolve(command.folder);
      const { keys, created } = await loadJwsKeys(folder, { create: true });
      const kid = created ? keys.current.kid : await keys.rotate();
      process.stdout.write(`${JSON.stringify({ folder, kid })}\n`);
      return 0;
    }
    case 'admin':
      await withDatabase((db) => admin(db, command.command));
      return 0;
    case 'seed-demo':
      await withDatabase((db) => seedDemo(db));
      return 0;
    case 'mint-token':
      await withDatabase((db) => mint(db, command.tenantId, command.scopes));
      return 0;
    case 'import':
      return withDatabase((db, config) => importFile(db, config, command));
  }
}

function main(argv: string[]): void {
  let command: CliCommand;
  try {
    // Read whole before anything connects, so that a misspelt flag fails fast and changes nothing.
    command = parseCommandLine(argv);
  } catch (err) {
    // A usage error exits 2, as is usual, apart from a command that ran and failed (1); see USAGE.
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n(cli help lists every command)\n`);
    process.exitCode = 2;
    return;
  }
  run(command).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}

main(process.argv.slice(2));
