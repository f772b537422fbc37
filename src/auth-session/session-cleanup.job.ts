import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';

import { Clock } from '../common/clock';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ScheduledJobs } from '../scheduling/scheduled-jobs';
import { AuthSessionRepository } from './auth-session.repository';

const BATCH = 1_000;
const DAY_MS = 86_400_000;

/**
 * On SESSION_CLEANUP_CRON (daily at 03:00 by default): deletes finished sessions older than SESSION_RETENTION_DAYS,
 * in batches, so a large backlog never holds long locks. Pending sessions and tokens are never touched.
 */
@Injectable()
export class SessionCleanupJob implements OnApplicationBootstrap {
  private readonly logger = new Logger(SessionCleanupJob.name);

  constructor(
    private readonly jobs: ScheduledJobs,
    private readonly sessions: AuthSessionRepository,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.jobs.cron('session-cleanup', this.config.session.cleanupCron, async (signal) => {
      await this.cleanupExpiredSessions(this.config.session.retentionDays, signal);
    });
  }

  /** Deletes terminal sessions last changed more than `expiryDays` ago; returns how many. */
  async cleanupExpiredSessions(expiryDays: number, signal?: AbortSignal): Promise<number> {
    const cutoff = new Date(this.clock.now().getTime() - expiryDays * DAY_MS);
    let deleted = 0;
    for (;;) {
      const batch = await this.sessions.deleteFinishedBefore(cutoff, BATCH);
      deleted += batch;
      if (batch < BATCH || signal?.aborted) break;
    }
    this.logger.log(`session cleanup deleted ${deleted} finished session(s) older than ${expiryDays} day(s)`);
    return deleted;
  }
}
