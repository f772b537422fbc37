import { Logger, type LoggerService } from '@nestjs/common';

import { captureLog, logsPrintLive } from '../test-logs';

// Nest's default logger prints every level in colour, including TypeORM's debug lines (e.g. "query failed:
// duplicate key…" from tests that provoke constraint errors on purpose). Route them to the test log buffer.
if (!logsPrintLive()) {
  const write =
    (level: string) =>
    (message: unknown, ...rest: unknown[]): void => {
      const context = typeof rest[rest.length - 1] === 'string' ? ` [${String(rest[rest.length - 1])}]` : '';
      captureLog(`${level}${context} ${describe(message)}`);
    };
  const capturing: LoggerService = {
    log: write('LOG'),
    error: write('ERROR'),
    warn: write('WARN'),
    debug: write('DEBUG'),
    verbose: write('VERBOSE'),
    fatal: write('FATAL'),
  };
  Logger.overrideLogger(capturing);
}

function describe(message: unknown): string {
  if (typeof message === 'string') return message;
  if (message instanceof Error) return message.stack ?? message.message;
  return JSON.stringify(message);
}
