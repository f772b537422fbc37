import { Injectable, Logger } from '@nestjs/common';

import { Clock } from '../common/clock';
import { FeishuApiError } from '../lark/lark.errors';
import { FeishuUserInfo, OAuthClient, OAuthTokens } from '../lark/oauth.client';
import { MetricsService } from '../metrics/metrics.service';
import { TokenStoreService } from '../token-store/token-store.service';
import { AuthSession } from './auth-session.entity';
import { AuthSessionRepository } from './auth-session.repository';
import { SessionCards } from './session-cards';

export type CompletionFailure = 'code_exchange_failed' | 'identity_mismatch' | 'account_unavailable' | 'internal';

export type Completion =
  { outcome: 'success'; name: string; cardPatchPending: boolean } | { outcome: CompletionFailure };

/**
 * The end both flows share once Feishu issued tokens for a session the caller moved to `exchanging` (the redirect
 * callback's code exchange, a device-code poll): user_info, the identity binding, the token stored and the session
 * completed in one transaction, the card patched. A token issued to anyone but the card's user is discarded.
 */
@Injectable()
export class AuthorizationCompletionService {
  private readonly logger = new Logger(AuthorizationCompletionService.name);

  constructor(
    private readonly sessions: AuthSessionRepository,
    private readonly oauth: OAuthClient,
    private readonly tokens: TokenStoreService,
    private readonly cards: SessionCards,
    private readonly metrics: MetricsService,
    private readonly clock: Clock,
  ) {}

  async complete(session: AuthSession, tokens: OAuthTokens): Promise<Completion> {
    let user: FeishuUserInfo;
    try {
      user = await this.oauth.getUserInfo(session.appId, tokens.accessToken);
    } catch (error) {
      if (!(error instanceof FeishuApiError)) throw error;
      if (error.accountUnavailable) {
        this.logger.warn(`session ${session.id}: the Feishu account is ${error.accountUnavailable} (user_info)`);
        return this.fail(session, 'account_unavailable');
      }
      this.logger.warn(`session ${session.id}: user_info failed: ${error.message}`);
      return this.fail(session, 'code_exchange_failed');
    }
    if (user.openId !== session.openId) {
      // Someone else opened a forwarded card: their account must not be bound to this user.
      this.logger.warn(`session ${session.id}: token belongs to ${user.openId}, card was for ${session.openId}`);
      return this.fail(session, 'identity_mismatch');
    }

    const now = this.clock.now();
    const completed = await this.sessions.manager.transaction(async (manager) => {
      await this.tokens.saveGrant(session.appId, session.openId, tokens, user, manager, session.id);
      return this.sessions.transition(
        session.appId,
        session.id,
        ['exchanging'],
        'completed',
        now,
        { reason: null, completedAt: now },
        manager,
      );
    });
    if (!completed) {
      this.metrics.authFailed('internal');
      this.logger.warn(`session ${session.id} left exchanging while we held it`);
      return { outcome: 'internal' };
    }
    this.metrics.authSucceeded((now.getTime() - session.createdAt.getTime()) / 1000);
    this.logger.log(`session ${session.id}: ${session.openId} authorized (${tokens.scopes.length} scopes)`);
    const patched = await this.cards.patch(completed);
    return { outcome: 'success', name: user.name, cardPatchPending: !patched };
  }

  /** exchanging → failed, counted, card patched. */
  async fail(session: AuthSession, reason: CompletionFailure): Promise<Completion> {
    const failed = await this.sessions.transition(
      session.appId,
      session.id,
      ['exchanging'],
      'failed',
      this.clock.now(),
      {
        reason,
      },
    );
    this.metrics.authFailed(reason);
    if (failed) await this.cards.patch(failed);
    return { outcome: reason };
  }
}
