import { Injectable, Logger } from '@nestjs/common';

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
  ) {}

  async build(session: AuthSession): Promise<Card | undefined> {
    const locale = session.locale;
    switch (session.status) {
      case 'completed': {
        const grant = await this.tokens.describeGrant(session.openId);
        return authorizedCard({
          name: grant?.name ?? session.openId,
          scopes: grant?.scopes ?? session.scopes,
          validUntil: grant?.accessExpiresAt ?? null,
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
      await this.messenger.updateCard(session.messageId, card);
      if (session.cardPatchPending) await this.sessions.setCardPatchPending(session.id, false);
      return true;
    } catch (error) {
      this.logger.warn(
        `session ${session.id}: updating card ${session.messageId} failed, will retry: ${
          error instanceof Error ? error.message : String(error)
        }`,
      );
      await this.sessions.setCardPatchPending(session.id, true).catch(() => undefined);
      return false;
    }
  }

  /** Re-patches cards whose update failed earlier. */
  async retryPending(limit = 50): Promise<number> {
    let patched = 0;
    for (const session of await this.sessions.findCardPatchPending(limit)) {
      if (await this.patch(session)) patched += 1;
    }
    return patched;
  }
}
