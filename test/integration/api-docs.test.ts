import { chromium, type Browser } from 'playwright-core';
import { buildOpenApiDocument } from '../../src/http/contract/document';
import { DOCS_CSP } from '../../src/http/headers';
import { startHarness, type Harness } from '../support/harness';
import { stackEnv } from '../support/stack';

jest.setTimeout(90_000);

let h: Harness;
let browser: Browser;

beforeAll(async () => {
  h = await startHarness({ label: 'api-docs' });
  browser = await chromium.launch({ executablePath: stackEnv().chromiumPath, headless: true, args: ['--no-sandbox'] });
});

afterAll(async () => {
  await browser?.close();
  await h.close();
});

describe('the API describes itself', () => {
  it('when /api/v2/openapi.json is asked for without a token, then it is the document the schemas build', async () => {
    const res = await h.request('GET', '/api/v2/openapi.json');

    expect([res.status, res.headers.get('content-type')]).toEqual([200, 'application/json; charset=utf-8']);
    expect(res.body).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument())));
  });

  it('when any JSON answer is read, then its policy lets nothing load, and only the docs page has a wider one', async () => {
    const json = await h.request('GET', '/api/v2/reports');
    const page = await h.request('GET', '/api/v2/docs');

    expect(json.headers.get('content-security-policy')).toBe(
      "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    );
    expect([page.status, page.headers.get('content-security-policy')]).toEqual([200, DOCS_CSP]);
    expect(DOCS_CSP).not.toMatch(/unsafe-eval|https?:|\*/);
    expect(DOCS_CSP).toContain("script-src 'self';");
  });

  it('when /api/v2/docs is opened in Chromium, then it renders the operations and asks nothing of any other server', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const requested: string[] = [];
    const violations: string[] = [];
    page.on('request', (req) => requested.push(req.url()));
    page.on('console', (msg) => {
      if (/Content Security Policy|Refused to/i.test(msg.text())) violations.push(msg.text());
    });
    try {
      await page.goto(`${h.baseUrl}/api/v2/docs`);
      // The operation's own heading, not its (collapsed) entry in the side menu.
      await page.locator('h2', { hasText: 'Create a report' }).first().waitFor({ timeout: 45_000 });
      const text = await page.locator('body').innerText();

      for (const summary of ['Create a report', 'Send findings', 'Import a scanner file', 'Record a test run']) {
        expect(text).toContain(summary);
      }
      const elsewhere = requested.filter(
        (url) => !url.startsWith(h.baseUrl) && !url.startsWith('data:') && !url.startsWith('blob:'),
      );
      expect(elsewhere).toEqual([]);
      expect(requested).toContain(`${h.baseUrl}/api/v2/openapi.json`);
      expect(violations).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
