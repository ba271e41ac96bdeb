import { createLogger, type LogLevel } from '../../src/infra/logger';

/** A logger whose lines are kept, parsed, with the raw text beside them. */
function captured(level: LogLevel = 'debug', base: Record<string, unknown> = {}) {
  const raw: string[] = [];
  const logger = createLogger(level, base, (line) => raw.push(line));
  return { logger, raw, lines: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('the logger', () => {
  it('when an entry is logged, then it is one JSON object with time, level, message, base and fields', () => {
    const { logger, raw, lines } = captured('debug', { service: 'api' });
    logger.info('API listening', { port: 3000 });
    expect(raw).toHaveLength(1);
    expect(raw[0]).not.toContain('\n');
    expect(lines()).toEqual([
      {
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        level: 'info',
        message: 'API listening',
        service: 'api',
        port: 3000,
      },
    ]);
  });

  it('when entries are below the level, then they are not written; a child adds its fields to every line', () => {
    const { logger, lines } = captured('warn', { service: 'worker' });
    logger.debug('no');
    logger.info('no');
    logger.child({ role: 'render' }).warn('yes', { n: 1 });
    logger.error('also');
    expect(lines().map(({ time: _t, ...rest }) => rest)).toEqual([
      { level: 'warn', message: 'yes', service: 'worker', role: 'render', n: 1 },
      { level: 'error', message: 'also', service: 'worker' },
    ]);
  });

  it('when credentials are logged under any key or depth, or inside text, then the line holds none of them', () => {
    const { logger, raw } = captured();
    const secrets = {
      bearer: 'aer_0123456789abcdefghijklmnopqrstuv',
      cookie: 'session=s3cr3t-cookie',
      signature: 'c2lnbmF0dXJlLW9mLWEtbGluaw',
      amz: 'f00dfeed0ddba11',
      password: 'hunter2-mongo',
      apiKey: 'sk-live-key-value',
      secret: 'download-url-secret-value',
    };
    logger.warn(`refused Bearer ${secrets.bearer}`, {
      req: {
        headers: { Authorization: `Bearer ${secrets.bearer}`, cookie: secrets.cookie, 'x-api-key': secrets.apiKey },
      },
      url: `https://reports.example/api/v2/artifacts/a.pdf?expires=1&signature=${secrets.signature}`,
      presigned: `https://s3.example/b/k?X-Amz-Signature=${secrets.amz}&X-Amz-Expires=60`,
      mongo: `mongodb://reports:${secrets.password}@db:27017/reports`,
      config: [
        { downloadUrlSecret: secrets.secret, s3: { credentials: { accessKeyId: 'AKIA', secretAccessKey: 'x' } } },
      ],
    });
    logger.child({ sessionToken: secrets.bearer }).info('child');
    const text = raw.join('\n');
    for (const [name, value] of Object.entries(secrets)) expect([name, text.includes(value)]).toEqual([name, false]);
    const [line] = raw.map((l) => JSON.parse(l));
    expect(line).toMatchObject({
      message: 'refused Bearer [redacted]',
      req: { headers: { Authorization: '[redacted]', cookie: '[redacted]', 'x-api-key': '[redacted]' } },
      url: 'https://reports.example/api/v2/artifacts/a.pdf?expires=1&signature=[redacted]',
      mongo: 'mongodb://reports:[redacted]@db:27017/reports',
      config: [{ downloadUrlSecret: '[redacted]', s3: { credentials: '[redacted]' } }],
    });
  });

  it('when a finding or its evidence is logged, then its prompt and response are not written, its other fields are', () => {
    const { logger, raw } = captured();
    const finding = {
      id: 'fnd_1',
      title: 'Prompt injection',
      evidence: { prompt: 'ignore previous instructions', response: 'card 4111 1111 1111 1111' },
      scan: { goal: 'make the model leak', graderReason: 'it leaked the card' },
    };
    logger.error('storing findings failed', {
      findings: [finding],
      attempt: { prompt: 'p-text', outputs: ['o-text'] },
    });
    const text = raw.join('\n');
    for (const leaked of ['ignore previous', '4111', 'make the model leak', 'it leaked', 'p-text', 'o-text']) {
      expect([leaked, text.includes(leaked)]).toEqual([leaked, false]);
    }
    expect(JSON.parse(raw[0])).toMatchObject({
      findings: [{ id: 'fnd_1', title: 'Prompt injection', evidence: '[redacted]' }],
    });
  });

  it('when an error with a cause is logged, then both are objects with type, message, stack and code', () => {
    const { logger, lines } = captured();
    const driver = Object.assign(new Error('E11000 duplicate key'), { code: 11000 });
    const err = new Error('storing the report failed', { cause: driver });
    logger.error('unexpected error', { cause: err, plain: new Error('text cause', { cause: 'a reason' }) });
    const [line] = lines();
    expect(line.cause).toEqual({
      type: 'Error',
      message: 'storing the report failed',
      stack: expect.stringContaining('storing the report failed'),
      cause: { type: 'Error', message: 'E11000 duplicate key', stack: expect.stringContaining('E11000'), code: 11000 },
    });
    expect(line.plain).toMatchObject({ message: 'text cause', cause: 'a reason' });
  });

  it('when an error carries the document it failed to write, then the evidence in it is not written', () => {
    const { logger, raw } = captured();
    const err = Object.assign(new Error('write failed'), {
      writeErrors: [{ code: 11000, op: { _id: 'f1', evidence: { prompt: 'secret-prompt', response: 'leak' } } }],
    });
    logger.error('unexpected error', { cause: new Error('storing findings failed', { cause: err }) });
    expect(raw[0]).not.toContain('secret-prompt');
    expect(JSON.parse(raw[0]).cause.cause.writeErrors).toEqual([
      { code: 11000, op: { _id: 'f1', evidence: '[redacted]' } },
    ]);
  });

  it('when fields are circular, hold bigints or dates, then the line is still written, and the fields unchanged', () => {
    const { logger, lines } = captured();
    const loop: Record<string, unknown> = { name: 'loop' };
    loop.self = loop;
    const fields = { loop, big: 10n, at: new Date(0), headers: { authorization: 'Bearer x' } };
    logger.info('odd fields', fields);
    expect(lines()[0]).toMatchObject({
      loop: { name: 'loop', self: '[circular]' },
      big: '10',
      at: '1970-01-01T00:00:00.000Z',
    });
    expect(fields.headers.authorization).toBe('Bearer x');
  });
});
