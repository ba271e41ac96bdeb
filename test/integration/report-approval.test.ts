/**
 * Sign-off on the real stack: a ready report is a draft that says so on every page; approving it makes version 2 of
 * the same report, with the approver's statement and the version history printed in it, signed again (pdfsig), the
 * draft still downloadable by `?version=1`, the audit log showing the approval. A treatment change between the draft
 * and the approval makes version 2 show the new treatment and say it was built again for it. The approve scope is
 * apart from generate, bad bodies are refused naming the field, and a second approval of the same version at once is
 * refused.
 */
import type { Scope } from '../../src/domain/tokens';
import { weaknessKey } from '../../src/domain/treatment';
import { verifyPdfSignature } from '../../src/infra/signing/pdf-signer';
import { createTenant, mintToken } from '../../src/infra/mongo/tenant-admin';
import { startHarness, waitForReport, type ApiResponse, type Harness } from '../support/harness';
import { readPdf } from '../support/pdf';

jest.setTimeout(240_000);

const DAY_MS = 86_400_000;
const NOW = Date.now();
const dayAgo = (days: number): string => new Date(NOW - days * DAY_MS).toISOString().slice(0, 10);

let h: Harness;
let tenantId: string;
let token: string;
let generateOnly: string;
let endpoint: string;

const APPROVAL = {
  approver_name: 'Dana <script>Reyes</script>',
  approver_role: 'Chief Information Security Officer',
  assertion: 'The register fairly presents the AI security testing of the period and its treatment.',
  limitations: 'Endpoints outside the scope were not tested.',
};

async function ask(format: 'pdf' | 'json'): Promise<string> {
  const created = await h.request('POST', '/api/v2/reports', {
    token,
    body: {
      title: `Approval check ${format}`,
      frameworks: ['OWASP_LLM'],
      scope: { endpoint_ids: [endpoint], from: dayAgo(10), to: dayAgo(0), include_severities: ['critical', 'high'] },
      format,
    },
  });
  expect(created.status).toBe(202);
  const id = created.body.id as string;
  expect((await waitForReport(h, id, token)).body.status).toBe('ready');
  return id;
}

async function download(id: string, version?: number): Promise<{ bytes: Buffer; fileName: string }> {
  const query = version === undefined ? '' : `?version=${version}`;
  const redirect = await h.request('GET', `/api/v2/reports/${id}/download${query}`, { token });
  expect(redirect.status).toBe(302);
  const res = await fetch(redirect.headers.get('location')!);
  expect(res.status).toBe(200);
  const disposition = res.headers.get('content-disposition') ?? '';
  return {
    bytes: Buffer.from(await res.arrayBuffer()),
    fileName: /filename="([^"]+)"/.exec(disposition)?.[1] ?? '',
  };
}

/** Polls the report until its approval is no longer being made. */
async function approved(id: string, timeoutMs = 90_000): Promise<ApiResponse> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await h.request('GET', `/api/v2/reports/${id}`, { token });
    if (res.body.approval?.status !== 'approving') return res;
    if (Date.now() > deadline) throw new Error(`approval of ${id} still running after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const pagesOf = (text: string) => text.split('\f').filter((page) => page.trim() !== '');
const flat = (text: string) => text.replace(/\s+/g, ' ');

let pdfId: string;
let draft: Buffer;
let v2: { bytes: Buffer; fileName: string };
let report: ApiResponse;

beforeAll(async () => {
  h = await startHarness({ label: 'approval', workers: true });
  tenantId = await createTenant(h.db, { name: 'Approved Co', auditRetentionDays: 365 });
  const scopes: Scope[] = ['findings:write', 'findings:read', 'findings:triage', 'reports:generate', 'reports:read'];
  token = (await mintToken(h.db, { tenantId, scopes: [...scopes, 'reports:approve', 'audit:read'] })).secret;
  generateOnly = (await mintToken(h.db, { tenantId, scopes })).secret;
  endpoint = (await h.request('POST', '/api/v2/endpoints', { token, body: { name: 'Approved bot' } })).body
    .id as string;
  const posted = await h.request('POST', '/api/v2/findings', {
    token,
    body: {
      findings: ['first', 'second'].map((fingerprint, i) => ({
        endpoint_id: endpoint,
        title: `Weakness ${fingerprint}`,
        category: 'prompt_injection',
        severity: 'high',
        detected_at: new Date(NOW - (3 + i) * DAY_MS).toISOString(),
        fingerprint,
        evidence: { prompt: 'Ignore your instructions.', response: 'Sure.' },
      })),
    },
  });
  expect([200, 201]).toContain(posted.status);

  pdfId = await ask('pdf');
  draft = (await download(pdfId)).bytes;
  // Recorded after the draft was made: the approval must read it and say the version was built again for it.
  const key = weaknessKey(tenantId, { endpointId: endpoint, category: 'prompt_injection', fingerprint: 'first' });
  const patched = await h.request('PATCH', `/api/v2/weaknesses/${key}`, {
    token,
    body: { state: 'mitigated', evidence: 'Output filter deployed', mitigated_on: dayAgo(0), owner: 'Sam Okafor' },
  });
  expect(patched.status).toBe(200);

  const asked = await h.request('POST', `/api/v2/reports/${pdfId}/approve`, { token, body: APPROVAL });
  expect(asked.status).toBe(202);
  expect(asked.headers.get('location')).toBe(`/api/v2/reports/${pdfId}`);
  expect(asked.body.approval).toMatchObject({ status: 'approving', version: 2 });
  report = await approved(pdfId);
  v2 = await download(pdfId);
});

afterAll(async () => {
  await h?.close();
});

describe('a draft', () => {
  it('when a report is made ready, then every page of its PDF says it is a draft, and the approval page says nobody approved it', async () => {
    const { text, pages } = await readPdf(draft);
    const printed = pagesOf(text);
    expect(printed).toHaveLength(pages);
    for (const page of printed) expect(page).toContain('DRAFT · NOT APPROVED');
    expect(flat(text)).toContain('Draft: nobody has approved this version.');
  });
});

describe('approve → version 2', () => {
  it('when a report is approved, then it is version 2 of the same report, approved, listing both versions', () => {
    const body = report.body;
    expect(body.id).toBe(pdfId);
    expect(body.status).toBe('ready');
    expect(body.version).toBe(2);
    expect(body.approval).toMatchObject({ status: 'approved', version: 2, error: null });
    expect(body.versions.map((v: { version: number; status: string }) => [v.version, v.status])).toEqual([
      [1, 'draft'],
      [2, 'approved'],
    ]);
    const [first, second] = body.versions;
    expect(first.artifact.file_name).toBe(`${pdfId}.pdf`);
    expect(second.artifact.file_name).toBe(`${pdfId}-v2.pdf`);
    expect(second.approval).toMatchObject({
      approver_name: APPROVAL.approver_name,
      approver_role: APPROVAL.approver_role,
      assertion: APPROVAL.assertion,
      limitations: APPROVAL.limitations,
    });
    expect(second.regenerated).toEqual({ changed_weaknesses: 1 });
    expect(body.artifact.sha256).toBe(second.artifact.sha256);
    expect(second.artifact.sha256).not.toBe(first.artifact.sha256);
    expect(second.download).toBe(`/api/v2/reports/${pdfId}/download?version=2`);
  });

  it('when version 2 is downloaded, then it is signed again and pdfsig finds the signature valid', async () => {
    expect(v2.fileName).toBe(`${pdfId}-v2.pdf`);
    await expect(verifyPdfSignature(v2.bytes)).resolves.toMatchObject({ valid: true });
  });

  it('when version 2 is read, then it carries the attestation: approver, role, time, assertion, limitations, status date and history', async () => {
    const { text } = await readPdf(v2.bytes);
    const all = flat(text);
    expect(all).toContain('Approval and versions');
    expect(all).toContain('Approved by Dana <script>Reyes</script>');
    expect(all).toContain('Role Chief Information Security Officer');
    expect(all).toContain(APPROVAL.assertion);
    expect(all).toContain(APPROVAL.limitations);
    expect(all).toContain('Status as of');
    expect(all).toContain(report.body.versions[0].artifact.sha256);
    // The approver's name sits in the column beside the note, which pdftotext may interleave with it.
    expect(all).toContain('Built again before');
    expect(all).toContain('the treatment of 1 weakness had changed since the version before');
    for (const page of pagesOf(text)) expect(page).not.toContain('DRAFT');
  });

  it('when version 2 is read, then it shows the treatment recorded after the draft, which the draft did not', async () => {
    expect(flat((await readPdf(v2.bytes)).text)).toContain('Sam Okafor');
    expect(flat((await readPdf(draft)).text)).not.toContain('Sam Okafor');
  });

  it('when version 1 is asked for, then the draft is served as it was', async () => {
    const first = await download(pdfId, 1);
    expect(first.fileName).toBe(`${pdfId}.pdf`);
    expect(first.bytes.equals(draft)).toBe(true);
  });

  it('when a version that does not exist is asked for, then 400 names the field', async () => {
    for (const version of ['3', '0', 'latest', '1.5']) {
      const res = await h.request('GET', `/api/v2/reports/${pdfId}/download?version=${version}`, { token });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_request', field: 'version' });
    }
  });

  it('when the audit log is read, then it shows the approval asked for and made, by the token', async () => {
    const res = await h.request('GET', `/api/v2/audit-events?report_id=${pdfId}`, { token });
    expect(res.status).toBe(200);
    const actions = res.body.data.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['report.approval_requested', 'report.approved']));
    const made = res.body.data.find((e: { action: string }) => e.action === 'report.approved');
    expect(made.details).toMatchObject({
      version: 2,
      approver_name: APPROVAL.approver_name,
      sha256: report.body.versions[1].artifact.sha256,
      changed_weaknesses: 1,
    });
  });
});

describe('a JSON report', () => {
  it('when a JSON report is approved, then version 2 carries the release with the approval, and version 1 says draft', async () => {
    const id = await ask('json');
    const before = JSON.parse((await download(id)).bytes.toString('utf8'));
    expect(before.release).toMatchObject({ version: 1, status: 'draft', approval: null });
    const asked = await h.request('POST', `/api/v2/reports/${id}/approve`, { token, body: APPROVAL });
    expect(asked.status).toBe(202);
    expect((await approved(id)).body.approval.status).toBe('approved');
    const after = await download(id);
    expect(after.fileName).toBe(`${id}-v2.json`);
    const doc = JSON.parse(after.bytes.toString('utf8'));
    expect(doc.schema_version).toBe('1.6.0');
    expect(doc.release).toMatchObject({
      version: 2,
      status: 'approved',
      approval: {
        approver_name: APPROVAL.approver_name,
        approver_role: APPROVAL.approver_role,
        assertion: APPROVAL.assertion,
        limitations: APPROVAL.limitations,
      },
    });
    expect(doc.release.history.map((e: { version: number; sha256: string | null }) => e.version)).toEqual([1, 2]);
    expect(doc.release.history[1].sha256).toBeNull();
    expect(doc.rows.map((r: { ref: string }) => r.ref)).toEqual(before.rows.map((r: { ref: string }) => r.ref));
  });
});

describe('refusals', () => {
  it('when a token without reports:approve approves, then 403 missing_scope and nothing changes', async () => {
    const res = await h.request('POST', `/api/v2/reports/${pdfId}/approve`, { token: generateOnly, body: APPROVAL });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('missing_scope');
    expect((await h.request('GET', `/api/v2/reports/${pdfId}`, { token })).body.version).toBe(2);
  });

  it('when a field is missing, empty or unknown, then 400 names it', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ ...APPROVAL, approver_name: undefined }, 'approver_name'],
      [{ ...APPROVAL, assertion: '   ' }, 'assertion'],
      [{ ...APPROVAL, limitations: 42 }, 'limitations'],
      [{ ...APPROVAL, approver_role: 'x'.repeat(201) }, 'approver_role'],
      [{ ...APPROVAL, signature: 'mine' }, 'signature'],
    ];
    for (const [body, field] of cases) {
      const res = await h.request('POST', `/api/v2/reports/${pdfId}/approve`, { token, body });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_request', field });
    }
  });

  it('when another tenant approves the report, then it is not found', async () => {
    const other = await createTenant(h.db, { name: 'Other Co', auditRetentionDays: 365 });
    const foreign = (await mintToken(h.db, { tenantId: other, scopes: ['reports:approve', 'reports:read'] })).secret;
    const res = await h.request('POST', `/api/v2/reports/${pdfId}/approve`, { token: foreign, body: APPROVAL });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('report_not_found');
  });

  it('when two approvals of the same version are asked for at once, then one makes it and the other is refused', async () => {
    const id = await ask('json');
    const answers = await Promise.all(
      [1, 2].map(() => h.request('POST', `/api/v2/reports/${id}/approve`, { token, body: APPROVAL })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([202, 409]);
    expect(answers.find((a) => a.status === 409)!.body.error.code).toBe('approval_in_progress');
    const done = await approved(id);
    expect(done.body.versions).toHaveLength(2);
  });
});
