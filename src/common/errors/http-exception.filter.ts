import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

import { AppError } from './app-error';

/** Stable error codes → HTTP status. Anything not listed is a 500 logged with its name only. */
const STATUS_BY_CODE: Record<string, number> = {
  VALIDATION_FAILED: HttpStatus.BAD_REQUEST,
  UNAUTHORIZED: HttpStatus.UNAUTHORIZED,
  API_TOKENS_NOT_CONFIGURED: HttpStatus.SERVICE_UNAVAILABLE,
  AUTH_SESSION_NOT_FOUND: HttpStatus.NOT_FOUND,
  USER_TOKEN_NOT_FOUND: HttpStatus.NOT_FOUND,
  REAUTHORIZATION_REQUIRED: HttpStatus.CONFLICT,
  AUTH_SESSION_NOT_PENDING: HttpStatus.CONFLICT,
  CARD_SEND_FAILED: HttpStatus.BAD_GATEWAY,
  FEISHU_REQUEST_FAILED: HttpStatus.BAD_GATEWAY,
  FEISHU_TEMPORARY_FAILURE: HttpStatus.BAD_GATEWAY,
  ENCRYPTION_KEY_UNKNOWN: HttpStatus.INTERNAL_SERVER_ERROR,
  TOKEN_DECRYPTION_FAILED: HttpStatus.INTERNAL_SERVER_ERROR,
  NOT_IMPLEMENTED: HttpStatus.NOT_IMPLEMENTED,
};

/** Every JSON error leaves as `{ error: { code, message } }`. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(HttpExceptionFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { status, code, message } = this.describe(exception);
    if (status >= 500) this.logger.error(`${code}: ${message}`);
    void reply.status(status).header('cache-control', 'no-store').send({ error: { code, message } });
  }

  private describe(exception: unknown): { status: number; code: string; message: string } {
    if (exception instanceof AppError) {
      return {
        status: STATUS_BY_CODE[exception.code] ?? HttpStatus.INTERNAL_SERVER_ERROR,
        code: exception.code,
        message: exception.message,
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      return { status, code: HttpStatus[status] ?? 'HTTP_ERROR', message: httpMessage(exception) };
    }
    const name = exception instanceof Error ? exception.name : typeof exception;
    return { status: HttpStatus.INTERNAL_SERVER_ERROR, code: 'INTERNAL', message: `Internal error (${name})` };
  }
}

function httpMessage(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  return Array.isArray(message) ? message.join('; ') : typeof message === 'string' ? message : exception.message;
}
