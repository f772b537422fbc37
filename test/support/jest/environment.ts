import { TestEnvironment } from 'jest-environment-node';

import { LOG_BUFFER_KEY, type LogBuffer } from '../test-logs';
import { type HandleCounts, leftoverHandles, openHandleCounts } from './open-handles';

type EnvironmentArgs = ConstructorParameters<typeof TestEnvironment>;
interface TestEvent {
  name: string;
  test?: { errors: unknown[] };
}

const CLOSE_GRACE_MS = 3_000;

/**
 * Node's test environment, plus two things every tier needs:
 * - a test file that leaves a server, socket, child process or timer open fails, naming what it left, instead of
 *   keeping jest alive after the run (jest.config.js also sets forceExit, so the run always ends);
 * - the logs captured during a failing test are attached to that test's failure.
 */
export default class TestEnvironmentWithChecks extends TestEnvironment {
  private readonly logs: LogBuffer = { lines: [] };
  private baseline: HandleCounts = new Map();

  constructor(...args: EnvironmentArgs) {
    super(...args);
    this.global[LOG_BUFFER_KEY] = this.logs;
  }

  override async setup(): Promise<void> {
    await super.setup();
    this.baseline = openHandleCounts();
  }

  handleTestEvent(event: TestEvent): void {
    if (event.name !== 'test_done' || !event.test) return;
    if (event.test.errors.length > 0 && this.logs.lines.length > 0) {
      const attached = new Error(
        `Logs written up to this failure (LOG_LEVEL=debug prints them live):\n${this.logs.lines.join('\n')}`,
      );
      attached.stack = attached.message;
      event.test.errors.push(attached);
    }
    this.logs.lines.length = 0;
  }

  override async teardown(): Promise<void> {
    try {
      const leftover = await leftoverHandles(this.baseline, CLOSE_GRACE_MS);
      if (leftover.length > 0) {
        throw new Error(
          `This test file left open: ${leftover.join(', ')}. Close everything a suite starts in its afterAll, ` +
            'also when its beforeAll failed halfway.',
        );
      }
    } finally {
      await super.teardown();
    }
  }
}
