import type { ReportRequest } from '../../src/domain/report';
import { newId } from '../../src/infra/ids';
import { silentLogger } from '../../src/infra/logger';
import { reconcileQueuedReports } from '../../src/infra/temporal/reconciler';
import { queuedRecord } from '../fixtures/reports';
import { loadScenario, scenarioRequest, type Scenario } from '../fixtures/scenario';
import { startHarness, waitForReport, type Harness } from '../support/harness';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { verifyDetached } from '../../src/infra/signing/jws-signer';
import { verifyPdfSignature } from '../../src/infra/signing/pdf-signer';
import { PDFDict, PDFDocument, PDFName, PDFNumber } from 'pdf-lib';
import { readPdf } from '../support/pdf';
import { opensslVerifyToken } from '../support/timestamps';
import { createHash } from 'node:crypto';
import { signatureTimestampOf, signatureValueOf } from '../../src/infra/signing/cms-timestamp';
import { pdfSignatureContents } from '../../src/infra/signing/verify-artifact';

jest.setTimeout(120_000);

let h: Harness;
let s: Scenario;

beforeAll(async () => {
  h = await startHarness({ workers: true, label: 'flow' });
  s = await loadScenario(h.db);
});

afterAll(async () => {
  await h?.close();
});

/** Follows the download redirect by hand, as `curl -L` would, and returns both hops. */
async function download(id: string, token: string) {
  const redirect = await h.request('GET', `/api/v2/reports/${id}/download`, { token });
  expect(redirect.status).toBe(302);
  const location = redirect.headers.get('location')!;
  const artifact = await fetch(location);
  return { redirect, location, artifact, bytes: Buffer.from(await artifact.arrayBuffer()) };
}

describe('the documented flow: create, poll, download', () => {
  let pdfId: string;
  let pdfText: string;

  it('when a PDF report is requested, then it is queued with the documented response', async () => {
    const res = await h.request('POST', '/api/v2/reports', { token: s.a.token, body: scenarioRequest(s, 'pdf') });
    expect(res.status).toBe(202);
    expect(Object.keys(res.body).sort()).toEqual(['format', 'id', 'queued_at', 'status']);
    expect(res.body).toMatchObject({ status: 'queued', format: 'pdf' });
    expect(res.body.id).toMatch(/^rpt_2026_[0-9a-z]{16}$/);
    expect(new Date(res.body.queued_at).toISOString()).toBe(res.body.queued_at);
    expect(res.headers.get('location')).toBe(`/api/v2/reports/${res.body.id}`);
    pdfId = res.body.id;
  });

  it('when polled, then it becomes ready with the artifact facts and an expiry from the tenant retention', async () => {
    const res = await waitForReport(h, pdfId, s.a.token);
    expect(res.body).toMatchObject({
      id: pdfId,
      status: 'ready',
      format: 'pdf',
      title: 'Q2 2026 AI security evidence pack',
      progress: { stage: 'done', percent: 100 },
      attempts: 1,
      error: null,
      counts: { rows: 3, findings: 4 },
      artifact: { file_name: `${pdfId}.pdf`, content_type: 'application/pdf' },
      links: { self: `/api/v2/reports/${pdfId}`, download: `/api/v2/reports/${pdfId}/download` },
    });
    expect(res.body.artifact.sha256).toMatch(/^[0-9a-f]{64}$/);
    const retentionMs = new Date(res.body.expires_at).getTime() - new Date(res.body.completed_at).getTime();
    expect(retentionMs).toBe(365 * 86_400_000);
  });

  it('when downloaded, then a signed URL serves the PDF as an attachment named after the report', async () => {
    const { redirect, location, artifact, bytes } = await download(pdfId, s.a.token);
    expect(redirect.headers.get('cache-control')).toBe('no-store');
    expect(location.startsWith(`${h.baseUrl}/api/v2/artifacts/${pdfId}/${pdfId}.pdf?`)).toBe(true);
    expect(artifact.status).toBe(200);
    expect(artifact.headers.get('content-type')).toBe('application/pdf');
    expect(artifact.headers.get('content-disposition')).toBe(`attachment; filename="${pdfId}.pdf"`);
    expect(artifact.headers.get('cache-control')).toBe('no-store');
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    const report = await h.request('GET', `/api/v2/reports/${pdfId}`, { token: s.a.token });
    expect(artifact.headers.get('etag')).toBe(`"${report.body.artifact.sha256}"`);
    expect(bytes.length).toBe(report.body.artifact.size);

    expect(report.body.artifact.signature).toEqual({
      type: 'pdf-cms',
      key_id: expect.stringMatching(/^pdf-[0-9a-f]{16}$/),
      jws: null,
      // A PDF carries its time-stamp token inside its signature (test/integration/signing/pdf-timestamp.test.ts).
      timestamp: null,
    });
    const [cms] = pdfSignatureContents(bytes);
    const pdfToken = signatureTimestampOf(cms!)!;
    const pdfStamped = createHash('sha256').update(signatureValueOf(cms!)).digest('hex');
    expect(await opensslVerifyToken(pdfToken, pdfStamped)).toContain('Verification: OK');
    expect(artifact.headers.get('x-artifact-signature-key-id')).toBe(report.body.artifact.signature.key_id);
    expect(await verifyPdfSignature(bytes)).toMatchObject({ valid: true });
    // Every section bookmarked (cover, the committee's page, contents, approval and versions, six sections, two
    // appendices, integrity page).
    const catalog = (await PDFDocument.load(bytes)).catalog;
    expect(catalog.lookup(PDFName.of('Outlines'), PDFDict).lookup(PDFName.of('Count'), PDFNumber).asNumber()).toBe(13);
    const published = await h.request('GET', '/.well-known/jwks.json');
    expect(published.body.keys.map((k: { kid: string }) => k.kid)).toContain(report.body.artifact.signature.key_id);

    const pdf = await readPdf(bytes);
    pdfText = pdf.text;
    expect(pdf.pages).toBeGreaterThan(1);
    expect(pdfText).toContain('Q2 2026 AI security evidence pack');
    for (const title of s.inScope) expect(pdfText).toContain(title);
    // Nothing out of scope is a row; a detection after the period, up to the report's date, is shown apart as a
    // subsequent event (section 4), before the rows begin.
    // The contents name the section first; its heading is the later occurrence.
    const findingsHeading = pdfText.lastIndexOf('5 Findings');
    expect(findingsHeading).toBeGreaterThan(pdfText.indexOf('5 Findings'));
    const rowsOnward = pdfText.slice(findingsHeading);
    for (const title of s.outOfScope) expect(rowsOnward).not.toContain(title);
    const subsequent = pdfText.slice(pdfText.indexOf('Subsequent events'), findingsHeading);
    expect(subsequent).toContain('Dingo after period');
    for (const title of s.outOfScope.filter((t) => t !== 'Dingo after period')) expect(pdfText).not.toContain(title);
  });

  it('the merged row lists its controls in each requested framework, and the coverage matrix is there', () => {
    for (const control of ['LLM06:2025', 'MEASURE 2.7', 'Art. 10']) expect(pdfText).toContain(control);
    expect(pdfText).toContain('Control status');
    expect(pdfText).toContain('Not tested');
  });

  it('when the same request is made as JSON, then it carries schema_version and the same rows', async () => {
    const created = await h.request('POST', '/api/v2/reports', { token: s.a.token, body: scenarioRequest(s, 'json') });
    expect(created.status).toBe(202);
    const ready = await waitForReport(h, created.body.id, s.a.token);
    expect(ready.body.status).toBe('ready');
    const { artifact, bytes } = await download(created.body.id, s.a.token);
    expect(artifact.headers.get('content-type')).toBe('application/json');
    expect(artifact.headers.get('content-disposition')).toBe(`attachment; filename="${created.body.id}.json"`);
    const doc = JSON.parse(bytes.toString('utf8'));
    expect(doc.schema_version).toMatch(/^\d+\.\d+\.\d+$/);

    // Signed with a detached JWS over the exact bytes served, checkable with the published keys alone.
    const jws = artifact.headers.get('x-artifact-signature')!;
    expect(ready.body.artifact.signature).toEqual({
      type: 'jws-detached',
      key_id: artifact.headers.get('x-artifact-signature-key-id'),
      jws,
      timestamp: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/),
    });
    // The authority's token stamps the JWS signature's bytes, and verifies against its chain with openssl alone.
    const stamped = createHash('sha256')
      .update(Buffer.from(jws.split('.')[2]!, 'base64url'))
      .digest('hex');
    const token = Buffer.from(ready.body.artifact.signature.timestamp, 'base64');
    expect(await opensslVerifyToken(token, stamped)).toContain('Verification: OK');
    const jwks = (await h.request('GET', '/.well-known/jwks.json')).body;
    expect(await verifyDetached(bytes, jws, jwks)).toMatchObject({ valid: true });
    const tampered = Buffer.from(bytes);
    tampered[tampered.length - 2] ^= 1;
    expect(await verifyDetached(tampered, jws, jwks)).toMatchObject({ valid: false });

    // And valid against the JSON Schema the API publishes for its version.
    const schema = await h.request('GET', `/api/v2/schemas/report/${doc.schema_version}`);
    expect(schema.status).toBe(200);
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    addFormats(ajv);
    const validate = ajv.compile(schema.body);
    expect([validate(doc), validate.errors]).toEqual([true, null]);
    expect(doc.report).toMatchObject({
      id: created.body.id,
      tenant_id: s.a.tenantId,
      title: 'Q2 2026 AI security evidence pack',
    });
    const titles = doc.rows.map((r: { title: string }) => r.title);
    expect([...titles].sort()).toEqual([...s.inScope].sort());
    for (const title of titles) expect(pdfText).toContain(title);
    const merged = doc.rows.find((r: { title: string }) => r.title === 'Quokka agent deletes claims');
    expect(merged.occurrences).toBe(2);
    expect(merged.severity).toBe('critical');
    const controls = (framework: string) =>
      merged.controls.find((c: { framework: string }) => c.framework === framework).items as {
        id: string;
        explicit: boolean;
        derived_via: { group: string }[];
      }[];
    // The finding's own references, each explicit…
    expect(controls('OWASP_LLM').find((c) => c.id === 'LLM06:2025')).toMatchObject({ explicit: true });
    expect(controls('NIST_AI_600_1').find((c) => c.id === 'MEASURE 2.7')).toMatchObject({ explicit: true });
    expect(controls('EU_AI_ACT').find((c) => c.id === 'Art. 10')).toMatchObject({ explicit: true });
    // …and the excessive-agency overlap group's controls, derived.
    expect(merged.overlap_groups).toEqual(['X07']);
    expect(controls('ISO_42001').length).toBeGreaterThan(0);
    expect(controls('ISO_42001').every((c) => !c.explicit && c.derived_via.some((v) => v.group === 'X07'))).toBe(true);
    expect(doc.coverage.map((c: { framework: string }) => c.framework)).toEqual([
      'OWASP_LLM',
      'NIST_AI_600_1',
      'EU_AI_ACT',
      'ISO_42001',
    ]);
  });

  it('the list shows the tenant its reports newest first, page by page, and nothing of other tenants', async () => {
    const first = await h.request('GET', '/api/v2/reports?limit=1', { token: s.a.token });
    expect(first.status).toBe(200);
    expect(first.body.data).toHaveLength(1);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const second = await h.request('GET', `/api/v2/reports?limit=1&cursor=${first.body.next_cursor}`, {
      token: s.a.token,
    });
    expect(second.body.data).toHaveLength(1);
    expect(second.body.data[0].id).toBe(pdfId);
    expect(second.body.next_cursor).toBeNull();
    expect(first.body.data[0].queued_at >= second.body.data[0].queued_at).toBe(true);
    const other = await h.request('GET', '/api/v2/reports', { token: s.b.token });
    expect(other.body).toEqual({ data: [], next_cursor: null });
  });

  it('every create, link and fetch left an audit event', async () => {
    const events = await h.db
      .collection('audit_events')
      .find({ tenant_id: s.a.tenantId, report_id: pdfId })
      .sort({ at: 1 })
      .toArray();
    expect(events.map((e) => e.action)).toEqual([
      'report.created',
      'report.download_link_issued',
      'report.artifact_fetched',
    ]);
  });
});

describe('signed URLs open one artifact of one tenant', () => {
  let id: string;
  let location: URL;

  beforeAll(async () => {
    const created = await h.request('POST', '/api/v2/reports', { token: s.a.token, body: scenarioRequest(s, 'json') });
    id = created.body.id;
    await waitForReport(h, id, s.a.token);
    location = new URL(
      (await h.request('GET', `/api/v2/reports/${id}/download`, { token: s.a.token })).headers.get('location')!,
    );
  });

  const fetchAltered = async (change: (u: URL) => void) => {
    const u = new URL(location);
    change(u);
    const res = await fetch(u);
    return { status: res.status, body: (await res.json()) as { error: { code: string; message: string } } };
  };

  it('when the URL is used as issued, with no bearer token, then it serves the artifact', async () => {
    expect((await fetch(location)).status).toBe(200);
  });

  it("when tenant B's id is put in A's signed URL, then it is refused without saying what exists", async () => {
    const res = await fetchAltered((u) => u.searchParams.set('tenant', s.b.tenantId));
    expect(res).toEqual({
      status: 403,
      body: {
        error: {
          code: 'download_link_invalid',
          message: 'This download link is not valid. Request a new one from the report.',
        },
      },
    });
  });

  it('when one character of the signature changes, then it is refused', async () => {
    const res = await fetchAltered((u) => {
      const sig = u.searchParams.get('signature')!;
      u.searchParams.set('signature', (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1));
    });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('download_link_invalid');
  });

  it('when the URL names another report of the same tenant, then it is refused', async () => {
    const res = await fetchAltered((u) => {
      u.pathname = u.pathname.replaceAll(id, 'rpt_2026_def456');
    });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('download_link_invalid');
  });

  it('when the expiry is moved later, then it is refused', async () => {
    const res = await fetchAltered((u) =>
      u.searchParams.set('expires', String(Number(u.searchParams.get('expires')) + 86_400)),
    );
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('download_link_invalid');
  });

  it("when tenant B asks for A's download with its own token, then 404 report_not_found", async () => {
    const res = await h.request('GET', `/api/v2/reports/${id}/download`, { token: s.b.token });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('report_not_found');
  });
});

describe('a report whose workflow never started', () => {
  it('when the reconciler runs, then it starts the workflow once and the report becomes ready', async () => {
    // The state a crash between the API's two writes leaves: a queued row and no workflow.
    const id = newId('rpt');
    const request: ReportRequest = {
      title: 'Recovered after a crash',
      frameworks: ['OWASP_LLM'],
      scope: { endpointIds: [s.a.endpoint], from: '2026-04-01', to: '2026-06-30', includeSeverities: ['critical'] },
      format: 'json',
    };
    await h.reports.insert(queuedRecord(s.a.tenantId, request, new Date(Date.now() - 120_000), { id }));
    const deps = { reports: h.reports, workflows: h.workflows, clock: { now: () => new Date() }, logger: silentLogger };
    const started = await reconcileQueuedReports(deps);
    expect(started).toBeGreaterThanOrEqual(1);
    const ready = await waitForReport(h, id, s.a.token);
    expect(ready.body).toMatchObject({ status: 'ready', attempts: 1, counts: { rows: 1, findings: 2 } });
    const result = await h.temporal.workflow.getHandle(`report-${id}`).result();
    expect(result).toMatchObject({ reportId: id, rows: 1 });
  });
});

describe('a report whose render can never succeed', () => {
  let broken: Harness;
  let sb: Scenario;

  beforeAll(async () => {
    broken = await startHarness({ workers: true, label: 'broken', chromiumPath: '/nonexistent/chromium' });
    sb = await loadScenario(broken.db);
  });

  afterAll(async () => {
    await broken?.close();
  });

  it('when every render attempt fails, then the report ends failed with render_failed and an actionable message', async () => {
    const created = await broken.request('POST', '/api/v2/reports', {
      token: sb.a.token,
      body: scenarioRequest(sb, 'pdf'),
    });
    const res = await waitForReport(broken, created.body.id, sb.a.token, 90_000);
    expect(res.body).toMatchObject({
      status: 'failed',
      progress: { stage: 'failed', percent: 100 },
      error: {
        code: 'render_failed',
        message:
          'The artifact could not be rendered after several attempts. Retry the report; if it fails again, contact support with the report id.',
      },
      artifact: null,
      links: { download: null },
    });
    expect(res.body.failed_at).toEqual(expect.any(String));
    const download = await broken.request('GET', `/api/v2/reports/${created.body.id}/download`, { token: sb.a.token });
    expect(download.status).toBe(409);
    expect(download.body.error).toMatchObject({ code: 'report_not_ready', status: 'failed' });
    const handle = broken.temporal.workflow.getHandle(`report-${created.body.id}`);
    await expect(handle.result()).rejects.toThrow();
    expect((await handle.describe()).status.name).toBe('FAILED');
  });
});
