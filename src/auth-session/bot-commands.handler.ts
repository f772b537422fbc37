import { Injectable, Logger, OnModuleInit } from '@nestjs/common';

import { guessLocale, Locale } from '../common/locale';
import { BotMessageEvent } from '../lark/lark-events';
import { LarkWsGateway } from '../lark/ws-gateway';
import { CardMessenger } from '../messaging/card-messenger';
import {
  authorizationUnavailableCard,
  Card,
  helpCard,
  loggedOutCard,
  notAuthorizedCard,
  nothingToLogOutCard,
  reauthRequiredStatusCard,
  revokedStatusCard,
  scopeNotEnabledCard,
  statusCard,
} from '../messaging/cards/auth-card.builder';
import { StoredGrant, TokenStoreService } from '../token-store/token-store.service';
import { DeviceAuthorizationFailedError, ScopeNotEnabledError } from './auth-session.errors';
import { AuthSessionRepository } from './auth-session.repository';
import { AuthSessionService } from './auth-session.service';
import { EventInboxService } from './event-inbox.service';

type Command = 'login' | 'status' | 'logout' | 'help';

/** The command words, and the card language each implies. */
const COMMANDS: Record<string, { command: Command; locale: Locale }> = {
  授权: { command: 'login', locale: 'zh_cn' },
  login: { command: 'login', locale: 'en_us' },
  状态: { command: 'status', locale: 'zh_cn' },
  status: { command: 'status', locale: 'en_us' },
  取消授权: { command: 'logout', locale: 'zh_cn' },
  logout: { command: 'logout', locale: 'en_us' },
};

/**
 * DM commands to the bot: 授权/login, 状态/status, 取消授权/logout, anything else → help. DMs go through the event
 * inbox first: the WebSocket frame is acked once the message is stored, and the command runs afterwards, once per
 * message_id across replicas.
 */
@Injectable()
export class BotCommandsHandler implements OnModuleInit {
  private readonly logger = new Logger(BotCommandsHandler.name);

  constructor(
    private readonly gateway: LarkWsGateway,
    private readonly sessions: AuthSessionService,
    private readonly tokens: TokenStoreService,
    private readonly messenger: CardMessenger,
    private readonly inbox: EventInboxService,
    private readonly repository: AuthSessionRepository,
  ) {}

  onModuleInit(): void {
    this.gateway.onMessage((event) => (isCommand(event) ? this.inbox.accept(event) : Promise.resolve()));
    this.inbox.onWork((event, inboxId) => this.handle(event, inboxId));
  }

  /** `inboxId` doubles as the id of the session a login creates, so a resumed attempt finds an earlier one's. */
  async handle(event: BotMessageEvent, inboxId?: string): Promise<void> {
    if (!isCommand(event)) return;
    const { appId, openId } = event;
    const { command, locale } = COMMANDS[event.text.toLowerCase()] ?? {
      command: 'help',
      locale: guessLocale(event.text),
    };
    this.logger.log(`command ${command} from ${openId} (${appId})`);
    switch (command) {
      case 'login': {
        const earlier = inboxId ? await this.repository.findById(appId, inboxId) : null;
        try {
          if (!earlier) {
            await this.sessions.requestAuthorization({ appId, openId, locale, sessionId: inboxId });
          } else if (earlier.status === 'pending' && !earlier.messageId) {
            // A replica died between creating the session and saving where its card went; whether Feishu got that
            // card or not, sending it again under the session's idempotency key leaves the user exactly one.
            await this.sessions.resendCard(earlier);
          }
          // Otherwise an earlier attempt finished this login (card sent, or the session already ended).
        } catch (error) {
          if (error instanceof ScopeNotEnabledError) {
            const { scopes, consoleUrl } = error;
            await this.messenger.sendCard(appId, openId, scopeNotEnabledCard({ scopes, consoleUrl, locale }));
          } else if (error instanceof DeviceAuthorizationFailedError) {
            await this.messenger.sendCard(appId, openId, authorizationUnavailableCard({ locale }));
          }
          // A failed card send is already recorded on the session and in metrics: the user simply sees no card.
        }
        return;
      }
      case 'status': {
        const grant = await this.tokens.describeGrant(appId, openId);
        await this.messenger.sendCard(appId, openId, grantStatusCard(grant, locale));
        return;
      }
      case 'logout': {
        const result = await this.tokens.logout(appId, openId);
        await this.messenger.sendCard(
          appId,
          openId,
          result === 'invalidated' ? loggedOutCard({ locale }) : nothingToLogOutCard({ locale }),
        );
        return;
      }
      case 'help':
        await this.messenger.sendCard(appId, openId, helpCard({ locale }));
        return;
    }
  }
}

function isCommand(event: BotMessageEvent): boolean {
  return event.chatType === 'p2p' && !!event.openId;
}

function grantStatusCard(grant: StoredGrant | undefined, locale: Locale): Card {
  if (!grant?.name) return notAuthorizedCard({ locale });
  const summary = { name: grant.name, scopes: grant.scopes, locale };
  switch (grant.status) {
    case 'active':
      return statusCard({
        ...summary,
        accessExpiresAt: grant.accessExpiresAt,
        refreshExpiresAt: grant.refreshExpiresAt,
      });
    case 'reauth_required':
      return reauthRequiredStatusCard(summary);
    case 'invalidated':
      return revokedStatusCard(summary);
  }
}
