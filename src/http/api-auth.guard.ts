import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

import { AppError } from '../common/errors/app-error';
import { ApiTokensNotConfiguredError, UnauthorizedError } from '../common/errors/common.errors';
import { bearerToken, indexOfSecret } from '../common/security/constant-time';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ApiAccess, recordApiAccess } from './app-access';

/** What the request's bearer token may use, or why it may not use /api at all (no API_TOKENS, no matching token). */
export function apiAccessOf(config: AppConfig, authorization: string | string[] | undefined): ApiAccess | AppError {
  if (config.apiTokens.length === 0) return new ApiTokensNotConfiguredError();
  const presented = bearerToken(authorization);
  const index = presented
    ? indexOfSecret(
        presented,
        config.apiTokens.map(({ token }) => token),
      )
    : -1;
  const token = config.apiTokens[index];
  if (!token) return new UnauthorizedError('Send Authorization: Bearer <one of API_TOKENS>.');
  const configured = config.apps.map((app) => app.appId);
  return { configured, allowed: token.appIds ?? configured };
}

export function apiAccessProblem(
  config: AppConfig,
  authorization: string | string[] | undefined,
): AppError | undefined {
  const access = apiAccessOf(config, authorization);
  return access instanceof AppError ? access : undefined;
}

/**
 * Bearer auth for /api: tokens from API_TOKENS; with none configured the API is closed, and says why. An onRequest
 * hook (http-server.ts) already refuses before the body is read; this guard keeps each controller safe on its own and
 * records which apps the token may use (read by @ApiApp).
 */
@Injectable()
export class ApiAuthGuard implements CanActivate {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const access = apiAccessOf(this.config, request.headers.authorization);
    if (access instanceof AppError) throw access;
    recordApiAccess(request, access);
    return true;
  }
}
