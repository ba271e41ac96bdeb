/**
 * Importing scanner files through the API on the real stack: garak reports and hitlogs of both shapes and
 * promptfoo results become findings with their provenance; importing again creates nothing; a bad file is
 * refused naming the line and stores nothing; the same weakness found by garak and by promptfoo on one endpoint
 * becomes one report row.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { createTenant, mintToken } from '../../../src/infra/mongo/tenant-admin';
import { startHarness, waitForReport, type Harness } from '../../support/harness';

jest.setTimeout(120_000);

const FIXTURES = path.resolve(__dirname, '../../fixtures/scanners');
const fixture = (name: string) => fs.readFile(path.join(FIXTURES, name), 'utf8');

let h: Harness;
let token: string;
let other: { token: string; endpoint: string };

async function endpoint(as: string, name: string): Promise<string> {
  return (await h.request('POST', '/api/v2/endpoints', { token: as, body: { name } })).body.id;
}

function upload(endpointId: string, raw: string, qs = '', as = token) {
  return h.request('POST', `/api/v2/findings/imports?endpoint_id=${endpointId}${qs}`, {
    token: as,
    raw,
    headers: { 'content-type': 'application/octet-stream' },
  });
}

async function countOn(endpointId: string): Promise<number> {
  return h.db.collection('findings').countDocuments({ endpoint_id: endpointId });
}

beforeAll(async () => {
  h = await startHarness({ label: 'findings-import', workers: true, importMaxBytes: 256 * 1024 });
  const tenant = await createTenant(h.db, { name: 'Importer', auditRetentionDays: 365 });
  const scopes = ['findings:write', 'findings:read', 'reports:generate', 'reports:read'] as const;
  token = (await mintToken(h.db, { tenantId: tenant, scopes: [...scopes] })).secret;
  const otherTenant = await createTenant(h.db, { name: 'Elsewhere', auditRetentionDays: 365 });
  const otherToken = (await mintToken(h.db, { tenantId: otherTenant, scopes: [...scopes] })).secret;
  other = { token: otherToken, endpoint: await endpoint(otherToken, 'Their bot') };
});

afterAll(async () => {
  await h?.close();
});

describe('importing scanner files', () => {
  it.each([
    ['garak-0.14-report.jsonl', 'garak-report', 'garak'],
    ['garak-0.10-report.jsonl', 'garak-report', 'garak'],
    ['garak-0.14-hitlog.jsonl', 'garak-hitlog', 'garak'],
    ['garak-0.10-hitlog.jsonl', 'garak-hitlog', 'garak'],
    ['promptfoo-redteam.json', 'promptfoo', 'promptfoo'],
    ['promptfoo-eval.json', 'promptfoo', 'promptfoo'],
  ])(
    'when %s is imported twice, then the first creates its findings and the second none',
    async (file, format, tool) => {
      const ep = await endpoint(token, `Bot for ${file}`);
      const raw = await fixture(file);
      const first = await upload(ep, raw);
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({
        endpoint_id: ep,
        format,
        tool,
        file_sha256: createHash('sha256').update(raw).digest('hex'),
        file_bytes: Buffer.byteLength(raw),
        duplicates: 0,
      });
      expect(first.body.findings).toBeGreaterThan(0);
      expect(first.body.created).toBe(first.body.findings);
      expect(first.body.items_read).toBeGreaterThanOrEqual(first.body.findings);
      expect(await countOn(ep)).toBe(first.body.findings);

      const again = await upload(ep, raw, `&format=${format}`);
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ created: 0, duplicates: first.body.findings });
      expect(await countOn(ep)).toBe(first.body.findings);

      const listed = await h.request('GET', `/api/v2/findings?endpoint_id=${ep}&limit=100`, { token });
      expect(listed.body.data).toHaveLength(Math.min(100, first.body.findings));
      for (const f of listed.body.data) {
        expect(f.source).toEqual({
          tool,
          tool_version: first.body.tool_version,
          run_id: first.body.run_id,
          file_sha256: first.body.file_sha256,
        });
      }
    },
  );

  it.each([
    ['bad-lfs-pointer.txt', /LFS pointer/i],
    ['bad-annex-pointer.txt', /annex/i],
    ['bad-error-page.html', /HTML/i],
    ['bad-sarif.json', /SARIF/i],
    ['bad-results.csv', /CSV/i],
    ['promptfoo-v2.json', /version/i],
  ])('when %s is uploaded, then 422 import_invalid says what is wrong and nothing is stored', async (file, problem) => {
    const ep = await endpoint(token, `Refusals ${file}`);
    const res = await upload(ep, await fixture(file));
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('import_invalid');
    expect(res.body.error.message).toMatch(problem);
    expect(await countOn(ep)).toBe(0);
  });

  it('when a garak report is cut off mid-line, then the answer names the last line and nothing is stored', async () => {
    const ep = await endpoint(token, 'Truncated');
    const lines = (await fixture('garak-0.14-report.jsonl')).split('\n').filter((l) => l.trim() !== '');
    const attempt = lines.findIndex((l, i) => i > 5 && l.includes('"entry_type": "attempt"'));
    const cut = [...lines.slice(0, attempt), lines[attempt].slice(0, 80)].join('\n');
    const res = await upload(ep, cut);
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'import_invalid', line: attempt + 1 });
    expect(res.body.error.message).toMatch(new RegExp(`^line ${attempt + 1}: .*JSON`));
    expect(await countOn(ep)).toBe(0);
  });

  it('when the file starts with a UTF-8 byte order mark, then it imports like the plain file', async () => {
    const ep = await endpoint(token, 'BOM');
    const res = await upload(ep, `\ufeff${await fixture('garak-0.14-hitlog.jsonl')}`);
    expect(res.status).toBe(201);
    expect(res.body.format).toBe('garak-hitlog');
  });

  it('when the file is over the import limit, then 413 and nothing is stored', async () => {
    const ep = await endpoint(token, 'Too big');
    const line = (await fixture('garak-0.14-hitlog.jsonl')).split('\n')[0];
    const res = await upload(ep, `${line}\n`.repeat(Math.ceil((300 * 1024) / line.length)));
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
    expect(await countOn(ep)).toBe(0);
  });

  it('when the format named does not match the file, then 422 and nothing is stored', async () => {
    const ep = await endpoint(token, 'Wrong format');
    const res = await upload(ep, await fixture('promptfoo-redteam.json'), '&format=garak-report');
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('import_invalid');
    expect(await countOn(ep)).toBe(0);
  });

  it('when the endpoint belongs to another tenant, or is missing, then 400 names endpoint_id', async () => {
    const raw = await fixture('garak-0.14-hitlog.jsonl');
    for (const qs of [other.endpoint, 'ep_2026_doesnotexist00', '']) {
      const res = await upload(qs, raw);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_request', field: 'endpoint_id' });
    }
    expect(await countOn(other.endpoint)).toBe(0);
  });

  it('when garak and promptfoo found the same weakness on one endpoint, then the report shows one row for both', async () => {
    const ep = await endpoint(token, 'Both tools');
    const garak = await upload(ep, await fixture('garak-0.14-report.jsonl'));
    const promptfoo = await upload(ep, await fixture('promptfoo-redteam.json'));
    expect([garak.status, promptfoo.status]).toEqual([201, 201]);
    const created = await h.request('POST', '/api/v2/reports', {
      token,
      body: {
        title: 'Both scanners',
        frameworks: ['OWASP_LLM', 'MITRE_ATLAS'],
        scope: { endpoint_ids: [ep], from: '2020-01-01', to: '2026-12-31' },
        format: 'json',
      },
    });
    expect(created.status).toBe(202);
    const done = await waitForReport(h, created.body.id, token);
    expect(done.body.status).toBe('ready');
    const redirect = await h.request('GET', `/api/v2/reports/${created.body.id}/download`, { token });
    const report = await (await fetch(redirect.headers.get('location')!)).json();
    const stored = await h.db
      .collection('findings')
      .find({ endpoint_id: ep }, { projection: { _id: 1, 'source.tool': 1 } })
      .toArray();
    const toolOf = new Map(stored.map((d) => [d._id as unknown as string, d.source.tool as string]));
    const rows = (report as { rows: unknown }).rows as {
      category: string;
      finding_ids: string[];
      occurrences: number;
    }[];
    const indirect = rows.filter((r) => r.category === 'indirect_prompt_injection');
    expect(indirect).toHaveLength(1);
    expect(new Set(indirect[0].finding_ids.map((id) => toolOf.get(id)))).toEqual(new Set(['garak', 'promptfoo']));
    expect(rows.reduce((n, r) => n + r.occurrences, 0)).toBe(stored.length);
    // The report names every file its findings came from, with the digest the import answered.
    expect((report as { sources: unknown }).sources).toEqual(
      [garak.body, promptfoo.body].map((b) => ({
        tool: b.tool,
        tool_version: b.tool_version,
        run_id: b.run_id,
        file_sha256: b.file_sha256,
        findings: b.findings,
      })),
    );
  });
});
