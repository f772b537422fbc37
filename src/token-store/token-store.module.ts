import { Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { redactor } from '../common/logging/redact';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { LarkModule } from '../lark/lark.module';
import { MetricsService } from '../metrics/metrics.service';
import { resolveEncryptionKeys } from './encryption-keys';
import { RefreshBudget } from './refresh-budget';
import { TokenCipher } from './token-cipher';
import { TokenEndpointBudget } from './token-endpoint-budget.entity';
import { TokenHealthJob } from './token-health.job';
import { TOKEN_REFRESH_RESULTS, TokenRefresher } from './token-refresher';
import { TokenRefreshJob } from './token-refresh.job';
import { TokenStoreService } from './token-store.service';
import { UserToken } from './user-token.entity';
import { UserTokenController } from './user-token.controller';
import { UserTokenRepository } from './user-token.repository';

function createCipher(config: AppConfig): TokenCipher {
  const keys = resolveEncryptionKeys(config, new Logger('EncryptionKeys'));
  // A generated key file's key is not in the config, so it is registered for redaction here.
  for (const { key } of keys) redactor.addSecret(key.toString('base64'));
  return new TokenCipher(keys);
}

@Module({
  imports: [TypeOrmModule.forFeature([UserToken, TokenEndpointBudget]), LarkModule],
  providers: [
    { provide: TokenCipher, inject: [APP_CONFIG], useFactory: createCipher },
    UserTokenRepository,
    RefreshBudget,
    TokenRefresher,
    TokenStoreService,
    TokenRefreshJob,
    TokenHealthJob,
  ],
  controllers: [UserTokenController],
  exports: [TokenCipher, TokenStoreService],
})
export class TokenStoreModule {
  constructor(metrics: MetricsService, tokens: TokenStoreService) {
    metrics.declareLabelValues('tokenRefreshTotal', { result: TOKEN_REFRESH_RESULTS });
    metrics.readGaugeFrom('tokenActiveCount', (appId) => tokens.countActive(appId));
    metrics.readGaugeFrom('tokenRefreshOverdue', (appId) => tokens.countOverdue(appId));
  }
}
