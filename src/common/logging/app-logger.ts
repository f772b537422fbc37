import { LoggerService } from '@nestjs/common';

import { Redactor, redactor as sharedRedactor } from './redact';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

const LEVEL_ORDER: Record<LogLevel, number> = { fatal: 0, error: 1, warn: 2, info: 3, debug: 4, trace: 5 };

export interface AppLoggerOptions {
  level: LogLevel;
  format: LogFormat;
  /** Where lines go; tests capture them here. */
  write?: (line: string) => void;
  redactor?: Redactor;
}

/** Nest logger writing one JSON (or human) line per entry, with every message and field passed through the redactor. */
export class AppLogger implements LoggerService {
  private readonly threshold: number;
  private readonly write: (line: string) => void;
  private readonly redactor: Redactor;

  constructor(private readonly options: AppLoggerOptions) {
    this.threshold = LEVEL_ORDER[options.level];
    this.write = options.write ?? ((line) => process.stdout.write(line));
    this.redactor = options.redactor ?? sharedRedactor;
  }

  log(message: unknown, ...rest: unknown[]): void {
    this.emit('info', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.emit('fatal', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.emit('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.emit('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.emit('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.emit('trace', message, rest);
  }

  private emit(level: LogLevel, message: unknown, rest: unknown[]): void {
    if (LEVEL_ORDER[level] > this.threshold) return;
    // Nest passes the context as the last string argument, and for errors the stack before it.
    const args = [...rest];
    const context = typeof args[args.length - 1] === 'string' ? (args.pop() as string) : undefined;
    const extra = args.filter((arg) => arg !== undefined);
    const entry: Record<string, unknown> = {
      time: new Date().toISOString(),
      level,
      ...(context ? { context } : {}),
      msg: this.redactor.text(typeof message === 'string' ? message : safeJson(this.redactor.value(message))),
    };
    if (extra.length > 0) entry.details = this.redactor.value(extra.length === 1 ? extra[0] : extra);
    this.write(this.options.format === 'json' ? `${JSON.stringify(entry)}\n` : pretty(entry));
  }
}

function pretty(entry: Record<string, unknown>): string {
  const { time, level, context, msg, details } = entry;
  const tail = details === undefined ? '' : ` ${safeJson(details)}`;
  return `${String(time)} ${String(level).toUpperCase().padEnd(5)} ${typeof context === 'string' ? `[${context}] ` : ''}${String(msg)}${tail}\n`;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
