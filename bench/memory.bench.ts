// memory: RSS peak of every service process the run started (VmHWM from /proc, the peak rather than the end value),
// against 250 MB; the heap figure after a sweep comes from refresh-sweep, which measures it.
import { BenchContext, Benchmark, BenchResult, round } from './lib/context';
import { peakRssSeen } from './lib/service';

const RSS_LIMIT_MB = 250;

export const memory: Benchmark = {
  name: 'memory',
  run(_ctx: BenchContext): Promise<BenchResult[]> {
    const services = peakRssSeen.filter((entry) => entry.name !== 'bare-fastify');
    const peak = Math.max(0, ...services.map((entry) => entry.bytes)) / 1e6;
    return Promise.resolve([
      {
        name: 'memory-rss-peak',
        figure: round(peak, 1),
        unit: 'MB',
        baseline: RSS_LIMIT_MB,
        ratio: round(RSS_LIMIT_MB / Math.max(peak, 1), 3),
        goal: 1,
        pass: peak <= RSS_LIMIT_MB,
        extra: {
          limitMB: RSS_LIMIT_MB,
          perProcess: Object.fromEntries(services.map((entry) => [entry.name, round(entry.bytes / 1e6, 1)])),
        },
      },
    ]);
  },
};
