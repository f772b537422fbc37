import { Controller, Delete, Get, Inject, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';

import { AppError } from '../common/errors/app-error';
import { ApiAuthGuard } from '../http/api-auth.guard';
import { openIdSchema, parseInput } from '../http/validation';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { TokenStoreService } from './token-store.service';

@ApiTags('user-tokens')
@ApiBearerAuth()
@UseGuards(ApiAuthGuard)
@Controller('api/v1/users/:openId/token')
export class UserTokenController {
  constructor(
    private readonly tokens: TokenStoreService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @ApiOperation({ summary: 'A valid user_access_token; 404 if never authorized, 409 if re-authorization is needed' })
  async get(@Param('openId') openId: string): Promise<{ accessToken: string; expiresAt: string; scopes: string[] }> {
    const token = await this.tokens.getUserAccessToken(
      this.config.lark.appId,
      parseInput(openIdSchema, openId, 'openId'),
    );
    return { accessToken: token.accessToken, expiresAt: token.expiresAt.toISOString(), scopes: token.scopes };
  }

  @Post('refresh')
  @ApiOperation({ summary: 'Force a refresh (not available yet)' })
  refresh(@Param('openId') openId: string): never {
    parseInput(openIdSchema, openId, 'openId');
    throw new AppError('NOT_IMPLEMENTED', 'Forced refresh is not implemented yet.');
  }

  @Delete()
  @ApiOperation({ summary: "Logout: invalidate the user's token" })
  async invalidate(@Param('openId') openId: string): Promise<{ invalidated: boolean }> {
    const appId = this.config.lark.appId;
    return { invalidated: await this.tokens.invalidate(appId, parseInput(openIdSchema, openId, 'openId')) };
  }
}
