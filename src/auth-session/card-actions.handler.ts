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

  private async decline(event: CardActionEvent, sessionId: string): Promise<CardActionResponse> {
    const session = await this.repository.findById(event.appId, sessionId);
    const texts = cardTexts(session?.locale);
    // Only the user the card was sent to may decline it.
    if (!session || session.openId !== event.openId) return { toast: toast('warning', texts.toasts.noLongerPending) };
    const rejected = await this.sessions.rejectAuthorization(session.appId, session.id);
    if (!rejected) {
      this.logger.log(`decline on session ${session.id}, which is ${session.status}`);
      return { toast: toast('info', texts.toasts.noLongerPending) };
    }
    return cardResponse(declinedCard({ locale: session.locale }), toast('info', texts.toasts.declined));
  }
}

function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
