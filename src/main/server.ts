import { promises as fs } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../config';
import { createLogger } from '../infra/logger';
import { connectDatabase } from '../infra/mongo/database';
import { loadOrCreateSecret } from '../infra/secrets';
import { createArtifactStore } from '../infra/storage';
import { settleCallContext } from '../infra/temporal/deadline-calls';
import { composeApi } from './compose-api';

async function main(): Promise<void> {
  const config = loadConfig(process.env, 'api');
  const logger = createLogger(config.logLevel, { service: 'api' });
  const { client: mongo, db } = await connectDatabase(config.mongo.url, config.mongo.db);
  const connection = await Connection.connect({ address: config.temporal.address });
  settleCallContext(connection);
  const temporal = new Client({ connection, namespace: config.temporal.namespace });
  // In production the configuration guarantees every secret is set, so nothing below generates anything.
  const { secret, created } = await loadOrCreateSecret(
    config.downloads.secret,
    path.join(config.dataDir, 'keys', 'download-url.secret'),
  );
  if (created) {
    logger.warn('development: generated a download-link secret into DATA_DIR; production requires DOWNLOAD_URL_SECRET');
  }

  const store = await createArtifactStore(config, logger);
  // Uploads are staged in the artifact store now; a local spool left by an older version is removed.
  await fs.rm(path.join(config.dataDir, 'uploads'), { recursive: true, force: true });
  const { api, ops: opsApp } = composeApi(config, {
    db,
    temporal: { client: temporal, connection, taskQueue: config.temporal.taskQueue },
    store,
    downloadSecret: secret,
    clock: { now: () => new Date() },
    logger,
  });
  const server = http.createServer(api);
  const ops = http.createServer(opsApp);
  const listen = (what: string, listener: http.Server, host: string, port: number): void => {
    listener.once('error', (err) => {
      process.stderr.write(`${what} failed to listen on ${host}:${port}: ${err.message}\n`);
      process.exit(1);
    });
    listener.listen(port, host);
  };
  listen('API', server, config.http.host, config.http.port);
  listen('Operations endpoints', ops, config.ops.host, config.ops.port);
  server.once('listening', () => {
    logger.info('API listening', { url: config.http.publicBaseUrl, port: config.http.port });
  });
  ops.once('listening', () => {
    logger.info('operations endpoints listening', { host: config.ops.host, port: config.ops.port });
  });

  const shutdown = (signal: string): void => {
    logger.info('shutting down', { signal });
    ops.close();
    server.close(() => {
      void Promise.allSettled([mongo.close(), connection.close()]).then(() => process.exit(0));
    });
    setTimeout(() => process.exit(1), 15_000).unref();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`API failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
