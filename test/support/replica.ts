import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';

import { waitFor } from '../simulator/test-kit';
import { freePort } from './free-port';

const ROOT = path.resolve(__dirname, '../..');
const running = new Set<ChildProcess>();

// A replica must never outlive the test run, whatever happens to the suite that started it.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface Replica {
  name: string;
  baseUrl: string;
  pid: number;
  /** Every line the process wrote (stdout and stderr). */
  logs: string[];
  /** Resolves with the exit code (null after a signal) when the process has ended. */
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): void;
  /** SIGTERM and wait (SIGKILL after `killAfterMs`, if given); the exit code and how long the shutdown took. */
  stop(killAfterMs?: number): Promise<{ code: number | null; ms: number }>;
}

/**
 * The service as its own Node process, configured only by `env`, on a free port (CALLBACK_SERVER_PORT), ready when
 * /readyz says so. `args` is what node runs: `src/main.ts` compiled on the fly unless told otherwise (the
 * benchmarks run `dist/main.js`). This is how tests run several replicas against one database and one simulator.
 */
export async function startReplica(
  name: string,
  env: Record<string, string>,
  args: string[] = ['-r', '@swc-node/register', 'src/main.ts'],
): Promise<Replica> {
  const port = await freePort();
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
      ...env,
      CALLBACK_SERVER_HOST: '127.0.0.1',
      CALLBACK_SERVER_PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const logs: string[] = [];
  const collect = (chunk: Buffer) => logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      running.delete(child);
      resolve(code);
    });
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  let ended = false;
  void exited.then(() => (ended = true));
  try {
    await waitFor(
      async () => {
        if (ended) throw new Error(`replica ${name} exited while starting:\n${logs.slice(-20).join('\n')}`);
        return (await fetch(`${baseUrl}/readyz`).catch(() => undefined))?.status === 200;
      },
      60_000,
      `replica ${name} to be ready`,
    );
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw error;
  }
  return {
    name,
    baseUrl,
    pid: child.pid ?? 0,
    logs,
    exited,
    kill: (signal = 'SIGKILL') => void child.kill(signal),
    async stop(killAfterMs) {
      const started = Date.now();
      child.kill('SIGTERM');
      const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      const code = await exited;
      clearTimeout(timer);
      return { code, ms: Date.now() - started };
    },
  };
}
