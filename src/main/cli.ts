import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Db } from 'mongodb';
import { Client, Connection } from '@temporalio/client';
import { ImportJobs } from '../app/import-jobs';
import { presentImportJob } from '../http/present';
import { loadConfig, type ApiConfig } from '../config';
import { isoTime } from '../domain/finding-input';
import { importEnded, type ImportRecord } from '../domain/imports';
import { newId } from '../infra/ids';
import { createLogger } from '../infra/logger';
import { createArtifactStore } from '../infra/storage';
import { TemporalImportWorkflows } from '../infra/temporal/import-workflows';
import { tenantQuotasOf } from './tenant-quotas';
import { MongoTenantsRepo } from '../infra/mongo/tenants-repo';
import { DEMO_APPLICABILITY, DEMO_ENDPOINTS, DEMO_TENANT_ID, demoFindings, demoRuns } from '../demo/demo-data';
import { MongoRunsRepo } from '../infra/mongo/runs-repo';
import { isScannerFormat, SCANNER_FORMATS } from '../domain/importers/types';
import { fileSource } from '../infra/import/byte-source';
import { connectDatabase } from '../infra/mongo/database';
import { MongoEndpointsRepo } from '../infra/mongo/endpoints-repo';
import { MongoImportsRepo } from '../infra/mongo/imports-repo';
import { createEndpoint, createTenant, insertFindings, mintToken } from '../infra/mongo/tenant-admin';
import { DEFAULT_SCOPES, SCOPES, type Scope } from '../infra/mongo/tokens-repo';
import { verifyArtifact, type PublishedJwks } from '../infra/signing/verify-artifact';
import { loadJwsKeys } from '../infra/signing/jwks';
import { MongoAuditLog } from '../infra/mongo/audit-repo';
import { presentMinted, presentTenant, presentToken } from '../http/admin-router';
import { isAdminCommand, parseAdminCommand, type AdminCommand } from './cli-args';
import { tenantAdminOf } from './tenant-admin';

const USAGE = `usage:
  cli seed-demo                         load the demo tenant (once) and print a fresh token as JSON
  cli mint-token <tenant-id> [scopes]   mint a token; scopes comma-separated, any of ${SCOPES.join(',')}
                                        (default: all but evidence:read, which reads evidence unmasked)
  cli import <file> --tenant <id> --endpoint <id> [--format garak-report|garak-hitlog|promptfoo]
             [--run-started-at <ISO time>] [--include-evals true]
                                        import a garak report/hitlog or promptfoo results into an endpoint as a
                                        job a worker runs, waiting for it with a progress bar (a hitlog records
                                        no time: its hits are dated at the import)
  cli verify <file> --jwks <url|file> [--signature <jws> | --signature-file <file>]
                                        check a downloaded PDF or JSON against the published keys only
  cli operator-token create --name <name>
                                        mint an operator token (scope admin, no tenant) for /api/v2/admin
  cli operator-token list               the operator tokens, without secrets (revoke with cli token revoke)
  cli tenant create --name <name> [--audit-retention-days <days>]
  cli tenant list
  cli tenant suspend|resume --tenant <id>
  cli token mint --tenant <id> --scopes <a,b> [--name <name>] [--expires-in-days <days>]
  cli token list --tenant <id>
  cli token revoke --id <token-id>      the operator API's answers, as JSON; changes are audited as by "cli"
  cli new-jws-key <folder>              add a JSON signing key to <folder> (the JWS_KEYS_DIR production needs),
                                        making it the one that signs; earlier keys stay published`;

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

async function mint(db: Db, tenantId: string | undefined, scopesArg: string | undefined): Promise<void> {
  if (!tenantId) throw new Error(USAGE);
  const scopes = (scopesArg ?? DEFAULT_SCOPES.join(',')).split(',').map((s) => s.trim());
  const bad = scopes.find((s) => !(SCOPES as readonly string[]).includes(s));
  if (bad) throw new Error(`scope "${bad}" is unknown; use any of ${SCOPES.join(', ')}`);
  if (!(await db.collection('tenants').findOne({ _id: tenantId as never }))) {
    throw new Error(`tenant ${tenantId} does not exist`);
  }
  const token = await mintToken(db, { tenantId, scopes: scopes as Scope[] });
  process.stdout.write(`${JSON.stringify({ token: token.secret, token_id: token.id, tenant_id: tenantId, scopes })}\n`);
}

/** Reads `--name value` options; anything else is positional. */
function options(args: string[]): { positional: string[]; named: Record<string, string> } {
  const positional: string[] = [];
  const named: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    if (args[i].startsWith('--')) {
      if (i + 1 >= args.length) throw new Error(`${args[i]} needs a value\n${USAGE}`);
      named[args[i].slice(2)] = args[++i];
    } else positional.push(args[i]);
  }
  return { positional, named };
}

async function readJwks(source: string): Promise<PublishedJwks> {
  const text = /^https?:\/\//.test(source)
    ? await fetch(source).then((r) => {
        if (!r.ok) throw new Error(`${source} answered ${r.status}`);
        return r.text();
      })
    : await fs.readFile(source, 'utf8');
  const jwks = JSON.parse(text) as PublishedJwks;
  if (!Array.isArray(jwks.keys)) throw new Error(`${source} is not a JWKS (no "keys" array)`);
  return jwks;
}

/** What an auditor runs: checks a downloaded artifact with nothing but the published keys. Exit 0 = valid. */
async function verify(args: string[]): Promise<number> {
  const { positional, named } = options(args);
  if (positional.length !== 1 || !named.jwks) throw new Error(USAGE);
  const bytes = await fs.readFile(positional[0]);
  const jws =
    named.signature ??
    (named['signature-file'] ? (await fs.readFile(named['signature-file'], 'utf8')).trim() : undefined);
  const verdict = await verifyArtifact(bytes, await readJwks(named.jwks), jws);
  const key = verdict.keyId ? ` (key ${verdict.keyId})` : '';
  process.stdout.write(
    `${verdict.valid ? 'VALID' : 'INVALID'}: ${positional[0]} [${verdict.kind}]${key}: ${verdict.detail}\n`,
  );
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
async function importFile(db: Db, config: ApiConfig, args: string[]): Promise<number> {
  const { positional, named } = options(args);
  if (positional.length !== 1 || !named.tenant || !named.endpoint) throw new Error(USAGE);
  const format = named.format;
  if (format !== undefined && !isScannerFormat(format)) {
    throw new Error(`--format "${format}" is not one of ${SCANNER_FORMATS.join(', ')}`);
  }
  const runStartedAt = named['run-started-at'];
  if (runStartedAt !== undefined && !isoTime(runStartedAt)) {
    throw new Error(`--run-started-at "${runStartedAt}" is not an ISO 8601 time with a zone`);
  }
  const endpoints = new MongoEndpointsRepo(db);
  if (!(await endpoints.get(named.tenant, named.endpoint))) {
    throw new Error(`endpoint ${named.endpoint} is not an endpoint of tenant ${named.tenant}`);
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
    const source = await fileSource(positional[0]);
    const started = await jobs.start(
      {
        tenantId: named.tenant,
        endpointId: named.endpoint,
        ...(format ? { format } : {}),
        ...(runStartedAt ? { runStartedAt: isoTime(runStartedAt)!.toISOString() } : {}),
        includeEvals: named['include-evals'] === 'true',
      },
      source.chunks(),
    );
    process.stderr.write(`import ${started.id} started (${started.upload.bytes} bytes staged)\n`);
    const print = progressPrinter();
    let record = started;
    while (!importEnded(record.status)) {
      record = (await jobs.waitFor(named.tenant, started.id, 1)) ?? record;
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

async function main(argv: string[]): Promise<void> {
  const [command, ...args] = argv;
  if (isAdminCommand(argv)) {
    // Flags are checked before anything connects, so a misspelt one fails fast and changes nothing.
    const parsed = parseAdminCommand(argv);
    const config = loadConfig(process.env, 'api');
    const { client, db } = await connectDatabase(config.mongo.url, config.mongo.db);
    try {
      await admin(db, parsed);
    } finally {
      await client.close();
    }
    return;
  }
  if (command === 'verify') {
    process.exitCode = await verify(args);
    return;
  }
  if (command === 'new-jws-key') {
    if (args.length !== 1) throw new Error(USAGE);
    // An operator's deliberate act, run where the folder will be mounted from: production never generates a key.
    const folder = path.resolve(args[0]);
    const { keys, created } = await loadJwsKeys(folder, { create: true });
    const kid = created ? keys.current.kid : await keys.rotate();
    process.stdout.write(`${JSON.stringify({ folder, kid })}\n`);
    return;
  }
  if (command !== 'seed-demo' && command !== 'mint-token' && command !== 'import') throw new Error(USAGE);
  const config = loadConfig(process.env, 'api');
  const { client, db } = await connectDatabase(config.mongo.url, config.mongo.db);
  try {
    if (command === 'seed-demo') await seedDemo(db);
    else if (command === 'import') process.exitCode = await importFile(db, config, args);
    else await mint(db, args[0], args[1]);
  } finally {
    await client.close();
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
