import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';

import { Clock } from '../common/clock';
import { forEachConcurrently } from '../common/concurrency';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ScheduledJobs } from '../scheduling/scheduled-jobs';
import { TokenRefresher } from './token-refresher';
import { UserTokenRepository } from './user-token.repository';

const MAX_BATCH = 100;
/** Requests in flight at once per replica; with a budget, each waits for its slot anyway. */
const CONCURRENCY = 16;

/**
 * Every TOKEN_REFRESH_SWEEP_SECONDS: claims due tokens with a lease (FOR UPDATE SKIP LOCKED, so replicas split
 * the work) and refreshes them within the app's budget, until nothing is due. Rows it claimed but could not start
 * before shutdown are given back.
 */
@Injectable()
export class TokenRefreshJob implements OnApplicationBootstrap {
  private readonly logger = new Logger(TokenRefreshJob.name);

  constructor(
    private readonly jobs: ScheduledJobs,
    private readonly tokens: UserTokenRepository,
    private readonly refresher: TokenRefresher,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.jobs.every('token-refresh', this.config.tokens.sweepSeconds * 1000, async (signal) => {
      await this.sweep(signal);
    });
  }

  /** Refreshes everything due now; returns how many tokens it handled. */
  async sweep(signal?: AbortSignal): Promise<number> {
    let handled = 0;
    for (const { appId } of this.config.apps) {
      while (!signal?.aborted) {
        const now = this.clock.now();
        const rows = await this.tokens.claimDue(
          appId,
          this.refresher.owner,
          now,
          this.refresher.leaseUntil(now),
          MAX_BATCH,
        );
        if (rows.length === 0) break;
        await forEachConcurrently(rows, CONCURRENCY, async (row) => {
          if (signal?.aborted) await this.tokens.release(row.id, this.refresher.owner);
          else await this.refresher.refresh(row);
        });
        handled += rows.length;
      }
    }
    // On shutdown, whatever this process still holds goes back at once instead of when its lease runs out.
    if (signal?.aborted) await this.tokens.releaseAll(this.refresher.owner);
    if (handled > 0) this.logger.log(`refresh sweep handled ${handled} token(s)`);
    return handled;
  }
}
