import { parseAdminCommand } from '../../src/main/cli-args';
import { AppError } from '../../src/domain/errors';
import { DEFAULT_SCOPES, parseTenantCreate, parseTokenMint } from '../../src/domain/tokens';

function refusal(f: () => unknown): { code: string; message: string; field: unknown } {
  try {
    f();
  } catch (err) {
    const e = err as AppError;
    return { code: e.code, message: e.message, field: e.details?.field };
  }
  throw new Error('expected a refusal');
}

describe('parseTenantCreate', () => {
  it('when only a name is given, then the retention is 365 days', () => {
    expect(parseTenantCreate({ name: ' Example Corp ' })).toEqual({ name: 'Example Corp', auditRetentionDays: 365 });
  });

  it('when the name is missing, the retention out of range or a field unknown, then 400 names the field', () => {
    expect(refusal(() => parseTenantCreate({}))).toMatchObject({ code: 'invalid_request', field: 'name' });
    expect(refusal(() => parseTenantCreate({ name: 'x', audit_retention_days: 0 }))).toMatchObject({
      field: 'audit_retention_days',
    });
    expect(refusal(() => parseTenantCreate({ name: 'x', retention: 3 }))).toMatchObject({ field: 'retention' });
    expect(refusal(() => parseTenantCreate([]))).toMatchObject({ field: 'body' });
  });
});

describe('parseTokenMint', () => {
  it('when scopes, a name and a lifetime are given, then they are read in the catalogue order without repeats', () => {
    expect(
      parseTokenMint({ scopes: ['reports:read', 'audit:read', 'reports:read'], name: 'ci', expires_in_days: 30 }),
    ).toEqual({ scopes: ['reports:read', 'audit:read'], name: 'ci', expiresInDays: 30 });
  });

  it('when a scope is unknown, then 400 names it and its position', () => {
    expect(refusal(() => parseTokenMint({ scopes: ['reports:read', 'admin'] }))).toEqual({
      code: 'invalid_request',
      message: expect.stringMatching(/^scopes\[1\]: "admin" is not a scope; use any of reports:generate/),
      field: 'scopes[1]',
    });
  });

  it('when a scope is not among those the caller may grant, then 400 names it', () => {
    expect(refusal(() => parseTokenMint({ scopes: ['audit:read', 'evidence:read'] }, DEFAULT_SCOPES))).toEqual({
      code: 'invalid_request',
      message: expect.stringMatching(/^scopes\[1\]: "evidence:read" is not a scope of the calling token/),
      field: 'scopes[1]',
    });
  });

  it('when scopes are missing or empty, or the lifetime is not a whole number of days, then 400 names the field', () => {
    expect(refusal(() => parseTokenMint({}))).toMatchObject({ field: 'scopes' });
    expect(refusal(() => parseTokenMint({ scopes: [] }))).toMatchObject({ field: 'scopes' });
    expect(refusal(() => parseTokenMint({ scopes: ['reports:read'], expires_in_days: 1.5 }))).toMatchObject({
      field: 'expires_in_days',
    });
    expect(refusal(() => parseTokenMint({ scopes: ['reports:read'], name: '' }))).toMatchObject({ field: 'name' });
  });
});

describe('CLI tenant and token commands', () => {
  it('when the flags are right, then the command is read with its values checked', () => {
    expect(
      parseAdminCommand([
        'token',
        'mint',
        '--tenant',
        'tnt_1',
        '--scopes',
        'reports:read, audit:read',
        '--expires-in-days',
        '7',
      ]),
    ).toEqual({
      kind: 'token mint',
      tenantId: 'tnt_1',
      request: { scopes: ['reports:read', 'audit:read'], expiresInDays: 7 },
    });
    expect(parseAdminCommand(['tenant', 'create', '--name', 'Acme', '--audit-retention-days', '30'])).toEqual({
      kind: 'tenant create',
      request: { name: 'Acme', auditRetentionDays: 30 },
    });
    expect(parseAdminCommand(['operator-token', 'create', '--name', 'ops'])).toEqual({
      kind: 'operator-token create',
      name: 'ops',
    });
    expect(parseAdminCommand(['operator-token', 'list'])).toEqual({ kind: 'operator-token list' });
    expect(() => parseAdminCommand(['operator-token', 'list', '--all'])).toThrow(
      'cli operator-token list: --all is not a flag of this command; it takes no flags',
    );
    expect(parseAdminCommand(['tenant', 'suspend', '--tenant', 'tnt_1'])).toEqual({
      kind: 'tenant suspend',
      tenantId: 'tnt_1',
    });
    expect(parseAdminCommand(['token', 'revoke', '--id', 'tok_1'])).toEqual({ kind: 'token revoke', tokenId: 'tok_1' });
  });

  it('when a flag is misspelt, then the error names it instead of ignoring it', () => {
    expect(() => parseAdminCommand(['token', 'mint', '--tenant', 't', '--scope', 'reports:read'])).toThrow(
      'cli token mint: --scope is not a flag of this command; its flags are --tenant, --scopes, --name, --expires-in-days',
    );
    expect(() => parseAdminCommand(['tenant', 'create', '--name', 'x', '--retention', '3'])).toThrow(
      'cli tenant create: --retention is not a flag of this command; its flags are --name, --audit-retention-days',
    );
  });

  it('when a flag lacks its value, a stray argument is given or a required flag is missing, then it is an error', () => {
    expect(() => parseAdminCommand(['token', 'list', '--tenant'])).toThrow(
      'cli token list: --tenant needs a value (--tenant <value>)',
    );
    expect(() => parseAdminCommand(['tenant', 'list', 'extra'])).toThrow(
      'cli tenant list: unexpected argument "extra"',
    );
    expect(() => parseAdminCommand(['token', 'revoke'])).toThrow('--id is required');
    expect(() => parseAdminCommand(['tenant', 'delete'])).toThrow(/"tenant delete" is not a command/);
  });

  it('when a value is out of range, then the error names the flag', () => {
    expect(() => parseAdminCommand(['token', 'mint', '--tenant', 't', '--scopes', 'reports:read,nope'])).toThrow(
      /^--scopes: "nope" is not a scope/,
    );
    expect(() =>
      parseAdminCommand(['token', 'mint', '--tenant', 't', '--scopes', 'audit:read', '--expires-in-days', 'x']),
    ).toThrow('--expires-in-days "x" is not a whole number');
    expect(() => parseAdminCommand(['tenant', 'create', '--name', 'x', '--audit-retention-days', '0'])).toThrow(
      /^--audit-retention-days: must be a whole number/,
    );
  });
});
