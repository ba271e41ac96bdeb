import { runEvidence, type EvidenceDeps } from '../../../src/client/cli/run';

/** The CLI's streams, kept, and a fetch that answers `answers` in turn. */
function cli(env: Record<string, string>, answers: Response[] = []) {
  const out = { stdout: '', stderr: '' };
  const urls: string[] = [];
  const deps: EvidenceDeps = {
    env,
    stdout: { write: (t: string) => (out.stdout += t) },
    stderr: { write: (t: string) => (out.stderr += t) },
    verify: async () => {
      throw new Error('no artifact is checked here');
    },
    fetch: (async (url: string) => {
      urls.push(url);
      const answer = answers.shift();
      if (!answer) throw new Error('asked once too often');
      return answer;
    }) as typeof fetch,
    sleep: async () => undefined,
  };
  return { deps, out, urls };
}

const API = { EVIDENCE_API: 'http://api.test', EVIDENCE_TOKEN: 'secret-token' };
const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('running the evidence CLI', () => {
  it('when EVIDENCE_API or EVIDENCE_TOKEN is missing, then it exits 2 naming the variable, and sends nothing', async () => {
    const noApi = cli({});
    expect(await runEvidence(['reports', 'list'], noApi.deps)).toBe(2);
    expect(noApi.out.stderr).toMatch(/^EVIDENCE_API is not set: the service's address/);
    const noToken = cli({ EVIDENCE_API: 'http://api.test' });
    expect(await runEvidence(['reports', 'list'], noToken.deps)).toBe(2);
    expect(noToken.out.stderr).toMatch(/^EVIDENCE_TOKEN is not set: a token of your tenant\nusage: evidence/);
    expect([...noApi.urls, ...noToken.urls]).toEqual([]);
  });

  it("when the API refuses, then it exits 1 with the API's code and message, and --json prints them on stdout", async () => {
    const refusal = { error: { code: 'report_not_found', message: 'report rpt_1 does not exist', report_id: 'rpt_1' } };
    const text = cli(API, [json(404, refusal)]);
    expect(await runEvidence(['reports', 'get', 'rpt_1'], text.deps)).toBe(1);
    expect(text.out).toEqual({ stdout: '', stderr: 'error: report_not_found: report rpt_1 does not exist\n' });
    const machine = cli(API, [json(404, refusal)]);
    expect(await runEvidence(['reports', 'get', 'rpt_1', '--json'], machine.deps)).toBe(1);
    expect(JSON.parse(machine.out.stdout)).toEqual({
      error: { status: 404, code: 'report_not_found', message: 'report rpt_1 does not exist', report_id: 'rpt_1' },
    });
  });

  it('when a create is not waited for, then only the id is printed, for a script to keep', async () => {
    const run = cli(API, [
      json(202, { id: 'rpt_1', status: 'queued', format: 'pdf', queued_at: '2026-06-30T00:00:00Z' }),
    ]);
    const code = await runEvidence(
      [
        'reports',
        'create',
        '--title',
        't',
        '--framework',
        'OWASP_LLM',
        '--endpoint',
        'ep_1',
        '--from',
        'a',
        '--to',
        'b',
      ],
      run.deps,
    );
    expect([code, run.out.stdout, run.out.stderr]).toEqual([0, 'rpt_1\n', '']);
    expect(run.urls).toEqual(['http://api.test/api/v2/reports']);
  });

  it('when a bad flag is given, then it exits 2 with the usage of that command on stderr and nothing on stdout', async () => {
    const run = cli(API);
    expect(await runEvidence(['endpoints', 'create', '--nmae', 'x'], run.deps)).toBe(2);
    expect(run.out.stdout).toBe('');
    expect(run.out.stderr).toBe(
      'evidence endpoints create: --nmae is not a flag of this command; its flags are --json, --name, --description\n' +
        'usage:\n  evidence endpoints create --name <name> [--description <text>]\n(evidence help lists every command)\n',
    );
  });
});
