import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

import { type Simulator, startSimulator } from '../simulator';
import { waitFor } from '../simulator/test-kit';
import { Cleanup } from '../support/cleanup';
import { createTestSchema } from '../support/database';
import { freePort } from '../support/free-port';

const ROOT = path.resolve(__dirname, '../..');
const run = promisify(execFile);

/** `npm run build` (nest build) in the copy; ~15 s each on a small machine. */
async function build(dir: string): Promise<void> {
  await run(process.execPath, [path.join(dir, 'node_modules/@nestjs/cli/bin/nest.js'), 'build'], { cwd: dir });
}

function filesUnder(dir: string, suffix: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith(suffix) && !file.endsWith(`.spec${suffix}`))
    .map((file) => file.slice(0, -suffix.length))
    .sort();
}

/**
 * `npm run build` then `npm start`, on a copy of the repository's build inputs (src, package.json, tsconfig and
 * nest-cli.json; node_modules linked), so that the repository's own dist is never touched.
 */
describe('npm run build && npm start (dist/main.js)', () => {
  const cleanup = new Cleanup();
  let dir: string;
  let sim: Simulator;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'lark-build-'));
    cleanup.add(() => rmSync(dir, { recursive: true, force: true }));
    for (const entry of ['src', 'package.json', 'tsconfig.json', 'tsconfig.build.json', 'nest-cli.json']) {
      cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
    }
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    sim = await startSimulator({ quiet: true });
    cleanup.add(() => sim.close());
    await build(dir);
  }, 60_000);
  afterAll(() => cleanup.run(), 20_000);

  /** Starts dist/main.js as `npm start` would; stopped again in afterAll. */
  async function start(env: Record<string, string>): Promise<{ child: ChildProcess; output: () => string }> {
    const schema = await createTestSchema();
    cleanup.add(() => schema.drop());
    const port = await freePort();
    const child = spawn(process.execPath, ['dist/main.js'], {
      cwd: dir,
      env: {
        PATH: process.env.PATH,
        LARK_APP_ID: 'cli_0123456789abcdef',
        LARK_APP_SECRET: 'sim-app-secret',
        OAUTH_REDIRECT_URI: `http://127.0.0.1:${port}/callback`,
        CALLBACK_SERVER_HOST: '127.0.0.1',
        CALLBACK_SERVER_PORT: String(port),
        DATABASE_URL: schema.url,
        TOKEN_ENCRYPTION_KEYS: 'k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
        JOBS_ENABLED: 'false',
        ...env,
      },
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    cleanup.add(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    });
    return { child, output: () => output };
  }

  it('builds a complete dist every time, also after one file changed, and the build starts and serves', async () => {
    const sources = filesUnder(path.join(dir, 'src'), '.ts');
    expect(filesUnder(path.join(dir, 'dist'), '.js')).toEqual(sources);

    // nest-cli deletes dist before compiling; an incremental tsc with a surviving tsbuildinfo then emitted only
    // the changed file, and `npm start` died with MODULE_NOT_FOUND.
    appendFileSync(path.join(dir, 'src/health/health.controller.ts'), '\n// changed\n');
    await build(dir);
    expect(filesUnder(path.join(dir, 'dist'), '.js')).toEqual(sources);

    const service = await start({ LARK_DOMAIN: sim.url });
    const listening = /lark-card-auth listening on (http:\/\/\S+)/;
    await waitFor(() => listening.test(service.output()), 30_000, 'the service to listen');
    const base = listening.exec(service.output())?.[1] as string;
    await waitFor(async () => (await fetch(`${base}/readyz`)).status === 200, 15_000, 'the service to be ready');
    expect(service.output()).not.toContain('MODULE_NOT_FOUND');
  }, 120_000);

  it('says how to start the simulator when LARK_DOMAIN is a local address where nothing listens', async () => {
    const closed = await freePort();
    const service = await start({ LARK_DOMAIN: `http://127.0.0.1:${closed}` });
    await waitFor(() => service.output().includes('npm run simulator'), 20_000, 'the start-up hint');
    expect(service.output()).toContain(`Nothing answers at LARK_DOMAIN http://127.0.0.1:${closed} (ECONNREFUSED)`);
  }, 30_000);
});
