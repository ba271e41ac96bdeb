import { COMMAND_USAGE, UsageError, parseEvidenceArgs } from '../../../src/client/cli/args';

const CREATE = [
  'reports',
  'create',
  '--title',
  'Q2 pack',
  '--framework',
  'OWASP_LLM',
  '--framework=EU_AI_ACT',
  '--endpoint',
  'ep_2026_abc123',
  '--from',
  '2026-04-01',
  '--to',
  '2026-06-30',
];

/** The usage error a command line gives, as message and the command whose usage it prints. */
function refusal(argv: string[]): { message: string; command: string | undefined } {
  try {
    parseEvidenceArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) return { message: err.message, command: err.command };
    throw err;
  }
  throw new Error(`${argv.join(' ')} was accepted`);
}

describe('the evidence command line', () => {
  it('when a report is created with repeated flags, then the request is the API body they spell', () => {
    expect(parseEvidenceArgs([...CREATE, '--severity', 'critical', '--severity', 'high', '--format', 'json'])).toEqual({
      kind: 'reports create',
      json: false,
      request: {
        title: 'Q2 pack',
        frameworks: ['OWASP_LLM', 'EU_AI_ACT'],
        scope: {
          endpoint_ids: ['ep_2026_abc123'],
          from: '2026-04-01',
          to: '2026-06-30',
          include_severities: ['critical', 'high'],
        },
        format: 'json',
      },
      wait: false,
      timeoutSeconds: 1_800,
    });
  });

  it('when --download is given, then the command waits as with --wait, for --timeout seconds', () => {
    expect(parseEvidenceArgs([...CREATE, '--download', 'out', '--timeout', '600', '--json'])).toMatchObject({
      json: true,
      wait: true,
      downloadDir: 'out',
      timeoutSeconds: 600,
    });
    expect(parseEvidenceArgs([...CREATE, '--wait', '--idempotency-key', 'ci-run-42'])).toMatchObject({
      wait: true,
      idempotencyKey: 'ci-run-42',
    });
    expect(parseEvidenceArgs([...CREATE, '--wait'])).not.toHaveProperty('downloadDir');
  });

  it('when every other command is given as documented, then each is read with its arguments', () => {
    expect(parseEvidenceArgs(['reports', 'get', 'rpt_1'])).toEqual({ kind: 'reports get', json: false, id: 'rpt_1' });
    expect(parseEvidenceArgs(['reports', 'list', '--limit', '5', '--cursor', 'abc', '--json'])).toEqual({
      kind: 'reports list',
      json: true,
      limit: 5,
      cursor: 'abc',
    });
    expect(parseEvidenceArgs(['reports', 'download', 'rpt_1'])).toEqual({
      kind: 'reports download',
      json: false,
      id: 'rpt_1',
      dir: '.',
    });
    expect(parseEvidenceArgs(['reports', 'download', 'rpt_1', '--dir', 'out', '--version', '2'])).toMatchObject({
      dir: 'out',
      version: 2,
    });
    expect(parseEvidenceArgs(['reports', 'retry', 'rpt_1', '--wait'])).toEqual({
      kind: 'reports retry',
      json: false,
      id: 'rpt_1',
      wait: true,
      timeoutSeconds: 1_800,
    });
    expect(parseEvidenceArgs(['reports', 'regenerate', 'rpt_1'])).toMatchObject({
      kind: 'reports regenerate',
      wait: false,
    });
    expect(
      parseEvidenceArgs([
        'import',
        'garak.hitlog.jsonl',
        '--endpoint',
        'ep_1',
        '--format',
        'garak-hitlog',
        '--run-started-at',
        '2026-05-02T10:00:00Z',
        '--include-evals',
        '--wait',
      ]),
    ).toEqual({
      kind: 'import',
      json: false,
      file: 'garak.hitlog.jsonl',
      endpointId: 'ep_1',
      format: 'garak-hitlog',
      runStartedAt: '2026-05-02T10:00:00Z',
      includeEvals: true,
      wait: true,
      timeoutSeconds: 1_800,
    });
    expect(parseEvidenceArgs(['endpoints', 'create', '--name', 'rag', '--description', 'RAG search'])).toEqual({
      kind: 'endpoints create',
      json: false,
      name: 'rag',
      description: 'RAG search',
    });
    expect(parseEvidenceArgs(['endpoints', 'list'])).toEqual({ kind: 'endpoints list', json: false });
    expect(parseEvidenceArgs(['verify', 'rpt_1.json', '--signature-file', 'sig.jws', '--jwks', 'keys.json'])).toEqual({
      kind: 'verify',
      json: false,
      file: 'rpt_1.json',
      jwks: 'keys.json',
      signatureFile: 'sig.jws',
    });
    expect(parseEvidenceArgs(['help'])).toEqual({ kind: 'help' });
    expect(parseEvidenceArgs(['reports', 'create', '--help'])).toEqual({ kind: 'help' });
  });

  it('when a flag is misspelt, unknown or given to a switch, then it is a usage error naming it and the flags there are', () => {
    expect(refusal([...CREATE, '--wiat'])).toEqual({
      message:
        'evidence reports create: --wiat is not a flag of this command; its flags are --json, --wait, --download, --timeout, --title, --framework, --endpoint, --from, --to, --severity, --format, --idempotency-key',
      command: 'reports create',
    });
    expect(refusal([...CREATE, '--wait=yes'])).toEqual({
      message: 'evidence reports create: --wait takes no value',
      command: 'reports create',
    });
    expect(refusal(['reports', 'get', 'rpt_1', 'rpt_2'])).toEqual({
      message: 'evidence reports get: unexpected argument "rpt_2"',
      command: 'reports get',
    });
    expect(refusal(['endpoints', 'list', '-l', '5']).message).toBe(
      'evidence endpoints list: -l is not a flag of this command; its flags are --json, --limit, --cursor',
    );
  });

  it('when a value is missing or out of range, then it is a usage error naming the flag and what it allows', () => {
    expect(refusal(CREATE.filter((a) => a !== '--title' && a !== 'Q2 pack'))).toEqual({
      message: 'evidence reports create: --title is required',
      command: 'reports create',
    });
    expect(refusal(['reports', 'create', '--title', 'x', '--endpoint', 'ep_1', '--from', 'a', '--to', 'b'])).toEqual({
      message: 'evidence reports create: --framework is required',
      command: 'reports create',
    });
    expect(refusal([...CREATE, '--format', 'docx']).message).toBe(
      'evidence reports create: --format "docx" is not one of pdf, json',
    );
    expect(refusal([...CREATE, '--timeout', '0']).message).toBe(
      'evidence reports create: --timeout "0" is not a whole number from 1 to 86400',
    );
    expect(refusal([...CREATE, '--title']).message).toBe(
      'evidence reports create: --title needs a value (--title <value>)',
    );
    expect(refusal(['reports', 'list', '--limit', '1e3']).message).toBe(
      'evidence reports list: --limit "1e3" is not a whole number from 1 to 100',
    );
    expect(refusal(['reports', 'get'])).toEqual({
      message: 'evidence reports get: <id> is required',
      command: 'reports get',
    });
    expect(refusal(['import', 'f.jsonl']).message).toBe('evidence import: --endpoint is required');
    expect(refusal(['verify', 'a.json', '--signature', 'x', '--signature-file', 'y']).message).toBe(
      'evidence verify: give --signature or --signature-file, not both',
    );
  });

  it('when the command is unknown or missing, then the usage error lists the commands and names no one usage', () => {
    expect(refusal([])).toEqual({
      message: 'evidence: a command is required; use one of reports, import, endpoints, verify, help',
      command: undefined,
    });
    expect(refusal(['report', 'list'])).toEqual({
      message: 'evidence: "report" is not a command; use one of reports, import, endpoints, verify, help',
      command: undefined,
    });
    expect(refusal(['reports', 'delete', 'rpt_1']).message).toBe(
      'evidence reports: "delete" is not a command; use one of create, get, list, download, retry, regenerate',
    );
    expect(refusal(['endpoints']).message).toBe('evidence endpoints: a command is required; use one of create, list');
  });

  it('when a usage error names its command, then that command has usage lines to print', () => {
    const commands = [
      [...CREATE, '--x'],
      ['reports', 'get'],
      ['reports', 'list', '--x'],
      ['reports', 'download'],
      ['reports', 'retry'],
      ['reports', 'regenerate'],
      ['import'],
      ['endpoints', 'create'],
      ['endpoints', 'list', '--x'],
      ['verify'],
    ].map((argv) => refusal(argv).command!);
    for (const command of commands) expect(COMMAND_USAGE[command]).toContain(`evidence ${command}`);
  });
});
