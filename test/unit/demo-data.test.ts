import { DEMO_TENANT_ID, demoFindings, demoRuns } from '../../src/demo/demo-data';
import { isId } from '../../src/domain/ids';

describe('the demo tenant’s runs', () => {
  const findings = demoFindings(DEMO_TENANT_ID);
  const runs = demoRuns(DEMO_TENANT_ID);

  it('every demo finding names a run of its endpoint and tool, with the tool’s version, by the day the run started', () => {
    for (const f of findings) {
      const run = runs.find((r) => r.runId === f.source?.runId);
      expect(run).toMatchObject({ endpointId: f.endpointId, tool: f.source?.tool, toolVersion: f.source?.toolVersion });
      expect(f.source?.runId).toMatch(/^(garak|promptfoo)-\d{4}-\d{2}-\d{2}-\d$/);
      expect(run!.startedAt <= f.detectedAt).toBe(true);
    }
  });

  it('each run counts a failure per finding it gave and holds against the probes every run tries', () => {
    for (const run of runs) {
      expect(isId(run.id, 'run')).toBe(true);
      const gave = findings.filter((f) => f.source?.runId === run.runId).length;
      expect(run.results.reduce((n, r) => n + r.failures, 0)).toBe(gave);
      expect(run.results.filter((r) => r.failures === 0).map((r) => r.probe)).toEqual(
        expect.arrayContaining(['leakreplay.GuardianCloze', 'encoding.InjectBase64']),
      );
      for (const r of run.results) expect(r.failures).toBeLessThanOrEqual(r.attempts);
    }
  });
});
