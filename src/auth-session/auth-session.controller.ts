import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';

import { ApiAuthGuard } from '../http/api-auth.guard';
import { ApiApp, APP_ID_QUERY } from '../http/app-access';
import { LOCALES } from '../common/locale';
import { MAX_SCOPES, SCOPE_PATTERN } from '../common/scopes';
import { openIdSchema, parseInput } from '../http/validation';
import { AuthSession } from './auth-session.entity';
import { AuthSessionService } from './auth-session.service';

const createSchema = z
  .object({
    // Resolved and checked by @ApiApp before the body is parsed.
    appId: z.string().optional(),
    openId: openIdSchema,
    scopes: z.array(z.string().regex(SCOPE_PATTERN, 'is not a scope name')).max(MAX_SCOPES).optional(),
    locale: z.enum(LOCALES).optional(),
  })
  .strict();
const idSchema = z.string().uuid('must be a session id (uuid)');
const waitSchema = z.coerce.number().int().min(0).max(60).default(0);

export interface AuthSessionView {
  id: string;
  openId: string;
  status: string;
  reason: string | null;
  /** redirect (consent page + callback) or device (the OAuth device flow). */
  flow: string;
  /** Why the card can no longer be sent or updated (recalled, deleted, too_old, blocked); null while it can. */
  cardFailure: string | null;
  createdAt: string;
  expiresAt: string;
  completedAt: string | null;
}

@ApiTags('auth-sessions')
@ApiBearerAuth()
@UseGuards(ApiAuthGuard)
@Controller('api/v1/auth-sessions')
export class AuthSessionController {
  constructor(private readonly sessions: AuthSessionService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Send the user an authorization card; supersedes their pending session' })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['openId'],
      properties: {
        appId: { type: 'string', description: 'required when several apps are configured' },
        openId: { type: 'string', example: 'ou_7d8a6e6df7621556ce0d21922b676706' },
        scopes: { type: 'array', items: { type: 'string' }, example: ['contact:user.base:readonly'] },
        locale: { type: 'string', enum: [...LOCALES] },
      },
    },
  })
  async create(
    @Body() body: unknown,
    @ApiApp('body') appId: string,
  ): Promise<{ id: string; status: string; expiresAt: string }> {
    const { openId, scopes, locale } = parseInput(createSchema, body ?? {});
    const session = await this.sessions.requestAuthorization({ appId, openId, scopes, locale });
    return { id: session.id, status: session.status, expiresAt: session.expiresAt.toISOString() };
  }

  @Get(':id')
  @ApiOperation({ summary: 'A session; with waitSeconds (≤ 60) waits until it is no longer pending' })
  @ApiQuery({ name: 'waitSeconds', required: false, type: Number })
  @ApiQuery(APP_ID_QUERY)
  async get(
    @Param('id') id: string,
    @ApiApp('query') appId: string,
    @Query('waitSeconds') waitSeconds?: string,
  ): Promise<AuthSessionView> {
    const wait = parseInput(waitSchema, waitSeconds, 'waitSeconds');
    const sessionId = parseInput(idSchema, id, 'id');
    return view(
      wait > 0
        ? await this.sessions.waitForSession(appId, sessionId, wait)
        : await this.sessions.getSession(appId, sessionId),
    );
  }

  @Get()
  @ApiOperation({ summary: "A user's sessions, newest first" })
  @ApiQuery({ name: 'openId', required: true })
  @ApiQuery(APP_ID_QUERY)
  async list(@Query('openId') openId: string, @ApiApp('query') appId: string): Promise<AuthSessionView[]> {
    const user = parseInput(openIdSchema, openId, 'openId');
    return (await this.sessions.getSessionsByOpenId(appId, user)).map(view);
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Invalidate a session (a completed one also invalidates its token)' })
  @ApiQuery(APP_ID_QUERY)
  async invalidate(@Param('id') id: string, @ApiApp('query') appId: string): Promise<AuthSessionView> {
    return view(await this.sessions.invalidateSession(appId, parseInput(idSchema, id, 'id')));
  }
}

function view(session: AuthSession): AuthSessionView {
  return {
    id: session.id,
    openId: session.openId,
    status: session.status,
    reason: session.reason,
    flow: session.flow,
    cardFailure: session.cardFailure,
    createdAt: session.createdAt.toISOString(),
    expiresAt: session.expiresAt.toISOString(),
    completedAt: session.completedAt?.toISOString() ?? null,
  };
}
