import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { LarkModule } from '../lark/lark.module';
import { MessagingModule } from '../messaging/messaging.module';
import { MetricsService } from '../metrics/metrics.service';
import { TokenStoreModule } from '../token-store/token-store.module';
import { AppsController } from './apps.controller';
import { AuthSession } from './auth-session.entity';
import { AuthSessionController } from './auth-session.controller';
import { AuthSessionRepository } from './auth-session.repository';
import { AuthSessionService } from './auth-session.service';
import { AUTH_FAILURE_REASONS, CALLBACK_OUTCOMES } from './auth-session.vocabulary';
import { AuthorizationCallbackService } from './authorization-callback.service';
import { BotCommandsHandler } from './bot-commands.handler';
import { CardActionsHandler } from './card-actions.handler';
import { SessionCards } from './session-cards';
import { MaintenanceController } from './maintenance.controller';
import { SessionCleanupJob } from './session-cleanup.job';
import { SessionExpiryJob } from './session-expiry.job';
import { TokenEventsHandler } from './token-events.handler';

@Module({
  imports: [TypeOrmModule.forFeature([AuthSession]), LarkModule, MessagingModule, TokenStoreModule],
  providers: [
    AuthSessionRepository,
    SessionCards,
    AuthSessionService,
    AuthorizationCallbackService,
    BotCommandsHandler,
    CardActionsHandler,
    SessionExpiryJob,
    SessionCleanupJob,
    TokenEventsHandler,
  ],
  controllers: [AuthSessionController, AppsController, MaintenanceController],
  exports: [AuthSessionService, AuthorizationCallbackService],
})
export class AuthSessionModule {
  constructor(metrics: MetricsService, sessions: AuthSessionRepository) {
    metrics.declareLabelValues('authFailureTotal', { reason: AUTH_FAILURE_REASONS });
    metrics.declareLabelValues('callbackRequestsTotal', { outcome: CALLBACK_OUTCOMES });
    metrics.readGaugeFrom('authSessionActive', (appId) => sessions.countPending(appId));
  }
}
