// npm run bench:docs: from bench/results/latest.json, draws docs/performance.svg (each benchmark's ratio as a share
// of its goal, the goal line at 100 %) and rewrites the generated table between the markers in docs/performance.md.
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

import type { BenchResult } from './lib/context';

interface Report {
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; loadAverageAtEnd: number[] };
  date: string;
  quick: boolean;
  benchmarks: BenchResult[];
}

const ROOT = path.resolve(__dirname, '..');
const START = '<!-- bench:table:start (npm run bench:docs) -->';
const END = '<!-- bench:table:end -->';

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function chart(report: Report): string {
  const rowHeight = 28;
  const left = 190;
  const width = 190 + 600 + 300; // names, bars up to 200 % of the goal, labels
  const scale = 300; // pixels for 100 % of the goal
  const top = 40;
  const height = top + report.benchmarks.length * rowHeight + 30;
  const bars = report.benchmarks.map((result, index) => {
    const share = result.ratio / result.goal;
    const y = top + index * rowHeight;
    const barWidth = Math.max(1, Math.min(share, 2) * scale);
    const colour = result.pass ? '#2e7d32' : share >= 0.5 ? '#f9a825' : '#c62828';
    return [
      `<text x="${left - 8}" y="${y + 17}" text-anchor="end">${escapeXml(result.name)}</text>`,
      `<rect x="${left}" y="${y + 4}" width="${barWidth.toFixed(1)}" height="18" fill="${colour}"/>`,
      `<text x="${left + barWidth + 6}" y="${y + 17}">${Math.round(share * 100)} % (${result.figure} ${escapeXml(result.unit)})</text>`,
    ].join('\n');
  });
  const goalX = left + scale;
  const halfX = left + scale / 2;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="13">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="20" font-weight="bold">Share of goal per benchmark (${report.quick ? '--quick' : 'full'} run, ${report.date.slice(0, 10)}, ${report.machine.cpus} cores)</text>`,
    `<line x1="${goalX}" y1="${top - 6}" x2="${goalX}" y2="${height - 20}" stroke="#000" stroke-dasharray="4 3"/>`,
    `<text x="${goalX}" y="${height - 6}" text-anchor="middle">goal</text>`,
    `<line x1="${halfX}" y1="${top - 6}" x2="${halfX}" y2="${height - 20}" stroke="#888" stroke-dasharray="2 4"/>`,
    `<text x="${halfX}" y="${height - 6}" text-anchor="middle" fill="#555">half (CI smoke)</text>`,
    ...bars,
    '</svg>',
    '',
  ].join('\n');
}

export function table(report: Report): string {
  const lines = [
    `Run: ${report.date} · ${report.quick ? '`--quick`' : 'full'} · ${report.machine.cpus} × ${report.machine.cpuModel}, ` +
      `${report.machine.memoryGiB} GiB, Node ${report.machine.node}, load average at the end ${report.machine.loadAverageAtEnd.join(' / ')}`,
    '',
    '| benchmark | figure | baseline (same run) | ratio | goal | pass | also measured |',
    '|---|---|---|---|---|---|---|',
    ...report.benchmarks.map(
      (r) =>
        `| ${r.name} | ${r.figure} ${r.unit} | ${r.baseline} | ${r.ratio} | ≥ ${r.goal} | ${r.pass ? 'yes' : '**no**'} | ` +
        `${notes(r)} |`,
    ),
  ];
  return lines.join('\n');
}

// The figures besides the ratio that decide `pass`, and where the CPU goes.
const NOTED = [
  'p50Ms',
  'p99Ms',
  'c4P99Ms',
  'serviceCpuMsPerCallback',
  'serviceCpuMsPerSession',
  'serviceCpuMsPerRead',
  'postgresCpuMsPerCallback',
  'simulatorAndClientCpuMsPerCallback',
  'bareFastifyPerSecond',
  'eventLoopLagP99Ms',
  'tokenEndpointBusiestSecond',
  'refreshTokenReuse',
  'baselineUncappedTps',
  'firstScrapeMs',
  'scrapeAfterGaugeIntervalMs',
  'bodyBytes',
  'idleHeapMb',
  'heapAfterMb',
];

function notes(result: BenchResult): string {
  return NOTED.filter((key) => key in result.extra)
    .map((key) => `${key} ${String(result.extra[key])}`)
    .join(', ');
}

function main(): void {
  const report = JSON.parse(readFileSync(path.join(ROOT, 'bench/results/latest.json'), 'utf8')) as Report;
  writeFileSync(path.join(ROOT, 'docs/performance.svg'), chart(report));
  const docPath = path.join(ROOT, 'docs/performance.md');
  const doc = readFileSync(docPath, 'utf8');
  const start = doc.indexOf(START);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) throw new Error(`docs/performance.md has no ${START} … ${END} section`);
  writeFileSync(docPath, `${doc.slice(0, start + START.length)}\n${table(report)}\n${doc.slice(end)}`);
  console.log('docs/performance.svg and the table in docs/performance.md written');
}

main();
