import { AppError } from '../../src/domain/errors';
import { DownloadLinks } from '../../src/infra/download-links';

const links = new DownloadLinks('s'.repeat(40), 'https://reports.example', 300);
const grant = {
  tenantId: 'tnt_2026_aaaaaaaaaaaa',
  reportId: 'rpt_2026_bbbbbbbbbbbb',
  key: 'tenants/x/reports/y/artifact/y.pdf',
};
const now = new Date('2026-06-01T10:00:00Z');

function paramsOf(url: string): { tenant: string; expires: string; signature: string } {
  const q = new URL(url).searchParams;
  return { tenant: q.get('tenant')!, expires: q.get('expires')!, signature: q.get('signature')! };
}

function codeOf(fn: () => void): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err.code;
    throw err;
  }
  return 'accepted';
}

describe('DownloadLinks', () => {
  const { url, expiresAt } = links.mint(grant, 'rpt_2026_bbbbbbbbbbbb.pdf', now);

  it('mints a URL for the one artifact that expires after the configured time', () => {
    expect(
      url.startsWith('https://reports.example/api/v2/artifacts/rpt_2026_bbbbbbbbbbbb/rpt_2026_bbbbbbbbbbbb.pdf?'),
    ).toBe(true);
    expect(expiresAt.toISOString()).toBe('2026-06-01T10:05:00.000Z');
  });

  it('when the link is presented unchanged before expiry, then it is accepted', () => {
    expect(codeOf(() => links.verify(grant, paramsOf(url), now))).toBe('accepted');
  });

  it.each([
    ['another tenant', { ...grant, tenantId: 'tnt_2026_cccccccccccc' }, {}],
    ['another report', { ...grant, reportId: 'rpt_2026_dddddddddddd' }, {}],
    ['another object key', { ...grant, key: 'tenants/x/reports/y/staging/model.json' }, {}],
    ['a moved expiry', grant, { expires: String(Number(paramsOf(url).expires) + 3600) }],
    ['a changed signature', grant, { signature: `${paramsOf(url).signature.slice(0, -2)}AA` }],
    ['a truncated signature', grant, { signature: paramsOf(url).signature.slice(0, 10) }],
    ['a non-numeric expiry', grant, { expires: 'tomorrow' }],
  ])('when the link is checked against %s, then it is invalid', (_case, against, tamper) => {
    expect(codeOf(() => links.verify(against, { ...paramsOf(url), ...tamper }, now))).toBe('download_link_invalid');
  });

  it('when the report has no artifact to grant, then the link is invalid', () => {
    expect(codeOf(() => links.verify(undefined, paramsOf(url), now))).toBe('download_link_invalid');
  });

  it('when a genuine link is used after its expiry, then it is expired', () => {
    expect(codeOf(() => links.verify(grant, paramsOf(url), new Date('2026-06-01T10:05:00Z')))).toBe(
      'download_link_expired',
    );
  });

  it('when a different secret signed the link, then it is invalid', () => {
    const other = new DownloadLinks('t'.repeat(40), 'https://reports.example', 300).mint(grant, 'x.pdf', now);
    expect(codeOf(() => links.verify(grant, paramsOf(other.url), now))).toBe('download_link_invalid');
  });
});
