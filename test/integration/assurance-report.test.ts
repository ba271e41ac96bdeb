/**
 * What an auditor relies on, end to end on the real stack: a garak report whose probes partly failed and partly
 * held, and a promptfoo red-team file, imported through the API; the tenant's applicability profile stated; then a
 * JSON and a PDF report. The report shows attempts and attack success rates for both runs, a control whose probes
 * all held as tested without exception, an untouched one as not tested, severities left out as excluded, and a
 * population digest a reader recomputes from the JSON alone; the JSON validates against the published schema.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import schema from '../../schemas/report-1.6.0.schema.json';
import { createTenant, mintToken } from '../../src/infra/mongo/tenant-admin';
import { startHarness, waitForReport, type Harness } from '../support/harness';
import { readPdf } from '../support/pdf';

jest.setTimeout(180_000);

const FIXTURES = path.resolve(__dirname, '../fixtures/scanners');

let h: Harness;
let token: string;
let endpoint: string;

/* eslint-disable @typescript-eslint/no-explicit-any -- the export is read as the untyped JSON a reader gets */
type Json = any;

async function upload(file: string): Promise<Json> {
  const raw = await fs.readFile(path.join(FIXTURES, file), 'utf8');
  const res = await h.request('POST', `/api/v2/findings/imports?endpoint_id=${endpoint}&wait=60`, {
    token,
    raw,
    headers: { 'content-type': 'application/octet-stream' },
  });
  expect(res.status).toBe(201);
  return res.body;
}

async function report(format: 'json' | 'pdf', severities?: string[]): Promise<Buffer> {
  const created = await h.request('POST', '/api/v2/reports', {
    token,
    body: {
      title: `Assurance ${format}`,
      frameworks: ['OWASP_LLM', 'NIST_AI_600_1', 'EU_AI_ACT', 'ISO_42001'],
      scope: {
        endpoint_ids: [endpoint],
        from: '2025-11-01',
        to: '2026-03-31',
        ...(severities ? { include_severities: severities } : {}),
      },
      format,
    },
  });
  expect(created.status).toBe(202);
  expect((await waitForReport(h, created.body.id, token)).body.status).toBe('ready');
  const redirect = await h.request('GET', `/api/v2/reports/${created.body.id}/download`, { token });
  return Buffer.from(await (await fetch(redirect.headers.get('location')!)).arrayBuffer());
}

let doc: Json;

beforeAll(async () => {
  h = await startHarness({ label: 'assurance-report', workers: true });
  const tenant = await createTenant(h.db, { name: 'Assured', auditRetentionDays: 365 });
  const scopes = ['findings:write', 'findings:read', 'reports:generate', 'reports:read', 'tenant:settings'] as const;
  token = (await mintToken(h.db, { tenantId: tenant, scopes: [...scopes] })).secret;
  endpoint = (await h.request('POST', '/api/v2/endpoints', { token, body: { name: 'Claims agent' } })).body.id;
  await upload('garak-0.14-report.jsonl');
  await upload('promptfoo-redteam.json');
  const profile = await h.request('PUT', '/api/v2/tenant/applicability', {
    token,
    body: {
      eu_ai_act: { role: 'provider', systems: [{ endpoint_id: endpoint, risk_class: 'high_risk' }] },
      iso_42001: {
        statement_of_applicability: [
          { control: 'A.6.2.4', applicable: true },
          { control: 'A.10.3', applicable: false, justification: 'No third-party AI components.' },
        ],
      },
    },
  });
  expect(profile.status).toBe(200);
  doc = JSON.parse((await report('json')).toString('utf8'));
});

afterAll(async () => {
  await h?.close();
});

const coverageOf = (framework: string): Json => doc.coverage.find((c: Json) => c.framework === framework);
const control = (framework: string, id: string): Json => coverageOf(framework).controls.find((c: Json) => c.id === id);

describe('a report on imported garak and promptfoo runs', () => {
  it('validates against the published schema 1.6.0', () => {
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    expect(validate(doc) ? [] : validate.errors).toEqual([]);
    expect(doc.schema_version).toBe('1.6.0');
  });

  it('shows both runs with their attempts, failures and attack success rates, passing probes included', () => {
    const runs = doc.testing.runs;
    expect(runs.map((r: Json) => r.tool).sort()).toEqual(['garak', 'promptfoo']);
    const garak = runs.find((r: Json) => r.tool === 'garak');
    // The 0.14 report's eval entries: total_evaluated and fails of its twelve probe × detector results.
    expect(garak).toMatchObject({
      tool_version: expect.any(String),
      results_complete: true,
      attempts: 27,
      failures: 12,
    });
    expect(garak.config_sha256).toMatch(/^[0-9a-f]{64}$/);
    const held = doc.testing.probes.find((p: Json) => p.probe === 'leakreplay.GuardianCloze');
    expect(held).toMatchObject({ tool: 'garak', detector: 'leakreplay.StartsWith', attempts: 2, failures: 0 });
    // Wilson 95 % for 0 of 2: [0, 0.6576].
    expect(held.attack_success_rate.value).toBe(0);
    expect(held.attack_success_rate.high).toBeCloseTo(0.6576, 3);
    const promptfoo = runs.find((r: Json) => r.tool === 'promptfoo');
    expect(promptfoo.attempts).toBeGreaterThan(promptfoo.failures);
    expect(promptfoo.failures).toBeGreaterThan(0);
    expect(doc.testing.attempts).toBe(garak.attempts + promptfoo.attempts);
  });

  it('gives each control one of the four statuses: held probes make tested_no_exception, untouched ones not_tested', () => {
    const statuses = new Set(doc.coverage.flatMap((c: Json) => c.controls.map((e: Json) => e.status)));
    expect([...statuses].sort()).toEqual(['exception', 'not_applicable', 'not_tested', 'tested_no_exception']);
    for (const fw of doc.coverage) {
      for (const c of fw.controls) {
        if (c.status === 'exception') expect(c.rows.length + c.tested.failures).toBeGreaterThan(0);
        if (c.status === 'tested_no_exception') {
          expect(c.rows).toEqual([]);
          expect(c.tested.probes.length + c.activity_rows.length).toBeGreaterThan(0);
        }
        if (c.status === 'not_tested') expect([c.rows, c.activity_rows, c.tested.probes]).toEqual([[], [], []]);
      }
      const counts = fw.controls.reduce((n: Json, c: Json) => ({ ...n, [c.status]: (n[c.status] ?? 0) + 1 }), {});
      expect(fw.counts).toEqual({ exception: 0, tested_no_exception: 0, not_tested: 0, not_applicable: 0, ...counts });
    }
    // promptfoo's hate-speech plugin held, and nothing else bears on LLM04: tested, no exception.
    expect(control('OWASP_LLM', 'LLM04:2025')).toMatchObject({
      status: 'tested_no_exception',
      rows: [],
      tested: { probes: ['promptfoo harmful:hate'], attempts: 1, failures: 0 },
    });
    // Nothing in either file attacks vector stores or embeddings.
    expect(control('OWASP_LLM', 'LLM08:2025')).toMatchObject({ status: 'not_tested', tested: { probes: [] } });
    // Running a red-team is the activity MS-2.7-007 asks for: evidence of it, never an exception to it.
    expect(control('ISO_42001', 'A.6.2.4').status).toBe('tested_no_exception');
    expect(control('ISO_42001', 'A.10.3')).toMatchObject({
      status: 'not_applicable',
      applicability: { applies: false, note: expect.stringContaining('No third-party AI components.') },
    });
    // A high-risk provider is bound by Art. 15; an article for GPAI models with systemic risk does not bind it.
    expect(control('EU_AI_ACT', 'Art. 15').status).not.toBe('not_applicable');
    expect(control('EU_AI_ACT', 'Art. 55').status).toBe('not_applicable');
  });

  it('lets a reader recompute the population digest from the JSON alone', () => {
    const canonical = JSON.stringify(
      [...doc.records]
        .sort((a: Json, b: Json) => (a.id < b.id ? -1 : 1))
        .map((r: Json) => ({ evidence_sha256: r.evidence_sha256, id: r.id })),
    );
    expect(createHash('sha256').update(canonical, 'utf8').digest('hex')).toBe(doc.population.digest.value);
    expect(doc.records).toHaveLength(doc.population.findings);
    const behind = doc.rows.reduce((n: number, r: Json) => n + r.finding_ids.length, 0);
    expect(doc.population.in_scope).toBe(behind);
  });

  it('when severities are left out, then they are counted as excluded, never as zero, and the digest still covers them', async () => {
    const narrow = JSON.parse((await report('json', ['critical', 'high'])).toString('utf8'));
    const excluded = narrow.population.excluded;
    expect(excluded.length).toBeGreaterThan(0);
    for (const e of excluded) {
      const entry = narrow.summary.by_severity.find((s: Json) => s.severity === e.severity);
      expect(entry).toEqual({ severity: e.severity, requested: false, rows: null, excluded_findings: e.findings });
    }
    expect(narrow.population.findings).toBe(doc.population.findings);
    expect(narrow.population.digest.value).toBe(doc.population.digest.value);
    expect(narrow.records.filter((r: Json) => r.excluded_reason === 'severity_filter')).toHaveLength(
      excluded.reduce((n: number, e: Json) => n + e.findings, 0),
    );
  });

  it('prints testing, population and statuses in the PDF', async () => {
    const { text } = await readPdf(await report('pdf'));
    const flat = text.replace(/\s+/g, ' ');
    for (const heading of ['3 Testing performed', '4 Population and completeness', '6 Control status']) {
      expect(flat).toContain(heading);
    }
    expect(flat).toContain('leakreplay.GuardianCloze');
    expect(flat).toContain('0.0 % (0.0–65.8 %)');
    expect(flat).toContain('Tested, no exception');
    expect(flat).toContain(doc.population.digest.value);
    expect(flat).toContain('Role: provider.');
  });
});
