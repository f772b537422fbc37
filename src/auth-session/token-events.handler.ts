import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';

import { describeError } from '../common/errors/describe-error';
import { LoggedOutEvent, ReauthorizationRequiredEvent, TOKEN_EVENTS } from '../token-store/token-store.events';
import { AuthSessionService } from './auth-session.service';

/** The session side of what happens to tokens: a new card when a grant ended, ended sessions after a logout. */
@Injectable()
export class TokenEventsHandler {
  private readonly logger = new Logger(TokenEventsHandler.name);

  constructor(private readonly sessions: AuthSessionService) {}

  /** Sent once per ended grant: token-store emits this only from the one write that ended it. */
  @OnEvent(TOKEN_EVENTS.reauthorizationRequired, { promisify: true })
  async askAgain({ appId, openId, reason }: ReauthorizationRequiredEvent): Promise<void> {
    try {
      const locale = await this.sessions.lastLocaleOf(appId, openId);
      await this.sessions.requestAuthorization({ appId, openId, locale, reauthReason: reason });
      this.logger.log(`asked ${openId} to authorize again (${reason})`);
    } catch (error) {
      this.logger.warn(`could not ask ${openId} to authorize again (${reason}): ${describeError(error)}`);
    }
  }

  @OnEvent(TOKEN_EVENTS.loggedOut, { promisify: true })
  async endSessions({ appId, openId }: LoggedOutEvent): Promise<void> {
    await this.sessions.endSessionsAfterLogout(appId, openId);
  }
}
