import type { ArtifactSignature, ReportFormat } from '../src/domain/report';
import type { ReportModel } from '../src/domain/report-model';
import { stagingKey, versionedName } from '../src/domain/storage-keys';
import { withFailureTypes } from './failures';
import type { ArtifactStore, DetachedSigning, PdfSignatureFacts, PdfSigning, ReportsRepo } from './ports';
import { contentDigest } from './render-activities';
import type { ReportRef } from './report-activities';

/** What the signing activity needs. */
export interface SignActivityDeps {
  /** Where the signed PDF goes, and where a JSON render waits. */
  store: ArtifactStore;
  /** Where the model and the printed PDF wait (the render worker's side). */
  staging: ArtifactStore;
  reports: ReportsRepo;
  pdf: PdfSigning;
  json: DetachedSigning;
  /** The section titles of a rendered report, in order, for its bookmarks. */
  outlineOf: (model: ReportModel) => NonNullable<PdfSignatureFacts['outline']>;
}

/** Builds the activity that signs a rendered artifact. Signing is the last write to the bytes: a PDF gets its
 * metadata and an embedded CMS signature; a JSON document stays byte for byte as rendered and gets a
 * detached JWS. Re-running it signs the same input again and overwrites the same staged key. */
export function createSignActivities(deps: SignActivityDeps) {
  return withFailureTypes({
    /** Signs the staged render and stages the signed artifact. */
    async signArtifact(
      ref: ReportRef & { format: ReportFormat; renderedKey: string; modelKey: string; version?: number },
    ): Promise<{ signedKey: string; signature: ArtifactSignature }> {
      // A PDF comes from the render worker through the staging store; a JSON render never leaves this worker.
      const rendered = await (ref.format === 'pdf' ? deps.staging : deps.store).get(ref.renderedKey);
      if (ref.format === 'json') {
        const { kid, jws, timestamp } = await deps.json.sign(rendered);
        const signature: ArtifactSignature = { type: 'jws-detached', keyId: kid, jws };
        // Only when there is one: a signature recorded without a timestamp looks as it always did.
        if (timestamp) signature.timestamp = timestamp;
        return { signedKey: ref.renderedKey, signature };
      }
      const modelBytes = await deps.staging.get(ref.modelKey);
      const model = JSON.parse(modelBytes.toString('utf8')) as ReportModel;
      const signed = await deps.pdf.sign(rendered, {
        reportId: model.report.id,
        tenantId: model.report.tenantId,
        title: model.report.title,
        tenantName: model.report.tenantName,
        schemaVersion: model.schemaVersion,
        contentDigest: contentDigest(modelBytes),
        frameworks: model.report.frameworks.map((f) => f.slug),
        generatedAt: model.report.generatedAt,
        outline: deps.outlineOf(model),
      });
      const signedKey = stagingKey(ref.tenantId, ref.reportId, versionedName('signed.pdf', ref.version));
      await deps.store.put(signedKey, signed, 'application/pdf');
      await deps.reports.setProgress(ref.tenantId, ref.reportId, 'storing', 90);
      return { signedKey, signature: { type: 'pdf-cms', keyId: deps.pdf.keyId } };
    },
  });
}

/** The activity functions {@link createSignActivities} returns. */
export type SignActivities = ReturnType<typeof createSignActivities>;
