import { AppError } from '../../src/domain/errors';
import { DownloadLinks } from '../../src/infra/download-links';

const links = new DownloadLinks('s'.repeat(40), 'https://reports.example', 300);
const grant = {
  tenantId: 'tnt_2026_aaaaaaaaaaaa',
  reportId: 'rpt_2026_bbbbbbbbbbbb',
  key: 'tenants/x/reports/y/artifact/y.pdf',
};
const fileName = 'rpt_2026_bbbbbbbbbbbb.pdf';
const now = new Date('2026-06-01T10:00:00Z');

/** The path and query of a URL, as the router receives them. */
function presented(url: string): string {
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
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
  const { url, expiresAt } = links.mint(grant, fileName, now);
  const minted = presented(url);
  const q = new URL(url).searchParams;
  const expires = q.get('expires')!;
  const signature = q.get('signature')!;
  /** The minted link with one query parameter's raw value replaced. */
  const withParam = (name: string, value: string) => minted.replace(`${name}=${q.get(name)}`, `${name}=${value}`);

  it('mints a URL for the one artifact that expires after the configured time', () => {
    expect(url).toBe(
      `https://reports.example/api/v2/artifacts/rpt_2026_bbbbbbbbbbbb/rpt_2026_bbbbbbbbbbbb.pdf?tenant=tnt_2026_aaaaaaaaaaaa&expires=${expires}&signature=${signature}`,
    );
    expect(expires).toBe('1780308300');
    expect(signature).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(expiresAt.toISOString()).toBe('2026-06-01T10:05:00.000Z');
  });

  it('when the link is presented unchanged before expiry, then it is accepted', () => {
    expect(codeOf(() => links.verify(grant, fileName, minted, now))).toBe('accepted');
  });

  it.each([
    ['another tenant', { ...grant, tenantId: 'tnt_2026_cccccccccccc' }, minted],
    ['another report', { ...grant, reportId: 'rpt_2026_dddddddddddd' }, minted],
    ['another object key', { ...grant, key: 'tenants/x/reports/y/staging/model.json' }, minted],
    ['a moved expiry', grant, withParam('expires', String(Number(expires) + 3600))],
    ['a changed signature', grant, withParam('signature', `${signature.slice(0, -2)}AA`)],
    ['a truncated signature', grant, withParam('signature', signature.slice(0, 10))],
    ['a non-numeric expiry', grant, withParam('expires', 'tomorrow')],
    ['no query at all', grant, minted.slice(0, minted.indexOf('?'))],
  ])('when the link is checked against %s, then it is invalid', (_case, against, link) => {
    expect(codeOf(() => links.verify(against, fileName, link, now))).toBe('download_link_invalid');
  });

  /** The same grant and signature spelled otherwise: each would open the artifact if decoded leniently. */
  const standard = Buffer.from(signature, 'base64url').toString('base64');
  it.each([
    ['the signature padded', withParam('signature', `${signature}=`)],
    ['the signature padded, percent-encoded', withParam('signature', `${signature}%3D`)],
    ['the signature in the standard base64 alphabet', withParam('signature', encodeURIComponent(standard))],
    ['the signature with a "!" inserted', withParam('signature', `${signature.slice(0, 5)}!${signature.slice(5)}`)],
    ['the expiry with a leading zero', withParam('expires', `0${expires}`)],
    ['the expiry with a plus sign', withParam('expires', `%2B${expires}`)],
    ['the path upper-cased', minted.replace('/api/v2/artifacts/', '/API/V2/ARTIFACTS/')],
    ['the file name upper-cased', minted.replace('.pdf?', '.PDF?')],
    ['a trailing slash on the path', minted.replace('.pdf?', '.pdf/?')],
    ['a parameter percent-encoded', minted.replace('tenant=', '%74enant=')],
    [
      'the parameters reordered',
      `${minted.slice(0, minted.indexOf('?'))}?signature=${signature}&expires=${expires}&tenant=${grant.tenantId}`,
    ],
    ['an extra parameter', `${minted}&x=1`],
    ['a trailing "&"', `${minted}&`],
    ['a repeated parameter', `${minted}&expires=${expires}`],
  ])('when a genuine link is presented with %s, then it is invalid', (_case, link) => {
    expect(link).not.toBe(minted);
    expect(codeOf(() => links.verify(grant, fileName, link, now))).toBe('download_link_invalid');
  });

  it('when the link names another file of the report, then it is invalid', () => {
    expect(codeOf(() => links.verify(grant, 'rpt_2026_bbbbbbbbbbbb.json', minted, now))).toBe('download_link_invalid');
  });

  it('when the report has no artifact to grant, then the link is invalid', () => {
    expect(codeOf(() => links.verify(undefined, fileName, minted, now))).toBe('download_link_invalid');
  });

  it('when a genuine link is used after its expiry, then it is expired', () => {
    expect(codeOf(() => links.verify(grant, fileName, minted, new Date('2026-06-01T10:05:00Z')))).toBe(
      'download_link_expired',
    );
  });

  it('when a different secret signed the link, then it is invalid', () => {
    const other = new DownloadLinks('t'.repeat(40), 'https://reports.example', 300).mint(grant, fileName, now);
    expect(codeOf(() => links.verify(grant, fileName, presented(other.url), now))).toBe('download_link_invalid');
  });
});
