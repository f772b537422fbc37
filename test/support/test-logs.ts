/**
 * Service, TypeORM and SDK log lines written during tests. A passing run prints none of them: they are kept
 * in a buffer that the test environment attaches to a failing test. LOG_LEVEL=debug (or trace) prints them live.
 */
export const LOG_BUFFER_KEY = '__larkTestLogs';
const MAX_LINES = 400;

export interface LogBuffer {
  lines: string[];
}

export function logsPrintLive(): boolean {
  return ['debug', 'trace'].includes((process.env.LOG_LEVEL ?? '').toLowerCase());
}

export function captureLog(line: string): void {
  if (logsPrintLive()) process.stdout.write(line.endsWith('\n') ? line : `${line}\n`);
  const buffer = (globalThis as Record<string, unknown>)[LOG_BUFFER_KEY] as LogBuffer | undefined;
  if (!buffer) return;
  buffer.lines.push(line.replace(/\n$/, ''));
  if (buffer.lines.length > MAX_LINES) buffer.lines.splice(0, buffer.lines.length - MAX_LINES);
}

/** One line for the person reading the test output (e.g. which checker ran), printed even in a passing run. */
export function printNote(text: string): void {
  process.stderr.write(`note: ${text}\n`);
}
