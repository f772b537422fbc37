import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

import { AppError } from '../common/errors/app-error';
import { ApiTokensNotConfiguredError, UnauthorizedError } from '../common/errors/common.errors';
import { bearerToken, matchesAnySecret } from '../common/security/constant-time';
import { APP_CONFIG, AppConfig } from '../config/app-config';

/** Why a request may not use /api: no API_TOKENS configured, or no matching bearer token. */
export function apiAccessProblem(
  config: AppConfig,
  authorization: string | string[] | undefined,
): AppError | undefined {
  if (config.apiTokens.length === 0) return new ApiTokensNotConfiguredError();
  const presented = bearerToken(authorization);
  if (!presented || !matchesAnySecret(presented, config.apiTokens)) {
    return new UnauthorizedError('Send Authorization: Bearer <one of API_TOKENS>.');
  }
  return undefined;
}

/**
 * Bearer auth for /api: tokens from API_TOKENS; with none configured the API is closed, and says why. An onRequest
 * hook (http-server.ts) already refuses before the body is read; this guard keeps each controller safe on its own.
 */
@Injectable()
export class ApiAuthGuard implements CanActivate {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const problem = apiAccessProblem(
      this.config,
      context.switchToHttp().getRequest<FastifyRequest>().headers.authorization,
    );
    if (problem) throw problem;
    return true;
  }
}
