import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

import { AppError } from '../common/errors/app-error';
import { isDatabaseUnavailable } from '../common/errors/database-unavailable';
import { describeError } from '../common/errors/describe-error';
import { HTTP_STATUS_BY_CODE } from '../common/errors/error-codes';

/** Seconds a client is told to wait before trying again while the database is unreachable. */
const DATABASE_RETRY_AFTER_SECONDS = 5;

interface Described {
  status: number;
  code: string;
  message: string;
  headers?: Record<string, string>;
}

/**
 * Every JSON error leaves as `{ error: { code, message } }` and never echoes the request (its URL can carry a code
 * or state): expected errors with their code, a database outage as 503 with Retry-After, anything unexpected as a
 * logged 500 without details.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(HttpExceptionFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { status, code, message, headers } = this.describe(exception);
    void reply
      .status(status)
      .headers({ 'cache-control': 'no-store', ...headers })
      .send({ error: { code, message } });
  }

  private describe(exception: unknown): Described {
    if (exception instanceof AppError) {
      const status: number = HTTP_STATUS_BY_CODE[exception.code];
      if (status >= 500) this.logger.error(`${exception.code}: ${exception.message}`);
      return { status, code: exception.code, message: exception.message };
    }
    if (exception instanceof HttpException) return described(exception);
    if (isDatabaseUnavailable(exception)) {
      this.logger.warn(`database unavailable: ${describeError(exception)}`);
      return {
        status: HttpStatus.SERVICE_UNAVAILABLE,
        code: 'DATABASE_UNAVAILABLE',
        message: `The database is not answering; try again in ${DATABASE_RETRY_AFTER_SECONDS} seconds.`,
        headers: { 'retry-after': String(DATABASE_RETRY_AFTER_SECONDS) },
      };
    }
    if (isClientAbort(exception)) {
      // The client went away mid-request: nothing is wrong on our side.
      this.logger.debug(`request aborted by the client: ${describeError(exception)}`);
      return { status: 400, code: 'REQUEST_ABORTED', message: 'The request was aborted.' };
    }
    const status = (exception as { statusCode?: unknown } | null)?.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      // A Fastify error about the request itself (bad JSON, body too large, unsupported media type).
      return { status, code: HttpStatus[status] ?? 'BAD_REQUEST', message: fastifyMessage(status) };
    }
    this.logger.error(`unexpected error: ${describeError(exception, { stack: true })}`);
    return { status: HttpStatus.INTERNAL_SERVER_ERROR, code: 'INTERNAL', message: 'Internal error.' };
  }
}

/** Nest's own HTTP exceptions; a 404 is said without repeating the URL. */
function described(exception: HttpException): Described {
  const status: number = exception.getStatus();
  const code = HttpStatus[status] ?? 'HTTP_ERROR';
  if (status === 404) return { status, code, message: 'There is no such route.' };
  const response = exception.getResponse();
  const detail = typeof response === 'string' ? response : (response as { message?: unknown }).message;
  const message = Array.isArray(detail) ? detail.join('; ') : typeof detail === 'string' ? detail : exception.message;
  return { status, code, message };
}

function isClientAbort(exception: unknown): boolean {
  const { code, message } = (exception ?? {}) as { code?: unknown; message?: unknown };
  return code === 'ECONNRESET' || code === 'ECONNABORTED' || message === 'aborted';
}

function fastifyMessage(status: number): string {
  switch (status) {
    case 413:
      return 'The request body is too large.';
    case 415:
      return 'Send the body as application/json.';
    default:
      return 'The request body could not be read (send JSON).';
  }
}
