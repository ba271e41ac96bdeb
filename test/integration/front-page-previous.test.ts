import { loadScenario, type Scenario } from '../fixtures/scenario';
import { documentedRequest } from '../fixtures/requests';
import { startHarness, waitForReport, type Harness } from '../support/harness';
import { readPdf } from '../support/pdf';

jest.setTimeout(180_000);

let h: Harness;
let s: Scenario;

beforeAll(async () => {
  h = await startHarness({ workers: true, label: 'front-prev' });
  s = await loadScenario(h.db);
});

afterAll(async () => {
  await h?.close();
});

/** Creates a PDF report, waits until it is ready and returns its id and text. */
async function report(body: ReturnType<typeof documentedRequest>): Promise<{ id: string; text: string }> {
  const created = await h.request('POST', '/api/v2/reports', { token: s.a.token, body });
  expect(created.status).toBe(202);
  const id = created.body.id as string;
  const ready = await waitForReport(h, id, s.a.token);
  expect(ready.body.status).toBe('ready');
  const redirect = await h.request('GET', `/api/v2/reports/${id}/download`, { token: s.a.token });
  const bytes = Buffer.from(await (await fetch(redirect.headers.get('location')!)).arrayBuffer());
  const { text } = await readPdf(bytes);
  return { id, text: text.replace(/\s+/g, ' ') };
}

/** The documented request over the scenario's endpoint for another period or severities. */
function request(scope: { to?: string; include_severities?: string[] }): ReturnType<typeof documentedRequest> {
  const body = documentedRequest([s.a.endpoint], 'pdf');
  return { ...body, scope: { ...body.scope, ...scope } } as ReturnType<typeof documentedRequest>;
}

describe('the change against the previous report of the same scope', () => {
  let first: { id: string; text: string };

  it('when a scope has no ready report yet, then the front page says there is nothing to compare against', async () => {
    first = await report(request({ to: '2026-05-31' }));
    expect(first.text).toContain('No earlier ready report of the same frameworks, endpoints and severities');
    // Treatment is read for every report now: with nothing recorded, each weakness is open, and the front page counts them.
    expect(first.text).toContain('Treatment: 2 open.');
    expect(first.text).not.toContain('Treatment not recorded');
  });

  it('when the next report of the same frameworks, endpoints and severities is made, then it compares against the first: the weakness found since is new', async () => {
    const second = await report(request({}));
    expect(second.text).toContain(
      `Since the previous report of the same scope (${first.id}, to 2026-05-31): 1 new, 0 no longer seen.`,
    );
    expect(second.text).toContain(`Against report ${first.id}`);
    expect(second.text).toMatch(/New: R\d{3} Wombat prompt leak/);
  });

  it('when the severities differ, then it is another scope and nothing is compared', async () => {
    const other = await report(request({ include_severities: ['critical'] }));
    expect(other.text).not.toContain(first.id);
    expect(other.text).toContain('No earlier ready report of the same frameworks, endpoints and severities');
  });
});
