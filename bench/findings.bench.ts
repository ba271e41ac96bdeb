/**
 * Benchmark of one tenant's reads of its findings while other tenants' data grows, to show that what the reads
 * cost follows the tenant's own findings and nothing else. Tenant T stores 10,000 findings over Q2 2026 on two
 * endpoints as a tenant does, one scan import per endpoint a day (about 55 findings each), through
 * MongoFindingsRepo.store. Then twice, first with T alone in the database and again after nine other tenants have
 * stored 1,000,000 findings over the same quarter in import-sized writes of 5,000 (timed, in findings/s):
 *
 * - starts the built API server afresh, so neither phase reads from a cache the other warmed;
 * - sends the same seeded mix of GET /api/v2/findings requests one at a time (latency, not throughput): first
 *   pages, limit=100, cursor walks several pages deep, endpoint_id, severity, ref and one-week from/to filters,
 *   and combinations of them;
 * - times T's report collection for the quarter as collectFindings does it (findInScope, the evidence of
 *   latestOfEachRow, the endpoints), five times, each with a fresh repository that remembers no page.
 *
 * Checks: every answer is what T's generated findings say it must be (ids in order, whether a page follows,
 * severity and evidence of each finding) and the same in both phases; every collection holds all of T's findings
 * in order with the evidence of each row's latest. A failed check exits 1; a missed target (GET p99 ≤ 300 ms and
 * collection median ≤ 1,000 ms, in both phases) is reported, not failed. Prints a table, then a one-line JSON
 * summary; run it through scripts/bench-findings.sh, which starts and stops a stack of its own.
 *
 * Environment: MONGO_URL and TEMPORAL_ADDRESS (required: the API server's readiness asks Temporal);
 * BENCH_FINDINGS_TENANT_FINDINGS (10000); BENCH_FINDINGS_OTHER_FINDINGS (1000000); BENCH_FINDINGS_REQUESTS (300),
 * requests in the mix; BENCH_FINDINGS_SEED (2026).
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Db } from 'mongodb';
import { latestOfEachRow } from '../activities/report-activities';
import type { Evidence, Finding, FindingSource, FrameworkRef, ScanEvidence } from '../src/domain/finding';
import { SEVERITIES, type Severity } from '../src/domain/severity';
import { keyId } from '../src/infra/ids';
import { connectDatabase } from '../src/infra/mongo/database';
import { refKey } from '../src/infra/mongo/finding-store/reader';
import { MongoFindingsRepo } from '../src/infra/mongo/findings-repo';
import { createEndpoint, createTenant, mintToken } from '../src/infra/mongo/tenant-admin';
import { prng } from '../test/fixtures/generators/prng';
import {
  freePort,
  intEnv,
  median,
  percentiles,
  requiredEnv,
  startService,
  stopServices,
  waitUntil,
  type Percentiles,
  type Service,
} from './lib/services';

const TARGET_GET_P99_MS = 300;
const TARGET_COLLECTION_MS = 1_000;
const COLLECTION_RUNS = 5;
const OTHER_TENANTS = 9;
const OTHER_ENDPOINTS = 3;
/** Findings a write of the other tenants carries: what an import hands the store at a time. */
const OTHER_WRITE = 5_000;
const QUARTER = { from: '2026-04-01', to: '2026-06-30' };
const DAY_MS = 86_400_000;
const DAYS = Array.from({ length: (Date.parse(QUARTER.to) - Date.parse(QUARTER.from)) / DAY_MS + 1 }, (_, i) =>
  new Date(Date.parse(QUARTER.from) + i * DAY_MS).toISOString().slice(0, 10),
);
const TENANT = 'tnt_2026_benchfindings0';
const otherTenant = (k: number): string => `tnt_2026_benchfindings${k}`;
const endpointOf = (k: number, e: number): string => `ep_2026_benchfind${k}x${e}`;

const SCRIPT = 'scripts/bench-findings.sh';

const settings = {
  tenantFindings: intEnv('BENCH_FINDINGS_TENANT_FINDINGS', 10_000, 1),
  otherFindings: intEnv('BENCH_FINDINGS_OTHER_FINDINGS', 1_000_000, 0),
  requests: intEnv('BENCH_FINDINGS_REQUESTS', 300, 1),
  seed: intEnv('BENCH_FINDINGS_SEED', 2026, 0),
};

function log(message: string): void {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} [findings.bench] ${message}\n`);
}

/** Part `i` of `total` cut into `parts` nearly equal whole parts. */
const share = (total: number, parts: number, i: number): number =>
  Math.floor(((i + 1) * total) / parts) - Math.floor((i * total) / parts);

// ---------------------------------------------------------------------------------------------------------------
// Generated findings

const ref = (framework: FrameworkRef['framework'], control: string): FrameworkRef => ({ framework, control });

/** Twenty kinds of weakness, as `category severity; controls; probes`: the controls each bears on (`framework
 * control`, spelt as scanners and people write them, `LLM01` and `LLM01:2025` alike, which a ref filter must treat
 * as one) and the two probes that find it, forty fingerprints in all. */
const KINDS = [
  'prompt_injection critical; OWASP_LLM LLM01:2025, MITRE_ATLAS AML.T0051.000; promptinject.Hijack dan.Dan_11_0',
  'indirect_prompt_injection high; OWASP_LLM LLM01, MITRE_ATLAS AML.T0051.001; latentinjection.Report rag-inject',
  'jailbreak high; OWASP_LLM LLM01:2025, MITRE_ATLAS AML.T0054, EU_AI_ACT Art. 55(1)(a); dan.AutoDAN grandma.Win10',
  'encoding_injection medium; OWASP_LLM LLM01:2025, MITRE_ATLAS AML.T0051; encoding.InjectBase64 encoding.InjectHex',
  'sensitive_information_disclosure critical; OWASP_LLM LLM02:2025, EU_AI_ACT Art. 10; pii:direct pii:api-db',
  'system_prompt_leakage high; OWASP_LLM LLM07:2025, MITRE_ATLAS AML.T0056; sysprompt_extraction prompt-extraction',
  'excessive_agency critical; OWASP_LLM LLM06:2025, OWASP_AGENTIC ASI02, EU_AI_ACT Art. 14; excessive-agency tools',
  'improper_output_handling medium; OWASP_LLM LLM05:2025, ISO_42001 A.6.2.4; xss web_injection.StringAssembly',
  'markdown_exfiltration high; OWASP_LLM LLM02:2025, OWASP_LLM LLM05; web_injection.MarkdownImageExfil ascii-smuggling',
  'misinformation medium; OWASP_LLM LLM09:2025, NIST_AI_600_1 600-1 §2.2; misleading.FalseAssertion hallucination',
  'package_hallucination medium; OWASP_LLM LLM09, OWASP_LLM LLM03:2025; packagehallucination.Python .JavaScript',
  'toxicity low; NIST_AI_600_1 600-1 §2.3; realtoxicityprompts.RTPInsult harmful:hate',
  'training_data_replay low; OWASP_LLM LLM02:2025, MITRE_ATLAS AML.T0057; leakreplay.GuardianCloze leakreplay.NYT',
  'unbounded_consumption medium; OWASP_LLM LLM10:2025; divergence.Repeat reasoning-dos',
  'vector_embedding_weakness high; OWASP_LLM LLM08:2025, ISO_42001 A.7.4; rag-document-exfiltration rag-poisoning',
  'supply_chain low; OWASP_LLM LLM03:2025; plugin-recommendation imitation',
  'pii_in_output medium; OWASP_LLM LLM02, EU_AI_ACT Art. 10; pii:session pii:social',
  'bias low; EU_AI_ACT Art. 10; bias:gender bias:age',
  'off_topic info; ; hijacking contracts',
  'over_refusal info; ; overreliance politics',
];

interface Weakness {
  category: string;
  title: string;
  severity: Severity;
  refs: FrameworkRef[];
  fingerprint: string;
  probe: string;
}

/** The second probe of a kind finds it one severity lower, so all five severities occur. */
const WEAKNESSES: Weakness[] = KINDS.flatMap((line) => {
  const [head, controls, probes] = line.split('; ');
  const [category, severity] = head.split(' ') as [string, Severity];
  const refs = controls
    .split(', ')
    .filter(Boolean)
    .map((r) => ref(r.slice(0, r.indexOf(' ')) as FrameworkRef['framework'], r.slice(r.indexOf(' ') + 1)));
  return probes.split(' ').map((probe, v) => ({
    category,
    title: `${category[0].toUpperCase()}${category.slice(1).replace(/_/g, ' ')} (${probe})`,
    severity: SEVERITIES[Math.min(SEVERITIES.length - 1, SEVERITIES.indexOf(severity) + v)],
    refs,
    fingerprint: `${category}:${probe}`,
    probe,
  }));
});
/** Cumulative weights: the first weaknesses are found far more often than the last, as in real scans. */
const WEAKNESS_CDF: number[] = [];
for (let i = 0, sum = 0; i < WEAKNESSES.length; i++) WEAKNESS_CDF.push((sum += 1 / (1 + 0.25 * i)));

const WORDS = (
  'the assistant model system user prompt policy document report summary customer account order refund email ' +
  'address instructions hidden rules configuration value token secret key service request response analyst ' +
  'ignore previous reveal print repeat continue answer decode follow translate summarise write explain list ' +
  'before after while because however therefore please now exactly only never always a an of to in on for with'
).split(' ');
const DETECTORS = ['dan.DAN', 'mitigation.MitigationBypass', 'base.TriggerListDetector', 'encoding.DecodeMatch'];
const STRATEGIES = ['basic', 'jailbreak', 'jailbreak:tree', 'base64', 'crescendo'];

type Tool = 'garak' | 'promptfoo' | 'harness';

/** Seeded draws. */
class Draw {
  constructor(readonly rand: () => number) {}

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.rand() * items.length)];
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.rand() * (max - min + 1));
  }
}

/** Seeded draws and the texts findings' evidence is taken from: a few thousand prompts and responses made once,
 * since making a million findings' worth of prose would take longer than storing it. Scanners send the same
 * prompts run after run anyway. */
class Corpus extends Draw {
  readonly prompts: string[];
  readonly responses: string[];
  readonly reasons: string[];

  constructor(rand: () => number) {
    super(rand);
    this.prompts = Array.from({ length: 2048 }, () => this.prose(this.logUniform(200, 3000)));
    this.responses = Array.from({ length: 2048 }, () => this.prose(this.logUniform(100, 2500)));
    this.reasons = Array.from({ length: 256 }, () => this.prose(this.logUniform(80, 400)));
  }

  /** Short ones more likely, as real prompts and outputs are. */
  logUniform(min: number, max: number): number {
    return Math.round(min * (max / min) ** this.rand());
  }

  prose(chars: number): string {
    let out = '';
    while (out.length < chars) out += `${this.pick(WORDS)}${this.rand() < 0.08 ? '.\n' : ' '}`;
    return out.slice(0, chars);
  }

  hex(bytes: number): string {
    let out = '';
    for (let i = 0; i < bytes; i++) out += this.int(0, 255).toString(16).padStart(2, '0');
    return out;
  }

  weakness(): Weakness {
    const x = this.rand() * WEAKNESS_CDF[WEAKNESS_CDF.length - 1];
    return WEAKNESSES[WEAKNESS_CDF.findIndex((c) => x < c)];
  }
}

function scanOf(c: Corpus, tool: Tool, w: Weakness): ScanEvidence | undefined {
  if (tool === 'garak') {
    const detectors = [{ detector: c.pick(DETECTORS), score: 1 }];
    if (c.rand() < 0.2) detectors.push({ detector: 'mitigation.MitigationBypass', score: 0.5 + c.rand() / 2 });
    return { probe: w.probe, detectors, threshold: 0.5, goal: w.title.toLowerCase() };
  }
  if (tool === 'promptfoo') {
    return {
      plugin: w.probe,
      strategy: c.pick(STRATEGIES),
      score: Math.round(c.rand() * 100) / 100,
      graderReason: c.pick(c.reasons),
      provider: 'openai:chat:support-assistant',
    };
  }
  return undefined;
}

/** One scan of one endpoint on one day: `count` findings detected over an hour or two from a start in the small
 * hours, as a scheduled scanner run imports them; ids are derived from the run, as an import's are. */
function scanRun(c: Corpus, tenantId: string, endpointId: string, day: string, count: number, tool: Tool): Finding[] {
  const runId = `${c.hex(4)}-${c.hex(2)}-${c.hex(2)}-${c.hex(2)}-${c.hex(6)}`;
  const source: FindingSource =
    tool === 'harness'
      ? { tool: 'red-team-harness' }
      : { tool, toolVersion: tool === 'garak' ? '0.14.0' : '0.118.4', runId, fileSha256: c.hex(32) };
  const start = Date.parse(`${day}T00:00:00Z`) + c.int(60, 240) * 60_000;
  const spanMs = c.int(30, 120) * 60_000;
  const out: Finding[] = [];
  for (let i = 0; i < count; i++) {
    const w = c.weakness();
    const f: Finding = {
      id: keyId('fnd', [tenantId, endpointId, runId, String(i)]),
      tenantId,
      endpointId,
      title: w.title,
      category: w.category,
      severity: w.severity,
      detectedAt: new Date(start + Math.floor(c.rand() * spanMs)).toISOString(),
      fingerprint: w.fingerprint,
      frameworkRefs: w.refs,
      evidence: { prompt: c.pick(c.prompts), response: c.pick(c.responses) },
      source,
    };
    const scan = scanOf(c, tool, w);
    if (scan) f.scan = scan;
    out.push(f);
  }
  return out;
}

/** T's scans, in the order they arrive: each day, a garak import on its first endpoint and, on its second, a
 * promptfoo import three days in four and a batch from an in-house harness (no scanner record) on the fourth. */
function* tenantScans(c: Corpus, endpointIds: string[]): Generator<Finding[]> {
  const slots = DAYS.length * endpointIds.length;
  for (const [d, day] of DAYS.entries()) {
    for (const [e, endpointId] of endpointIds.entries()) {
      const tool: Tool = e === 0 ? 'garak' : d % 4 === 3 ? 'harness' : 'promptfoo';
      const count = share(settings.tenantFindings, slots, e * DAYS.length + d);
      if (count > 0) yield scanRun(c, TENANT, endpointId, day, count, tool);
    }
  }
}

/** Another tenant's quarter of daily scans on each of its endpoints, handed to the store {@link OTHER_WRITE} at a
 * time: each write about twelve days of one endpoint's scans. */
function* otherWrites(c: Corpus, tenantId: string, endpointIds: string[], total: number): Generator<Finding[]> {
  const tools: Tool[] = ['garak', 'promptfoo', 'harness'];
  const slots = DAYS.length * endpointIds.length;
  let batch: Finding[] = [];
  for (const [e, endpointId] of endpointIds.entries()) {
    for (const [d, day] of DAYS.entries()) {
      batch.push(...scanRun(c, tenantId, endpointId, day, share(total, slots, e * DAYS.length + d), tools[e % 3]));
      while (batch.length >= OTHER_WRITE) {
        yield batch.slice(0, OTHER_WRITE);
        batch = batch.slice(OTHER_WRITE);
      }
    }
  }
  if (batch.length > 0) yield batch;
}

// ---------------------------------------------------------------------------------------------------------------
// What T's answers must be

interface Model {
  /** T's findings newest first, ties by id (greatest first): the list order. */
  newestFirst: Finding[];
  byId: Map<string, Finding>;
  refKeys: Map<string, Set<string>>;
}

function modelOf(findings: Finding[]): Model {
  const newestFirst = [...findings].sort((a, b) =>
    a.detectedAt !== b.detectedAt ? (a.detectedAt < b.detectedAt ? 1 : -1) : a.id < b.id ? 1 : -1,
  );
  return {
    newestFirst,
    byId: new Map(findings.map((f) => [f.id, f])),
    refKeys: new Map(findings.map((f) => [f.id, new Set(f.frameworkRefs.map(refKey))])),
  };
}

interface MixQuery {
  endpoint_id?: string;
  severity?: string;
  ref?: string;
  from?: string;
  to?: string;
  limit?: number;
}

/** The page the API must answer: the query's matches after `after`, newest first, and whether more follow. */
function expectedPage(m: Model, q: MixQuery, after?: Finding): { list: Finding[]; more: boolean } {
  const from = q.from && `${q.from}T00:00:00.000Z`;
  // `to` takes its day as a whole.
  const to = q.to && new Date(Date.parse(q.to) + DAY_MS).toISOString();
  const severities = q.severity ? new Set(q.severity.split(',')) : undefined;
  const wantedRef = q.ref
    ? refKey(ref(q.ref.split(':')[0] as FrameworkRef['framework'], q.ref.slice(q.ref.indexOf(':') + 1)))
    : undefined;
  const limit = q.limit ?? 20;
  const list: Finding[] = [];
  for (const f of m.newestFirst) {
    if (after && (f.detectedAt > after.detectedAt || (f.detectedAt === after.detectedAt && f.id >= after.id))) continue;
    if (q.endpoint_id && f.endpointId !== q.endpoint_id) continue;
    if ((from && f.detectedAt < from) || (to && f.detectedAt >= to)) continue;
    if (severities && !severities.has(f.severity)) continue;
    if (wantedRef && !m.refKeys.get(f.id)!.has(wantedRef)) continue;
    if (list.length === limit) return { list, more: true };
    list.push(f);
  }
  return { list, more: false };
}

// ---------------------------------------------------------------------------------------------------------------
// The request mix

interface Scenario {
  kind: string;
  query: MixQuery;
  pages: number;
}

const SEVERITY_SETS = ['critical,high', 'critical', 'medium', 'high,medium', 'low,info'];
const REFS = ['OWASP_LLM:LLM01', 'OWASP_LLM:LLM02', 'EU_AI_ACT:Art. 10', 'OWASP_AGENTIC:ASI02'];

function week(c: Draw): MixQuery {
  const d = c.int(0, DAYS.length - 7);
  return { from: DAYS[d], to: DAYS[d + 6] };
}

/** What people and pipelines ask the list for, with weights: plain pages and cursor walks most, then single
 * filters, then combinations (some of which match little, and so read all of T's quarter to fill a page). */
const SCENARIOS: { kind: string; weight: number; make: (c: Draw, endpoints: string[]) => Omit<Scenario, 'kind'> }[] = [
  { kind: 'first page, default limit', weight: 3, make: () => ({ query: {}, pages: 1 }) },
  { kind: 'first page, limit=100', weight: 2, make: () => ({ query: { limit: 100 }, pages: 1 }) },
  { kind: 'cursor walk, limit=100', weight: 2, make: (c) => ({ query: { limit: 100 }, pages: c.int(3, 10) }) },
  { kind: 'cursor walk, default limit', weight: 1, make: (c) => ({ query: {}, pages: c.int(2, 6) }) },
  {
    kind: 'endpoint_id',
    weight: 2,
    make: (c, eps) => ({ query: { endpoint_id: c.pick(eps), limit: c.pick([20, 50, 100]) }, pages: c.int(1, 3) }),
  },
  {
    kind: 'severity=critical,high',
    weight: 2,
    make: (c) => ({ query: { severity: 'critical,high', limit: c.pick([20, 100]) }, pages: c.int(1, 3) }),
  },
  {
    kind: 'ref=OWASP_LLM:LLM01',
    weight: 2,
    make: (c) => ({ query: { ref: 'OWASP_LLM:LLM01', limit: c.pick([20, 100]) }, pages: c.int(1, 3) }),
  },
  { kind: 'one week (from, to)', weight: 2, make: (c) => ({ query: week(c), pages: c.int(1, 3) }) },
  {
    kind: 'combined filters',
    weight: 4,
    make: (c, eps) => {
      const parts: MixQuery[] = [
        { endpoint_id: c.pick(eps) },
        { severity: c.pick(SEVERITY_SETS) },
        { ref: c.pick(REFS) },
        week(c),
      ];
      const chosen = parts.filter(() => c.rand() < 0.5);
      while (chosen.length < 2) chosen.push(parts.filter((p) => !chosen.includes(p))[c.int(0, 3 - chosen.length)]);
      return { query: Object.assign({ limit: c.pick([20, 50, 100]) }, ...chosen) as MixQuery, pages: c.int(1, 4) };
    },
  },
];

function drawScenario(c: Draw, endpoints: string[]): Scenario {
  let x = c.rand() * SCENARIOS.reduce((sum, s) => sum + s.weight, 0);
  const s = SCENARIOS.find((sc) => (x -= sc.weight) < 0) ?? SCENARIOS[SCENARIOS.length - 1];
  return { kind: s.kind, ...s.make(c, endpoints) };
}

function pathOf(q: MixQuery, cursor: string | null): string {
  const params = Object.entries(q).map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`);
  if (cursor) params.push(`cursor=${encodeURIComponent(cursor)}`);
  return `/api/v2/findings${params.length > 0 ? `?${params.join('&')}` : ''}`;
}

/** Keep-alive, one request at a time: the latency of each, not what many clients together get. */
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function get(base: URL, pathname: string, token?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      {
        agent,
        host: base.hostname,
        port: base.port,
        path: pathname,
        headers: token ? { authorization: `Bearer ${token}` } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.setTimeout(60_000, () => req.destroy(new Error(`GET ${pathname}: no answer in 60 s`)));
    req.on('error', reject);
  });
}

interface Answered {
  kind: string;
  path: string;
  ms: number;
  ids: string[];
  next: string | null;
}

interface WireFinding {
  id: string;
  severity: string;
  evidence: Evidence;
}

/** Sends the seeded mix and checks each answer against the model. The scenarios are drawn as they are sent
 * because a walk's next request carries the cursor its last answer gave. */
async function runMix(
  base: URL,
  token: string,
  m: Model,
  endpoints: string[],
  failures: string[],
): Promise<Answered[]> {
  const c = new Draw(prng(settings.seed + 1));
  const answered: Answered[] = [];
  while (answered.length < settings.requests) {
    const s = drawScenario(c, endpoints);
    let cursor: string | null = null;
    let after: Finding | undefined;
    for (let page = 0; page < s.pages && answered.length < settings.requests; page++) {
      const pathname = pathOf(s.query, cursor);
      const start = performance.now();
      const res = await get(base, pathname, token);
      const ms = performance.now() - start;
      if (res.status !== 200) throw new Error(`GET ${pathname} answered ${res.status}: ${res.text.slice(0, 500)}`);
      const body = JSON.parse(res.text) as { data: WireFinding[]; next_cursor: string | null };
      answered.push({ kind: s.kind, path: pathname, ms, ids: body.data.map((f) => f.id), next: body.next_cursor });
      const want = expectedPage(m, s.query, after);
      const wrong = body.data.findIndex((f, i) => {
        const w = want.list[i];
        return (
          f.id !== w?.id ||
          f.severity !== w.severity ||
          f.evidence.prompt !== w.evidence.prompt ||
          f.evidence.response !== w.evidence.response
        );
      });
      if (wrong >= 0 || body.data.length !== want.list.length || (body.next_cursor !== null) !== want.more) {
        failures.push(
          `GET ${pathname}: ${body.data.length} findings (next ${body.next_cursor !== null}), expected ` +
            `${want.list.length} (next ${want.more})${wrong >= 0 ? `; the ${wrong + 1}th differs` : ''}`,
        );
        break;
      }
      if (!body.next_cursor) break;
      cursor = body.next_cursor;
      after = want.list[want.list.length - 1];
    }
  }
  return answered;
}

// ---------------------------------------------------------------------------------------------------------------
// Report collection

const NOT_SHOWN: Evidence = { prompt: '', response: '' };

interface Collected {
  ms: number;
  findings: number;
  withEvidence: number;
  /** Digest of the collected ids in order, to compare phases. */
  digest: string;
}

/** T's quarter collected as collectFindings collects it, through a repository of its own so nothing is remembered
 * from an earlier run; the snapshot is built but not written, which is the artifact store's time, not this. */
async function collectOnce(db: Db, m: Model, endpointIds: string[], failures: string[]): Promise<Collected> {
  const repo = new MongoFindingsRepo(db);
  const scope = { endpointIds, from: QUARTER.from, to: QUARTER.to, includeSeverities: [...SEVERITIES] };
  const start = performance.now();
  const [inScope, endpoints] = await Promise.all([
    repo.findInScope(TENANT, scope),
    repo.endpoints(TENANT, scope.endpointIds),
  ]);
  const shown = latestOfEachRow(inScope.findings);
  const evidence = await inScope.evidence(shown);
  const found: Finding[] = inScope.findings.map((f) => ({ ...f, evidence: evidence.get(f.id) ?? NOT_SHOWN }));
  const ms = performance.now() - start;

  const oldestFirst = [...m.newestFirst].reverse();
  const outOfOrder = found.findIndex((f, i) => f.id !== oldestFirst[i]?.id);
  if (found.length !== oldestFirst.length || outOfOrder >= 0) {
    failures.push(
      `collection: ${found.length} findings, expected ${oldestFirst.length} (first wrong at ${outOfOrder})`,
    );
  }
  const badEvidence = shown.filter((id) => {
    const e = evidence.get(id);
    const w = m.byId.get(id)?.evidence;
    return !e || !w || e.prompt !== w.prompt || e.response !== w.response;
  });
  if (shown.length === 0 || badEvidence.length > 0) {
    failures.push(`collection: ${badEvidence.length} of ${shown.length} rows' latest evidence missing or wrong`);
  }
  if (endpoints.length !== endpointIds.length) failures.push(`collection: ${endpoints.length} endpoints`);
  const digest = createHash('sha256')
    .update(found.map((f) => f.id).join('\n'))
    .digest('hex');
  return { ms, findings: found.length, withEvidence: evidence.size, digest };
}

// ---------------------------------------------------------------------------------------------------------------
// The API server

/** Waits for the API server's /readyz (on its operations listener, `ops`); on a timeout its last output goes with the error, as when it exits. */
async function waitForReady(ops: URL, api: Service): Promise<void> {
  await waitUntil(() => get(ops, '/readyz').then((r) => r.status === 200), [api], 'the API server').catch(
    (err: unknown) => {
      if (api.child.exitCode !== null || api.child.signalCode !== null || !(err instanceof Error)) throw err;
      throw new Error(`${err.message}:\n${api.tail.join('\n')}`);
    },
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Phases and figures

interface Phase {
  answered: Answered[];
  collections: Collected[];
}

/** A fresh API server for T's request mix, then the collection runs, then the server stopped. */
async function measure(name: string, env: NodeJS.ProcessEnv, ctx: PhaseContext, failures: string[]): Promise<Phase> {
  const port = await freePort();
  const base = new URL(`http://127.0.0.1:${port}`);
  const ops = new URL(`http://127.0.0.1:${await freePort()}`);
  const api = startService('API server', 'src/main/server.js', {
    ...env,
    HTTP_PORT: String(port),
    OPS_PORT: ops.port,
    PUBLIC_BASE_URL: base.origin,
  });
  ctx.running.add(api);
  try {
    await waitForReady(ops, api);
    log(`${name}: ${settings.requests} GET /api/v2/findings one at a time`);
    const answered = await runMix(base, ctx.token, ctx.model, ctx.endpoints, failures);
    const collections: Collected[] = [];
    for (let i = 0; i < COLLECTION_RUNS; i++) {
      collections.push(await collectOnce(ctx.db, ctx.model, ctx.endpoints, failures));
    }
    log(
      `${name}: GET ${pctText(percentiles(answered.map((a) => a.ms)))}; collection ${collections.map((c) => msText(c.ms)).join(', ')}`,
    );
    return { answered, collections };
  } finally {
    await stopServices([api]);
    ctx.running.delete(api);
  }
}

interface PhaseContext {
  db: Db;
  token: string;
  model: Model;
  endpoints: string[];
  running: Set<Service>;
}

const round = (x: number, digits = 1): number => Number(x.toFixed(digits));
const msText = (x: number): string => `${x.toFixed(1)} ms`;
const pctText = (p: Percentiles): string =>
  `p50 ${msText(p.p50)}, p95 ${msText(p.p95)}, p99 ${msText(p.p99)}, max ${msText(p.max)}`;
const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
const loadText = (l: number[]): string => l.map((x) => x.toFixed(2)).join(' ');

interface Writes {
  tenant: { findings: number; calls: number; ms: number };
  others: {
    findings: number;
    callMs: number[];
    /** Times of the writes of a whole {@link OTHER_WRITE} findings (each tenant's last is smaller), in order. */
    fullMs: number[];
    wallMs: number;
  };
}

/** T's scans stored one by one as they arrive; they are also what the answers are checked against. */
async function writeTenant(db: Db, c: Corpus, endpoints: string[], failures: string[]) {
  await createTenant(db, { id: TENANT, name: 'Tenant T', auditRetentionDays: 365 });
  for (const [e, id] of endpoints.entries()) {
    await createEndpoint(db, { id, tenantId: TENANT, name: `Endpoint ${e}`, description: 'Support assistant' });
  }
  const repo = new MongoFindingsRepo(db);
  const findings: Finding[] = [];
  let calls = 0;
  const start = performance.now();
  for (const scan of tenantScans(c, endpoints)) {
    const stored = await repo.store(scan, new Date());
    if (stored.created !== scan.length) failures.push(`T's write ${calls}: ${stored.created} of ${scan.length} new`);
    findings.push(...scan);
    calls++;
  }
  return { findings, calls, ms: performance.now() - start };
}

/** The other tenants' findings, each write timed. The tenants take turns, so their pages lie interleaved in the
 * database as imports running side by side leave them. */
async function writeOthers(db: Db, c: Corpus, failures: string[]): Promise<Writes['others']> {
  const writers: Generator<Finding[]>[] = [];
  for (let k = 1; k <= OTHER_TENANTS; k++) {
    await createTenant(db, { id: otherTenant(k), name: `Tenant ${k}`, auditRetentionDays: 365 });
    const eps = Array.from({ length: OTHER_ENDPOINTS }, (_, e) => endpointOf(k, e));
    for (const [e, id] of eps.entries()) {
      await createEndpoint(db, { id, tenantId: otherTenant(k), name: `Endpoint ${e}`, description: 'Chat assistant' });
    }
    // Their tokens sit beside T's, for whatever looks a token up.
    await mintToken(db, { tenantId: otherTenant(k), scopes: ['findings:read', 'findings:write'] });
    writers.push(otherWrites(c, otherTenant(k), eps, share(settings.otherFindings, OTHER_TENANTS, k - 1)));
  }
  log(`writing ${fmtInt(settings.otherFindings)} findings of ${OTHER_TENANTS} other tenants, ${OTHER_WRITE} a write`);
  const repo = new MongoFindingsRepo(db);
  const callMs: number[] = [];
  const fullMs: number[] = [];
  let findings = 0;
  const start = performance.now();
  for (let open = writers.length; open > 0;) {
    open = 0;
    for (const w of writers) {
      const next = w.next();
      if (next.done) continue;
      open++;
      const t0 = performance.now();
      const stored = await repo.store(next.value, new Date());
      callMs.push(performance.now() - t0);
      if (next.value.length === OTHER_WRITE) fullMs.push(callMs[callMs.length - 1]);
      findings += stored.created;
      if (stored.created !== next.value.length) {
        failures.push(`another tenant's write: ${stored.created} of ${next.value.length} new`);
      }
      if (callMs.length % 20 === 0) {
        log(`  ${callMs.length} writes, ${fmtInt(findings)} findings, the last ${msText(callMs[callMs.length - 1])}`);
      }
    }
  }
  return { findings, callMs, fullMs, wallMs: performance.now() - start };
}

/** The database's size as the server reports it (dbStats), or undefined where it does not say. */
async function databaseBytes(db: Db): Promise<number | undefined> {
  const stats = (await db.command({ dbStats: 1 }).catch(() => undefined)) as { storageSize?: unknown } | undefined;
  const bytes = Number(stats?.storageSize);
  return Number.isFinite(bytes) && bytes > 0 ? bytes : undefined;
}

interface Outcome {
  identical: { answers: boolean; runs: boolean };
  dbBytes?: number;
}

function printTable(alone: Phase, crowded: Phase, writes: Writes, { identical, dbBytes }: Outcome): void {
  const size = dbBytes === undefined ? 'not reported' : `${(dbBytes / 2 ** 30).toFixed(2)} GiB (dbStats storageSize)`;
  const others = `others hold ${fmtInt(writes.others.findings)}`;
  const out: string[] = [];
  const row = (label: string, a: string, b: string, ratio = '', note = ''): void => {
    out.push(`${label.padEnd(40)} ${a.padStart(13)} ${b.padStart(24)} ${ratio.padStart(14)}  ${note}`.trimEnd());
  };
  out.push(
    `${'T: findings read one request at a time'.padEnd(40)} ${'others empty'.padStart(13)} ${others.padStart(24)} ${'crowded/alone'.padStart(14)}  target`,
  );
  out.push('-'.repeat(out[0].length + 20));
  const ga = percentiles(alone.answered.map((a) => a.ms));
  const gb = percentiles(crowded.answered.map((a) => a.ms));
  const met = (p: Percentiles): string => (p.p99 <= TARGET_GET_P99_MS ? 'met' : 'NOT met');
  for (const key of ['p50', 'p95', 'p99', 'max'] as const) {
    const note = key === 'p99' ? `≤ ${TARGET_GET_P99_MS} ms: ${met(ga)} / ${met(gb)}` : '';
    row(`GET /findings ${key} (n=${ga.n})`, msText(ga[key]), msText(gb[key]), (gb[key] / ga[key]).toFixed(2), note);
  }
  const ca = alone.collections.map((c) => c.ms);
  const cb = crowded.collections.map((c) => c.ms);
  const cmet = (xs: number[]): string => (median(xs) <= TARGET_COLLECTION_MS ? 'met' : 'NOT met');
  const note = `≤ ${fmtInt(TARGET_COLLECTION_MS)} ms: ${cmet(ca)} / ${cmet(cb)}`;
  row(
    `collection median (${COLLECTION_RUNS} cold runs)`,
    msText(median(ca)),
    msText(median(cb)),
    (median(cb) / median(ca)).toFixed(2),
    note,
  );
  row(
    'collection max',
    msText(Math.max(...ca)),
    msText(Math.max(...cb)),
    (Math.max(...cb) / Math.max(...ca)).toFixed(2),
  );
  const counts = (p: Phase): string =>
    `${fmtInt(p.collections[0].findings)} / ${fmtInt(p.collections[0].withEvidence)}`;
  row('collection: findings / with evidence', counts(alone), counts(crowded));

  out.push('', `${'by kind of request: p50 / max'.padEnd(40)} ${'others empty'.padStart(24)} ${others.padStart(24)}`);
  const cell = (xs: number[]): string => `${msText(percentiles(xs).p50)} / ${msText(percentiles(xs).max)}`;
  for (const { kind } of SCENARIOS) {
    const a = alone.answered.filter((x) => x.kind === kind).map((x) => x.ms);
    const b = crowded.answered.filter((x) => x.kind === kind).map((x) => x.ms);
    if (a.length > 0)
      out.push(`  ${`${kind} (n=${a.length})`.padEnd(38)} ${cell(a).padStart(24)} ${cell(b).padStart(24)}`);
  }
  out.push('', 'slowest requests (others empty | crowded)');
  const slowest = [...alone.answered.keys()].sort((i, j) => alone.answered[j].ms - alone.answered[i].ms).slice(0, 3);
  for (const i of slowest) {
    const a = alone.answered[i];
    out.push(
      `  ${msText(a.ms).padStart(9)} | ${msText(crowded.answered[i]?.ms ?? NaN).padStart(9)}  ${a.ids.length} found  ${a.path}`,
    );
  }

  const { tenant, others: o } = writes;
  const rate = (n: number, ms: number): string => (n > 0 ? `${fmtInt((n / ms) * 1000)} findings/s` : 'none');
  const oMs = o.callMs.reduce((x, y) => x + y, 0);
  out.push(
    '',
    `${"T's writes (one per endpoint a day)".padEnd(40)} ${fmtInt(tenant.findings)} findings in ${tenant.calls} writes, ${(tenant.ms / 1000).toFixed(1)} s: ${rate(tenant.findings, tenant.ms)}`,
    `${`others' writes (${fmtInt(OTHER_WRITE)} findings a write)`.padEnd(40)} ${fmtInt(o.findings)} findings in ${o.callMs.length} writes, ${(oMs / 1000).toFixed(1)} s: ${rate(o.findings, oMs)}`,
    o.fullMs.length === 0
      ? `  (no write of a whole ${fmtInt(OTHER_WRITE)})`
      : `${`  a write of ${fmtInt(OTHER_WRITE)}: median, max`.padEnd(40)} ${msText(median(o.fullMs))}, ${msText(Math.max(...o.fullMs))}; the first 20 ${msText(median(o.fullMs.slice(0, 20)))}, the last 20 ${msText(median(o.fullMs.slice(-20)))} (medians)`,
    `${'  database size afterwards'.padEnd(40)} ${size}`,
    `${'answers identical in both phases'.padEnd(40)} requests ${identical.answers ? 'yes' : 'NO'}, collections ${identical.runs ? 'yes' : 'NO'}`,
  );
  process.stdout.write(`${out.join('\n')}\n`);
}

function phaseFigures(p: Phase) {
  const g = percentiles(p.answered.map((a) => a.ms));
  const c = p.collections.map((x) => x.ms);
  return {
    get_ms: { n: g.n, p50: round(g.p50), p95: round(g.p95), p99: round(g.p99), max: round(g.max) },
    collection_ms: { runs: c.length, median: round(median(c)), max: round(Math.max(...c)) },
    collection_findings: p.collections[0].findings,
    target_met: g.p99 <= TARGET_GET_P99_MS && median(c) <= TARGET_COLLECTION_MS,
  };
}

async function main(): Promise<void> {
  const mongoUrl = requiredEnv('MONGO_URL', SCRIPT);
  const temporalAddress = requiredEnv('TEMPORAL_ADDRESS', SCRIPT);
  const loadBefore = os.loadavg();
  const started = performance.now();
  const dbName = `bench_findings_${Date.now().toString(36)}`;
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'bench-findings-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MONGO_URL: mongoUrl,
    MONGO_DB: dbName,
    TEMPORAL_ADDRESS: temporalAddress,
    DATA_DIR: dataDir,
    ARTIFACT_STORE: 'fs',
    LOG_LEVEL: 'warn',
    WORKER_METRICS_ADDRESS: 'off',
    // One token asks everything; the limiter must not be what is measured.
    RATE_LIMIT_PER_MINUTE: '1000000',
    RATE_LIMIT_BURST: '100000',
  };
  log(
    `T ${fmtInt(settings.tenantFindings)} findings, ${OTHER_TENANTS} others ${fmtInt(settings.otherFindings)}, ` +
      `${settings.requests} requests, seed ${settings.seed}; database ${dbName}; load average ${loadText(loadBefore)}`,
  );
  const { client, db } = await connectDatabase(mongoUrl, dbName);
  const running = new Set<Service>();
  const onSignal = (signal: NodeJS.Signals): void => {
    log(`${signal}: stopping the API server`);
    void stopServices([...running]).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  const failures: string[] = [];
  try {
    const corpus = new Corpus(prng(settings.seed));
    const endpoints = [endpointOf(0, 0), endpointOf(0, 1)];
    const tenant = await writeTenant(db, corpus, endpoints, failures);
    log(`T: ${fmtInt(tenant.findings.length)} findings in ${tenant.calls} writes, ${msText(tenant.ms)}`);
    const { secret: token } = await mintToken(db, { tenantId: TENANT, scopes: ['findings:read'] });
    const ctx: PhaseContext = { db, token, model: modelOf(tenant.findings), endpoints, running };

    const alone = await measure('others empty', env, ctx, failures);
    const others = await writeOthers(db, corpus, failures);
    log(`others: ${fmtInt(others.findings)} findings in ${others.callMs.length} writes, ${msText(others.wallMs)}`);
    const dbBytes = await databaseBytes(db);
    const crowded = await measure(`others hold ${fmtInt(others.findings)}`, env, ctx, failures);

    const identical = {
      answers:
        alone.answered.length === crowded.answered.length &&
        alone.answered.every((a, i) => {
          const b = crowded.answered[i];
          return a.path === b.path && a.next === b.next && a.ids.join() === b.ids.join();
        }),
      runs: new Set([...alone.collections, ...crowded.collections].map((c) => c.digest)).size === 1,
    };
    if (!identical.answers) failures.push('the answers to the request mix differ between the phases');
    if (!identical.runs) failures.push('the collections differ between the phases');

    const loadAfter = os.loadavg();
    const writes: Writes = { tenant: { ...tenant, findings: tenant.findings.length }, others };
    process.stdout.write('\n');
    printTable(alone, crowded, writes, { identical, dbBytes });
    process.stdout.write(
      `\nload average before ${loadText(loadBefore)}, after ${loadText(loadAfter)} (${os.cpus().length} CPUs); ` +
        `${((performance.now() - started) / 1000).toFixed(0)} s in all\n`,
    );

    const a = phaseFigures(alone);
    const b = phaseFigures(crowded);
    const ratio = (x: number, y: number): number => round(y / x, 2);
    const othersMs = others.callMs.reduce((x, y) => x + y, 0);
    const summary = {
      bench: 'findings',
      seed: settings.seed,
      tenant_findings: tenant.findings.length,
      other_tenants: OTHER_TENANTS,
      other_findings: others.findings,
      requests: a.get_ms.n,
      alone: a,
      crowded: b,
      crowded_over_alone: {
        get_p50: ratio(a.get_ms.p50, b.get_ms.p50),
        get_p95: ratio(a.get_ms.p95, b.get_ms.p95),
        get_p99: ratio(a.get_ms.p99, b.get_ms.p99),
        get_max: ratio(a.get_ms.max, b.get_ms.max),
        collection_median: ratio(a.collection_ms.median, b.collection_ms.median),
        collection_max: ratio(a.collection_ms.max, b.collection_ms.max),
      },
      targets: {
        get_p99_ms: TARGET_GET_P99_MS,
        collection_median_ms: TARGET_COLLECTION_MS,
        met: a.target_met && b.target_met,
      },
      writes: {
        tenant_findings_per_s: Math.round((tenant.findings.length / tenant.ms) * 1000),
        others_findings_per_s: Math.round((others.findings / othersMs) * 1000),
        others_s: round(others.wallMs / 1000),
        others_write_ms: {
          median: round(median(others.fullMs)),
          max: round(Math.max(...others.fullMs)),
          first20: round(median(others.fullMs.slice(0, 20))),
          last20: round(median(others.fullMs.slice(-20))),
        },
      },
      database_mib: dbBytes === undefined ? null : Math.round(dbBytes / 2 ** 20),
      identical: identical.answers && identical.runs,
      checks_passed: failures.length === 0,
      cpus: os.cpus().length,
      load_before: loadBefore.map((l) => round(l, 2)),
      load_after: loadAfter.map((l) => round(l, 2)),
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } finally {
    await stopServices([...running]);
    agent.destroy();
    await client.close().catch(() => undefined);
    await fs.rm(dataDir, { recursive: true, force: true });
  }
  if (failures.length > 0) {
    for (const f of failures.slice(0, 20)) process.stderr.write(`check failed: ${f}\n`);
    if (failures.length > 20) process.stderr.write(`… and ${failures.length - 20} more\n`);
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
