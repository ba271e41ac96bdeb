import { buildReportModel, type ReportModel } from '../../../src/domain/report-model';
import { generateReportInput, prng } from '../../fixtures/generators/report-input';
import { referenceReportModel, type ReferenceModel } from '../../support/reference-report-model';

/** The fast model cut down to what the reference computes. */
function comparable(model: ReportModel): ReferenceModel {
  return {
    rows: model.rows.map((r) => ({
      ref: r.ref,
      severity: r.severity,
      title: r.title,
      category: r.category,
      endpointId: r.endpointId,
      endpointName: r.endpointName,
      firstSeen: r.firstSeen,
      lastSeen: r.lastSeen,
      periodFirstSeen: r.periodFirstSeen,
      periodLastSeen: r.periodLastSeen,
      occurrences: r.occurrences,
      findingIds: r.findingIds,
      groups: r.groups,
      frameworks: r.frameworks.map((f) => ({
        framework: f.framework,
        controls: f.controls.map((c) => ({ id: c.id, title: c.title, explicit: c.explicit, via: c.via })),
      })),
    })),
    summary: {
      rows: model.summary.rows,
      findings: model.summary.findings,
      bySeverity: model.summary.bySeverity,
      byFramework: model.summary.byFramework.map(({ framework, rows, controlsListed }) => ({
        framework,
        rows,
        controlsListed,
      })),
      byEndpoint: model.summary.byEndpoint,
    },
    unknownRefs: model.unknownRefs,
  };
}

describe('the report model against a plain reference model', () => {
  test('on 300 random inputs, the fast model gives the rows, summary counts and unknown references the reference gives', () => {
    let rows = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const input = generateReportInput(prng(seed), { extras: seed % 2 === 0 });
      const fast = comparable(buildReportModel(input));
      const reference = referenceReportModel(input);
      // Named by seed, so that a failing case can be built again on its own.
      expect({ seed, model: fast }).toEqual({ seed, model: reference });
      rows += reference.rows.length;
    }
    // The inputs are not trivial: rows merged from repeats, spread over the cases.
    expect(rows).toBeGreaterThan(3000);
  });

  test('a larger input, with weaknesses repeated many times, gives the same as the reference', () => {
    const input = generateReportInput(prng(20260701), { extras: true, maxFindings: 3000 });
    expect(input.findings.length).toBeGreaterThan(100);
    expect(comparable(buildReportModel(input))).toEqual(referenceReportModel(input));
  });
});
