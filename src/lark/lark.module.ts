import { Module } from '@nestjs/common';

import { MetricsService } from '../metrics/metrics.service';
import { LarkAppRegistry } from './app-registry';
import { AppScopesClient } from './app-scopes.client';
import { FEISHU_APIS, FEISHU_OUTCOMES } from './lark.errors';
import { ImMessagesClient } from './im-messages.client';
import { DeviceFlowClient } from './device-flow.client';
import { OAuthClient } from './oauth.client';
import { LarkWsGateway } from './ws-gateway';

/**
 * The only module that talks to Feishu: per configured app an SDK Client (the registry), a WebSocket long
 * connection (the gateway) and the OAuth HTTP client.
 */
@Module({
  providers: [LarkAppRegistry, OAuthClient, DeviceFlowClient, ImMessagesClient, LarkWsGateway, AppScopesClient],
  exports: [LarkAppRegistry, OAuthClient, DeviceFlowClient, ImMessagesClient, LarkWsGateway, AppScopesClient],
})
export class LarkModule {
  constructor(metrics: MetricsService, registry: LarkAppRegistry) {
    metrics.declareLabelValues('feishuRequestsTotal', {
      api: FEISHU_APIS,
      outcome: FEISHU_OUTCOMES,
      app_id: registry.ids(),
    });
  }
}
