import { createServer, RequestListener } from 'node:http';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';

import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

import { AppError } from '../common/errors/app-error';
import { HTTP_STATUS_BY_CODE } from '../common/errors/error-codes';
import { requestIdFrom } from '../common/logging/request-context';
import type { AppConfig } from '../config/app-config';
import { apiAccessProblem } from './api-auth.guard';

/** A request must have arrived whole within this time (a body that never ends is cut off). */
export const REQUEST_TIMEOUT_MS = 15_000;
/** Every body we accept is a small JSON object. */
export const BODY_LIMIT_BYTES = 64 * 1024;

export function errorBody(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}

/**
 * Fastify options that answer every failure in the one error shape without echoing the URL: time limits for slow
 * or unfinished requests, a body limit, and no automatic HEAD routes (a HEAD of /callback must not exchange a code).
 * Fastify logs with the service's pino logger; its own per-request lines are replaced by ours (request-logging.ts).
 */
export function httpServerOptions(logger: FastifyBaseLogger): FastifyServerOptions {
  return {
    loggerInstance: logger,
    logController: withoutRequestLogging(),
    requestIdHeader: false,
    genReqId: (request) => requestIdFrom(request.headers['x-request-id']),
    trustProxy: true,
    bodyLimit: BODY_LIMIT_BYTES,
    requestTimeout: REQUEST_TIMEOUT_MS,
    // Node checks its request timeouts only every connectionsCheckingInterval (30 s by default).
    serverFactory: (handler: RequestListener) =>
      createServer({ requestTimeout: REQUEST_TIMEOUT_MS, connectionsCheckingInterval: 1_000 }, handler),
    exposeHeadRoutes: false,
    clientErrorHandler,
    frameworkErrors: (error, request, reply) => {
      const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
      const body = JSON.stringify(
        tooLong
          ? errorBody('URI_TOO_LONG', 'A path parameter is too long.')
          : errorBody('BAD_REQUEST', 'The request URL is not valid.'),
      );
      reply.raw.writeHead(tooLong ? 414 : 400, {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'x-request-id': request.id,
        'content-length': Buffer.byteLength(body),
      });
      reply.raw.end(body);
    },
  };
}

/**
 * Fastify's own "incoming request"/"request completed" lines switched off. Fastify checks `instanceof` against its
 * own LogController, so the class comes from the copy of Fastify that Nest's adapter runs.
 */
function withoutRequestLogging(): FastifyServerOptions['logController'] {
  const adapterFastify = createRequire(require.resolve('@nestjs/platform-fastify'))(
    'fastify',
  ) as typeof import('fastify');
  return new adapterFastify.LogController({ disableRequestLogging: true });
}

/** Errors Node's HTTP parser meets before there is a request (huge headers, a request that never arrives). */
function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'REQUEST_TIMEOUT', 'The request did not arrive in time.']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'HEADERS_TOO_LARGE', 'The request headers are too large.']
        : [400, 'BAD_REQUEST', 'The request could not be read.'];
  const body = JSON.stringify(errorBody(code, message));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${code}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `X-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\nConnection: close\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/**
 * Hooks that run before Nest: the API bearer token is checked before a body is read (so nobody without
 * credentials can hold a connection with a slow body), and every response says nosniff.
 */
export function installHttpHooks(app: NestFastifyApplication, config: AppConfig): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, reply, done) => {
    const problem = isApiPath(request.url) ? apiAccessProblem(config, request.headers.authorization) : undefined;
    if (!problem) return done();
    void reply
      .code(statusOf(problem))
      .header('cache-control', 'no-store')
      .send(errorBody(problem.code, problem.message));
  });
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    void reply.header('x-content-type-options', 'nosniff');
    done(null, payload);
  });
}

function isApiPath(url: string): boolean {
  return url.startsWith('/api/v1/') || url === '/api/v1';
}

function statusOf(error: AppError): number {
  return HTTP_STATUS_BY_CODE[error.code];
}
