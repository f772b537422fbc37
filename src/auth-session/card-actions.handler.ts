import { Injectable, Logger, OnModuleInit } from '@nestjs/common';

import { describeError } from '../common/errors/describe-error';
import { CardActionEvent, CardActionResponse } from '../lark/lark-events';
import { LarkWsGateway } from '../lark/ws-gateway';
import {
  cardResponse,
  cardTexts,
  DECLINE_ACTION,
  declinedCard,
  failureToast,
  toast,
} from '../messaging/cards/auth-card.builder';
import { AuthSessionRepository } from './auth-session.repository';
import { AuthSessionService } from './auth-session.service';

/**
 * Card button callbacks over the WebSocket. The Decline button answers with the declined card, which
 * Feishu applies in place; the session's card is therefore not patched separately.
 */
@Injectable()
export class CardActionsHandler implements OnModuleInit {
  private readonly logger = new Logger(CardActionsHandler.name);

  constructor(
    private readonly gateway: LarkWsGateway,
    private readonly sessions: AuthSessionService,
    private readonly repository: AuthSessionRepository,
  ) {}

  onModuleInit(): void {
    this.gateway.onCardAction((event) => this.handle(event));
  }

  async handle(event: CardActionEvent): Promise<CardActionResponse> {
    const sessionId = typeof event.value.session === 'string' ? event.value.session : undefined;
    if (event.value.action !== DECLINE_ACTION || !sessionId || !isUuid(sessionId)) return {};
    try {
      return await this.decline(event, sessionId);
    } catch (error) {
      this.logger.error(`decline on session ${sessionId} failed: ${describeError(error)}`);
      return { toast: failureToast() };
    }
  }

  /** One conditional UPDATE answers the click (Feishu waits 3 s); the session is read only when it did nothing. */
  private async decline(event: CardActionEvent, sessionId: string): Promise<CardActionResponse> {
    const rejected = await this.sessions.rejectAuthorization(event.appId, sessionId, event.openId);
    if (rejected) {
      const texts = cardTexts(rejected.locale);
      return cardResponse(declinedCard({ locale: rejected.locale }), toast('info', texts.toasts.declined));
    }
    // Not pending any more, or not this user's card: only the user the card was sent to may decline it.
    const session = await this.repository.findById(event.appId, sessionId);
    this.logger.log(`decline on session ${sessionId}, which is ${session ? session.status : 'unknown'}`);
    const foreign = !session || session.openId !== event.openId;
    return { toast: toast(foreign ? 'warning' : 'info', cardTexts(session?.locale).toasts.noLongerPending) };
  }
}

function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
