import { ApiError, errorFromResponse } from '../../../src/client/api-error';
import { EvidenceClient, fileNameOf } from '../../../src/client/client';

/** A fetch that answers `answers` in turn and records every request it was given. */
function fakeFetch(answers: Response[]) {
  const requests: { url: string; method: string; headers: Record<string, string>; redirect?: string }[] = [];
  const fetch = (async (url: string, init: RequestInit = {}) => {
    requests.push({
      url,
      method: init.method ?? 'GET',
      headers: (init.headers ?? {}) as Record<string, string>,
      ...(init.redirect ? { redirect: init.redirect } : {}),
    });
    const answer = answers.shift();
    if (!answer) throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
    return answer;
  }) as typeof globalThis.fetch;
  return { fetch, requests };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

describe('the API client', () => {
  it('when it is given the API path or a trailing slash, then it calls the same address', () => {
    for (const base of [
      'https://evidence.example.com',
      'https://evidence.example.com/',
      'https://evidence.example.com/api/v2/',
    ]) {
      expect(new EvidenceClient({ baseUrl: base }).baseUrl).toBe('https://evidence.example.com');
    }
    expect(() => new EvidenceClient({ baseUrl: 'evidence.example.com' })).toThrow(
      'baseUrl "evidence.example.com" is not a URL; use one such as https://evidence.example.com',
    );
    expect(() => new EvidenceClient({ baseUrl: 'ftp://evidence.example.com' })).toThrow('must be an http or https URL');
  });

  it('when a report is created, then the body is JSON with the token and the idempotency key', async () => {
    const { fetch, requests } = fakeFetch([json(202, { id: 'rpt_1', status: 'queued' })]);
    const client = new EvidenceClient({ baseUrl: 'http://api.test', token: 'secret-token', fetch });
    await client.createReport(
      { title: 't', frameworks: ['OWASP_LLM'], scope: { endpoint_ids: ['ep_1'], from: 'a', to: 'b' } },
      { idempotencyKey: 'ci-1' },
    );
    expect(requests).toEqual([
      {
        url: 'http://api.test/api/v2/reports',
        method: 'POST',
        headers: {
          accept: 'application/json',
          authorization: 'Bearer secret-token',
          'content-type': 'application/json',
          'idempotency-key': 'ci-1',
        },
      },
    ]);
  });

  it("when the API answers an error, then it becomes one ApiError with the API's status, code, message, field and details", async () => {
    const { fetch } = fakeFetch([
      json(400, { error: { code: 'invalid_request', message: 'scope.from: must be a date', field: 'scope.from' } }),
      json(
        429,
        { error: { code: 'quota_exceeded', message: 'full', quota: 'active_reports', limit: 3 } },
        { 'retry-after': '30' },
      ),
    ]);
    const client = new EvidenceClient({ baseUrl: 'http://api.test', token: 't', fetch });
    const refused = await client.getReport('rpt_1').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({
      status: 400,
      code: 'invalid_request',
      message: 'scope.from: must be a date',
      field: 'scope.from',
    });
    const full = (await client.listReports().catch((e: unknown) => e)) as ApiError;
    expect(full.toJSON()).toEqual({
      status: 429,
      code: 'quota_exceeded',
      message: 'full',
      quota: 'active_reports',
      limit: 3,
    });
    expect(full.retryAfterSeconds).toBe(30);
  });

  it("when an answer is not the API's error shape, or no answer comes, then it is still an ApiError", async () => {
    const proxy = await errorFromResponse(
      new Response('<html>Bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }),
    );
    expect(proxy).toMatchObject({
      status: 502,
      code: 'http_502',
      message: 'the server answered 502 Bad Gateway: <html>Bad gateway</html>',
    });
    const { fetch } = fakeFetch([]);
    const down = await new EvidenceClient({ baseUrl: 'http://api.test:3000', fetch }).jwks().catch((e: unknown) => e);
    expect(down).toMatchObject({
      status: 0,
      code: 'unreachable',
      message: 'cannot reach http://api.test:3000: ECONNREFUSED',
    });
  });

  it('when a report is downloaded, then the redirect is followed without the token, and the file is named by the answer', async () => {
    const { fetch, requests } = fakeFetch([
      new Response(null, { status: 302, headers: { location: 'https://bucket.test/rpt_1.json?sig=abc' } }),
      new Response('{"a":1}', {
        status: 200,
        headers: {
          'content-type': 'application/json',
          'content-disposition': 'attachment; filename="rpt_1.json"',
          'x-artifact-signature': 'h..s',
        },
      }),
    ]);
    const client = new EvidenceClient({ baseUrl: 'http://api.test', token: 'secret-token', fetch });
    const artifact = await client.downloadReport('rpt_1', { version: 2 });
    expect(artifact).toEqual({
      fileName: 'rpt_1.json',
      contentType: 'application/json',
      bytes: new TextEncoder().encode('{"a":1}'),
      signature: 'h..s',
    });
    expect(requests).toEqual([
      {
        url: 'http://api.test/api/v2/reports/rpt_1/download?version=2',
        method: 'GET',
        headers: { accept: 'application/json', authorization: 'Bearer secret-token' },
        redirect: 'manual',
      },
      { url: 'https://bucket.test/rpt_1.json?sig=abc', method: 'GET', headers: {} },
    ]);
  });

  it("when a report is not ready to download, then the API's error is thrown", async () => {
    const { fetch } = fakeFetch([
      json(409, { error: { code: 'report_not_ready', message: 'report rpt_1 is running' } }),
    ]);
    await expect(
      new EvidenceClient({ baseUrl: 'http://api.test', token: 't', fetch }).downloadReport('rpt_1'),
    ).rejects.toMatchObject({
      status: 409,
      code: 'report_not_ready',
    });
  });

  it('when an import fails while the answer is held, then the job is answered with its error, not thrown', async () => {
    const failed = {
      id: 'imp_1',
      status: 'failed',
      error: { code: 'import_invalid', message: 'line 3: not JSON', line: 3 },
    };
    const { fetch, requests } = fakeFetch([json(422, failed)]);
    const client = new EvidenceClient({ baseUrl: 'http://api.test', token: 't', fetch });
    const job = await client.importFile(new Uint8Array([1, 2]), { endpointId: 'ep_1', includeEvals: true, wait: 30 });
    expect(job).toEqual(failed);
    expect(requests[0].url).toBe('http://api.test/api/v2/findings/imports?endpoint_id=ep_1&include_evals=true&wait=30');
  });

  it('when a Content-Disposition names a path or a hidden file, then no name is taken from it', () => {
    expect(fileNameOf('attachment; filename="rpt_1.pdf"')).toBe('rpt_1.pdf');
    expect(fileNameOf("attachment; filename*=UTF-8''rpt_1-v2.pdf")).toBe('rpt_1-v2.pdf');
    expect(fileNameOf('attachment; filename=rpt_1.json')).toBe('rpt_1.json');
    for (const bad of ['../../etc/passwd', '/tmp/x.pdf', '.bashrc', 'a/b.pdf', 'a..b', '', 'x y.pdf']) {
      expect(fileNameOf(`attachment; filename="${bad}"`)).toBeUndefined();
    }
    expect(fileNameOf("attachment; filename*=UTF-8''..%2F..%2Fx")).toBeUndefined();
    expect(fileNameOf(null)).toBeUndefined();
  });
});
