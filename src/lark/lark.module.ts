import { Module } from '@nestjs/common';

import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { createLarkClient, LARK_CLIENT } from './lark-client.factory';
import { FEISHU_APIS, FEISHU_OUTCOMES } from './lark.errors';
import { ImMessagesClient } from './im-messages.client';
import { OAuthClient } from './oauth.client';
import { LarkWsGateway } from './ws-gateway';

/** The only module that talks to Feishu: SDK Client, WebSocket gateway and the OAuth HTTP client. */
@Module({
  providers: [
    { provide: LARK_CLIENT, inject: [APP_CONFIG], useFactory: (config: AppConfig) => createLarkClient(config) },
    OAuthClient,
    ImMessagesClient,
    LarkWsGateway,
  ],
  exports: [LARK_CLIENT, OAuthClient, ImMessagesClient, LarkWsGateway],
})
export class LarkModule {
  constructor(metrics: MetricsService) {
    metrics.declareLabelValues('feishuRequestsTotal', { api: FEISHU_APIS, outcome: FEISHU_OUTCOMES });
  }
}
