import { Inject, Injectable, Logger } from '@nestjs/common';

import { Clock } from '../common/clock';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { FeishuApiError } from '../lark/lark-errors';
import { CardMessenger } from '../messaging/card-messenger';
import { CardLocale } from '../messaging/cards/auth-card.builder';
import { MetricsService } from '../metrics/metrics.service';
import { TokenCipher } from '../token-store/token-cipher';
import { TokenStoreService, UserAccessToken } from '../token-store/token-store.service';
import { AuthSession } from './auth-session.entity';
import { AuthSessionNotFoundError, CardSendFailedError } from './auth-session.errors';
import { AuthSessionRepository } from './auth-session.repository';
import { buildAuthorizeUrl, createPkce, createState } from './authorize-url';
import { SessionCards } from './session-cards';

export interface AuthorizationRequest {
  openId: string;
  scopes?: string[];
  locale?: CardLocale;
}

const OFFLINE_ACCESS = 'offline_access';

/**
 * The authorization session state machine (DESIGN.md §4–5): request, decline, invalidate and the
 * read side. The callback's exchange lives in CallbackService and uses this service's cards and metrics.
 */
@Injectable()
export class AuthSessionService {
  private readonly logger = new Logger(AuthSessionService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly sessions: AuthSessionRepository,
    private readonly messenger: CardMessenger,
    private readonly cards: SessionCards,
    private readonly tokens: TokenStoreService,
    private readonly cipher: TokenCipher,
    private readonly metrics: MetricsService,
    private readonly clock: Clock,
  ) {}

  /** Supersedes any pending session of the user, creates a new one and sends its card. */
  async requestAuthorization(request: AuthorizationRequest): Promise<AuthSession> {
    const scopes = withOfflineAccess(request.scopes?.length ? request.scopes : this.config.oauth.scopes);
    const locale = request.locale ?? 'zh_cn';
    const { state, stateHash } = createState();
    const pkce = createPkce();
    const verifier = this.cipher.encrypt(pkce.verifier, `${this.config.lark.appId}:${request.openId}`);
    const expiresAt = new Date(this.clock.now().getTime() + this.config.session.ttlSeconds * 1000);

    const { session, superseded } = await this.sessions.manager.transaction(async (manager) => {
      await this.sessions.lockUser(request.openId, manager);
      const superseded = await this.sessions.supersedePending(request.openId, manager);
      const session = await this.sessions.insert(
        {
          appId: this.config.lark.appId,
          openId: request.openId,
          status: 'pending',
          stateHash,
          pkceVerifierEnc: verifier.value,
          keyId: verifier.keyId,
          scopes,
          locale,
          expiresAt,
        },
        manager,
      );
      return { session, superseded };
    });
    this.metrics.authSessionCreated();
    for (const old of superseded) await this.cards.patch(old);

    const authorizeUrl = buildAuthorizeUrl({
      accountsBaseUrl: this.config.lark.accountsBaseUrl,
      appId: this.config.lark.appId,
      redirectUri: this.config.oauth.redirectUri,
      scopes,
      state,
      codeChallenge: pkce.challenge,
    });
    try {
      const sent = await this.messenger.sendAuthCard(request.openId, {
        sessionId: session.id,
        authorizeUrl,
        scopes,
        expiresAt,
        locale,
      });
      await this.sessions.setCardLocation(session.id, sent.messageId, sent.chatId);
      session.messageId = sent.messageId;
      session.chatId = sent.chatId ?? null;
    } catch (error) {
      await this.sessions.transition(session.id, ['pending'], 'failed', { reason: 'card_send_failed' });
      this.metrics.authFailed('card_send_failed');
      this.logger.warn(`session ${session.id}: sending the card to ${request.openId} failed: ${describe(error)}`);
      throw new CardSendFailedError(error);
    }
    this.logger.log(`session ${session.id} started for ${request.openId} (card ${session.messageId})`);
    return session;
  }

  async getSession(id: string): Promise<AuthSession> {
    const session = await this.sessions.findById(id);
    if (!session) throw new AuthSessionNotFoundError();
    return session;
  }

  getSessionsByOpenId(openId: string): Promise<AuthSession[]> {
    return this.sessions.listByOpenId(openId);
  }

  /** Waits (bounded) until the session leaves pending/exchanging; for the REST long poll. */
  async waitForSession(id: string, waitSeconds: number): Promise<AuthSession> {
    const deadline = Date.now() + waitSeconds * 1000;
    let session = await this.getSession(id);
    while ((session.status === 'pending' || session.status === 'exchanging') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(250, Math.max(0, deadline - Date.now()))));
      session = await this.getSession(id);
    }
    return session;
  }

  /** The user declined (card button or consent page): pending → rejected. Returns the session if it was pending. */
  async rejectAuthorization(id: string): Promise<AuthSession | undefined> {
    const session = await this.sessions.transition(id, ['pending'], 'rejected', { reason: 'denied' });
    if (session) {
      this.metrics.authFailed('denied');
      this.logger.log(`session ${id} declined by the user`);
    }
    return session;
  }

  /** Ends a session: a pending one is cancelled; a completed one also invalidates the user's token. */
  async invalidateSession(id: string): Promise<AuthSession> {
    const session = await this.getSession(id);
    const ended = await this.sessions.transition(id, ['pending', 'completed'], 'invalidated', { reason: 'admin' });
    if (!ended) return session;
    if (session.status === 'completed') await this.tokens.invalidate(session.openId);
    await this.cards.patch(ended);
    return ended;
  }

  getUserAccessToken(openId: string): Promise<UserAccessToken> {
    return this.tokens.getUserAccessToken(openId);
  }

  /** Logout: the token is invalidated and completed sessions end with it. */
  async logout(openId: string): Promise<boolean> {
    const invalidated = await this.tokens.invalidate(openId);
    await this.sessions.invalidateCompleted(openId);
    return invalidated;
  }
}

function withOfflineAccess(scopes: readonly string[]): string[] {
  const unique = [...new Set(scopes.map((scope) => scope.trim()).filter(Boolean))];
  return unique.includes(OFFLINE_ACCESS) ? unique : [...unique, OFFLINE_ACCESS];
}

function describe(error: unknown): string {
  if (error instanceof FeishuApiError) return error.message;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
