import { isId } from '../../../src/domain/ids';
import type { ImportedFinding } from '../../../src/domain/importers/types';
import { importedFindingId, toFinding } from '../../../src/infra/import/scanner-import';

const where = { tenantId: 'tnt_2026_idstenant000001', endpointId: 'ep_2026_idsendpoint0001' };
const SHA = 'a'.repeat(64);

function hit(
  overrides: Partial<ImportedFinding['source']> = {},
  detectedAt = '2025-12-31T23:30:00.000Z',
): ImportedFinding {
  return {
    title: 'Jailbreak of the safety guardrails (garak dan.Dan_11_0)',
    category: 'jailbreak',
    severity: 'high',
    detectedAt,
    fingerprint: 'weakness:jailbreak',
    frameworkRefs: [],
    evidence: { prompt: 'p', response: 'r' },
    source: { tool: 'garak', runId: 'run-1', item: 'attempt-uuid-1', scan: { probe: 'dan.Dan_11_0' }, ...overrides },
  };
}

describe('the id of an imported finding', () => {
  it('is the same whatever time the hit is dated with, across a year and from either of the run’s files', () => {
    const ids = [
      importedFindingId(hit({}, '2025-12-31T23:30:00.000Z'), where, SHA),
      importedFindingId(hit({}, '2026-01-01T00:30:00.000Z'), where, SHA),
      // The run's hitlog: another file, no tool version, another detector; the same attempt of the same run.
      importedFindingId(
        hit({ scan: { probe: 'dan.Dan_11_0', detectors: [{ detector: 'x.Y', score: 1 }] } }),
        where,
        'b'.repeat(64),
      ),
      toFinding(hit({}, '2027-06-01T00:00:00.000Z'), { ...where }, SHA).id,
    ];
    expect(new Set(ids).size).toBe(1);
    expect(ids[0]).toMatch(/^fnd_[0-9a-z]{20}$/);
    expect(isId(ids[0], 'fnd')).toBe(true);
  });

  it('differs for another attempt, run, tool, endpoint or tenant', () => {
    const base = importedFindingId(hit(), where, SHA);
    const others = [
      importedFindingId(hit({ item: 'attempt-uuid-2' }), where, SHA),
      importedFindingId(hit({ runId: 'run-2' }), where, SHA),
      importedFindingId(hit({ tool: 'promptfoo' }), where, SHA),
      importedFindingId(hit(), { ...where, endpointId: 'ep_2026_idsendpoint0002' }, SHA),
      importedFindingId(hit(), { ...where, tenantId: 'tnt_2026_idstenant000002' }, SHA),
    ];
    expect(new Set([base, ...others]).size).toBe(6);
  });

  it('follows the file when the tool names no run', () => {
    const noRun = (sha: string) => importedFindingId(hit({ runId: undefined }), where, sha);
    expect(noRun(SHA)).toBe(noRun(SHA));
    expect(noRun(SHA)).not.toBe(noRun('c'.repeat(64)));
  });
});
