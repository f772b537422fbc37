import { redactor } from '../logging/redact';

const MAX_STACK_FRAMES = 8;

/** `Name: message` for a log line, redacted; with `stack`, the first frames too (for errors nobody expected). */
export function describeError(error: unknown, options: { stack?: boolean } = {}): string {
  if (!(error instanceof Error)) return redactor.text(String(error));
  const frames = options.stack
    ? (error.stack ?? '')
        .split('\n')
        .slice(1, MAX_STACK_FRAMES + 1)
        .map((line) => line.trim())
    : [];
  return redactor.text([`${error.name}: ${error.message}`, ...frames].join(' | '));
}
