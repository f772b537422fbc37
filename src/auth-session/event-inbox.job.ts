import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';

import { Clock } from '../common/clock';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ScheduledJobs } from '../scheduling/scheduled-jobs';
import { EventInboxRepository } from './event-inbox.repository';
import { EventInboxService } from './event-inbox.service';

const EVERY_MS = 5_000;
const BATCH = 50;
/** Feishu redelivers within minutes; a day later a message_id is not coming back. */
const KEEP_HANDLED_MS = 24 * 3600_000;

/** Every 5 s: handles inbox messages nobody holds (a dead replica's, retries due), then trims handled ones. */
@Injectable()
export class EventInboxJob implements OnApplicationBootstrap {
  constructor(
    private readonly jobs: ScheduledJobs,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly inbox: EventInboxRepository,
    private readonly service: EventInboxService,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    this.jobs.every('event-inbox', EVERY_MS, (signal) => this.drain(signal));
  }

  async drain(signal?: AbortSignal): Promise<void> {
    for (const { appId } of this.config.apps) {
      while (!signal?.aborted) {
        const now = this.clock.now();
        const messages = await this.inbox.claimLeftovers(
          appId,
          this.service.owner,
          now,
          this.service.leaseUntil(now),
          BATCH,
        );
        for (const message of messages) await this.service.handle(message);
        if (messages.length < BATCH) break;
      }
    }
    await this.inbox.deleteHandledBefore(new Date(this.clock.now().getTime() - KEEP_HANDLED_MS), 1000);
  }
}
