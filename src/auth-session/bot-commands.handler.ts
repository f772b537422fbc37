import { Injectable, Logger, OnModuleInit } from '@nestjs/common';

import { BotMessageEvent } from '../lark/lark-events';
import { LarkWsGateway } from '../lark/ws-gateway';
import { CardMessenger } from '../messaging/card-messenger';
import { CardLocale, helpCard, loggedOutCard, statusCard } from '../messaging/cards/auth-card.builder';
import { TokenStoreService } from '../token-store/token-store.service';
import { AuthSessionService } from './auth-session.service';

type Command = 'login' | 'status' | 'logout' | 'help';

/** The command words, and the card language each implies. */
const COMMANDS: Record<string, { command: Command; locale: CardLocale }> = {
  授权: { command: 'login', locale: 'zh_cn' },
  login: { command: 'login', locale: 'en_us' },
  状态: { command: 'status', locale: 'zh_cn' },
  status: { command: 'status', locale: 'en_us' },
  取消授权: { command: 'logout', locale: 'zh_cn' },
  logout: { command: 'logout', locale: 'en_us' },
};

/** DM commands to the bot (DESIGN.md §5): 授权/login, 状态/status, 取消授权/logout, anything else → help. */
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
    const { command, locale } = COMMANDS[event.text.toLowerCase()] ?? {
      command: 'help',
      locale: guessLocale(event.text),
    };
    this.logger.log(`command ${command} from ${event.openId}`);
    switch (command) {
      case 'login':
        // A failed send is already recorded on the session and in metrics; the user simply sees no card.
        await this.sessions.requestAuthorization({ openId: event.openId, locale }).catch(() => undefined);
        return;
      case 'status': {
        const grant = await this.tokens.describeGrant(event.openId);
        const authorized = grant?.name
          ? {
              name: grant.name,
              scopes: grant.scopes,
              validUntil: grant.accessExpiresAt,
              status: grant.status,
            }
          : null;
        await this.messenger.sendCard(event.openId, statusCard({ authorized, locale }));
        return;
      }
      case 'logout':
        await this.sessions.logout(event.openId);
        await this.messenger.sendCard(event.openId, loggedOutCard({ locale }));
        return;
      case 'help':
        await this.messenger.sendCard(event.openId, helpCard({ locale }));
        return;
    }
  }
}

function guessLocale(text: string): CardLocale {
  return /[\u4e00-\u9fff]/.test(text) || text.length === 0 ? 'zh_cn' : 'en_us';
}
