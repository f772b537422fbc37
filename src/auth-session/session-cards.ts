import { Injectable, Logger } from '@nestjs/common';

import { Clock } from '../common/clock';
import { describeError } from '../common/errors/describe-error';
import { FeishuApiError } from '../lark/lark.errors';
import { CardMessenger } from '../messaging/card-messenger';
import {
  authorizedCard,
  Card,
  declinedCard,
  expiredCard,
  failedCard,
  loggedOutCard,
  supersededCard,
} from '../messaging/cards/auth-card.builder';
import { TokenStoreService } from '../token-store/token-store.service';
import { AuthSession } from './auth-session.entity';
import { AuthSessionRepository } from './auth-session.repository';

/**
 * The card that shows a session's outcome, derived from the session alone, so a failed patch can be retried
 * later without remembering what it was going to say.
 */
@Injectable()
export class SessionCards {
  private readonly logger = new Logger(SessionCards.name);

  constructor(
    private readonly messenger: CardMessenger,
    private readonly tokens: TokenStoreService,
    private readonly sessions: AuthSessionRepository,
    private readonly clock: Clock,
  ) {}

  async build(session: AuthSession): Promise<Card | undefined> {
    const locale = session.locale;
    switch (session.status) {
      case 'completed': {
        const grant = await this.tokens.describeGrant(session.appId, session.openId);
        return authorizedCard({
          name: grant?.name ?? session.openId,
          scopes: grant?.scopes ?? session.scopes,
          accessExpiresAt: grant?.accessExpiresAt ?? session.updatedAt,
          refreshExpiresAt: grant?.refreshExpiresAt ?? null,
          locale,
        });
      }
      case 'rejected':
        return declinedCard({ locale });
      case 'expired':
        return expiredCard({ locale });
      case 'failed':
        return failedCard({ reason: session.reason ?? 'internal', locale });
      case 'superseded':
        return supersededCard({ locale });
      case 'invalidated':
        return loggedOutCard({ locale });
      case 'pending':
      case 'exchanging':
        return undefined;
    }
  }

  /** Patches the session's card to its current state; on failure marks it for the retry job. Never throws. */
  async patch(session: AuthSession): Promise<boolean> {
    if (!session.messageId) return true;
    try {
      const card = await this.build(session);
      if (!card) return true;
      await this.messenger.updateCard(session.appId, session.messageId, card);
      if (session.cardPatchPending) await this.setPatchPending(session, false);
      return true;
    } catch (error) {
      const unusable = error instanceof FeishuApiError ? error.cardUnusable : undefined;
      if (unusable) {
        this.logger.log(`session ${session.id}: card ${session.messageId} cannot be updated any more (${unusable})`);
        await this.sessions
          .setCardFailure(session.appId, session.id, unusable, this.clock.now())
          .catch(() => undefined);
        return true;
      }
      this.logger.warn(
        `session ${session.id}: updating card ${session.messageId} failed, will retry: ${describeError(error)}`,
      );
      await this.setPatchPending(session, true).catch(() => undefined);
      return false;
    }
  }

  /** Re-patches cards whose update failed earlier. */
  async retryPending(appId: string, limit = 50): Promise<number> {
    let patched = 0;
    for (const session of await this.sessions.findCardPatchPending(appId, limit)) {
      if (await this.patch(session)) patched += 1;
    }
    return patched;
  }

  private setPatchPending(session: AuthSession, pending: boolean): Promise<void> {
    return this.sessions.setCardPatchPending(session.appId, session.id, pending, this.clock.now());
  }
}
