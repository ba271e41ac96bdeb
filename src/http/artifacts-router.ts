import { createHash } from 'node:crypto';
import { Router } from 'express';
import type { ArtifactStore, AuditLog, Clock, ReportsRepo } from '../../activities/ports';
import { AppError } from '../domain/errors';
import { isId } from '../domain/ids';
import { versionsOf } from '../domain/approval';
import { artifactFileName } from '../domain/report';
import type { DownloadLinks } from '../infra/download-links';
import { clientAddress, takeAttempt, type AttemptBuckets } from './attempt-limit';

/** What the signed-URL endpoint needs. */
export interface ArtifactsRouterDeps {
  reports: Pick<ReportsRepo, 'get'>;
  store: ArtifactStore;
  links: DownloadLinks;
  audit: AuditLog;
  clock: Clock;
  /** Redirect to the store's own presigned GET (a bucket clients can reach) instead of streaming the bytes. */
  presignedDownloads: boolean;
  /** Per client address, links that do not verify: each costs a report lookup before its signature is checked. */
  unauthLimits: AttemptBuckets;
}

/** How long a presigned GET lives: just long enough to follow the redirect. */
const PRESIGNED_SECONDS = 60;

const text = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Serves artifact bytes to holders of a signed URL. No bearer token: the signature is the authority, and it
 * opens exactly one artifact until it expires. */
export function artifactsRouter(deps: ArtifactsRouterDeps): Router {
  const router = Router();

  router.get('/artifacts/:reportId/:fileName', async (req, res) => {
    // Refusals too: a signed URL's answer is for its holder alone, never for a cache in between.
    res.set('Cache-Control', 'no-store');
    const client = clientAddress(req);
    takeAttempt(deps.unauthLimits, client);
    const { reportId, fileName } = req.params;
    const tenant = text(req.query.tenant);
    const report = isId(reportId, 'rpt') && isId(tenant, 'tnt') ? await deps.reports.get(tenant, reportId) : undefined;
    // The version the file name names: `<id>.<ext>` is version 1, `<id>-v<n>.<ext>` a later one.
    const artifact = report
      ? versionsOf(report).find((v) => fileName === artifactFileName(report.id, report.request.format, v.version))
          ?.artifact
      : undefined;
    const grant =
      report && artifact ? { tenantId: report.tenantId, reportId: report.id, key: artifact.key } : undefined;
    const now = deps.clock.now();
    // As received, not as Express routed it: routing ignores case and a trailing slash, and the query parser
    // decodes, so only the raw URL tells the minted spelling from a rewritten one.
    deps.links.verify(grant, fileName, req.originalUrl, now);
    // A link that verifies is not a failed attempt.
    deps.unauthLimits.refund(client);
    if (!report || !artifact) throw new AppError('download_link_invalid', 'This download link is not valid.');
    if (report.status === 'expired' || report.status === 'purging') {
      throw new AppError(
        'report_expired',
        'The artifact was purged under the retention policy; regenerate the report.',
      );
    }
    const recordFetch = (details: Record<string, string>) =>
      deps.audit.record({
        tenant_id: report.tenantId,
        report_id: report.id,
        action: 'report.artifact_fetched',
        actor: 'signed-url',
        at: now,
        details: { ip: req.ip ?? '', ...details },
      });
    if (deps.presignedDownloads && deps.store.presignGet) {
      const url = await deps.store.presignGet(artifact.key, {
        expiresInSeconds: PRESIGNED_SECONDS,
        fileName,
        contentType: artifact.contentType,
      });
      await recordFetch({ sha256: artifact.sha256, via: 'presigned-get' });
      res.set({ 'Cache-Control': 'no-store', ETag: `"${artifact.sha256}"` }).redirect(302, url);
      return;
    }
    const body = await deps.store.get(artifact.key);
    const sha256 = createHash('sha256').update(body).digest('hex');
    if (sha256 !== artifact.sha256) {
      throw new AppError('internal', `stored artifact of ${report.id} does not match its recorded sha256`);
    }
    await recordFetch({ sha256 });
    // setHeader, not res.set: Express would append a charset and the type must match the recorded one.
    const headers: Record<string, string> = {
      'Content-Type': artifact.contentType,
      'Content-Length': String(body.length),
      'Content-Disposition': `attachment; filename="${fileName}"`,
      'Cache-Control': 'no-store',
      ETag: `"${sha256}"`,
      'Repr-Digest': `sha-256=:${Buffer.from(sha256, 'hex').toString('base64')}:`,
      'X-Content-Type-Options': 'nosniff',
    };
    // A JSON artifact's detached JWS travels with it, so a downloader can verify against the published keys.
    const signature = artifact.signature;
    if (signature?.jws) headers['X-Artifact-Signature'] = signature.jws;
    if (signature) headers['X-Artifact-Signature-Key-Id'] = signature.keyId;
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    res.status(200).end(body);
  });

  return router;
}
