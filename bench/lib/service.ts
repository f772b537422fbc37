import { readdirSync, readFileSync } from 'node:fs';

import { Replica, startReplica } from '../../test/support/replica';

export interface Service extends Omit<Replica, 'stop'> {
  /** User + system CPU of the process so far, in milliseconds (from /proc). */
  cpuMs(): number;
  /** Peak resident set size so far (VmHWM), in bytes. */
  peakRss(): number;
  /** Stops the process (SIGTERM, SIGKILL after 10 s); returns its peak RSS. */
  stop(): Promise<number>;
}

/** Every peak RSS of every service process started in this run (the memory benchmark reports the largest). */
export const peakRssSeen: Array<{ name: string; bytes: number }> = [];

/** `node dist/main.js` (build first) in production mode, ready when /readyz answers 200. */
export async function startService(
  name: string,
  env: Record<string, string>,
  args: string[] = ['dist/main.js'],
): Promise<Service> {
  const replica = await startReplica(name, { NODE_ENV: 'production', LOG_LEVEL: 'warn', ...env }, args);
  let ended = false;
  void replica.exited.then(() => (ended = true));
  let lastPeak = 0;
  const peakRss = () => {
    if (ended) return lastPeak;
    try {
      const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${replica.pid}/status`, 'utf8'));
      lastPeak = match ? Number(match[1]) * 1024 : lastPeak;
    } catch {
      // ended meanwhile
    }
    return lastPeak;
  };
  return {
    ...replica,
    cpuMs: () => processCpuMs(replica.pid),
    peakRss,
    async stop() {
      const peak = peakRss();
      peakRssSeen.push({ name, bytes: peak });
      await replica.stop(10_000);
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
