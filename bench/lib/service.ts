import { ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

import { freePort } from '../../test/support/free-port';

const ROOT = path.resolve(__dirname, '../..');
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface Service {
  name: string;
  baseUrl: string;
  pid: number;
  logs: string[];
  /** User + system CPU of the process so far, in milliseconds (from /proc). */
  cpuMs(): number;
  /** Peak resident set size so far (VmHWM), in bytes. */
  peakRss(): number;
  /** Stops the process (SIGTERM, SIGKILL after 10 s); returns its peak RSS. */
  stop(): Promise<number>;
  kill(): void;
  exited: Promise<number | null>;
}

/** Every peak RSS of every service process started in this run (the memory benchmark reports the largest). */
export const peakRssSeen: Array<{ name: string; bytes: number }> = [];

/** `node dist/main.js` (build first), ready when /readyz answers 200. */
export async function startService(
  name: string,
  env: Record<string, string>,
  args: string[] = ['dist/main.js'],
): Promise<Service> {
  const port = await freePort();
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'warn',
      ...env,
      CALLBACK_SERVER_HOST: '127.0.0.1',
      CALLBACK_SERVER_PORT: String(port),
      PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const logs: string[] = [];
  const collect = (chunk: Buffer) => logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let ended = false;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      ended = true;
      running.delete(child);
      resolve(code);
    }),
  );
  const pid = child.pid ?? 0;
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (ended) throw new Error(`${name} exited while starting:\n${logs.slice(-20).join('\n')}`);
    const status = await fetch(`${baseUrl}/readyz`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} not ready within 60 s:\n${logs.slice(-20).join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  let lastPeak = 0;
  const peakRss = () => {
    if (ended) return lastPeak;
    try {
      const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      lastPeak = match ? Number(match[1]) * 1024 : lastPeak;
    } catch {
      // ended meanwhile
    }
    return lastPeak;
  };
  return {
    name,
    baseUrl,
    pid,
    logs,
    exited,
    cpuMs: () => {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
    },
    peakRss,
    kill: () => void child.kill('SIGKILL'),
    async stop() {
      const peak = peakRss();
      peakRssSeen.push({ name, bytes: peak });
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      return peak;
    },
  };
}

/** CPU milliseconds (user + system) of any process, 0 when it is gone. */
export function processCpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}

/** CPU milliseconds of every `postgres` process on the machine (other users of the server included). */
export function postgresCpuMs(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      const fields = stat.split(') ')[1]?.split(' ') ?? [];
      total += ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
    } catch {
      // gone meanwhile
    }
  }
  return total;
}
