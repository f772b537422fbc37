import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';

import { ApiAuthGuard } from '../http/api-auth.guard';
import { ApiAccess, ApiAccessOf } from '../http/app-access';
import { LarkAppRegistry } from '../lark/app-registry';
import { LarkWsGateway } from '../lark/ws-gateway';
import { TokenStoreService } from '../token-store/token-store.service';
import { AuthSessionRepository } from './auth-session.repository';

export interface AppView {
  appId: string;
  displayName: string | null;
  websocket: 'connected' | 'disconnected';
  activeTokens: number;
  pendingSessions: number;
}

@ApiTags('apps')
@ApiBearerAuth()
@UseGuards(ApiAuthGuard)
@Controller('api/v1/apps')
export class AppsController {
  constructor(
    private readonly apps: LarkAppRegistry,
    private readonly gateway: LarkWsGateway,
    private readonly tokens: TokenStoreService,
    private readonly sessions: AuthSessionRepository,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'The configured apps this token may use: display name, WebSocket state, active tokens, pending sessions',
  })
  async list(@ApiAccessOf() access: ApiAccess): Promise<AppView[]> {
    const visible = this.apps.all().filter(({ settings }) => access.allowed.includes(settings.appId));
    return Promise.all(
      visible.map(async ({ settings: { appId, displayName } }): Promise<AppView> => ({
        appId,
        displayName: displayName ?? null,
        websocket: this.gateway.isConnected(appId) ? 'connected' : 'disconnected',
        activeTokens: await this.tokens.countActive(appId),
        pendingSessions: await this.sessions.countPending(appId),
      })),
    );
  }
}
