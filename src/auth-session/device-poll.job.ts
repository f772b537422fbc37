import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';

import { Clock } from '../common/clock';
import { forEachConcurrently } from '../common/concurrency';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { LarkAppRegistry } from '../lark/app-registry';
import { ScheduledJobs } from '../scheduling/scheduled-jobs';
import { DevicePoller } from './device-poller';
import { DeviceSessionRepository } from './device-session.repository';

/** Polls are due at whole seconds (Feishu's intervals are whole seconds); a due poll waits at most this long. */
const SWEEP_MS = 1_000;
const MAX_BATCH = 50;
const CONCURRENCY = 8;

/**
 * Every second: claims the device-flow sessions whose next poll is due (FOR UPDATE SKIP LOCKED with a lease, like
 * the token refresh sweep) and polls each once. Any replica continues the polling of one that died once its lease
 * runs out, and no two replicas poll one device code at the same time.
 */
@Injectable()
export class DevicePollJob implements OnApplicationBootstrap {
  private readonly logger = new Logger(DevicePollJob.name);

  constructor(
    private readonly jobs: ScheduledJobs,
    private readonly sessions: DeviceSessionRepository,
    private readonly poller: DevicePoller,
    private readonly apps: LarkAppRegistry,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.jobsEnabled) return;
    // Which replica holds a session's lease (auth_sessions.lease_owner) can be told from this line.
    this.logger.log(`device-flow polling as lease owner ${this.poller.owner}`);
    this.jobs.every('device-poll', SWEEP_MS, async (signal) => {
      await this.sweep(signal);
    });
  }

  /** Polls every session due now; returns how many it polled. */
  async sweep(signal?: AbortSignal): Promise<number> {
    let polled = 0;
    for (const appId of this.apps.ids()) {
      while (!signal?.aborted) {
        const now = this.clock.now();
        const due = await this.sessions.claimDue(appId, this.poller.owner, now, this.poller.leaseUntil(now), MAX_BATCH);
        if (due.length === 0) break;
        await forEachConcurrently(due, CONCURRENCY, async (session) => {
          if (signal?.aborted) return;
          await this.poller.poll(session).catch((error: unknown) => {
            this.logger.error(`session ${session.id}: device-code poll failed: ${String(error)}`);
          });
        });
        polled += due.length;
      }
    }
    // On shutdown, what this process still holds goes back at once instead of when its lease runs out.
    if (signal?.aborted) await this.sessions.releaseAll(this.poller.owner);
    return polled;
  }
}
