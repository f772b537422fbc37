import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';

import { Clock } from '../common/clock';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { ScheduledJobs } from '../scheduling/scheduled-jobs';
import { AuthSessionRepository } from './auth-session.repository';
import { SessionCards } from './session-cards';

const BATCH = 200;
const EVERY_MINUTE_MS = 60_000;
/** A callback holds a session in exchanging for one token call; far longer means its process died. */
const STUCK_EXCHANGE_MS = 120_000;

/** Every minute: overdue pending sessions expire (cards patched), stuck exchanges fail, failed card patches retry. */
@Injectable()
export class SessionExpiryJob implements OnApplicationBootstrap {
  private readonly logger = new Logger(SessionExpiryJob.name);

  constructor(
    private readonly jobs: ScheduledJobs,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly sessions: AuthSessionRepository,
    private readonly cards: SessionCards,
    private readonly metrics: MetricsService,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    this.jobs.every('session-expiry', EVERY_MINUTE_MS, () => this.run());
  }

  async run(): Promise<void> {
    for (const { appId } of this.config.apps) await this.runFor(appId);
  }

  private async runFor(appId: string): Promise<void> {
    const now = this.clock.now();
    const expired = await this.sessions.expireOverdue(appId, now, BATCH);
    if (expired.length > 0) {
      this.metrics.authSessionExpired(expired.length);
      this.metrics.authFailed('expired', expired.length);
      this.logger.log(`${expired.length} pending sessions of ${appId} expired`);
    }
    for (const session of expired) await this.cards.patch(session);
    const stuck = await this.sessions.failStuckExchanges(appId, now, new Date(now.getTime() - STUCK_EXCHANGE_MS));
    for (const session of stuck) {
      if (session.status === 'failed') this.metrics.authFailed('internal');
      this.logger.warn(`session ${session.id} was left exchanging by a process that stopped; now ${session.status}`);
      await this.cards.patch(session);
    }
    await this.cards.retryPending(appId);
  }
}
