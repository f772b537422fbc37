import { Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';

import { MetricsService } from '../metrics/metrics.service';
import { AuthSessionRepository } from './auth-session.repository';
import { SessionCards } from './session-cards';

const BATCH = 200;
/** A callback holds a session in exchanging for one token call; far longer means its process died. */
const STUCK_EXCHANGE_SECONDS = 120;

/** Every minute: overdue pending sessions expire (cards patched), stuck exchanges fail, failed card patches retry. */
@Injectable()
export class SessionExpiryJob {
  private readonly logger = new Logger(SessionExpiryJob.name);

  constructor(
    private readonly sessions: AuthSessionRepository,
    private readonly cards: SessionCards,
    private readonly metrics: MetricsService,
  ) {}

  @Cron(CronExpression.EVERY_MINUTE, { name: 'session-expiry' })
  async run(): Promise<void> {
    const expired = await this.sessions.expireOverdue(BATCH);
    if (expired.length > 0) {
      this.metrics.authSessionExpired(expired.length);
      for (let i = 0; i < expired.length; i += 1) this.metrics.authFailed('expired');
      this.logger.log(`${expired.length} pending sessions expired`);
    }
    for (const session of expired) await this.cards.patch(session);
    const stuck = await this.sessions.failStuckExchanges(STUCK_EXCHANGE_SECONDS);
    for (const session of stuck) {
      this.metrics.authFailed('internal');
      this.logger.warn(`session ${session.id} was left exchanging; marked failed`);
      await this.cards.patch(session);
    }
    await this.cards.retryPending();
  }
}
