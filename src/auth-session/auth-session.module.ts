import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { LarkAppRegistry } from '../lark/app-registry';
import { DEVICE_POLL_OUTCOMES } from '../lark/device-flow.client';
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
import { AuthorizationCompletionService } from './authorization-completion.service';
import { DeviceFlowStart } from './device-flow-start';
import { DEVICE_AUTHORIZATION_OUTCOMES, DevicePoller } from './device-poller';
import { DevicePollJob } from './device-poll.job';
import { DeviceSessionRepository } from './device-session.repository';
import { BotCommandsHandler } from './bot-commands.handler';
import { CardActionsHandler } from './card-actions.handler';
import { EventInboxEntry } from './event-inbox.entity';
import { EventInboxJob } from './event-inbox.job';
import { EventInboxRepository } from './event-inbox.repository';
import { EventInboxService } from './event-inbox.service';
import { ScopePrecheck } from './scope-precheck';
import { SessionCards } from './session-cards';
import { MaintenanceController } from './maintenance.controller';
import { SessionCleanupJob } from './session-cleanup.job';
import { SessionExpiryJob } from './session-expiry.job';
import { TokenEventsHandler } from './token-events.handler';

@Module({
  imports: [TypeOrmModule.forFeature([AuthSession, EventInboxEntry]), LarkModule, MessagingModule, TokenStoreModule],
  providers: [
    AuthSessionRepository,
    SessionCards,
    AuthSessionService,
    AuthorizationCallbackService,
    AuthorizationCompletionService,
    DeviceFlowStart,
    DeviceSessionRepository,
    DevicePoller,
    DevicePollJob,
    BotCommandsHandler,
    CardActionsHandler,
    SessionExpiryJob,
    SessionCleanupJob,
    TokenEventsHandler,
    EventInboxRepository,
    EventInboxService,
    EventInboxJob,
    ScopePrecheck,
  ],
  controllers: [AuthSessionController, AppsController, MaintenanceController],
  exports: [AuthSessionService, AuthorizationCallbackService],
})
export class AuthSessionModule {
  constructor(
    metrics: MetricsService,
    sessions: AuthSessionRepository,
    inbox: EventInboxRepository,
    registry: LarkAppRegistry,
  ) {
    metrics.declareLabelValues('devicePollTotal', { app_id: registry.ids(), outcome: DEVICE_POLL_OUTCOMES });
    metrics.declareLabelValues('deviceAuthorizationTotal', {
      app_id: registry.ids(),
      outcome: DEVICE_AUTHORIZATION_OUTCOMES,
    });
    metrics.declareLabelValues('authFailureTotal', { reason: AUTH_FAILURE_REASONS });
    metrics.declareLabelValues('callbackRequestsTotal', { outcome: CALLBACK_OUTCOMES });
    metrics.readGaugeFrom('authSessionActive', (appId) => sessions.countPending(appId));
    metrics.readGaugeFrom('eventInboxBacklog', (appId) => inbox.countPending(appId));
  }
}
