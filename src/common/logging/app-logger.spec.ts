import { AppLogger } from './app-logger';
import { Redactor } from './redact';
import { requestContext, requestIdFrom } from './request-context';

function capture(format: 'json' | 'pretty', level: 'info' | 'debug' = 'info') {
  const lines: string[] = [];
  const redactor = new Redactor();
  redactor.addSecret('s3cret-value');
  const logger = new AppLogger({ level, format, write: (line) => lines.push(line), redactor });
  return { logger, lines };
}

describe('AppLogger', () => {
  it('writes one JSON object per line with level, context and message, below the threshold nothing', () => {
    const { logger, lines } = capture('json');
    logger.log('started', 'Main');
    logger.debug('hidden', 'Main');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toEqual({ level: 'info', time: expect.any(String), context: 'Main', msg: 'started' });
  });

  it('adds the id of the request being served, also to lines written by later asynchronous work', async () => {
    const { logger, lines } = capture('json');
    await requestContext.run({ reqId: 'req-7' }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      logger.warn('inside', 'Test');
    });
    logger.warn('outside', 'Test');
    expect(lines.map((line) => JSON.parse(line).reqId)).toEqual(['req-7', undefined]);
  });

  it('redacts fields and, last, the whole line: whoever logged it, through pino itself too', () => {
    const { logger, lines } = capture('json');
    logger.error(
      'failed with s3cret-value',
      { access_token: 'abc', note: 'GET /callback?code=xyz123&state=st' },
      'Ctx',
    );
    logger.pino.info({ header: 'Bearer s3cret-value' }, 'raw pino s3cret-value');
    const output = lines.join('');
    for (const leaked of ['s3cret-value', '"abc"', 'xyz123', '=st']) expect(output).not.toContain(leaked);
    expect(output).toContain('[REDACTED]');
  });

  it('writes readable lines in the pretty format', () => {
    const { logger, lines } = capture('pretty');
    requestContext.run({ reqId: 'req-9' }, () => logger.log('hello', 'Main'));
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\S+ INFO {2}\[Main\] hello \(req req-9\)\n$/);
  });
});

describe('requestIdFrom', () => {
  it('keeps a plausible caller id and replaces anything else with a UUID', () => {
    expect(requestIdFrom('abc-123_x.y:z')).toBe('abc-123_x.y:z');
    for (const bad of [undefined, '', 'with space', 'x'.repeat(129), ['a', 'b'], 'quote"']) {
      expect(requestIdFrom(bad)).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});
