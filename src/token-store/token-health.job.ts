import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';

import { Clock } from '../common/clock';
import { forEachConcurrently } from '../common/concurrency';
import { describeError } from '../common/errors/describe-error';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { FeishuApiError } from '../lark/lark.errors';
import { OAuthClient } from '../lark/oauth.client';
import { ScheduledJobs } from '../scheduling/scheduled-jobs';
import { TokenCipher } from './token-cipher';
import { TokenRefresher } from './token-refresher';
import { UserTokenRepository } from './user-token.repository';

/** Tokens probed per app and run: user_info has an unpublished rate limit, so the probe stays small. */
const BATCH = 100;
const CONCURRENCY = 4;

/**
 * Every HEALTH_CHECK_INTERVAL_MINUTES: asks user_info with a batch of active tokens (the least recently checked
 * first, claimed by stamping them checked, so replicas take different ones) and records is_online. A token Feishu
 * no longer accepts is refreshed at once; if the refresh fails for good, the refresher asks the user again.
 */
@Injectable()
export class TokenHealthJob implements OnApplicationBootstrap {
  private readonly logger = new Logger(TokenHealthJob.name);

  constructor(
    private readonly jobs: ScheduledJobs,
    private readonly tokens: UserTokenRepository,
    private readonly oauth: OAuthClient,
    private readonly cipher: TokenCipher,
    private readonly refresher: TokenRefresher,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private get intervalMs(): number {
    return this.config.tokens.healthCheckIntervalMinutes * 60_000;
  }

  onApplicationBootstrap(): void {
    this.jobs.every('token-health', this.intervalMs, async (signal) => {
      await this.probe(signal);
    });
  }

  /** Probes one batch per app; returns how many tokens were found not working. */
  async probe(signal?: AbortSignal): Promise<number> {
    let failing = 0;
    for (const { appId } of this.config.apps) {
      const now = this.clock.now();
      const rows = await this.tokens.claimForHealthCheck(appId, now, new Date(now.getTime() - this.intervalMs), BATCH);
      await forEachConcurrently(rows, CONCURRENCY, async (row) => {
        if (signal?.aborted || !row.accessTokenEnc || !row.keyId) return;
        const accessToken = this.cipher.decrypt(row.accessTokenEnc, row.keyId, `${row.appId}:${row.openId}`);
        try {
          await this.oauth.getUserInfo(row.appId, accessToken);
          await this.tokens.recordHealth(row.id, true, this.clock.now());
        } catch (error) {
          if (!(error instanceof FeishuApiError) || error.retryable) {
            this.logger.warn(`token ${row.id}: health probe inconclusive: ${describeError(error)}`);
            return;
          }
          failing += 1;
          await this.tokens.recordHealth(row.id, false, this.clock.now());
          if (error.userTokenInvalid) {
            this.logger.warn(`token ${row.id}: Feishu no longer accepts it (${error.message}); refreshing`);
            await this.refresher.refreshUser(row.appId, row.openId, true);
          }
        }
      });
    }
    return failing;
  }
}
