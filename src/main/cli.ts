import { promises as fs } from 'node:fs';
import type { Db } from 'mongodb';
import { loadConfig } from '../config';
import { DEMO_ENDPOINTS, DEMO_TENANT_ID, demoFindings } from '../demo/demo-data';
import type { Finding } from '../domain/finding';
import { isScannerFormat, SCANNER_FORMATS } from '../domain/importers/types';
import { importScannerFile, type ImportProgress } from '../infra/import/scanner-import';
import { connectDatabase } from '../infra/mongo/database';
import { MongoEndpointsRepo } from '../infra/mongo/endpoints-repo';
import { MongoFindingsRepo } from '../infra/mongo/findings-repo';
import { MongoImportedRuns } from '../infra/mongo/import-runs-repo';
import { createEndpoint, createTenant, insertFindings, mintToken } from '../infra/mongo/tenant-admin';
import { SCOPES, type Scope } from '../infra/mongo/tokens-repo';
import { verifyArtifact, type PublishedJwks } from '../infra/signing/verify-artifact';

const USAGE = `usage:
  cli seed-demo                         load the demo tenant (once) and print a fresh token as JSON
  cli mint-token <tenant-id> [scopes]   mint a token; scopes comma-separated (default: ${SCOPES.join(',')})
  cli import <file> --tenant <id> --endpoint <id> [--format garak-report|garak-hitlog|promptfoo]
             [--run-started-at <ISO time>]
                                        import a garak report/hitlog or promptfoo results into an endpoint
                                        (a hitlog records no time: its hits are dated at the import)
  cli verify <file> --jwks <url|file> [--signature <jws> | --signature-file <file>]
                                        check a downloaded PDF or JSON against the published keys only`;

async function seedDemo(db: Db): Promise<void> {
  const exists = await db.collection('tenants').findOne({ _id: DEMO_TENANT_ID as never });
  if (!exists) {
    await createTenant(db, { id: DEMO_TENANT_ID, name: 'Example Corp (demo)', auditRetentionDays: 365 });
    for (const e of DEMO_ENDPOINTS) await createEndpoint(db, { tenantId: DEMO_TENANT_ID, ...e });
    await insertFindings(db, demoFindings(DEMO_TENANT_ID));
  }
  const token = await mintToken(db, { tenantId: DEMO_TENANT_ID, scopes: [...SCOPES] });
  process.stdout.write(
    `${JSON.stringify({ token: token.secret, tenant_id: DEMO_TENANT_ID, endpoint_ids: DEMO_ENDPOINTS.map((e) => e.id) })}\n`,
  );
}

async function mint(db: Db, tenantId: string | undefined, scopesArg: string | undefined): Promise<void> {
  if (!tenantId) throw new Error(USAGE);
  const scopes = (scopesArg ?? SCOPES.join(',')).split(',').map((s) => s.trim());
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

/** A one-line progress bar on a terminal; a line per quarter of the file otherwise (CI logs). */
function progressPrinter(): (p: ImportProgress) => void {
  const tty = process.stderr.isTTY;
  let lastQuarter = -1;
  return (p) => {
    const fraction = p.bytesTotal > 0 ? Math.min(1, p.bytesRead / p.bytesTotal) : 1;
    const label = p.phase === 'checking' ? 'checking' : 'storing ';
    if (tty) {
      const width = 30;
      const done = Math.round(fraction * width);
      process.stderr.write(
        `\r${label} [${'#'.repeat(done)}${'.'.repeat(width - done)}] ${(fraction * 100).toFixed(0).padStart(3)}%  ${p.findings} findings stored`,
      );
      if (p.phase === 'storing' && fraction >= 1) process.stderr.write('\n');
    } else {
      const quarter = Math.floor(fraction * 4) + (p.phase === 'storing' ? 5 : 0);
      if (quarter !== lastQuarter)
        process.stderr.write(`${label} ${(fraction * 100).toFixed(0)}%, ${p.findings} findings stored\n`);
      lastQuarter = quarter;
    }
  };
}

/** Imports a scanner file straight into the database, by the same code the API's import runs. */
async function importFile(db: Db, args: string[]): Promise<void> {
  const { positional, named } = options(args);
  if (positional.length !== 1 || !named.tenant || !named.endpoint) throw new Error(USAGE);
  const format = named.format;
  if (format !== undefined && !isScannerFormat(format)) {
    throw new Error(`--format "${format}" is not one of ${SCANNER_FORMATS.join(', ')}`);
  }
  const endpoints = new MongoEndpointsRepo(db);
  if (!(await endpoints.get(named.tenant, named.endpoint))) {
    throw new Error(`endpoint ${named.endpoint} is not an endpoint of tenant ${named.tenant}`);
  }
  const findings = new MongoFindingsRepo(db);
  const sinks = { store: (batch: Finding[]) => findings.store(batch, new Date()), runs: new MongoImportedRuns(db) };
  const result = await importScannerFile(positional[0], sinks, {
    tenantId: named.tenant,
    endpointId: named.endpoint,
    ...(format ? { format } : {}),
    ...(named['run-started-at'] ? { runStartedAt: named['run-started-at'] } : {}),
    onProgress: progressPrinter(),
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

async function main(argv: string[]): Promise<void> {
  const [command, ...args] = argv;
  if (command === 'verify') {
    process.exitCode = await verify(args);
    return;
  }
  if (command !== 'seed-demo' && command !== 'mint-token' && command !== 'import') throw new Error(USAGE);
  const config = loadConfig();
  const { client, db } = await connectDatabase(config.mongo.url, config.mongo.db);
  try {
    if (command === 'seed-demo') await seedDemo(db);
    else if (command === 'import') await importFile(db, args);
    else await mint(db, args[0], args[1]);
  } finally {
    await client.close();
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
