import { Logger, type LoggerService } from '@nestjs/common';

import { createSdkLogger } from './sdk-logger';

describe('createSdkLogger', () => {
  const lines: string[] = [];
  const capture = (message: unknown) => void lines.push(String(message));
  const logger: LoggerService = { log: capture, error: capture, warn: capture, debug: capture, verbose: capture };

  beforeEach(() => {
    lines.length = 0;
    Logger.overrideLogger(logger);
  });

  it("rewords the SDK's failed-reconnect line: the client keeps retrying", () => {
    // Exactly what @larksuiteoapi/node-sdk's WSClient passes, stray quote and parenthesis included.
    createSdkLogger().info('ws', 'unable to connect to the server after trying 3 times")');
    expect(lines).toEqual(['[ws] connection attempt 3 failed; retrying']);
  });

  it('passes other lines through', () => {
    createSdkLogger().error('[ws]', 'connect failed');
    expect(lines).toEqual(['[ws] connect failed']);
  });
});
