// npm run bench [-- --quick] [-- --only name,name]: builds the service, runs every benchmark in bench/*.bench.ts
// against real processes, real Postgres and the simulator, writes bench/results/latest.json and prints a table.
// Full run: exit 1 when a benchmark misses its goal. --quick (CI smoke): exit 1 only when a ratio is below half
// its goal.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, hostname, loadavg, totalmem } from 'node:os';
import * as path from 'node:path';

import { callback } from './callback.bench';
import { BenchContext, Benchmark, BenchResult } from './lib/context';
import { memory } from './memory.bench';
import { metricsScrape } from './metrics-scrape.bench';
import { refreshSweep } from './refresh-sweep.bench';
import { sessionCreate } from './session-create.bench';
import { tokenCipher } from './token-cipher.bench';
import { tokenRead } from './token-read.bench';

const BENCHMARKS: Benchmark[] = [tokenCipher, callback, sessionCreate, tokenRead, refreshSweep, metricsScrape, memory];

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const onlyIndex = args.indexOf('--only');
  const only = onlyIndex >= 0 ? (args[onlyIndex + 1] ?? '').split(',') : undefined;
  const root = path.resolve(__dirname, '..');
  const started = Date.now();
  if (!args.includes('--no-build')) execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });

  const ctx = await BenchContext.create(quick);
  const results: BenchResult[] = [];
  try {
    for (const benchmark of BENCHMARKS) {
      if (only && !only.includes(benchmark.name)) continue;
      const began = Date.now();
      process.stderr.write(`bench: ${benchmark.name}…\n`);
      results.push(...(await benchmark.run(ctx)));
      process.stderr.write(`bench: ${benchmark.name} done in ${((Date.now() - began) / 1000).toFixed(1)} s\n`);
    }
  } finally {
    await ctx.close();
  }

  const report = {
    machine: {
      hostname: hostname(),
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      loadAverageAtEnd: loadavg().map((value) => Number(value.toFixed(2))),
    },
    date: new Date().toISOString(),
    quick,
    seconds: Math.round((Date.now() - started) / 1000),
    benchmarks: results,
  };
  mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  writeFileSync(path.join(root, 'bench/results/latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(table(results));
  console.log(`${quick ? 'quick' : 'full'} run in ${report.seconds} s; bench/results/latest.json written`);

  const failing = results.filter((result) => (quick ? result.ratio < result.goal / 2 : !result.pass));
  if (failing.length > 0) {
    console.error(`below ${quick ? 'half of ' : ''}the goal: ${failing.map((result) => result.name).join(', ')}`);
    process.exitCode = 1;
  }
}

function table(results: BenchResult[]): string {
  const rows = [
    ['benchmark', 'figure', 'unit', 'baseline', 'ratio', 'goal', 'pass'],
    ...results.map((r) => [
      r.name,
      String(r.figure),
      r.unit,
      String(r.baseline),
      String(r.ratio),
      `≥ ${r.goal}`,
      r.pass ? 'yes' : 'NO',
    ]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ')).join('\n');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
