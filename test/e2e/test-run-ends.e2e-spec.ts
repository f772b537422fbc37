import { spawn } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const JEST = require.resolve('jest/bin/jest');
const MAX_RUN_MS = 90_000;

interface JestRun {
  code: number | null;
  output: string;
  timedOut: boolean;
}

/** A separate jest process, as `npm test` would start it; killed (and reported as timed out) if it hangs. */
function runJest(args: string[], env: Record<string, string> = {}): Promise<JestRun> {
  return new Promise((resolve, reject) => {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env, FORCE_COLOR: '0' };
    delete childEnv.JEST_WORKER_ID;
    const child = spawn(process.execPath, [JEST, '--ci', ...args], { cwd: ROOT, env: childEnv });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, MAX_RUN_MS);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, timedOut });
    });
  });
}

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
    const { projects } = (await import(path.join(ROOT, 'jest.config.js'))) as {
      projects: Array<Record<string, unknown>>;
    };
    const unit = projects.find((project) => project.displayName === 'unit');
    const config = {
      ...unit,
      rootDir: ROOT,
      displayName: 'fixture',
      roots: ['<rootDir>/test/fixtures/jest'],
      testMatch: ['**/*.fixture.ts'],
    };
    const run = await runJest(['--config', JSON.stringify(config), '--runInBand']);
    expect(run.timedOut).toBe(false);
    expect(run.code).toBe(1);
    expect(run.output).toContain('This test file left open: TCPServerWrap ×1 (a listening server)');
    // The test itself passed; the file failed for what it left, and the guard ended the process it kept alive.
    expect(run.output).toContain('Test Suites: 1 failed, 1 total');
    expect(run.output).toContain('still kept alive 5 s after it ended');
  }, 120_000);
});
