import { createHash } from 'node:crypto';
import { evidenceDigest } from '../../../src/domain/evidence/population';
import type { Finding, FindingSummary } from '../../../src/domain/finding';
import {
  buildReportModel,
  normaliseFingerprint,
  type ReportModel,
  type ReportModelInput,
} from '../../../src/domain/report-model';
import { normaliseCategory } from '../../../src/domain/crosswalk';
import { SEVERITIES, type Severity } from '../../../src/domain/severity';
import { canonicalJson } from '../../../src/domain/evidence/canonical-json';
import { toJsonExport } from '../../../src/domain/json-export';
import { buildFinding } from '../../fixtures/findings';

const ENDPOINT = {
  id: 'ep_2026_fixtureep0001',
  tenantId: 'tnt_2026_fixturetenant01',
  name: 'Support bot',
  description: '',
};
const SCOPE = { endpointIds: [ENDPOINT.id], from: '2026-04-01', to: '2026-06-30', includeSeverities: [] as Severity[] };
const GENERATED = '2026-07-15T09:00:00.000Z';

/** Builds a model the way the report pipeline does: the findings of the requested period and severities as rows,
 * every other finding of the endpoint up to the report's date as context, digests for the period's findings. */
function build(all: Finding[], severities: Severity[] = [...SEVERITIES]): ReportModel {
  const inPeriod = (f: Finding) => f.detectedAt.slice(0, 10) >= SCOPE.from && f.detectedAt.slice(0, 10) <= SCOPE.to;
  const rows = all.filter((f) => inPeriod(f) && severities.includes(f.severity));
  const context: FindingSummary[] = all
    .filter((f) => !rows.includes(f) && f.detectedAt <= GENERATED)
    .map(({ evidence: _evidence, ...summary }) => summary);
  const input: ReportModelInput = {
    report: {
      id: 'rpt_2026_fixturereport1',
      tenantId: ENDPOINT.tenantId,
      tenantName: 'Example',
      title: 'Q2',
      format: 'json',
      frameworks: ['OWASP_LLM'],
      scope: { ...SCOPE, includeSeverities: severities },
      requestedAt: GENERATED,
    },
    findings: rows,
    context,
    evidenceDigests: Object.fromEntries(all.filter(inPeriod).map((f) => [f.id, evidenceDigest(f.evidence)])),
    endpoints: [ENDPOINT],
    generatedAt: GENERATED,
  };
  return buildReportModel(input);
}

/** The population worked out the plain way, for the model to equal: every finding of the period, each with its
 * row found by the weakness it belongs to, excluded ones counted by severity. */
function naivePopulation(all: Finding[], severities: Severity[], model: ReportModel) {
  const key = (f: Finding) => `${f.endpointId}|${normaliseCategory(f.category)}|${normaliseFingerprint(f.fingerprint)}`;
  const period = all.filter((f) => f.detectedAt.slice(0, 10) >= SCOPE.from && f.detectedAt.slice(0, 10) <= SCOPE.to);
  const rowOfId = new Map(model.rows.flatMap((r) => r.findingIds.map((id) => [id, r.ref] as const)));
  const records = period
    .map((f) => ({
      id: f.id,
      severity: f.severity,
      row: severities.includes(f.severity) ? rowOfId.get(f.id) : undefined,
      evidenceSha256: createHash('sha256').update(JSON.stringify(f.evidence)).digest('hex'),
    }))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  const excluded = SEVERITIES.map((s) => ({
    severity: s,
    findings: period.filter((f) => f.severity === s && !severities.includes(s)).length,
  })).filter((e) => e.findings > 0);
  const history = new Map<string, string[]>();
  for (const f of all.filter((f) => f.detectedAt <= GENERATED)) {
    history.set(key(f), [...(history.get(key(f)) ?? []), f.detectedAt].sort());
  }
  return { records, excluded, history, key };
}

function finding(overrides: Partial<Finding>): Finding {
  return buildFinding({ endpointId: ENDPOINT.id, ...overrides });
}

describe('a report’s population', () => {
  it('when severities are left out of scope, then their findings are counted as excluded, by severity, never as zero', () => {
    const all = [
      finding({ severity: 'critical', fingerprint: 'a', detectedAt: '2026-04-02T00:00:00.000Z' }),
      finding({ severity: 'low', fingerprint: 'b', detectedAt: '2026-04-03T00:00:00.000Z' }),
      finding({ severity: 'low', fingerprint: 'c', detectedAt: '2026-05-03T00:00:00.000Z' }),
      finding({ severity: 'info', fingerprint: 'd', detectedAt: '2026-06-03T00:00:00.000Z' }),
    ];
    const model = build(all, ['critical', 'high', 'medium']);
    expect(model.population).toMatchObject({ findings: 4, inScope: 1 });
    expect(model.population.excluded).toEqual([
      { severity: 'low', reason: 'severity_filter', findings: 2 },
      { severity: 'info', reason: 'severity_filter', findings: 1 },
    ]);
    expect(model.records.filter((r) => r.excludedReason === 'severity_filter').map((r) => r.severity)).toEqual(
      expect.arrayContaining(['low', 'low', 'info']),
    );
    expect(model.rows).toHaveLength(1);
  });

  it('when a weakness was first seen before the period, then its row shows the true first detection and the period’s apart', () => {
    const all = [
      finding({ severity: 'critical', fingerprint: 'pii', detectedAt: '2026-03-12T10:00:00.000Z' }),
      finding({ severity: 'critical', fingerprint: 'pii', detectedAt: '2026-04-13T10:00:00.000Z' }),
      finding({ severity: 'critical', fingerprint: 'pii', detectedAt: '2026-05-20T10:00:00.000Z' }),
    ];
    const [row] = build(all).rows;
    expect(row.firstSeen).toBe('2026-03-12T10:00:00.000Z');
    expect(row.periodFirstSeen).toBe('2026-04-13T10:00:00.000Z');
    expect(row.periodLastSeen).toBe('2026-05-20T10:00:00.000Z');
    expect(row.lastSeen).toBe('2026-05-20T10:00:00.000Z');
    expect(row.occurrences).toBe(2);
    expect(build(all).population).toMatchObject({ findings: 2, before: 1 });
  });

  it('when a weakness is detected after the period, up to the report’s date, then it is a subsequent event and moves last seen', () => {
    const all = [
      finding({ severity: 'high', fingerprint: 'leak', title: 'Leak', detectedAt: '2026-06-01T10:00:00.000Z' }),
      finding({
        severity: 'critical',
        fingerprint: 'leak',
        title: 'Leak again',
        detectedAt: '2026-07-02T10:00:00.000Z',
      }),
      finding({ severity: 'high', fingerprint: 'leak', detectedAt: '2026-07-03T10:00:00.000Z' }),
      finding({ severity: 'medium', fingerprint: 'new', title: 'New one', detectedAt: '2026-07-10T10:00:00.000Z' }),
      // After the report's date: not known to it.
      finding({ severity: 'high', fingerprint: 'late', detectedAt: '2026-07-20T10:00:00.000Z' }),
    ];
    const model = build(all);
    expect(model.rows).toHaveLength(1);
    expect(model.rows[0]).toMatchObject({
      lastSeen: '2026-07-03T10:00:00.000Z',
      periodLastSeen: '2026-06-01T10:00:00.000Z',
    });
    expect(model.subsequentEvents).toEqual([
      expect.objectContaining({
        row: 'R001',
        severity: 'critical',
        findings: 2,
        firstDetectedAt: '2026-07-02T10:00:00.000Z',
        lastDetectedAt: '2026-07-03T10:00:00.000Z',
      }),
      expect.objectContaining({ title: 'New one', severity: 'medium', findings: 1, endpointName: 'Support bot' }),
    ]);
    expect(model.subsequentEvents[1].row).toBeUndefined();
    expect(model.population.findings).toBe(1);
  });

  it('when subsequent detections are of severities left out of scope, then they are not listed as events', () => {
    const all = [finding({ severity: 'low', fingerprint: 'x', detectedAt: '2026-07-02T10:00:00.000Z' })];
    expect(build(all, ['critical', 'high']).subsequentEvents).toEqual([]);
  });

  it('the population digest is recomputed from the records alone, and changes when any finding or its evidence does', () => {
    const all = Array.from({ length: 20 }, (_, i) =>
      finding({ fingerprint: `w${i % 4}`, detectedAt: `2026-05-${String(1 + i).padStart(2, '0')}T00:00:00.000Z` }),
    );
    const model = build(all);
    const canonical = JSON.stringify(model.records.map((r) => ({ evidence_sha256: r.evidenceSha256, id: r.id })));
    expect(model.population.digest).toBe(createHash('sha256').update(canonical).digest('hex'));

    const tampered = all.map((f, i) => (i === 7 ? { ...f, evidence: { ...f.evidence, response: 'changed' } } : f));
    expect(build(tampered).population.digest).not.toBe(model.population.digest);
    expect(build(all.slice(1)).population.digest).not.toBe(model.population.digest);
  });

  it('the population digest is recomputed from the JSON export alone, as a reader with any JCS library would', () => {
    const all = Array.from({ length: 12 }, (_, i) =>
      finding({
        fingerprint: `w${i % 3}`,
        severity: i % 4 === 0 ? 'low' : 'high',
        detectedAt: `2026-05-${String(1 + i).padStart(2, '0')}T00:00:00.000Z`,
      }),
    );
    const json = JSON.parse(JSON.stringify(toJsonExport(build(all, ['high'])))) as {
      records: { id: string; evidence_sha256: string; excluded_reason: string | null }[];
      population: { digest: { value: string }; findings: number };
    };
    const canonical = canonicalJson(
      [...json.records]
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .map((r) => ({ id: r.id, evidence_sha256: r.evidence_sha256 })),
    );
    expect(createHash('sha256').update(canonical, 'utf8').digest('hex')).toBe(json.population.digest.value);
    expect(json.records).toHaveLength(12);
    expect(json.records.filter((r) => r.excluded_reason === 'severity_filter')).toHaveLength(3);
  });

  it('property: the population, its records and every row’s true times equal a plain recomputation', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let round = 0; round < 25; round++) {
      const start = Date.parse('2026-02-01T00:00:00.000Z');
      const all = Array.from({ length: 60 }, () =>
        finding({
          severity: SEVERITIES[Math.floor(random() * SEVERITIES.length)],
          fingerprint: ['a', 'A ', 'b', 'c', 'd'][Math.floor(random() * 5)],
          category: ['prompt_injection', 'Prompt Injection', 'pii_leak'][Math.floor(random() * 3)],
          detectedAt: new Date(start + Math.floor(random() * 200) * 86_400_000).toISOString(),
        }),
      );
      const severities = SEVERITIES.filter(() => random() < 0.6);
      const model = build(all, severities);
      const naive = naivePopulation(all, severities, model);
      expect(
        model.records.map((r) => ({ id: r.id, severity: r.severity, row: r.row, evidenceSha256: r.evidenceSha256 })),
      ).toEqual(naive.records);
      expect(model.population.excluded.map(({ severity, findings }) => ({ severity, findings }))).toEqual(
        naive.excluded,
      );
      for (const row of model.rows) {
        const f = all.find((x) => x.id === row.findingIds[0])!;
        const times = naive.history.get(naive.key(f))!;
        expect([row.firstSeen, row.lastSeen]).toEqual([times[0], times[times.length - 1]]);
      }
    }
  });
});
