import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CHECK_ID_HEADER, ContractCheck } from '../support/contract-check';

/** Answers one request through the check with a listener that writes `body` as JSON with `status`. */
function answer(
  check: ContractCheck,
  method: string,
  url: string,
  status: number,
  body: unknown,
  id = '1',
  routerUrl?: string,
): void {
  // Inside a router mounted at a prefix, Express shows the handler `req.url` without it and keeps `originalUrl`.
  const req = {
    method,
    url: routerUrl ?? url,
    ...(routerUrl ? { originalUrl: url } : {}),
    headers: { [CHECK_ID_HEADER]: id },
  } as unknown as IncomingMessage;
  const headers = new Map<string, string>();
  const res = Object.assign(new EventEmitter(), {
    statusCode: status,
    getHeader: (name: string) => headers.get(name.toLowerCase()),
    setHeader: (name: string, value: string) => headers.set(name.toLowerCase(), value),
    writeHead: () => res,
    write: () => true,
    end: () => res,
  });
  check.wrap((_req, r) => {
    r.setHeader('Content-Type', 'application/json; charset=utf-8');
    r.end(JSON.stringify(body));
  })(req, res as unknown as ServerResponse);
}

const check = new ContractCheck();

describe('the check of answers against the document', () => {
  it('when an answer is an error the operation documents, then nothing is found', () => {
    answer(check, 'GET', '/api/v2/reports/rpt_x', 404, { error: { code: 'report_not_found', message: 'no' } });
    expect(check.take('1')).toEqual([]);
  });

  it('when an answer has a status the operation does not document, then the check names it', () => {
    answer(check, 'POST', '/api/v2/reports', 200, {});
    expect(check.take('1')).toEqual(['POST /api/v2/reports → 200: status 200 is not documented for createReport']);
  });

  it('when a body misses a property the document requires, then the check names it', () => {
    answer(check, 'GET', '/api/v2/endpoints/ep_2026_abc123', 200, { id: 'ep_2026_abc123', name: 'x', description: '' });
    expect(check.take('1')).toEqual([
      expect.stringMatching(/^GET \/api\/v2\/endpoints\/ep_2026_abc123 → 200: body must have required property/),
    ]);
  });

  it('when an error body has a code outside the table, then the check refuses it', () => {
    answer(check, 'GET', '/api/v2/runs/run_x', 404, { error: { code: 'gone', message: 'no' } });
    expect(check.take('1')).toEqual([
      expect.stringContaining('body/error/code must be equal to one of the allowed values'),
    ]);
  });

  it('when the answer is sent from inside a router mounted at /api/v2, then it is checked against the whole path', () => {
    answer(check, 'GET', '/api/v2/runs/run_x', 200, { id: 'run_x' }, '1', '/runs/run_x');
    expect(check.take('1')).toEqual([
      expect.stringMatching(/^GET \/api\/v2\/runs\/run_x → 200: body must have required property/),
    ]);
  });

  it('when a path is not in the document, then it is not checked', () => {
    answer(check, 'GET', '/api/v2/docs/start.js', 200, 'x');
    expect(check.take('1')).toEqual([]);
  });
});
