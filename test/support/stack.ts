import { randomBytes } from 'node:crypto';
import { MongoClient, type Db } from 'mongodb';

/** Where the test stack started by scripts/test.sh listens. Tests fail loudly, never skip, without it. */
export function stackEnv(): { mongoUrl: string; temporalAddress: string; dataDir: string; chromiumPath: string } {
  const mongoUrl = process.env.TEST_MONGO_URL;
  const temporalAddress = process.env.TEST_TEMPORAL_ADDRESS;
  const dataDir = process.env.TEST_DATA_DIR;
  if (!mongoUrl || !temporalAddress || !dataDir) {
    throw new Error(
      'TEST_MONGO_URL, TEST_TEMPORAL_ADDRESS and TEST_DATA_DIR are not set: run the suite with ./scripts/test.sh, which starts the test stack',
    );
  }
  return { mongoUrl, temporalAddress, dataDir, chromiumPath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' };
}

/** The S3-compatible server of the test stack started by scripts/test.sh, with the bucket it created and the
 * credentials it accepts. Tests fail loudly, never skip, without it. */
export function s3Env(): {
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
} {
  const endpoint = process.env.TEST_S3_URL;
  const bucket = process.env.TEST_S3_BUCKET;
  const accessKeyId = process.env.TEST_S3_ACCESS_KEY_ID;
  const secretAccessKey = process.env.TEST_S3_SECRET_ACCESS_KEY;
  if (!endpoint || !bucket || !accessKeyId || !secretAccessKey) {
    throw new Error(
      'TEST_S3_URL, TEST_S3_BUCKET, TEST_S3_ACCESS_KEY_ID and TEST_S3_SECRET_ACCESS_KEY are not set: run the suite with ./scripts/test.sh, which starts the test stack',
    );
  }
  return { endpoint, bucket, region: process.env.TEST_S3_REGION ?? 'us-east-1', accessKeyId, secretAccessKey };
}

/** A short random suffix for per-test names (databases, task queues, folders). */
export function uniqueSuffix(): string {
  return randomBytes(5).toString('hex');
}

/** A fresh database of its own for one test file. */
export async function freshDatabase(label: string): Promise<{ client: MongoClient; db: Db }> {
  const client = new MongoClient(stackEnv().mongoUrl, { serverSelectionTimeoutMS: 5_000 });
  await client.connect();
  return { client, db: client.db(`test_${label}_${uniqueSuffix()}`) };
}

/** The RFC 3161 time-stamping authority of the test stack started by scripts/test.sh, and the file of its
 * certificate chain (its certificate, the intermediate, the root). Tests fail loudly, never skip, without it. */
export function tsaEnv(): { url: string; chain: string } {
  const url = process.env.TEST_TSA_URL;
  const chain = process.env.TEST_TSA_CHAIN;
  if (!url || !chain) {
    throw new Error(
      'TEST_TSA_URL and TEST_TSA_CHAIN are not set: run the suite with ./scripts/test.sh, which starts the test stack',
    );
  }
  return { url, chain };
}
