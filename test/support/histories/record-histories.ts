/**
 * Records the workflow histories that test/unit/workflow-replay.test.ts replays, by driving each scenario of
 * scenarios.ts through the API and the real workers on a real stack. Run by scripts/record-histories.sh (which
 * says when to run it), never by the test suite: its own jest configuration keeps it apart.
 *
 *   RECORD_SCENARIOS  the scenarios to record, by name, separated by spaces (default: every one)
 *   RECORD_SUFFIX     write `<file>.<suffix>.json` beside the histories already recorded (after a change behind
 *                     `patched()`: the old histories stay, as the workflows in flight are)
 *   RECORD_REPLACE    `1`: rewrite histories already recorded (only while no deployed worker ever ran that code)
 * Without RECORD_SUFFIX or RECORD_REPLACE a scenario whose files all exist is not run, and no file is rewritten.
 */
import { existsSync } from 'node:fs';
import { startHarness, type Harness } from '../harness';
import { historyFile, writeHistory } from './history-files';
import { recordingContext } from './recording-context';
import { FAILED_RETENTION_SECONDS, OFFBOARD_GRACE_SECONDS, SCENARIOS, type Scenario } from './scenarios';

jest.setTimeout(300_000);

const suffix = process.env.RECORD_SUFFIX || undefined;
const replace = process.env.RECORD_REPLACE === '1';

function selected(): readonly Scenario[] {
  const names = (process.env.RECORD_SCENARIOS ?? '').split(/\s+/).filter(Boolean);
  const unknown = names.filter((name) => !SCENARIOS.some((s) => s.name === name));
  if (unknown.length > 0) {
    throw new Error(
      `no scenario named ${unknown.join(', ')}; the scenarios are ${SCENARIOS.map((s) => s.name).join(', ')}`,
    );
  }
  return names.length === 0 ? SCENARIOS : SCENARIOS.filter((s) => names.includes(s.name));
}

const toRecord = selected().filter(
  (s) => suffix !== undefined || replace || s.files.some((file) => !existsSync(historyFile(file))),
);

let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    workers: true,
    label: 'histories',
    offboardGraceDays: OFFBOARD_GRACE_SECONDS / 86_400,
    failedRetentionMs: FAILED_RETENTION_SECONDS * 1000,
  });
});

afterAll(async () => {
  await h?.close();
});

const say = (line: string) => process.stderr.write(`${line}\n`);

if (toRecord.length === 0) {
  it('finds every history recorded already (RECORD_SUFFIX or RECORD_REPLACE records them again)', () => undefined);
}

for (const scenario of toRecord) {
  it(`${scenario.name}: ${scenario.what}`, async () => {
    const runs = await scenario.run(recordingContext(h));
    const missing = scenario.files.filter((file) => !runs[file]);
    if (missing.length > 0) throw new Error(`${scenario.name} recorded no run for ${missing.join(', ')}`);
    for (const file of scenario.files) {
      const target = historyFile(file, suffix);
      if (!replace && existsSync(target)) {
        say(`${file}: kept as recorded before`);
        continue;
      }
      const events = await writeHistory(h.temporal, runs[file], target);
      say(`${file}: ${events} events of ${runs[file].workflowId}`);
    }
    // A run recorded while it waits is stopped, so it does not outlive the recording on a shared stack.
    for (const run of Object.values(runs)) {
      const handle = h.temporal.workflow.getHandle(run.workflowId, run.runId);
      if ((await handle.describe()).status.name === 'RUNNING') await handle.terminate('recorded');
    }
  });
}
