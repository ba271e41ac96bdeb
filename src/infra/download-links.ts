import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from '../domain/errors';

/** What a download link grants: one artifact of one report of one tenant, until a deadline. */
export interface LinkGrant {
  tenantId: string;
  reportId: string;
  key: string;
  expiresAt: number;
}

/** A decimal as minted: no sign, no leading zero, at most 12 digits. */
const EXPIRES = /^[1-9]\d{0,11}$/;

/** Mints and checks signed, short-lived download URLs. The HMAC covers tenant, report, storage key and
 * expiry, so a leaked URL opens only that one artifact and only until it expires. A link is accepted only in
 * the one spelling it was minted in (path, parameter order, decimal expiry, unpadded base64url signature): one
 * grant has one URL, so revoking, blocking or correlating it by exact match catches every use. */
export class DownloadLinks {
  constructor(
    private readonly secret: string,
    private readonly baseUrl: string,
    private readonly ttlSeconds: number,
  ) {}

  private sign(grant: LinkGrant): string {
    const payload = ['v1', grant.tenantId, grant.reportId, grant.key, String(grant.expiresAt)].join('\n');
    return createHmac('sha256', this.secret).update(payload, 'utf8').digest('base64url');
  }

  /** The path and query of the link to `fileName` under `grant`: the only spelling {@link verify} accepts. */
  private pathOf(grant: LinkGrant, fileName: string): string {
    const query = new URLSearchParams({
      tenant: grant.tenantId,
      expires: String(grant.expiresAt),
      signature: this.sign(grant),
    });
    return `/api/v2/artifacts/${encodeURIComponent(grant.reportId)}/${encodeURIComponent(fileName)}?${query}`;
  }

  /** A URL for the artifact, valid for the configured time from `now`. */
  mint(grant: Omit<LinkGrant, 'expiresAt'>, fileName: string, now: Date): { url: string; expiresAt: Date } {
    const expiresAt = Math.floor(now.getTime() / 1000) + this.ttlSeconds;
    return {
      url: `${this.baseUrl}${this.pathOf({ ...grant, expiresAt }, fileName)}`,
      expiresAt: new Date(expiresAt * 1000),
    };
  }

  /** Checks a presented link (`presented`: its path and query as received) against the artifact it names.
   * Throws `download_link_invalid` for anything altered or spelled otherwise than minted (saying nothing of what
   * exists) and `download_link_expired` for a genuine but stale link. */
  verify(grant: Omit<LinkGrant, 'expiresAt'> | undefined, fileName: string, presented: string, now: Date): void {
    const query = presented.indexOf('?');
    const expires = query < 0 ? '' : (new URLSearchParams(presented.slice(query + 1)).get('expires') ?? '');
    const expiresAt = EXPIRES.test(expires) ? Number(expires) : NaN;
    // Compared whole, in constant time: the expected spelling is rebuilt from the grant, never from the request.
    const got = Buffer.from(presented, 'utf8');
    const expected =
      grant && Number.isFinite(expiresAt)
        ? Buffer.from(this.pathOf({ ...grant, expiresAt }, fileName), 'utf8')
        : undefined;
    if (!expected || got.length !== expected.length || !timingSafeEqual(got, expected)) {
      throw new AppError(
        'download_link_invalid',
        'This download link is not valid. Request a new one from the report.',
      );
    }
    if (expiresAt * 1000 <= now.getTime()) {
      throw new AppError('download_link_expired', 'This download link has expired. Request a new one from the report.');
    }
  }
}
