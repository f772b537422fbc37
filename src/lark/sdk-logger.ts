import { Logger } from '@nestjs/common';

import { redactor } from '../common/logging/redact';

type SdkLogMethod = (...args: unknown[]) => void;
export interface SdkLogger {
  error: SdkLogMethod;
  warn: SdkLogMethod;
  info: SdkLogMethod;
  debug: SdkLogMethod;
  trace: SdkLogMethod;
}

/**
 * The logger handed to the SDK. On a failed request the SDK logs the whole AxiosError, whose
 * `config.data` holds app_secret / client_secret / codes (docs/feishu-api.md, SDK pitfalls); we keep only the
 * method, path, status and Feishu's code and message, then pass the text through the redactor.
 */
export function createSdkLogger(context = 'LarkSdk'): SdkLogger {
  const logger = new Logger(context);
  const line = (args: unknown[]): string => redactor.text(reword(args.map(summarize).join(' ')));

  return {
    // A failed request the SDK dumps is also thrown to our client, which records, classifies and logs it with
    // context at the right level; the SDK's own copy (already stripped of secrets) is only worth a debug line.
    error: (...args) => (args.some(isRequestFailure) ? logger.debug(line(args)) : logger.error(line(args))),
    warn: (...args) => logger.warn(line(args)),
    info: (...args) => logger.log(line(args)),
    debug: (...args) => logger.debug(line(args)),
    trace: (...args) => logger.verbose(line(args)),
  };
}

/**
 * The SDK logs each failed reconnect attempt as "unable to connect to the server after trying N times", which reads
 * as if it gave up; it goes on retrying (until the server's ReconnectCount, when it reports that as an error).
 */
function reword(text: string): string {
  const attempt = /^ws unable to connect to the server after trying (\d+) times"?\)?$/.exec(text);
  return attempt ? `[ws] connection attempt ${attempt[1]} failed; retrying` : text;
}

function summarize(arg: unknown): string {
  if (typeof arg === 'string') return arg;
  if (arg instanceof Error || isAxiosLike(arg)) return summarizeError(arg as Error);
  if (Array.isArray(arg)) return arg.map(summarize).join(' ');
  if (arg && typeof arg === 'object') return JSON.stringify(redactor.value(arg));
  return String(arg);
}

interface AxiosLike {
  isAxiosError?: boolean;
  config?: { method?: string; url?: string };
  response?: { status?: number; data?: unknown };
  code?: string;
}

function isRequestFailure(arg: unknown): boolean {
  if (Array.isArray(arg)) return arg.some(isRequestFailure);
  return (arg instanceof Error && (arg as Error & AxiosLike).isAxiosError === true) || isAxiosLike(arg);
}

/** The SDK sometimes logs the request failure as a plain object whose config.data holds the whole request body. */
function isAxiosLike(arg: unknown): boolean {
  return typeof arg === 'object' && arg !== null && ('isAxiosError' in arg || ('config' in arg && 'response' in arg));
}

function summarizeError(error: Error): string {
  const axios = error as Error & AxiosLike;
  if (!axios.isAxiosError && !axios.config) return `${error.name}: ${error.message}`;
  const method = axios.config?.method?.toUpperCase() ?? '';
  const path = pathOnly(axios.config?.url);
  const status = axios.response?.status;
  const data = axios.response?.data as { code?: unknown; msg?: unknown } | undefined;
  const feishu = data && typeof data === 'object' ? ` code=${String(data.code)} msg=${String(data.msg)}` : '';
  return `request failed: ${method} ${path} status=${status ?? axios.code ?? 'none'}${feishu}`;
}

function pathOnly(url: string | undefined): string {
  if (!url) return '';
  try {
    return new URL(url, 'http://relative').pathname;
  } catch {
    return url.split('?')[0] ?? '';
  }
}
