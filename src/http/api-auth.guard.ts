import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ApiTokensNotConfiguredError, UnauthorizedError } from '../common/errors/common.errors';
import { bearerToken, matchesAnySecret } from '../common/security/constant-time';

/** Bearer auth for /api: tokens from API_TOKENS; with none configured the API is closed, and says why. */
@Injectable()
export class ApiAuthGuard implements CanActivate {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    if (this.config.apiTokens.length === 0) throw new ApiTokensNotConfiguredError();
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const presented = bearerToken(request.headers.authorization);
    if (!presented || !matchesAnySecret(presented, this.config.apiTokens)) {
      throw new UnauthorizedError('Send Authorization: Bearer <one of API_TOKENS>.');
    }
    return true;
  }
}
