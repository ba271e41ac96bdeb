import path from 'node:path';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { jwsSigner, pdfCertificateJwk } from '../../../src/infra/signing/artifact-signers';
import { loadOrCreateJwsKeys } from '../../../src/infra/signing/jwks';
import { PdfSigner } from '../../../src/infra/signing/pdf-signer';
import { loadOrCreateSigningIdentity } from '../../../src/infra/signing/signing-identity';
import { verifyArtifact } from '../../../src/infra/signing/verify-artifact';
import { stackEnv, uniqueSuffix } from '../../support/stack';

jest.setTimeout(60_000);

const facts = {
  reportId: 'rpt_2026_verifyverify01',
  tenantId: 'tnt_2026_verifyverify01',
  title: 'Verification test',
  tenantName: 'Example Corp',
  schemaVersion: '1.1.0',
  contentDigest: '0'.repeat(64),
  frameworks: ['OWASP_LLM'],
  generatedAt: '2026-07-01T00:00:00.000Z',
};

async function unsignedPdf(): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const page = doc.addPage();
  page.drawText('Evidence', { font: await doc.embedFont(StandardFonts.Helvetica), x: 50, y: 700 });
  return Buffer.from(await doc.save());
}

describe('verifyArtifact, with only the published keys', () => {
  const root = path.join(stackEnv().dataDir, `verify-${uniqueSuffix()}`);

  it('when a PDF is signed by the published certificate, then it is valid and names the key', async () => {
    const { identity } = await loadOrCreateSigningIdentity({ dataDir: path.join(root, 'a') });
    const signed = await new PdfSigner(identity).sign(await unsignedPdf(), facts);
    const verdict = await verifyArtifact(signed, { keys: [await pdfCertificateJwk(identity)] });
    expect(verdict).toMatchObject({ valid: true, kind: 'pdf', keyId: identity.keyId });
  });

  it('when an intact PDF was signed by a certificate nobody published, then it is invalid', async () => {
    const { identity: published } = await loadOrCreateSigningIdentity({ dataDir: path.join(root, 'a') });
    const { identity: stranger } = await loadOrCreateSigningIdentity({ dataDir: path.join(root, 'b') });
    const signed = await new PdfSigner(stranger).sign(await unsignedPdf(), facts);
    expect(await verifyArtifact(signed, { keys: [await pdfCertificateJwk(published)] })).toEqual({
      valid: false,
      kind: 'pdf',
      detail: 'the signature is intact but its certificate is not among the published keys',
    });
  });

  it('when a JSON artifact matches its detached signature, then it is valid; altered or unsigned, it is not', async () => {
    const { keys } = await loadOrCreateJwsKeys(path.join(root, 'jws'));
    const bytes = Buffer.from('{"schema_version":"1.1.0"}\n');
    const { kid, jws } = await jwsSigner(keys).sign(bytes);
    const jwks = keys.publicJwks();
    expect(await verifyArtifact(bytes, jwks, jws)).toMatchObject({ valid: true, kind: 'json', keyId: kid });
    expect(await verifyArtifact(Buffer.from('{"schema_version":"1.1.1"}\n'), jwks, jws)).toMatchObject({
      valid: false,
    });
    expect(await verifyArtifact(bytes, jwks)).toMatchObject({ valid: false, kind: 'json' });
  });
});
