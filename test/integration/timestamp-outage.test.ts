import { ERRORS } from '../../src/domain/errors';
import { loadScenario, scenarioRequest, type Scenario } from '../fixtures/scenario';
import { startHarness, waitForReport, type Harness } from '../support/harness';
import { freePort } from '../support/processes';

// The signing activity backs off 1, 2, 4, 8, 16, 30 and 30 seconds between its eight attempts.
jest.setTimeout(240_000);

let h: Harness;
let s: Scenario;

beforeAll(async () => {
  // A port nothing listens on: the authority is down for the whole test, as a crashed or unreachable one is.
  const down = `http://127.0.0.1:${await freePort()}/api/v1/timestamp`;
  h = await startHarness({ workers: true, label: 'tsa_down', tsaUrl: down });
  s = await loadScenario(h.db);
});

afterAll(async () => {
  await h?.close();
});

describe('a report signed while the time-stamping authority is down', () => {
  it('when every signing attempt finds the authority down, then the report fails with timestamp_unavailable and no artifact is issued', async () => {
    const created = await h.request('POST', '/api/v2/reports', { token: s.a.token, body: scenarioRequest(s, 'json') });
    expect(created.status).toBe(202);

    const res = await waitForReport(h, created.body.id, s.a.token, 200_000);
    expect(res.body).toMatchObject({
      status: 'failed',
      progress: { stage: 'failed', percent: 100 },
      error: { code: 'timestamp_unavailable', message: ERRORS.timestamp_unavailable.shown },
      artifact: null,
      links: { download: null },
    });
    const download = await h.request('GET', `/api/v2/reports/${created.body.id}/download`, { token: s.a.token });
    expect(download.status).toBe(409);
    expect(download.body.error).toMatchObject({ code: 'report_not_ready', status: 'failed' });

    // Signing was retried to the end of the activity's attempts before the report gave up.
    const handle = h.temporal.workflow.getHandle(`report-${created.body.id}`);
    await expect(handle.result()).rejects.toThrow();
    const history = await handle.fetchHistory();
    const scheduled = history.events!.find(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'signArtifact',
    );
    const started = history.events!.find(
      (e) => e.activityTaskStartedEventAttributes?.scheduledEventId?.toString() === scheduled?.eventId?.toString(),
    );
    expect(started?.activityTaskStartedEventAttributes?.attempt).toBe(8);
    const failed = history.events!.find((e) => e.activityTaskFailedEventAttributes);
    expect(failed?.activityTaskFailedEventAttributes?.failure?.applicationFailureInfo?.type).toBe(
      'timestamp_unavailable',
    );
    expect(failed?.activityTaskFailedEventAttributes?.failure?.message).toMatch(
      /^the time-stamping authority http:\/\/127\.0\.0\.1:\d+\/api\/v1\/timestamp is unreachable$/,
    );
  });
});
