import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

import { AppError } from '../common/errors/app-error';
import { describeError } from '../common/errors/describe-error';
import { HTTP_STATUS_BY_CODE } from '../common/errors/error-codes';

/** Every JSON error leaves as `{ error: { code, message } }`; anything unexpected is a logged 500 without details. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(HttpExceptionFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { status, code, message } = this.describe(exception);
    void reply.status(status).header('cache-control', 'no-store').send({ error: { code, message } });
  }

  private describe(exception: unknown): { status: number; code: string; message: string } {
    if (exception instanceof AppError) {
      const status: number = HTTP_STATUS_BY_CODE[exception.code];
      if (status >= 500) this.logger.error(`${exception.code}: ${exception.message}`);
      return { status, code: exception.code, message: exception.message };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      return { status, code: HttpStatus[status] ?? 'HTTP_ERROR', message: httpMessage(exception) };
    }
    this.logger.error(`unexpected error: ${describeError(exception, { stack: true })}`);
    return { status: HttpStatus.INTERNAL_SERVER_ERROR, code: 'INTERNAL', message: 'Internal error.' };
  }
}

function httpMessage(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  return Array.isArray(message) ? message.join('; ') : typeof message === 'string' ? message : exception.message;
}
