/**
 * The built CLI and worker read their command lines strictly: a misspelt flag is refused with exit 2 and a message
 * naming it and the flags there are, before anything connects (the database named here does not exist), where it
 * used to be ignored.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT, requireBuild } from '../support/processes';

jest.setTimeout(60_000);

const execute = promisify(execFile);
/** Nothing listens here: a command that got as far as connecting would fail otherwise, and later. */
const env = { ...process.env, MONGO_URL: 'mongodb://127.0.0.1:1', TEMPORAL_ADDRESS: '127.0.0.1:1' };

async function run(program: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execute(process.execPath, [path.join(ROOT, program), ...args], {
      env,
      cwd: ROOT,
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

beforeAll(requireBuild);

describe('the command lines', () => {
  it('when cli import is given a misspelt --run-started, then it exits 2 naming the flag and the allowed ones', async () => {
    const started = Date.now();
    const res = await run('dist/src/main/cli.js', [
      'import',
      'garak.report.jsonl',
      '--tenant',
      'tnt_1',
      '--endpoint',
      'ep_1',
      '--run-started',
      '2026-05-02T10:00:00Z',
    ]);
    expect(res).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'cli import: --run-started is not a flag of this command; its flags are --tenant, --endpoint, --format, --run-started-at, --include-evals\n(cli help lists every command)\n',
    });
    // Refused before any connection was tried: nothing waited on the unreachable database.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('when a tenant command is given an unknown flag, then it exits 2 too', async () => {
    const res = await run('dist/src/main/cli.js', ['tenant', 'list', '--all']);
    expect([res.code, res.stderr]).toEqual([
      2,
      'cli tenant list: --all is not a flag of this command; it takes no flags\n(cli help lists every command)\n',
    ]);
  });

  it('when help is asked for, then the usage is printed with exit 0; a command that runs and fails exits 1', async () => {
    const help = await run('dist/src/main/cli.js', ['help']);
    expect([help.code, help.stdout]).toEqual([0, expect.stringContaining('cli import <file> --tenant <id>')]);
    const failed = await run('dist/src/main/cli.js', [
      'verify',
      path.join(ROOT, 'missing.pdf'),
      '--jwks',
      'missing.json',
    ]);
    expect([failed.code, failed.stderr]).toEqual([1, expect.stringContaining('ENOENT')]);
  });

  it('when the worker is given a misspelt --rol, then it exits 2 naming the flag', async () => {
    const res = await run('dist/src/main/worker.js', ['--rol', 'render']);
    expect([res.code, res.stderr]).toEqual([2, 'worker: --rol is not a flag of this command; its flags are --role\n']);
  });
});
