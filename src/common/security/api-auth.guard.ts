import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { AppError } from '../errors/app-error';
import { bearerToken, matchesAnySecret } from './constant-time';

/** Bearer auth for /api: tokens from API_TOKENS; with none configured the API is closed, and says why. */
@Injectable()
export class ApiAuthGuard implements CanActivate {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    if (this.config.apiTokens.length === 0) {
      throw new AppError('API_TOKENS_NOT_CONFIGURED', 'The REST API is disabled: set API_TOKENS to enable it.');
    }
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const presented = bearerToken(request.headers.authorization);
    if (!presented || !matchesAnySecret(presented, this.config.apiTokens)) {
      throw new AppError('UNAUTHORIZED', 'Send Authorization: Bearer <one of API_TOKENS>.');
    }
    return true;
  }
}
