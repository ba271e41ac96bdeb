import type { Db } from 'mongodb';
import { loadConfig } from '../config';
import { DEMO_ENDPOINTS, DEMO_TENANT_ID, demoFindings } from '../demo/demo-data';
import { connectDatabase } from '../infra/mongo/database';
import { createEndpoint, createTenant, insertFindings, mintToken } from '../infra/mongo/tenant-admin';
import { SCOPES, type Scope } from '../infra/mongo/tokens-repo';

const USAGE = `usage:
  cli seed-demo                         load the demo tenant (once) and print a fresh token as JSON
  cli mint-token <tenant-id> [scopes]   mint a token; scopes comma-separated (default: ${SCOPES.join(',')})`;

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

async function main(argv: string[]): Promise<void> {
  const [command, ...args] = argv;
  if (command !== 'seed-demo' && command !== 'mint-token') throw new Error(USAGE);
  const config = loadConfig();
  const { client, db } = await connectDatabase(config.mongo.url, config.mongo.db);
  try {
    if (command === 'seed-demo') await seedDemo(db);
    else await mint(db, args[0], args[1]);
  } finally {
    await client.close();
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
