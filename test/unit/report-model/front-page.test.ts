import {
  AGE_BUCKETS,
  TOP_RISK_LIMIT,
  ageBucket,
  ageInDays,
  buildFrontPage,
  scopeKey,
  weaknessKey,
  type FrameworkCoverage,
  type FrontPageInput,
  type ReportRow,
  type ScopeFacts,
} from '../../../src/domain/report-model';
import { SEVERITIES, type Severity } from '../../../src/domain/severity';

const SCOPE = {
  endpointIds: ['ep_a', 'ep_b'],
  from: '2026-04-01',
  to: '2026-06-30',
  includeSeverities: [...SEVERITIES],
};

let n = 0;
/** A row with what the front page reads; the rest is left plain. */
function row(severity: Severity, firstSeen: string, lastSeen: string, endpointId = 'ep_a'): ReportRow {
  n++;
  return {
    ref: `R${String(n).padStart(3, '0')}`,
    severity,
    title: `Weakness ${n}`,
    category: 'prompt-injection',
    endpointId,
    endpointName: endpointId === 'ep_a' ? 'Assistant' : 'Agent',
    firstSeen,
    lastSeen,
    periodFirstSeen: firstSeen,
    periodLastSeen: lastSeen,
    occurrences: 1,
    findingIds: [`fnd_${n}`],
    groups: [],
    frameworks: [],
    evidence: {
      prompt: '',
      response: '',
      findingId: `fnd_${n}`,
      redactions: { prompt: [], response: [] },
    } as unknown as ReportRow['evidence'],
  };
}

function coverage(counts: Partial<FrameworkCoverage['counts']>): FrameworkCoverage {
  return {
    framework: 'OWASP_LLM',
    label: 'OWASP LLM',
    counts: { exception: 0, tested_no_exception: 0, not_tested: 0, not_applicable: 0, ...counts },
    byKind: [],
    controls: [],
  };
}

function input(rows: ReportRow[], over: Partial<FrontPageInput> = {}): FrontPageInput {
  return {
    reportId: 'rpt_now',
    generatedAt: '2026-07-01T09:00:00.000Z',
    scope: SCOPE,
    rows,
    keys: rows.map((r) => weaknessKey(r.endpointId, r.category, r.title)),
    coverage: [coverage({ exception: 3, tested_no_exception: 5, not_tested: 12, not_applicable: 4 })],
    runs: 2,
    ...over,
  };
}

function previousOf(rows: ReportRow[], over: Partial<ScopeFacts> = {}): ScopeFacts {
  const page = buildFrontPage(input(rows, { reportId: 'rpt_then', generatedAt: '2026-04-01T09:00:00.000Z' }));
  return { ...page.facts, from: '2026-01-01', to: '2026-03-31', ...over };
}

describe('front page: conclusion', () => {
  it('when critical and high weaknesses are open, then it counts them and the endpoints they are on, and the controls covered of those requested', () => {
    const rows = [
      row('critical', '2026-06-01T00:00:00Z', '2026-06-20T00:00:00Z', 'ep_a'),
      row('high', '2026-05-01T00:00:00Z', '2026-06-10T00:00:00Z', 'ep_b'),
      row('high', '2026-05-02T00:00:00Z', '2026-06-11T00:00:00Z', 'ep_b'),
      row('medium', '2026-05-02T00:00:00Z', '2026-06-11T00:00:00Z', 'ep_a'),
    ];
    expect(buildFrontPage(input(rows)).conclusion).toEqual([
      '3 open critical or high weaknesses on 2 endpoints.',
      'Testing covered 8 of 20 controls requested.',
      'Treatment is not recorded in this report, so every weakness counts as open.',
    ]);
  });

  it('when only lower severities are open, then it says no critical or high is open and counts the others', () => {
    const rows = [row('medium', '2026-06-01T00:00:00Z', '2026-06-01T00:00:00Z')];
    expect(buildFrontPage(input(rows)).conclusion[0]).toBe(
      'No open critical or high weakness; 1 lower-severity weakness is open.',
    );
  });

  it('when nothing was found, then it says so', () => {
    expect(buildFrontPage(input([])).conclusion[0]).toBe('No open weakness was found in scope.');
  });

  it('when the scope left out critical and high, then it does not claim there are none', () => {
    const scope = { ...SCOPE, includeSeverities: ['medium', 'low'] as Severity[] };
    expect(buildFrontPage(input([], { scope })).conclusion[0]).toBe(
      'The scope left out critical and high severities, so this report does not say whether any are open.',
    );
  });

  it('when no test run is recorded, then the testing sentence says only weaknesses count as tested', () => {
    expect(buildFrontPage(input([], { runs: 0 })).conclusion[1]).toBe(
      'Testing covered 8 of 20 controls requested; no test run is recorded in the period, so only controls with a weakness count as tested.',
    );
  });

  it('when items are older than 180 days and a previous report exists, then both get a sentence', () => {
    const old = row('low', '2025-10-01T00:00:00Z', '2026-06-01T00:00:00Z');
    const previous = previousOf([old, row('high', '2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z')]);
    const page = buildFrontPage(
      input([old, row('medium', '2026-06-01T00:00:00Z', '2026-06-01T00:00:00Z')], { previous }),
    );
    expect(page.conclusion).toContain("1 open item was first seen more than 180 days before the period's end.");
    expect(page.conclusion).toContain(
      'Since the previous report of the same scope (rpt_then, to 2026-03-31): 1 new, 1 no longer seen.',
    );
  });

  it('when treatment is recorded, then closed rows are not open and the sentence counts by state', () => {
    const rows = [
      row('critical', '2026-06-01T00:00:00Z', '2026-06-01T00:00:00Z'),
      row('high', '2026-06-01T00:00:00Z', '2026-06-02T00:00:00Z'),
    ];
    const page = buildFrontPage(
      input(rows, {
        treatment: {
          rows: {
            [rows[0].ref]: { state: 'mitigated' },
            [rows[1].ref]: { state: 'open', owner: 'J. Doe', dueDate: '2026-07-15' },
          },
          byState: [
            { state: 'open', count: 1 },
            { state: 'mitigated', count: 1 },
            { state: 'risk_accepted', count: 0 },
          ],
        },
      }),
    );
    expect(page.openCriticalHigh).toBe(1);
    expect(page.topRisks.map((r) => [r.ref, r.owner, r.dueDate])).toEqual([[rows[1].ref, 'J. Doe', '2026-07-15']]);
    expect(page.conclusion[0]).toBe('1 open critical or high weakness on 1 endpoint.');
    expect(page.conclusion.at(-1)).toBe('Treatment: 1 open, 1 mitigated.');
  });
});

describe('front page: top risks', () => {
  it('when more than ten critical or high rows are open, then the ten most severe, most recent first, are listed and all are counted', () => {
    const rows = [
      ...Array.from({ length: 8 }, (_, i) =>
        row('high', '2026-05-01T00:00:00Z', `2026-06-${String(10 + i)}T00:00:00Z`),
      ),
      ...Array.from({ length: 4 }, (_, i) =>
        row('critical', '2026-05-01T00:00:00Z', `2026-05-${String(10 + i)}T00:00:00Z`),
      ),
      row('medium', '2026-05-01T00:00:00Z', '2026-06-29T00:00:00Z'),
    ];
    const page = buildFrontPage(input(rows));
    expect(page.openCriticalHigh).toBe(12);
    expect(page.topRisks).toHaveLength(TOP_RISK_LIMIT);
    expect(page.topRisks.map((r) => [r.severity, r.lastSeen.slice(0, 10)])).toEqual([
      ['critical', '2026-05-13'],
      ['critical', '2026-05-12'],
      ['critical', '2026-05-11'],
      ['critical', '2026-05-10'],
      ['high', '2026-06-17'],
      ['high', '2026-06-16'],
      ['high', '2026-06-15'],
      ['high', '2026-06-14'],
      ['high', '2026-06-13'],
      ['high', '2026-06-12'],
    ]);
    expect(page.topRisks.every((r) => r.owner === null && r.dueDate === null)).toBe(true);
  });

  it('when two risks tie on severity and last seen, then the lower reference comes first', () => {
    const a = row('high', '2026-05-01T00:00:00Z', '2026-06-01T00:00:00Z');
    const b = row('high', '2026-05-01T00:00:00Z', '2026-06-01T00:00:00Z');
    expect(buildFrontPage(input([b, a])).topRisks.map((r) => r.ref)).toEqual([a.ref, b.ref]);
  });
});

describe('front page: ageing', () => {
  it('when ages fall on the bucket edges, then 30, 90 and 180 days close their buckets and 181 opens the last', () => {
    expect([0, 30, 31, 90, 91, 180, 181, 2000].map((d) => ageBucket(d).id)).toEqual([
      '0-30',
      '0-30',
      '31-90',
      '31-90',
      '91-180',
      '91-180',
      'over-180',
      'over-180',
    ]);
  });

  it('when rows were first seen before the period, then their age counts from first detection to the period end', () => {
    expect(ageInDays('2026-06-30T23:59:00Z', '2026-06-30')).toBe(0);
    expect(ageInDays('2026-05-31T00:00:00Z', '2026-06-30')).toBe(30);
    expect(ageInDays('2025-12-31T12:00:00Z', '2026-06-30')).toBe(181);
    const rows = [
      row('high', '2026-06-30T10:00:00Z', '2026-06-30T10:00:00Z'),
      row('low', '2026-05-31T00:00:00Z', '2026-06-30T10:00:00Z'),
      row('critical', '2026-03-01T00:00:00Z', '2026-06-30T10:00:00Z'),
      row('medium', '2025-12-31T00:00:00Z', '2026-06-30T10:00:00Z'),
    ];
    expect(buildFrontPage(input(rows)).ageing).toEqual([
      { bucket: '0-30', label: AGE_BUCKETS[0].label, open: 2, criticalHigh: 1 },
      { bucket: '31-90', label: AGE_BUCKETS[1].label, open: 0, criticalHigh: 0 },
      { bucket: '91-180', label: AGE_BUCKETS[2].label, open: 1, criticalHigh: 1 },
      { bucket: 'over-180', label: AGE_BUCKETS[3].label, open: 1, criticalHigh: 0 },
    ]);
  });
});

describe('front page: change against the previous report', () => {
  it('when a previous report of the scope exists, then new and no-longer-seen weaknesses and severity counts then and now are given', () => {
    const kept = row('high', '2026-01-05T00:00:00Z', '2026-06-01T00:00:00Z');
    const fixed = row('critical', '2026-01-05T00:00:00Z', '2026-02-01T00:00:00Z');
    const added = row('medium', '2026-06-01T00:00:00Z', '2026-06-01T00:00:00Z');
    const previous = previousOf([fixed, kept]);
    const change = buildFrontPage(input([kept, added], { previous })).change;
    expect(change).toMatchObject({
      reportId: 'rpt_then',
      newCount: 1,
      goneCount: 1,
      newWeaknesses: [{ ref: added.ref, title: added.title }],
      gone: [{ ref: fixed.ref, title: fixed.title, severity: 'critical' }],
    });
    expect(change?.bySeverity.filter((s) => s.then || s.now)).toEqual([
      { severity: 'critical', then: 1, now: 0 },
      { severity: 'high', then: 1, now: 1 },
      { severity: 'medium', then: 0, now: 1 },
    ]);
  });

  it('when the only report recorded for the scope is not older than this one, then there is no change to show', () => {
    const previous = previousOf([], { generatedAt: '2026-07-02T00:00:00.000Z' });
    expect(buildFrontPage(input([], { previous })).change).toBeNull();
  });

  it('when there is no previous report, then change is null and the conclusion says nothing of it', () => {
    const page = buildFrontPage(input([]));
    expect(page.change).toBeNull();
    expect(page.conclusion.some((s) => s.includes('previous'))).toBe(false);
  });
});

describe('scope key', () => {
  it('when the same frameworks, endpoints and severities are asked in another order or period, then the key is the same', () => {
    const a = scopeKey('tnt_1', ['OWASP_LLM', 'ISO_42001'], SCOPE);
    const b = scopeKey('tnt_1', ['ISO_42001', 'OWASP_LLM'], {
      endpointIds: ['ep_b', 'ep_a'],
      from: '2026-07-01',
      to: '2026-09-30',
      includeSeverities: [...SEVERITIES].reverse(),
    });
    expect(a).toBe(b);
  });

  it('when the endpoints, severities, frameworks or tenant differ, then the key differs', () => {
    const base = scopeKey('tnt_1', ['OWASP_LLM'], SCOPE);
    expect(scopeKey('tnt_2', ['OWASP_LLM'], SCOPE)).not.toBe(base);
    expect(scopeKey('tnt_1', ['ISO_42001'], SCOPE)).not.toBe(base);
    expect(scopeKey('tnt_1', ['OWASP_LLM'], { ...SCOPE, endpointIds: ['ep_a'] })).not.toBe(base);
    expect(scopeKey('tnt_1', ['OWASP_LLM'], { ...SCOPE, includeSeverities: ['critical'] })).not.toBe(base);
  });
});
