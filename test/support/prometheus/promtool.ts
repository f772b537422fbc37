import { spawnSync } from 'node:child_process';

/** promtool (Debian's `prometheus` package) when it is on PATH; CI installs it. */
export function promtoolAvailable(): boolean {
  const probe = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
  return probe.error === undefined && probe.status === 0;
}

/** Runs promtool; its non-empty output lines are findings when it exits non-zero. */
export function runPromtool(args: string[], input?: string): string[] {
  const result = spawnSync('promtool', args, { input, encoding: 'utf8', timeout: 30_000 });
  if (result.error) throw result.error;
  if (result.status === 0) return [];
  return `${result.stdout}\n${result.stderr}`
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('Checking ') && line !== 'FAILED:');
}
