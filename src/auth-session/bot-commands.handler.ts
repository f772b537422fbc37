import { Injectable, Logger, OnModuleInit } from '@nestjs/common';

import { guessLocale, Locale } from '../common/locale';
import { BotMessageEvent } from '../lark/lark-events';
import { LarkWsGateway } from '../lark/ws-gateway';
import { CardMessenger } from '../messaging/card-messenger';
import {
  Card,
  helpCard,
  loggedOutCard,
  notAuthorizedCard,
  nothingToLogOutCard,
  reauthRequiredStatusCard,
  revokedStatusCard,
  statusCard,
} from '../messaging/cards/auth-card.builder';
import { StoredGrant, TokenStoreService } from '../token-store/token-store.service';
import { AuthSessionService } from './auth-session.service';

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

/** DM commands to the bot: 授权/login, 状态/status, 取消授权/logout, anything else → help. */
@Injectable()
export class BotCommandsHandler implements OnModuleInit {
  private readonly logger = new Logger(BotCommandsHandler.name);

  constructor(
    private readonly gateway: LarkWsGateway,
    private readonly sessions: AuthSessionService,
    private readonly tokens: TokenStoreService,
    private readonly messenger: CardMessenger,
  ) {}

  onModuleInit(): void {
    this.gateway.onMessage((event) => this.handle(event));
  }

  async handle(event: BotMessageEvent): Promise<void> {
    if (event.chatType !== 'p2p' || !event.openId) return;
    const { appId, openId } = event;
    const { command, locale } = COMMANDS[event.text.toLowerCase()] ?? {
      command: 'help',
      locale: guessLocale(event.text),
    };
    this.logger.log(`command ${command} from ${openId} (${appId})`);
    switch (command) {
      case 'login':
        // A failed send is already recorded on the session and in metrics; the user simply sees no card.
        await this.sessions.requestAuthorization({ appId, openId, locale }).catch(() => undefined);
        return;
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
