import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';

import { ApiAuthGuard } from '../http/api-auth.guard';
import { ApiAccess, ApiAccessOf } from '../http/app-access';
import { AppForbiddenError } from '../http/app-access.errors';
import { parseInput } from '../http/validation';
import { SessionCleanupJob } from './session-cleanup.job';

const cleanupSchema = z.object({ expiryDays: z.number().int().min(1).max(3650) }).strict();

@ApiTags('maintenance')
@ApiBearerAuth()
@UseGuards(ApiAuthGuard)
@Controller('api/v1/maintenance')
export class MaintenanceController {
  constructor(private readonly cleanup: SessionCleanupJob) {}

  @Post('cleanup-sessions')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Delete finished sessions older than expiryDays now (the daily job does it by itself); every app, so only a ' +
      'token without an app list may',
  })
  @ApiBody({ schema: { type: 'object', required: ['expiryDays'], properties: { expiryDays: { type: 'integer' } } } })
  async cleanupSessions(@Body() body: unknown, @ApiAccessOf() access: ApiAccess): Promise<{ deleted: number }> {
    if (access.configured.some((appId) => !access.allowed.includes(appId))) throw new AppForbiddenError();
    const { expiryDays } = parseInput(cleanupSchema, body ?? {});
    return { deleted: await this.cleanup.cleanupExpiredSessions(expiryDays) };
  }
}
