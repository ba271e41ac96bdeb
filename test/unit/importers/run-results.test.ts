import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppError } from '../../../src/domain/errors';
import { GarakReader, type GarakFormat } from '../../../src/domain/importers/garak';
import { PromptfooReader, parsePromptfooResults } from '../../../src/domain/importers/promptfoo';
import { weakness } from '../../../src/domain/importers/weaknesses';
import { MAX_RUN_RESULTS, canonicalJson, type RunDraft } from '../../../src/domain/runs';
import type { ByteSource } from '../../../src/infra/import/byte-source';
import { readPromptfooStream } from '../../../src/infra/import/promptfoo-stream';

const text = (name: string): string => readFileSync(join(__dirname, '../../fixtures/scanners', name), 'utf8');
const LLM01 = { framework: 'OWASP_LLM', control: 'LLM01:2025' };

function garakRun(format: GarakFormat, lines: readonly string[], runStartedAt?: string): RunDraft {
  const reader = new GarakReader({ format, ...(runStartedAt ? { runStartedAt } : {}) });
  lines.forEach((line, i) => reader.line(line, i + 1));
  reader.end();
  return reader.run();
}

/** The eval entries of a garak report, as the file writes them. */
function evalEntries(name: string): Record<string, unknown>[] {
  return text(name)
    .split('\n')
    .filter((l) => l.includes('"entry_type": "eval"'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function refusal(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (e) {
    return { code: (e as AppError).code, message: (e as AppError).message };
  }
  throw new Error('expected a refusal');
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe('a garak report’s run', () => {
  it('0.10: one result per eval entry, attempts its total and failures total − passed, passing probes included', () => {
    const run = garakRun('garak-report', text('garak-0.10-report.jsonl').split('\n'));
    const evals = evalEntries('garak-0.10-report.jsonl');
    expect(run.results.map((r) => [r.probe, r.detector, r.attempts, r.failures])).toEqual(
      evals.map((e) => [
        e.probe,
        String(e.detector).replace(/^detector\./, ''),
        e.total,
        (e.total as number) - (e.passed as number),
      ]),
    );
    expect(run.results[0]).toEqual({
      probe: 'dan.Dan_11_0',
      detector: 'dan.DAN',
      attempts: 3,
      failures: 2,
      category: weakness('jailbreak').category,
      frameworkRefs: weakness('jailbreak').refs,
    });
    expect(run).toMatchObject({
      resultsComplete: true,
      startedAt: '2025-03-04T10:15:22.418Z',
      finishedAt: '2025-03-04T10:21:07.902Z',
      target: 'openai gpt-3.5-turbo',
    });
  });

  it('0.14: attempts are total_evaluated, failures fails, nones errors, and a probe that never failed is there', () => {
    const run = garakRun('garak-report', text('garak-0.14-report.jsonl').split('\n'));
    const evals = evalEntries('garak-0.14-report.jsonl');
    expect(run.results).toHaveLength(evals.length);
    expect(run.results.map((r) => [r.probe, r.detector, r.attempts, r.failures, r.errors ?? 0])).toEqual(
      evals.map((e) => [e.probe, e.detector, e.total_evaluated, e.fails, e.nones]),
    );
    const clean = run.results.find((r) => r.probe === 'leakreplay.GuardianCloze');
    expect(clean).toEqual({
      probe: 'leakreplay.GuardianCloze',
      detector: 'leakreplay.StartsWith',
      attempts: 2,
      failures: 0,
      category: weakness('training-data-regurgitation').category,
      frameworkRefs: expect.any(Array),
    });
    // The digest, written last, tags dan.Dan_11_0 owasp:llm01: a result's refs are its weakness's and its tags'.
    expect(run.results.find((r) => r.probe === 'dan.Dan_11_0')?.frameworkRefs).toContainEqual(LLM01);
    expect(run.results.find((r) => r.probe === 'encoding.InjectHex')).toMatchObject({ attempts: 3, errors: 1 });
    expect(run).toMatchObject({ resultsComplete: true, target: 'openai gpt-4o-mini' });
  });

  it('the configuration digest is the sha256 of the setup entry’s canonical JSON without its transient.* keys', () => {
    const lines = text('garak-0.14-report.jsonl').split('\n');
    const setup = JSON.parse(lines[0]) as Record<string, unknown>;
    const config = Object.fromEntries(Object.entries(setup).filter(([k]) => !k.startsWith('transient.')));
    const run = garakRun('garak-report', lines);
    expect(run.configJson).toBe(canonicalJson(config));
    expect(run.configJson).not.toContain('transient.run_id');
    // Another run of the same configuration (another id and time, keys in another order) has the same digest.
    const again = Object.fromEntries(
      Object.entries({ ...setup, 'transient.run_id': 'another', 'transient.starttime_iso': '2026-01-01T00:00:00' })
        .reverse()
        .filter(([k]) => !k.startsWith('transient.')),
    );
    expect(sha256(canonicalJson(again))).toBe(sha256(run.configJson!));
  });

  it('a report cut short before a probe was evaluated is not complete', () => {
    const lines = text('garak-0.14-report.jsonl').split('\n');
    const cut = lines.filter((l) => !(l.includes('"entry_type": "eval"') && l.includes('grandma.Win10')));
    const run = garakRun('garak-report', cut);
    expect(run.resultsComplete).toBe(false);
    expect(run.results.some((r) => r.probe === 'grandma.Win10')).toBe(false);
  });

  it('an eval entry whose counts do not add up is refused, naming its line', () => {
    const lines = text('garak-0.14-report.jsonl').split('\n');
    const at = lines.findIndex((l) => l.includes('"entry_type": "eval"'));
    lines[at] = lines[at].replace('"fails": 1', '"fails": 5');
    expect(refusal(() => garakRun('garak-report', lines))).toEqual({
      code: 'import_invalid',
      message: `line ${at + 1}: eval: passed (1) and fails (5) do not add up to total_evaluated (2)`,
    });
  });

  it(`more than ${MAX_RUN_RESULTS} distinct probe × detector results are refused`, () => {
    const lines = [text('garak-0.14-report.jsonl').split('\n')[0]];
    for (let i = 0; i <= MAX_RUN_RESULTS; i++) {
      lines.push(
        JSON.stringify({ entry_type: 'eval', probe: 'dan.Dan_11_0', detector: `d.D${i}`, passed: 1, total: 1 }),
      );
    }
    expect(refusal(() => garakRun('garak-report', lines))).toEqual({
      code: 'import_invalid',
      message: `line ${MAX_RUN_RESULTS + 2}: the run has more than ${MAX_RUN_RESULTS} distinct probe × detector results; at most ${MAX_RUN_RESULTS} are imported from one run`,
    });
  });

  it('a hitlog holds hits only: its run is incomplete with no results, started at the time given, on its generator', () => {
    const run = garakRun('garak-hitlog', text('garak-0.14-hitlog.jsonl').split('\n'), '2026-05-02T10:00:00Z');
    expect(run).toEqual({
      resultsComplete: false,
      results: [],
      startedAt: '2026-05-02T10:00:00.000Z',
      target: 'openai gpt-4o-mini',
    });
  });
});

describe('a promptfoo red-team file’s run', () => {
  const doc = () => JSON.parse(text('promptfoo-redteam.json')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

  it('per plugin × strategy, attempts and failures add up to the results, errored ones apart', () => {
    const { run, facts } = parsePromptfooResults(doc());
    const sum = (k: 'attempts' | 'failures' | 'errors') => run.results.reduce((n, r) => n + (r[k] ?? 0), 0);
    expect(sum('attempts')).toBe(facts.itemsRead - facts.errored);
    expect(sum('failures')).toBe(facts.findings);
    expect(sum('errors')).toBe(facts.errored);
    const results = doc().results.results as { success: boolean; failureReason: number }[];
    expect(sum('attempts') + sum('errors')).toBe(results.length);
    expect(sum('failures')).toBe(results.filter((r) => !r.success && r.failureReason !== 2).length);
    expect(run.results).toContainEqual({
      probe: 'harmful:hate',
      strategy: 'basic',
      attempts: 1,
      failures: 0,
      category: weakness('hate-and-bias').category,
      frameworkRefs: expect.any(Array),
    });
    expect(run.results).toContainEqual(
      expect.objectContaining({ probe: 'ssrf', strategy: 'basic', attempts: 0, failures: 0, errors: 1 }),
    );
    expect(run.results).toContainEqual(
      expect.objectContaining({ probe: '(none)', strategy: 'prompt-injection', attempts: 1, failures: 1 }),
    );
    expect(run).toMatchObject({
      resultsComplete: true,
      startedAt: '2026-03-04T09:12:44.512Z',
      target: 'https://support.acme-travel.example/api/chat',
    });
  });

  it('the configuration digest is over the canonical JSON of the file’s config, the same streamed or whole', async () => {
    const bytes = Buffer.from(text('promptfoo-redteam.json'));
    const whole = parsePromptfooResults(JSON.parse(bytes.toString('utf8')));
    expect(whole.run.configJson).toBe(canonicalJson(doc().config));
    const source: ByteSource = {
      size: bytes.length,
      async *chunks() {
        for (let at = 0; at < bytes.length; at += 13) yield bytes.subarray(at, at + 13);
      },
    };
    const reader = new PromptfooReader();
    await readPromptfooStream(source, reader, { maxResultBytes: 1 << 20, maxDepth: 64 }, () => undefined);
    expect(reader.run()).toEqual(whole.run);
  });

  it('a string value that reads "object" stays a string in the config it digests', async () => {
    const d = doc();
    d.config = { description: 'object', tags: ['array', { x: 'object' }] };
    const bytes = Buffer.from(JSON.stringify(d));
    const reader = new PromptfooReader();
    const source: ByteSource = {
      size: bytes.length,
      async *chunks() {
        yield bytes;
      },
    };
    await readPromptfooStream(source, reader, { maxResultBytes: 1 << 20, maxDepth: 64 }, () => undefined);
    expect(reader.run().configJson).toBe('{"description":"object","tags":["array",{"x":"object"}]}');
  });
});

describe('canonical JSON', () => {
  it('sorts keys at every level and writes no white space', () => {
    expect(canonicalJson({ b: [3, { z: 1, a: null }], a: 'x', c: undefined, '10': true, '9': 1.5 })).toBe(
      '{"10":true,"9":1.5,"a":"x","b":[3,{"a":null,"z":1}]}',
    );
  });
});
