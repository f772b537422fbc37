import * as path from 'node:path';

import { fixtureConfig, ROOT, runJest } from '../support/jest-run';

// Issue #8: a run on a machine without Chromium never exited. Whatever a suite leaves behind, the run ends.
describe('a test run always ends', () => {
  it('when the browser fails to launch: the suite fails, cleans up what it started, and the run exits', async () => {
    // An existing file that is not a program: launching it fails at once.
    const run = await runJest(['--selectProjects', 'e2e', '--runInBand', 'test/e2e/browser-flow.e2e-spec.ts'], {
      CHROMIUM_PATH: path.join(ROOT, 'package.json'),
    });
    expect(run.timedOut).toBe(false);
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/Chromium \(CHROMIUM_PATH, .*package\.json\) did not start/);
    expect(run.output).toContain('Tests:       1 failed, 1 total');
    // The harness that did start (simulator, service, schema) was stopped: nothing left open, no forced exit.
    expect(run.output).not.toContain('left open');
    expect(run.output).not.toContain('still kept alive');
  }, 120_000);

  it('when a suite leaves a server listening: that file fails, naming it, and the run exits with a failure', async () => {
    const run = await runJest(['--config', await fixtureConfig('leaves-a-server-open'), '--runInBand']);
    expect(run.timedOut).toBe(false);
    expect(run.code).toBe(1);
    expect(run.output).toContain('This test file left open: TCPServerWrap ×1 (a listening server)');
    // The test itself passed; the file failed for what it left, and the guard ended the process it kept alive.
    expect(run.output).toContain('Test Suites: 1 failed, 1 total');
    expect(run.output).toContain('still kept alive 5 s after it ended');
  }, 120_000);
});
