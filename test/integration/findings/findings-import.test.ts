/**
 * Importing scanner files through the API on the real stack: garak reports and hitlogs of both shapes and
 * promptfoo results become findings with their provenance; importing again creates nothing; a bad file is
 * refused naming the line and stores nothing; the same weakness found by garak and by promptfoo on one endpoint
 * becomes one report row.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { BSON } from 'mongodb';
import { fileSource } from '../../../src/infra/import/byte-source';
import { importScannerFile } from '../../../src/infra/import/scanner-import';
import { MongoFindingsRepo } from '../../../src/infra/mongo/findings-repo';
import { MongoImportedRuns } from '../../../src/infra/mongo/import-runs-repo';
import { migrate } from '../../../src/infra/mongo/migrations';
import { createTenant, mintToken } from '../../../src/infra/mongo/tenant-admin';
import { startHarness, waitForReport, type Harness } from '../../support/harness';
import { readPdf } from '../../support/pdf';
import { countStored, storedFindings } from '../../support/stored-findings';

jest.setTimeout(120_000);

const FIXTURES = path.resolve(__dirname, '../../fixtures/scanners');
const fixture = (name: string) => fs.readFile(path.join(FIXTURES, name), 'utf8');

let h: Harness;
let token: string;
let other: { token: string; endpoint: string };

async function endpoint(as: string, name: string): Promise<string> {
  return (await h.request('POST', '/api/v2/endpoints', { token: as, body: { name } })).body.id;
}

/** Uploads a file and waits for its import job to end (a minute at most), as a pipeline would. */
function upload(endpointId: string, raw: string, qs = '', as = token) {
  return h.request('POST', `/api/v2/findings/imports?endpoint_id=${endpointId}&wait=60${qs}`, {
    token: as,
    raw,
    headers: { 'content-type': 'application/octet-stream' },
  });
}

async function countOn(endpointId: string): Promise<number> {
  return countStored(h.db, { endpointId });
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
    ['garak-0.14-report.jsonl', 'garak-report', 'garak', ''],
    ['garak-0.10-report.jsonl', 'garak-report', 'garak', ''],
    ['garak-0.14-hitlog.jsonl', 'garak-hitlog', 'garak', ''],
    ['garak-0.10-hitlog.jsonl', 'garak-hitlog', 'garak', ''],
    ['promptfoo-redteam.json', 'promptfoo', 'promptfoo', ''],
    ['promptfoo-eval.json', 'promptfoo', 'promptfoo', '&include_evals=true'],
  ])(
    'when %s is imported twice, then the first creates its findings and the second none',
    async (file, format, tool, qs) => {
      const ep = await endpoint(token, `Bot for ${file}`);
      const raw = await fixture(file);
      const first = await upload(ep, raw, qs);
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

      expect(first.body.matched_run).toBeNull();
      const again = await upload(ep, raw, `&format=${format}${qs}`);
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({
        created: 0,
        duplicates: first.body.findings,
        matched_run: { format, file_sha256: first.body.file_sha256, same_file: true },
      });
      expect(await countOn(ep)).toBe(first.body.findings);

      const listed = await h.request('GET', `/api/v2/findings?endpoint_id=${ep}&limit=100`, { token });
      expect(listed.body.data).toHaveLength(Math.min(100, first.body.findings));
      for (const f of listed.body.data) {
        expect(f.source).toMatchObject({
          tool,
          tool_version: first.body.tool_version,
          run_id: first.body.run_id,
          file_sha256: first.body.file_sha256,
        });
        // What the scanner recorded of how it judged the hit travels with the finding.
        if (tool === 'garak') {
          expect(f.source.probe).toMatch(/^\w+\.\w+$/);
          expect(f.source.detectors.length).toBeGreaterThan(0);
        } else {
          expect(f.source.provider ?? f.source.plugin).toEqual(expect.any(String));
        }
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

  it('when the file is empty, then 422 import_invalid is the error alone, with no job to follow and nothing stored', async () => {
    const ep = await endpoint(token, 'Empty file');
    const res = await upload(ep, '');
    expect(res.status).toBe(422);
    expect(res.body).toEqual({
      error: { code: 'import_invalid', message: 'the file is empty', line: 0, problem: 'the file is empty' },
    });
    // The document says so too (the harness checks the body against it); no job was kept, so nothing to follow.
    expect(res.headers.get('location')).toBeNull();
    expect(await h.db.collection('imports').countDocuments({ endpoint_id: ep })).toBe(0);
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
    const stored = (await storedFindings(h.db)).filter((f) => f.endpointId === ep);
    const toolOf = new Map(stored.map((f) => [f.id, f.source?.tool]));
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

describe('one hit, one finding', () => {
  it('when a hitlog is imported again with another run_started_at (another year), then it creates nothing and keeps its first date', async () => {
    const ep = await endpoint(token, 'Dated twice');
    const raw = await fixture('garak-0.14-hitlog.jsonl');
    const first = await upload(ep, raw, '&run_started_at=2025-12-31T23:00:00Z');
    const again = await upload(ep, raw, '&run_started_at=2026-01-02T08:00:00Z');
    expect([first.status, first.body.created, again.status, again.body.created, again.body.duplicates]).toEqual([
      201,
      first.body.findings,
      200,
      0,
      first.body.findings,
    ]);
    const listed = await h.request('GET', `/api/v2/findings?endpoint_id=${ep}`, { token });
    expect(new Set(listed.body.data.map((f: { detected_at: string }) => f.detected_at))).toEqual(
      new Set(['2025-12-31T23:00:00.000Z']),
    );
  });

  it('when a run’s report and then its hitlog are imported, then the hitlog adds nothing and says it matched the run', async () => {
    const ep = await endpoint(token, 'Report then hitlog');
    const report = await upload(ep, await fixture('garak-0.14-report.jsonl'));
    const hitlog = await upload(ep, await fixture('garak-0.14-hitlog.jsonl'));
    expect(report.body).toMatchObject({ created: 9, findings: 9, matched_run: null });
    expect(hitlog.status).toBe(200);
    expect(hitlog.body).toMatchObject({
      format: 'garak-hitlog',
      run_id: report.body.run_id,
      created: 0,
      duplicates: 9,
      matched_run: {
        import_id: report.body.id,
        format: 'garak-report',
        file_sha256: report.body.file_sha256,
        same_file: false,
      },
    });
    expect(await countOn(ep)).toBe(9);
  });

  it('when an import’s attempt is retried after it recorded its run, then the retry is not told it matched itself', async () => {
    const ep = await endpoint(token, 'Retried import');
    const tenantId = (await h.db.collection('endpoints').findOne({ _id: ep as never }))!.tenant_id as string;
    const file = path.join(FIXTURES, 'garak-0.14-report.jsonl');
    const runs = new MongoImportedRuns(h.db);
    const repo = new MongoFindingsRepo(h.db);
    const attempt = async (importId: string) =>
      importScannerFile(
        await fileSource(file),
        { store: (batch) => repo.store(batch, new Date()), runs },
        { tenantId, endpointId: ep, importId },
      );
    const first = await attempt('imp_first');
    const retried = await attempt('imp_first');
    const later = await attempt('imp_later');
    expect([first.created, first.matchedRun, retried.created, retried.duplicates, retried.matchedRun]).toEqual([
      9,
      undefined,
      0,
      9,
      undefined,
    ]);
    expect(later.matchedRun).toMatchObject({ importId: 'imp_first', format: 'garak-report' });
  });

  it('when a run was imported before findings had ids of their own, then importing it again stores nothing and says so', async () => {
    const ep = await endpoint(token, 'Imported long ago');
    const tenantId = (await h.db.collection('endpoints').findOne({ _id: ep as never }))!.tenant_id as string;
    await h.db.collection('findings').insertOne({
      _id: 'fnd_2025_legacyimportedhit' as never,
      tenant_id: tenantId,
      endpoint_id: ep,
      title: 'Jailbreak of the safety guardrails (garak dan.Dan_11_0)',
      category: 'jailbreak',
      severity: 'high',
      detected_at: new Date('2025-11-18T16:42:09.557Z'),
      fingerprint: 'weakness:jailbreak',
      framework_refs: [],
      evidence: { prompt: 'p', response: 'r' },
      source: { tool: 'garak', run_id: 'b7d0e4c2-5a93-4f18-a6e1-0c9d8f2b3a74', file_sha256: 'a'.repeat(64) },
      stored_at: new Date('2026-01-05T00:00:00Z'),
    });
    await h.db.collection('migrations').deleteMany({});
    await migrate(h.db);
    const res = await upload(ep, await fixture('garak-0.14-report.jsonl'));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      created: 0,
      duplicates: 9,
      matched_run: {
        import_id: null,
        format: 'unknown',
        file_sha256: 'a'.repeat(64),
        legacy: true,
        same_file: false,
      },
    });
    expect(await countOn(ep)).toBe(1);
  });

  it('when a plain promptfoo eval is uploaded without include_evals, then 422 says why and nothing is stored', async () => {
    const ep = await endpoint(token, 'Plain eval');
    const res = await upload(ep, await fixture('promptfoo-eval.json'));
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('import_invalid');
    expect(res.body.error.message).toMatch(/plain promptfoo eval.*include_evals=true/);
    expect(await countOn(ep)).toBe(0);
    const bad = await upload(ep, await fixture('promptfoo-eval.json'), '&include_evals=yes');
    expect([bad.status, bad.body.error.field]).toEqual([400, 'include_evals']);
  });

  it('when format=promptfoo is named for a garak report, then 422 names the format the file looks like', async () => {
    const ep = await endpoint(token, 'Named wrong');
    const res = await upload(ep, await fixture('garak-0.14-report.jsonl'), '&format=promptfoo');
    expect(res.status).toBe(422);
    expect(res.body.error.message).toBe(
      'format=promptfoo was given, but the file looks like a garak report.jsonl; import it with format=garak-report, or leave format out to have it recognised',
    );
  });

  it('the answer carries what the import learnt: unmapped probe modules, and promptfoo’s held and errored results', async () => {
    const ep = await endpoint(token, 'Facts');
    const garak = await upload(ep, await fixture('garak-0.14-report.jsonl'));
    const promptfoo = await upload(ep, await fixture('promptfoo-redteam.json'));
    expect(garak.body.unmapped_probe_modules).toEqual(['glitch']);
    expect(promptfoo.body).toMatchObject({ held: expect.any(Number), errored: expect.any(Number) });
    expect(promptfoo.body.held + promptfoo.body.errored + promptfoo.body.findings).toBe(promptfoo.body.items_read);
  });
});

/** The size of every document in the test's database. */
async function storedBytes(): Promise<number> {
  let bytes = 0;
  for (const { name } of await h.db.listCollections().toArray()) {
    for await (const doc of h.db.collection(name).find({})) bytes += BSON.calculateObjectSize(doc);
  }
  return bytes;
}

describe('an attempt line built to multiply what is stored', () => {
  const setup = JSON.stringify({
    entry_type: 'start_run setup',
    'transient.run_id': 'amp-run',
    'transient.starttime_iso': '2026-05-01T10:00:00',
  });
  // Random text, so that compression cannot hide what is stored.
  const text = (c: string) => c + randomBytes(45_000).toString('base64');
  const line = (detectors: number) =>
    JSON.stringify({
      entry_type: 'attempt',
      uuid: `amp-${detectors}`,
      seq: 0,
      status: 2,
      probe_classname: 'dan.Dan_11_0',
      prompt: text('p'),
      outputs: [text('o'), text('q')],
      detector_results: Object.fromEntries(Array.from({ length: detectors }, (_, i) => [`x.D${i}`, [1, 0.9]])),
    });

  it('when one attempt names 2,000 detectors, then 422 names the limit and nothing is stored', async () => {
    const ep = await endpoint(token, 'Amplifier');
    const raw = `${setup}\n${line(2_000)}\n`;
    const res = await upload(ep, raw);
    expect(res.status).toBe(422);
    expect(res.body.error.message).toBe(
      'line 2: attempt: detector_results names 2000 detectors; at most 64 per attempt are imported (IMPORT_MAX_DETECTORS)',
    );
    expect(await countOn(ep)).toBe(0);
  });

  it('when one attempt is hit by as many detectors as allowed, then it is one finding and what is stored stays within twice the line', async () => {
    const ep = await endpoint(token, 'Amplifier at the limit');
    const attempt = line(64);
    const before = await storedBytes();
    const res = await upload(ep, `${setup}\n${attempt}\n`);
    expect(res.body).toMatchObject({ findings: 1, created: 1 });
    // Everything the import added to the database, whatever collection it went to.
    expect((await storedBytes()) - before).toBeLessThan(2 * Buffer.byteLength(attempt));
  });
});

describe('the scanner’s verdict in reports', () => {
  it('when a garak report is imported, then the JSON export and the PDF show each row’s detectors and scores', async () => {
    const ep = await endpoint(token, 'Verdicts');
    expect((await upload(ep, await fixture('garak-0.14-report.jsonl'))).status).toBe(201);
    const make = async (format: 'json' | 'pdf') => {
      const created = await h.request('POST', '/api/v2/reports', {
        token,
        body: {
          title: `Verdicts ${format}`,
          frameworks: ['OWASP_LLM'],
          scope: { endpoint_ids: [ep], from: '2025-11-01', to: '2025-11-30' },
          format,
        },
      });
      expect((await waitForReport(h, created.body.id, token)).body.status).toBe('ready');
      const redirect = await h.request('GET', `/api/v2/reports/${created.body.id}/download`, { token });
      return Buffer.from(await (await fetch(redirect.headers.get('location')!)).arrayBuffer());
    };
    const json = JSON.parse((await make('json')).toString('utf8'));
    expect(json.schema_version).toBe('1.6.0');
    const exploit = json.rows.find((r: { category: string }) => r.category === 'shell_injection');
    expect(exploit.evidence).toMatchObject({
      finding_id: exploit.finding_ids[exploit.finding_ids.length - 1],
      scan: {
        probe: 'exploitation.JinjaTemplatePythonInjection',
        detectors: [
          { detector: 'exploitation.JinjaTemplateDetector', score: 1 },
          { detector: 'exploitation.PythonCodeExecution', score: 1 },
        ],
        threshold: 0.5,
        goal: 'run python through a template',
      },
    });
    const { text } = await readPdf(await make('pdf'));
    const flat = text.replace(/\s+/g, ' ');
    expect(flat).toContain(
      'exploitation.JinjaTemplateDetector 1, exploitation.PythonCodeExecution 1 (a hit at 0.5 or more)',
    );
    expect(flat).toContain(`Evidence from finding ${exploit.evidence.finding_id}`);
  });
});
