import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

import { ValidationFailedError } from '../common/errors/common.errors';
import { AppForbiddenError, AppIdRequiredError, AppNotFoundError } from './app-access.errors';

/** What the bearer token of a request may use; recorded by ApiAuthGuard, read by @ApiApp and @ApiAccess. */
export interface ApiAccess {
  /** Every configured app, in configuration order. */
  configured: readonly string[];
  /** The apps this token is scoped to (all configured ones for a token without an app list). */
  allowed: readonly string[];
}

const accessByRequest = new WeakMap<object, ApiAccess>();

export function recordApiAccess(request: object, access: ApiAccess): void {
  accessByRequest.set(request, access);
}

function accessOf(context: ExecutionContext): ApiAccess {
  const access = accessByRequest.get(context.switchToHttp().getRequest<object>());
  // Only reachable by a controller that forgot @UseGuards(ApiAuthGuard): refusing is the safe answer.
  if (!access) throw new AppForbiddenError();
  return access;
}

/**
 * The app a REST request is about: `appId` from the body (POST) or the query (GET, DELETE); may be omitted only
 * when exactly one app is configured. Unknown → 404 APP_NOT_FOUND; outside the token's apps → 403 APP_FORBIDDEN,
 * decided before the handler reads anything, so the answer never depends on the app's data.
 */
export function resolveApiApp(access: ApiAccess, raw: unknown, where: 'body' | 'query'): string {
  if (raw === undefined || raw === '') {
    const [only, ...others] = access.configured;
    if (only === undefined || others.length > 0) throw new AppIdRequiredError(where);
    raw = only;
  }
  if (typeof raw !== 'string') throw new ValidationFailedError([`appId: must be a string`]);
  if (!access.configured.includes(raw)) throw new AppNotFoundError();
  if (!access.allowed.includes(raw)) throw new AppForbiddenError();
  return raw;
}

/** The OpenAPI description of the `appId` query parameter. */
export const APP_ID_QUERY = {
  name: 'appId',
  required: false,
  description: 'the app (cli_…); required when several apps are configured',
};

/** Parameter decorator: the resolved app id of the request (see resolveApiApp). */
export const ApiApp = createParamDecorator((where: 'body' | 'query', context: ExecutionContext): string => {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  const source = (where === 'body' ? request.body : request.query) as Record<string, unknown> | undefined;
  return resolveApiApp(accessOf(context), source?.appId, where);
});

/** Parameter decorator: what the request's token may use (for routes about several apps). */
export const ApiAccessOf = createParamDecorator((_: unknown, context: ExecutionContext): ApiAccess =>
  accessOf(context),
);
