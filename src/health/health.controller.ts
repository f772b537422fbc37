import { Controller, Get, HttpCode, HttpStatus, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

import { DatabaseHealth } from '../database/database-health';
import { LarkWsGateway } from '../lark/ws-gateway';

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(
    private readonly database: DatabaseHealth,
    private readonly gateway: LarkWsGateway,
  ) {}

  /** Liveness: the process answers. Never depends on Feishu or the database, so a restart loop cannot start here. */
  @Get('healthz')
  @HttpCode(HttpStatus.OK)
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /**
   * Readiness: the database answers and the WebSocket long connection of every configured app is up; the body names
   * the apps whose connection is not (app ids are not secret).
   */
  @Get('readyz')
  async ready(@Res() reply: FastifyReply): Promise<void> {
    const disconnected = this.gateway.disconnectedApps();
    const checks = {
      database: await this.database.ping(),
      websocket: disconnected.length === 0,
      ...(disconnected.length > 0 ? { websocketDisconnected: disconnected } : {}),
    };
    const ready = checks.database && checks.websocket;
    await reply
      .status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE)
      .header('cache-control', 'no-store')
      .send({ status: ready ? 'ready' : 'not_ready', checks });
  }
}
