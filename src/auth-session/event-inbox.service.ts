import { randomUUID } from 'node:crypto';

import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';

import { Clock } from '../common/clock';
import { describeError } from '../common/errors/describe-error';
import { BotMessageEvent } from '../lark/lark-events';
import { FeishuApiError } from '../lark/lark.errors';
import { EventInboxRepository, InboxMessage } from './event-inbox.repository';

/** Longer than handling one message can take, rate-limit waits included; a dead replica's messages wait this long. */
export const INBOX_LEASE_MS = 45_000;
const MAX_ATTEMPTS = 5;
const FIRST_RETRY_MS = 10_000;
const SHUTDOWN_WAIT_MS = 5_000;

/** Handles one message; the inbox id lets a resumed attempt recognise work a dead replica already did. */
export type InboxWorker = (event: BotMessageEvent, inboxId: string) => Promise<void>;

/**
 * The durable inbox of DMs (docs/architecture.md, event inbox). `accept` runs inside the WebSocket event handler:
 * one INSERT … ON CONFLICT DO NOTHING, so the frame is acked well inside Feishu's 3 s and a redelivery (to this or
 * any replica) writes nothing. The first writer holds the message's lease and handles it right after the ack;
 * EventInboxJob hands out what is left (a dead replica's work once its lease ran out, failed attempts after their
 * back-off).
 */
@Injectable()
export class EventInboxService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(EventInboxService.name);
  readonly owner = randomUUID();
  private readonly inFlight = new Set<Promise<void>>();
  private worker: InboxWorker | undefined;

  constructor(
    private readonly inbox: EventInboxRepository,
    private readonly clock: Clock,
  ) {}

  /** event_inbox.lease_owner of this process, so an operator can tell which replica holds a message. */
  onApplicationBootstrap(): void {
    this.logger.log(`event inbox lease owner ${this.owner}`);
  }

  onWork(worker: InboxWorker): void {
    this.worker = worker;
  }

  leaseUntil(now: Date): Date {
    return new Date(now.getTime() + INBOX_LEASE_MS);
  }

  /** Stores the message (once per app and message_id) and schedules its handling after the ack. */
  async accept(event: BotMessageEvent): Promise<void> {
    const now = this.clock.now();
    const message = await this.inbox.accept(event, this.owner, now, this.leaseUntil(now));
    if (!message) {
      this.logger.log(`message ${event.messageId} of ${event.appId} was delivered again; already in the inbox`);
      return;
    }
    setImmediate(() => void this.track(this.handle(message)));
  }

  /** Handles a message this process holds the lease of; never throws. */
  async handle(message: InboxMessage): Promise<void> {
    try {
      if (!this.worker) throw new Error('no inbox worker registered');
      await this.worker(message.event, message.id);
      await this.inbox.markDone(message.id, this.owner, this.clock.now());
    } catch (error) {
      const attempts = message.attempts + 1;
      // A final answer from Feishu (the user blocked the bot, …) will not change on a retry.
      const final = attempts >= MAX_ATTEMPTS || (error instanceof FeishuApiError && !error.retryable);
      const now = this.clock.now();
      const retryAt = new Date(now.getTime() + FIRST_RETRY_MS * 2 ** (attempts - 1));
      this.logger.error(
        `message ${message.event.messageId} of ${message.event.appId}: attempt ${attempts} failed` +
          `${final ? ', giving up' : ''}: ${describeError(error)}`,
      );
      await this.inbox
        .markFailedAttempt(message.id, this.owner, now, retryAt, describeError(error), final)
        .catch((failure: unknown) => this.logger.error(`inbox update failed: ${describeError(failure)}`));
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, SHUTDOWN_WAIT_MS);
    });
    await Promise.race([Promise.all(this.inFlight), timeout]);
    clearTimeout(timer);
    // What is still running here is given back at once rather than when its lease runs out.
    await this.inbox.release(this.owner).catch(() => 0);
  }

  private async track(work: Promise<void>): Promise<void> {
    this.inFlight.add(work);
    await work.finally(() => this.inFlight.delete(work));
  }
}
