import { LoggerService } from '@nestjs/common';
import pino, { Logger as PinoLogger } from 'pino';

import { Redactor, redactor as sharedRedactor } from './redact';
import { currentRequestId } from './request-context';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface AppLoggerOptions {
  level: LogLevel;
  format: LogFormat;
  /** Where lines go; tests capture them here. */
  write?: (line: string) => void;
  redactor?: Redactor;
}

/**
 * The Nest logger, over the same pino instance Fastify logs with (`pino`). Every line carries the id of the
 * HTTP request being served (`reqId`, from AsyncLocalStorage) when there is one. Fields pass through the
 * redactor, and the finished line through it once more as the very last step, so nothing reaches the output
 * unredacted whoever logged it. `json`: one JSON object per line; `pretty`: one readable line.
 */
export class AppLogger implements LoggerService {
  readonly pino: PinoLogger;

  constructor(options: AppLoggerOptions) {
    const write = options.write ?? ((line: string) => void process.stdout.write(line));
    const redactor = options.redactor ?? sharedRedactor;
    const format = options.format === 'pretty' ? prettyLine : (line: string) => line;
    this.pino = pino(
      {
        level: options.level,
        base: undefined,
        messageKey: 'msg',
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: {
          level: (label) => ({ level: label }),
          log: (fields) => redactor.value(fields) as Record<string, unknown>,
        },
        // Fastify's request loggers are children bound to reqId already.
        mixin: (_fields, _level, logger) => {
          const reqId = currentRequestId();
          return reqId && !('reqId' in logger.bindings()) ? { reqId } : {};
        },
      },
      { write: (line: string) => write(format(redactor.text(line))) },
    );
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
    if (!this.pino.isLevelEnabled(level)) return;
    // Nest passes the context as the last string argument, and for errors the stack before it.
    const args = [...rest];
    const context = typeof args[args.length - 1] === 'string' ? (args.pop() as string) : undefined;
    const extra = args.filter((arg) => arg !== undefined);
    const fields: Record<string, unknown> = context ? { context } : {};
    if (extra.length > 0) fields.details = extra.length === 1 ? extra[0] : extra;
    this.pino[level](fields, typeof message === 'string' ? message : safeJson(describeMessage(message)));
  }
}

/** Non-string messages are logged as JSON; the line is redacted afterwards like every other. */
function describeMessage(message: unknown): unknown {
  return message instanceof Error ? `${message.name}: ${message.message}` : message;
}

const PRETTY_OMIT = new Set(['time', 'level', 'context', 'msg', 'reqId']);

/** `2026-01-01T00:00:00.000Z INFO  [Context] message (req abc) {"other":"fields"}` from one JSON line. */
function prettyLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const { time, level, context, msg, reqId } = entry;
  const rest = Object.fromEntries(Object.entries(entry).filter(([key]) => !PRETTY_OMIT.has(key)));
  return (
    `${String(time)} ${String(level).toUpperCase().padEnd(5)} ` +
    `${typeof context === 'string' ? `[${context}] ` : ''}${typeof msg === 'string' ? msg : safeJson(msg)}` +
    `${typeof reqId === 'string' ? ` (req ${reqId})` : ''}` +
    `${Object.keys(rest).length > 0 ? ` ${safeJson(rest)}` : ''}\n`
  );
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
