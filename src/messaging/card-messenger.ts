import { Injectable, Logger } from '@nestjs/common';

import { Clock } from '../common/clock';
import { ImMessagesClient, SentMessage } from '../lark/im-messages.client';
import { FeishuApiError } from '../lark/lark.errors';
import { Card, pendingCard, PendingCardInput } from './cards/auth-card.builder';

/** Temporary failures are tried this often; rate limits are waited out for up to RATE_LIMIT_PATIENCE_MS instead. */
const MAX_ATTEMPTS = 3;
/**
 * A burst of logins to one user meets the 5 QPS per user and per message (HTTP 400, 230020) and the app-wide limit
 * (HTTP 429, 99991400, x-ogw-ratelimit-reset); each clears within seconds, so waiting is the answer. Shorter than the
 * event inbox lease, so a DM's handling never outlives it.
 */
const RATE_LIMIT_PATIENCE_MS = 30_000;
const FIRST_WAIT_MS = 250;
const MAX_WAIT_MS = 5_000;

/**
 * Sends and updates our cards. Builds nothing itself beyond the pending card (the builders are pure) and
 * never sees a token. Rate limits are waited out (x-ogw-ratelimit-reset, capped), other transient
 * failures retried briefly; a final failure is thrown as FeishuApiError.
 */
@Injectable()
export class CardMessenger {
  private readonly logger = new Logger(CardMessenger.name);

  constructor(
    private readonly messages: ImMessagesClient,
    private readonly clock: Clock,
  ) {}

  /**
   * Sends the authorization card as the bot of `appId` (`openId` is the user's open_id in that app); the session id
   * doubles as Feishu's idempotency key, so a retry never sends two.
   */
  sendAuthCard(appId: string, openId: string, input: PendingCardInput): Promise<SentMessage> {
    return this.withRetry('send', () =>
      this.messages.sendInteractive(appId, openId, pendingCard(input), input.sessionId),
    );
  }

  sendCard(appId: string, openId: string, card: Card): Promise<SentMessage> {
    return this.withRetry('send', () => this.messages.sendInteractive(appId, openId, card));
  }

  /** Only the app that sent a message can update it. */
  updateCard(appId: string, messageId: string, card: Card): Promise<void> {
    return this.withRetry('patch', () => this.messages.patchInteractive(appId, messageId, card));
  }

  /** Exponential back-off with jitter, or Feishu's x-ogw-ratelimit-reset when it says, capped. */
  private async withRetry<T>(what: string, attempt: () => Promise<T>): Promise<T> {
    const started = this.clock.now().getTime();
    let failures = 0;
    for (let tries = 1; ; tries += 1) {
      try {
        return await attempt();
      } catch (error) {
        if (!(error instanceof FeishuApiError) || !error.retryable) throw error;
        const rateLimited = error.kind === 'rate_limited';
        if (!rateLimited) failures += 1;
        if (failures >= MAX_ATTEMPTS) throw error;
        if (rateLimited && this.clock.now().getTime() - started > RATE_LIMIT_PATIENCE_MS) throw error;
        const backoff = FIRST_WAIT_MS * 2 ** Math.min(tries - 1, 5) * (0.5 + Math.random());
        // Jitter on top of the reset time too, so the callers that were turned away together do not return together.
        const reset =
          error.retryAfterSeconds !== undefined ? error.retryAfterSeconds * 1000 * (1 + Math.random() / 2) : 0;
        const waitMs = Math.round(Math.min(MAX_WAIT_MS, reset || backoff));
        this.logger.warn(
          `card ${what} failed (${error.kind}${error.feishuCode ? ` ${error.feishuCode}` : ''}); retrying in ${waitMs} ms`,
        );
        await this.clock.sleep(waitMs);
      }
    }
  }
}
