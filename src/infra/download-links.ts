import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from '../domain/errors';

/** What a download link grants: one artifact of one report of one tenant, until a deadline. */
export interface LinkGrant {
  tenantId: string;
  reportId: string;
  key: string;
  expiresAt: number;
}

/** The query parameters carried by a signed download URL. */
export interface LinkParams {
  tenant: string;
  expires: string;
  signature: string;
}

/** Mints and checks signed, short-lived download URLs. The HMAC covers tenant, report, storage key and
 * expiry, so a leaked URL opens only that one artifact and only until it expires. */
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

  /** A URL for the artifact, valid for the configured time from `now`. */
  mint(grant: Omit<LinkGrant, 'expiresAt'>, fileName: string, now: Date): { url: string; expiresAt: Date } {
    const expiresAt = Math.floor(now.getTime() / 1000) + this.ttlSeconds;
    const signature = this.sign({ ...grant, expiresAt });
    const query = new URLSearchParams({ tenant: grant.tenantId, expires: String(expiresAt), signature });
    const url = `${this.baseUrl}/api/v2/artifacts/${encodeURIComponent(grant.reportId)}/${encodeURIComponent(fileName)}?${query}`;
    return { url, expiresAt: new Date(expiresAt * 1000) };
  }

  /** Checks a presented link against the artifact it names. Throws `download_link_invalid` for anything
   * altered (saying nothing of what exists) and `download_link_expired` for a genuine but stale link. */
  verify(grant: Omit<LinkGrant, 'expiresAt'> | undefined, params: LinkParams, now: Date): void {
    const expiresAt = /^\d{1,12}$/.test(params.expires) ? Number(params.expires) : NaN;
    const presented = Buffer.from(params.signature, 'base64url');
    const expected =
      grant && Number.isFinite(expiresAt) ? Buffer.from(this.sign({ ...grant, expiresAt }), 'base64url') : undefined;
    if (!expected || presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
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
