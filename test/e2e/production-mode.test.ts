import { promises as fs } from 'node:fs';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ServiceProcesses, freePort, requireBuild } from '../support/processes';

/**
 * The built server and workers started as the image starts them (NODE_ENV=production) but without any secret: each
 * must refuse to start, print every missing variable in one message, exit non-zero within seconds, and leave the
 * data folder as it found it: no generated key, no connection to the database or Temporal. Needs no stack.
 */

jest.setTimeout(60_000);

/** Every variable production refuses to start without, as the message names it. */
const SHARED = ['PUBLIC_BASE_URL is required', 'ARTIFACT_MASTER_KEY is required'];
/** The API's alone: only it signs download links. */
const DOWNLOAD = 'DOWNLOAD_URL_SECRET is required';
/** The signing keys: the steps worker's alone, the API serves what the worker publishes. */
const SIGNING = [
  'SIGNING_P12_PATH is required',
  'SIGNING_P12_PASSWORD is required',
  'JWS_KEYS_DIR is required',
  'TSA_URL is required',
];
/** What the two workers hand each other is sealed under it. */
const STAGING = 'STAGING_KEY is required';
const ROLE = '--role is required';
/** Each program with its arguments, what it must name, and the variables it must not even mention. */
const CASES = [
  ['server', [], [DOWNLOAD, ...SHARED], /SIGNING_P12|JWS_KEYS_DIR|STAGING_KEY/],
  ['worker', ['--role', 'steps'], [...SHARED, STAGING, ...SIGNING], /--role|DOWNLOAD_URL/],
  // The render worker holds no key but the staging key: it is not asked for any other.
  [
    'worker',
    ['--role', 'render'],
    ['PUBLIC_BASE_URL is required', STAGING],
    /DOWNLOAD_URL|ARTIFACT_MASTER|SIGNING|JWS/,
  ],
  // One process with the browser and every key is what the roles exist to prevent.
  ['worker', [], [...SHARED, STAGING, ...SIGNING, ROLE], undefined],
] as const;

let root: string;
let services: ServiceProcesses;
/** Stand-ins for MongoDB and Temporal that count who connects. */
let listeners: Server[];
let connections: number;

beforeAll(async () => {
  await requireBuild();
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'production-mode-'));
  connections = 0;
  listeners = [];
  const ports: number[] = [];
  for (let i = 0; i < 2; i++) {
    const srv = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    listeners.push(srv);
    ports.push((srv.address() as { port: number }).port);
  }
  services = new ServiceProcesses({
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    MONGO_URL: `mongodb://127.0.0.1:${ports[0]}`,
    TEMPORAL_ADDRESS: `127.0.0.1:${ports[1]}`,
    WORKER_METRICS_ADDRESS: 'off',
  });
});

afterAll(async () => {
  await services?.stopAll(1_000);
  await Promise.all(listeners.map((srv) => new Promise((resolve) => srv.close(resolve))));
  await fs.rm(root, { recursive: true, force: true });
});

it.each(CASES)(
  'when the %s %j starts in production without secrets, then it exits non-zero at once naming every one, and writes nothing',
  async (script, args, missing, unmentioned) => {
    const dataDir = path.join(root, [script, ...args].join('-'));
    await fs.mkdir(dataDir);
    const started = Date.now();

    const child = services.start(script, { DATA_DIR: dataDir, HTTP_PORT: String(await freePort()) }, [...args]);
    const exit = await child.waitForExit(20_000);

    expect(exit).toEqual({ code: 1, signal: null });
    expect(Date.now() - started).toBeLessThan(20_000);
    const output = child.text();
    expect(output).toContain('Invalid configuration (NODE_ENV=production):');
    expect(output.split('\n').filter((l) => l.startsWith('  - '))).toHaveLength(missing.length);
    for (const problem of missing) expect(output).toContain(`\n  - ${problem}`);
    if (unmentioned) expect(output).not.toMatch(unmentioned);
    // One message, not a stack trace.
    expect(output).not.toMatch(/\n\s+at /);
    expect(await fs.readdir(dataDir)).toEqual([]);
    expect(connections).toBe(0);
  },
);

/** A production environment each process accepts, the keys outside DATA_DIR; one variable is taken away in turn. */
const CONFIGURED = {
  PUBLIC_BASE_URL: 'https://evidence.example.test',
  DOWNLOAD_URL_SECRET: 'd'.repeat(64),
  ARTIFACT_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
  STAGING_KEY: Buffer.alloc(32, 9).toString('base64'),
  SIGNING_P12_PATH: '/etc/evidence-reports/keys/pdf-signing.p12',
  SIGNING_P12_PASSWORD: 's3cret',
  JWS_KEYS_DIR: '/etc/evidence-reports/keys/jws',
  TSA_URL: 'https://tsa.example.test/tsr',
};
/** What each process requires, one by one. */
const REQUIRED_ONE_BY_ONE = [
  ['server', [], ['PUBLIC_BASE_URL', 'DOWNLOAD_URL_SECRET', 'ARTIFACT_MASTER_KEY']],
  [
    'worker',
    ['--role', 'steps'],
    [
      'PUBLIC_BASE_URL',
      'ARTIFACT_MASTER_KEY',
      'STAGING_KEY',
      'SIGNING_P12_PATH',
      'SIGNING_P12_PASSWORD',
      'JWS_KEYS_DIR',
      'TSA_URL',
    ],
  ],
  ['worker', ['--role', 'render'], ['PUBLIC_BASE_URL', 'STAGING_KEY']],
] as const;

describe.each(REQUIRED_ONE_BY_ONE)('the %s %j with every secret but one', (script, args, required) => {
  it.each(required)('when %s alone is missing, then it exits non-zero naming that one alone', async (name) => {
    const dataDir = path.join(root, ['one', script, ...args, name].join('-'));
    await fs.mkdir(dataDir);
    const { [name]: _missing, ...rest } = CONFIGURED;
    const env: NodeJS.ProcessEnv = { ...rest, DATA_DIR: dataDir, HTTP_PORT: String(await freePort()) };
    // The inherited value would otherwise stand in for the one taken away.
    env[name] = '';

    const child = services.start(script, env, [...args]);

    expect(await child.waitForExit(20_000)).toEqual({ code: 1, signal: null });
    const problems = child
      .text()
      .split('\n')
      .filter((l) => l.startsWith('  - '));
    expect(problems).toEqual([expect.stringMatching(new RegExp(`^  - ${name} is required`))]);
    expect(connections).toBe(0);
  });
});
