import { Controller, Delete, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';

import { ApiAuthGuard } from '../http/api-auth.guard';
import { ApiApp, APP_ID_QUERY } from '../http/app-access';
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
  constructor(private readonly tokens: TokenStoreService) {}

  @Get()
  @ApiOperation({
    summary:
      'A valid user_access_token, refreshed first when due; 404 if never authorized, 409 if the user must authorize again',
  })
  @ApiQuery(APP_ID_QUERY)
  async get(@Param('openId') openId: string, @ApiApp('query') appId: string): Promise<UserAccessTokenView> {
    return view(await this.tokens.getUserAccessToken(appId, parseInput(openIdSchema, openId, 'openId')));
  }

  @Post('refresh')
  @HttpCode(200)
  @ApiOperation({ summary: 'Refresh the token now, due or not; answers the new expiry' })
  @ApiBody({ required: false, schema: { type: 'object', properties: { appId: { type: 'string' } } } })
  async refresh(
    @Param('openId') openId: string,
    @ApiApp('body') appId: string,
  ): Promise<{ expiresAt: string; scopes: string[] }> {
    const user = parseInput(openIdSchema, openId, 'openId');
    const { expiresAt, scopes } = await this.tokens.refreshUserAccessToken(appId, user);
    return { expiresAt: expiresAt.toISOString(), scopes };
  }

  @Delete()
  @ApiOperation({ summary: "Logout: end the user's token and sessions (the same as the DM command)" })
  @ApiQuery(APP_ID_QUERY)
  async logout(@Param('openId') openId: string, @ApiApp('query') appId: string): Promise<{ invalidated: boolean }> {
    const result = await this.tokens.logout(appId, parseInput(openIdSchema, openId, 'openId'));
    if (result === 'unknown') throw new UserTokenNotFoundError();
    return { invalidated: result === 'invalidated' };
  }
}

function view(token: UserAccessToken): UserAccessTokenView {
  return { accessToken: token.accessToken, expiresAt: token.expiresAt.toISOString(), scopes: token.scopes };
}
