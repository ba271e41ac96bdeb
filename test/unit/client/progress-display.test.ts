import { importProgress, reportProgress, type ProgressStream } from '../../../src/client/cli/progress';
import type { ImportJob, Report } from '../../../src/client/client';

/** A stream that keeps what was written, as a terminal (`isTTY`) or as a CI log. */
function stream(isTTY: boolean): ProgressStream & { text: string } {
  const s = {
    isTTY,
    text: '',
    write(t: string) {
      s.text += t;
      return true;
    },
  };
  return s;
}

const report = (status: Report['status'], stage: Report['progress']['stage'], percent: number) =>
  ({ id: 'rpt_1', status, progress: { stage, percent } }) as Report;

const job = (status: ImportJob['status'], phase: ImportJob['progress']['phase'], read: number, findings = 0) =>
  ({ id: 'imp_1', status, progress: { phase, bytes_read: read, bytes_total: 200, findings } }) as ImportJob;

describe('the progress display', () => {
  it('when it writes to a log, then a line is written only when status, stage or percent change', () => {
    const log = stream(false);
    const progress = reportProgress(log);
    for (const r of [
      report('queued', 'queued', 0),
      report('queued', 'queued', 0),
      report('running', 'collecting', 10),
      report('running', 'rendering', 60),
      report('running', 'rendering', 60),
      report('running', 'signing', 85.4),
      report('ready', 'done', 100),
    ]) {
      progress.show(r);
    }
    progress.end();
    expect(log.text).toBe(
      [
        'rpt_1 queued queued 0%',
        'rpt_1 running collecting 10%',
        'rpt_1 running rendering 60%',
        'rpt_1 running signing 85%',
        'rpt_1 ready done 100%',
        '',
      ].join('\n'),
    );
  });

  it('when it writes to a terminal, then one line with a bar is redrawn in place and ended once', () => {
    const terminal = stream(true);
    const progress = reportProgress(terminal);
    progress.show(report('running', 'collecting', 50));
    progress.show(report('failed', 'failed', 0));
    progress.end();
    const first = `[${'#'.repeat(12)}${'.'.repeat(12)}] rpt_1 running collecting 50%`;
    const second = `[${'.'.repeat(24)}] rpt_1 failed failed 0%`;
    expect(terminal.text).toBe(`\r${first}\r${second}${' '.repeat(first.length - second.length)}\n`);
  });

  it('when nothing was shown on a terminal, then ending writes nothing', () => {
    const terminal = stream(true);
    reportProgress(terminal).end();
    expect(terminal.text).toBe('');
  });

  it('when an import is followed, then its phase, the share of the file read and the findings stored are shown', () => {
    const log = stream(false);
    const progress = importProgress(log);
    progress.show(job('queued', 'queued', 0));
    progress.show(job('running', 'checking', 50));
    progress.show(job('running', 'storing', 150, 7));
    // Done reads the whole file, whatever the last count of bytes said.
    progress.show(job('succeeded', 'done', 199, 9));
    expect(log.text).toBe(
      [
        'imp_1 queued queued 0% 0 findings',
        'imp_1 running checking 25% 0 findings',
        'imp_1 running storing 75% 7 findings',
        'imp_1 succeeded done 100% 9 findings',
        '',
      ].join('\n'),
    );
  });
});
