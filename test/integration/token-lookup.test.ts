/**
 * What authenticating a bearer token asks the database, through the driver's command monitoring: every read is an
 * exact `_id` lookup (FerretDB reads the whole collection for any other filter), an unknown secret costs one read,
 * and tokens minted before the hash key existed are found after the upgrade.
 */
import { MongoClient, type CommandStartedEvent, type Db } from 'mongodb';
import { migrate } from '../../src/infra/mongo/migrations';
import { createTenant, mintToken } from '../../src/infra/mongo/tenant-admin';
import { MongoTokensRepo, TOKEN_HASHES, hashToken } from '../../src/infra/mongo/tokens-repo';
import { stackEnv, uniqueSuffix } from '../support/stack';

jest.setTimeout(60_000);

let client: MongoClient;
let db: Db;
const finds: { collection: string; filter: Record<string, unknown> }[] = [];

beforeAll(async () => {
  client = new MongoClient(stackEnv().mongoUrl, { serverSelectionTimeoutMS: 5_000, monitorCommands: true });
  client.on('commandStarted', (e: CommandStartedEvent) => {
    if (e.commandName === 'find') {
      finds.push({ collection: e.command.find as string, filter: e.command.filter as Record<string, unknown> });
    }
  });
  await client.connect();
  db = client.db(`test_token_lookup_${uniqueSuffix()}`);
});

afterAll(async () => {
  await db?.dropDatabase();
  await client?.close();
});

async function lookups(token: string): Promise<{ found: boolean; finds: typeof finds }> {
  finds.length = 0;
  const principal = await new MongoTokensRepo(db).authenticate(token, new Date());
  return { found: principal !== undefined, finds: [...finds] };
}

describe('authenticating a token', () => {
  it('when a live token is presented, then every read is by _id: its hash, the token, its tenant', async () => {
    const tenantId = await createTenant(db, { name: 'Lookup', auditRetentionDays: 365 });
    const { id, secret } = await mintToken(db, { tenantId, scopes: ['reports:read'] });
    const { found, finds: asked } = await lookups(secret);
    expect(found).toBe(true);
    expect(asked).toEqual([
      { collection: TOKEN_HASHES, filter: { _id: hashToken(secret) } },
      { collection: 'api_tokens', filter: { _id: id } },
      { collection: 'tenants', filter: { _id: tenantId } },
    ]);
  });

  it('when an unknown secret is presented, then it costs one read by _id and finds nothing', async () => {
    const { found, finds: asked } = await lookups('aer_made-up-secret-0123456789');
    expect(found).toBe(false);
    expect(asked).toEqual([{ collection: TOKEN_HASHES, filter: { _id: hashToken('aer_made-up-secret-0123456789') } }]);
  });

  it('when a token was stored before the hash key existed, then the upgrade makes it authenticate', async () => {
    const tenantId = await createTenant(db, { name: 'Older', auditRetentionDays: 365 });
    const secret = `aer_older-token-${uniqueSuffix()}`;
    await db.collection('api_tokens').insertOne({
      _id: 'tok_older0000000000' as never,
      token_sha256: hashToken(secret),
      tenant_id: tenantId,
      scopes: ['reports:read'],
      created_at: new Date(),
    });
    expect((await lookups(secret)).found).toBe(false);
    await db.collection<{ _id: string }>('migrations').deleteOne({ _id: '2027-01-token-hash-keys' });
    await migrate(db);
    expect((await lookups(secret)).found).toBe(true);
  });
});
