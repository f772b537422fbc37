import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';

import { ApiAuthGuard } from '../http/api-auth.guard';
import { LOCALES } from '../common/locale';
import { MAX_SCOPES, SCOPE_PATTERN } from '../common/scopes';
import { openIdSchema, parseInput } from '../http/validation';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AuthSession } from './auth-session.entity';
import { AuthSessionService } from './auth-session.service';

const createSchema = z
  .object({
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
  createdAt: string;
  expiresAt: string;
  completedAt: string | null;
}

@ApiTags('auth-sessions')
@ApiBearerAuth()
@UseGuards(ApiAuthGuard)
@Controller('api/v1/auth-sessions')
export class AuthSessionController {
  constructor(
    private readonly sessions: AuthSessionService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Send the user an authorization card; supersedes their pending session' })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['openId'],
      properties: {
        openId: { type: 'string', example: 'ou_7d8a6e6df7621556ce0d21922b676706' },
        scopes: { type: 'array', items: { type: 'string' }, example: ['contact:user.base:readonly'] },
        locale: { type: 'string', enum: [...LOCALES] },
      },
    },
  })
  async create(@Body() body: unknown): Promise<{ id: string; status: string; expiresAt: string }> {
    const request = parseInput(createSchema, body ?? {});
    const session = await this.sessions.requestAuthorization({ appId: this.config.lark.appId, ...request });
    return { id: session.id, status: session.status, expiresAt: session.expiresAt.toISOString() };
  }

  @Get(':id')
  @ApiOperation({ summary: 'A session; with waitSeconds (≤ 60) waits until it is no longer pending' })
  @ApiQuery({ name: 'waitSeconds', required: false, type: Number })
  async get(@Param('id') id: string, @Query('waitSeconds') waitSeconds?: string): Promise<AuthSessionView> {
    const wait = parseInput(waitSchema, waitSeconds, 'waitSeconds');
    const sessionId = parseInput(idSchema, id, 'id');
    return view(
      wait > 0
        ? await this.sessions.waitForSession(this.config.lark.appId, sessionId, wait)
        : await this.sessions.getSession(this.config.lark.appId, sessionId),
    );
  }

  @Get()
  @ApiOperation({ summary: "A user's sessions, newest first" })
  @ApiQuery({ name: 'openId', required: true })
  async list(@Query('openId') openId: string): Promise<AuthSessionView[]> {
    const user = parseInput(openIdSchema, openId, 'openId');
    return (await this.sessions.getSessionsByOpenId(this.config.lark.appId, user)).map(view);
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Invalidate a session (a completed one also invalidates its token)' })
  async invalidate(@Param('id') id: string): Promise<AuthSessionView> {
    return view(await this.sessions.invalidateSession(this.config.lark.appId, parseInput(idSchema, id, 'id')));
  }
}

function view(session: AuthSession): AuthSessionView {
  return {
    id: session.id,
    openId: session.openId,
    status: session.status,
    reason: session.reason,
    createdAt: session.createdAt.toISOString(),
    expiresAt: session.expiresAt.toISOString(),
    completedAt: session.completedAt?.toISOString() ?? null,
  };
}
