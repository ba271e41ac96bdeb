import { sourceKey, type Finding, type FindingSource } from '../finding';
import type { ReportSource } from './types';

/** The source of findings that name none: they came through the API. */
const NO_SOURCE: FindingSource = Object.freeze({ tool: 'api' });

/** Whether two findings came from the same source. */
function sameSource(a: FindingSource, b: FindingSource): boolean {
  return (
    a === b ||
    (a.tool === b.tool && a.runId === b.runId && a.fileSha256 === b.fileSha256 && a.toolVersion === b.toolVersion)
  );
}

/** The sources of a report's findings, counted, in a stable order (tool, run, file). */
export function sourcesOf(findings: Iterable<Finding>): ReportSource[] {
  // Sources by run (or file, or tool), each run's few versions side by side; a finding from the same source as
  // the one before is counted straight away.
  const byRun = new Map<string, { source: FindingSource; entry: ReportSource }[]>();
  let last: FindingSource | undefined;
  let entry: ReportSource | undefined;
  for (const f of findings) {
    const s = f.source ?? NO_SOURCE;
    if (!last || !entry || !sameSource(s, last)) {
      const run = s.runId ?? s.fileSha256 ?? s.tool;
      let known = byRun.get(run);
      if (!known) {
        known = [];
        byRun.set(run, known);
      }
      let hit = known.find((k) => sameSource(k.source, s));
      if (!hit) {
        const counted: ReportSource = { tool: s.tool, findings: 0 };
        if (s.toolVersion !== undefined) counted.toolVersion = s.toolVersion;
        if (s.runId !== undefined) counted.runId = s.runId;
        if (s.fileSha256 !== undefined) counted.fileSha256 = s.fileSha256;
        hit = { source: s, entry: counted };
        known.push(hit);
      }
      last = s;
      entry = hit.entry;
    }
    entry.findings++;
  }
  return [...byRun.values()]
    .flatMap((known) => known.map(({ entry: e }): [string, ReportSource] => [sourceKey(e), e]))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, source]) => source);
}
