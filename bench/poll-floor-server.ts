/**
 * The least any API could do for a poll, for the load benchmark to compare the real one against: a bare Node
 * HTTP server that reads the report by `_id` from the same database and answers it as JSON. No Express, no
 * token, no tenant check, no presentation, no metrics. What it cannot reach at a poll rate on this machine, the
 * real API cannot either; the gap between the two is what the API's own layers cost.
 *
 * Environment: MONGO_URL, MONGO_DB, HTTP_PORT. Prints `listening` once it answers.
 */
import http from 'node:http';
import { MongoClient } from 'mongodb';

async function main(): Promise<void> {
  const client = await MongoClient.connect(process.env.MONGO_URL ?? '', { serverSelectionTimeoutMS: 5_000 });
  const reports = client.db(process.env.MONGO_DB).collection<{ _id: string }>('reports');
  const server = http.createServer((req, res) => {
    const id = /^\/api\/v2\/reports\/([A-Za-z0-9_]+)$/.exec(req.url ?? '')?.[1];
    const answer = (status: number, body: unknown): void => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    if (!id) return answer(404, { error: 'not found' });
    reports.findOne({ _id: id }).then(
      (doc) => answer(doc ? 200 : 404, doc ?? { error: 'not found' }),
      (err: unknown) => answer(500, { error: String(err) }),
    );
  });
  server.listen(Number(process.env.HTTP_PORT), '127.0.0.1', () => process.stdout.write('listening\n'));
  process.once('SIGTERM', () => {
    server.close();
    void client.close().finally(() => process.exit(0));
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
