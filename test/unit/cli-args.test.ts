import { parseCommandLine } from '../../src/main/cli-args';

const IMPORT = ['import', 'garak.report.jsonl', '--tenant', 'tnt_1', '--endpoint', 'ep_1'];

describe('the CLI command line', () => {
  it('when every command is given as documented, then each is read with its arguments', () => {
    expect(parseCommandLine(['seed-demo'])).toEqual({ kind: 'seed-demo' });
    expect(parseCommandLine(['mint-token', 'tnt_1'])).toEqual({ kind: 'mint-token', tenantId: 'tnt_1' });
    expect(parseCommandLine(['mint-token', 'tnt_1', 'findings:read, evidence:read'])).toEqual({
      kind: 'mint-token',
      tenantId: 'tnt_1',
      scopes: ['findings:read', 'evidence:read'],
    });
    expect(
      parseCommandLine([
        ...IMPORT,
        '--format',
        'garak-hitlog',
        '--run-started-at=2026-05-02T12:00:00+02:00',
        '--include-evals',
        'true',
      ]),
    ).toEqual({
      kind: 'import',
      file: 'garak.report.jsonl',
      tenantId: 'tnt_1',
      endpointId: 'ep_1',
      format: 'garak-hitlog',
      runStartedAt: '2026-05-02T10:00:00.000Z',
      includeEvals: true,
    });
    expect(parseCommandLine(IMPORT)).toMatchObject({ kind: 'import', includeEvals: false });
    expect(parseCommandLine(['verify', 'a.json', '--jwks', 'https://x/jwks.json', '--signature', 'h..s'])).toEqual({
      kind: 'verify',
      file: 'a.json',
      jwks: 'https://x/jwks.json',
      signature: 'h..s',
    });
    expect(parseCommandLine(['verify', 'a.json', '--signature-file', 'a.jws', '--jwks', 'keys.json'])).toEqual({
      kind: 'verify',
      file: 'a.json',
      jwks: 'keys.json',
      signatureFile: 'a.jws',
    });
    expect(parseCommandLine(['new-jws-key', 'keys'])).toEqual({ kind: 'new-jws-key', folder: 'keys' });
    expect(parseCommandLine(['token', 'revoke', '--id', 'tok_1'])).toEqual({
      kind: 'admin',
      command: { kind: 'token revoke', tokenId: 'tok_1' },
    });
    expect(parseCommandLine(['help'])).toEqual({ kind: 'help' });
  });

  it('when a flag is misspelt, then the error names it and the flags the command takes, instead of ignoring it', () => {
    expect(() => parseCommandLine([...IMPORT, '--run-started', '2026-05-02T10:00:00Z'])).toThrow(
      'cli import: --run-started is not a flag of this command; its flags are --tenant, --endpoint, --format, --run-started-at, --include-evals',
    );
    expect(() => parseCommandLine(['verify', 'a.pdf', '--jwks', 'k.json', '--sig', 'x'])).toThrow(
      'cli verify: --sig is not a flag of this command; its flags are --jwks, --signature, --signature-file',
    );
    expect(() => parseCommandLine(['seed-demo', '--tenant', 'x'])).toThrow(
      'cli seed-demo: --tenant is not a flag of this command; it takes no flags',
    );
    expect(() => parseCommandLine(['mint-token', 'tnt_1', '-s'])).toThrow(
      'cli mint-token: -s is not a flag of this command; it takes no flags',
    );
  });

  it('when an argument is missing, stray or out of range, then the error names it', () => {
    expect(() => parseCommandLine(['import', '--tenant', 't', '--endpoint', 'e'])).toThrow(
      'cli import: <file> is required',
    );
    expect(() => parseCommandLine(['import', 'f', '--tenant', 't'])).toThrow('cli import: --endpoint is required');
    expect(() => parseCommandLine([...IMPORT, 'second.jsonl'])).toThrow(
      'cli import: unexpected argument "second.jsonl"',
    );
    expect(() => parseCommandLine([...IMPORT, '--tenant'])).toThrow('cli import: --tenant needs a value');
    expect(() => parseCommandLine([...IMPORT, '--format', 'pyrit'])).toThrow(
      'cli import: --format "pyrit" is not one of garak-report, garak-hitlog, promptfoo',
    );
    expect(() => parseCommandLine([...IMPORT, '--run-started-at', '2026-05-02'])).toThrow(
      'cli import: --run-started-at "2026-05-02" is not an ISO 8601 time with a zone',
    );
    expect(() => parseCommandLine([...IMPORT, '--include-evals', 'yes'])).toThrow(
      'cli import: --include-evals "yes" is not true or false',
    );
    expect(() => parseCommandLine(['verify', 'a.pdf'])).toThrow('cli verify: --jwks is required');
    expect(() => parseCommandLine(['verify', 'a', '--jwks', 'k', '--signature', 's', '--signature-file', 'f'])).toThrow(
      'cli verify: give --signature or --signature-file, not both',
    );
    expect(() => parseCommandLine(['mint-token'])).toThrow('cli mint-token: <tenant-id> is required');
    expect(() => parseCommandLine(['mint-token', 't', 'reports:read,nope'])).toThrow(
      /^cli mint-token: scope "nope" is unknown; use any of reports:generate/,
    );
    expect(() => parseCommandLine(['new-jws-key', 'a', 'b'])).toThrow('cli new-jws-key: unexpected argument "b"');
  });

  it('when the command is missing or unknown, then the error names the commands there are', () => {
    expect(() => parseCommandLine([])).toThrow(
      'a command is required; use one of seed-demo, mint-token, import, verify, new-jws-key, operator-token, tenant, token',
    );
    expect(() => parseCommandLine(['seed'])).toThrow('"seed" is not a command; use one of seed-demo, mint-token');
  });
});
