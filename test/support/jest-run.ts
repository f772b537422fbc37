import { spawn } from 'node:child_process';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
const JEST = require.resolve('jest/bin/jest');
const MAX_RUN_MS = 90_000;

export interface JestRun {
  code: number | null;
  output: string;
  timedOut: boolean;
}

/** A separate jest process, as `npm test` would start it; killed (and reported as timed out) if it hangs. */
export function runJest(args: string[], env: Record<string, string> = {}): Promise<JestRun> {
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

/**
 * A `--config` for one fixture suite of test/fixtures/jest (never matched by the real projects), with the unit
 * project's settings: the same test environment, log capture and teardown as every real suite.
 */
export async function fixtureConfig(fixture: string): Promise<string> {
  const { projects } = (await import(path.join(ROOT, 'jest.config.js'))) as {
    projects: Array<Record<string, unknown>>;
  };
  const unit = projects.find((project) => project.displayName === 'unit');
  return JSON.stringify({
    ...unit,
    rootDir: ROOT,
    displayName: 'fixture',
    roots: ['<rootDir>/test/fixtures/jest'],
    testMatch: [`**/${fixture}.fixture.ts`],
  });
}
