import { Controller, Delete, Get, HttpCode, Inject, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';

import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ApiAuthGuard } from '../http/api-auth.guard';
import { openIdSchema, parseInput } from '../http/validation';
import { UserTokenNotFoundError } from './token-store.errors';
import { TokenStoreService, UserAccessToken } from './token-store.service';

interface UserAccessTokenView {
  accessToken: string;
  expiresAt: string;
  scopes: string[];
}

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
  @ApiOperation({
    summary:
      'A valid user_access_token, refreshed first when due; 404 if never authorized, 409 if the user must authorize again',
  })
  async get(@Param('openId') openId: string): Promise<UserAccessTokenView> {
    return view(
      await this.tokens.getUserAccessToken(this.config.lark.appId, parseInput(openIdSchema, openId, 'openId')),
    );
  }

  @Post('refresh')
  @HttpCode(200)
  @ApiOperation({ summary: 'Refresh the token now, due or not; answers the new expiry' })
  async refresh(@Param('openId') openId: string): Promise<{ expiresAt: string; scopes: string[] }> {
    const user = parseInput(openIdSchema, openId, 'openId');
    const { expiresAt, scopes } = await this.tokens.refreshUserAccessToken(this.config.lark.appId, user);
    return { expiresAt: expiresAt.toISOString(), scopes };
  }

  @Delete()
  @ApiOperation({ summary: "Logout: end the user's token and sessions (the same as the DM command)" })
  async logout(@Param('openId') openId: string): Promise<{ invalidated: boolean }> {
    const result = await this.tokens.logout(this.config.lark.appId, parseInput(openIdSchema, openId, 'openId'));
    if (result === 'unknown') throw new UserTokenNotFoundError();
    return { invalidated: result === 'invalidated' };
  }
}

function view(token: UserAccessToken): UserAccessTokenView {
  return { accessToken: token.accessToken, expiresAt: token.expiresAt.toISOString(), scopes: token.scopes };
}
