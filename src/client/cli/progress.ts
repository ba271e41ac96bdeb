import type { ImportJob, Report } from '../client';

/** Where progress is written: the CLI's stderr, or a test's stand-in. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** A display of something that moves on: `show` is called with every answer, `end` once it has ended. */
export interface Progress<T> {
  show(current: T): void;
  end(): void;
}

const BAR_WIDTH = 24;

function bar(percent: number): string {
  const done = Math.round((Math.min(100, Math.max(0, percent)) / 100) * BAR_WIDTH);
  return `[${'#'.repeat(done)}${'.'.repeat(BAR_WIDTH - done)}]`;
}

/** A report's progress as words: `rpt_… running rendering 60%`. */
export function reportProgressText(r: Pick<Report, 'id' | 'status' | 'progress'>): string {
  return `${r.id} ${r.status} ${r.progress.stage} ${Math.round(r.progress.percent)}%`;
}

/** An import job's progress as words: `imp_… running storing 45% 12 findings`. */
export function importProgressText(j: Pick<ImportJob, 'id' | 'status' | 'progress'>): string {
  return `${j.id} ${j.status} ${j.progress.phase} ${Math.round(importPercent(j))}% ${j.progress.findings} findings`;
}

/** How much of its file an import job has read, in percent; all of it once the job has ended. */
export function importPercent(j: Pick<ImportJob, 'status' | 'progress'>): number {
  if (j.status === 'succeeded') return 100;
  const { bytes_read: read, bytes_total: total } = j.progress;
  return total > 0 ? Math.min(100, (read / total) * 100) : 0;
}

/**
 * Shows progress on `stream`. On a terminal one line is redrawn in place, with a bar; elsewhere (a CI log) a
 * line is written only when the words change, so that a log shows each stage once and not every poll.
 */
function display<T>(stream: ProgressStream, text: (t: T) => string, percent: (t: T) => number): Progress<T> {
  let last = '';
  let width = 0;
  return {
    show(current) {
      const words = text(current);
      if (stream.isTTY) {
        const line = `${bar(percent(current))} ${words}`;
        // Spaces wipe what is left of a longer line before it.
        stream.write(`\r${line}${' '.repeat(Math.max(0, width - line.length))}`);
        width = line.length;
      } else if (words !== last) {
        stream.write(`${words}\n`);
      }
      last = words;
    },
    end() {
      if (stream.isTTY && width > 0) stream.write('\n');
      width = 0;
    },
  };
}

/** The progress of a report being made: status, stage and percent. */
export function reportProgress(stream: ProgressStream): Progress<Report> {
  return display(stream, reportProgressText, (r) => r.progress.percent);
}

/** The progress of an import job: status, phase, how much of the file is read and the findings stored. */
export function importProgress(stream: ProgressStream): Progress<ImportJob> {
  return display(stream, importProgressText, importPercent);
}
