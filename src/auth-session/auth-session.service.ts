import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';

import { Clock } from '../common/clock';
import { describeError } from '../common/errors/describe-error';
import { Locale } from '../common/locale';
import { withOfflineAccess } from '../common/scopes';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { LarkAppRegistry } from '../lark/app-registry';
import { SentMessage } from '../lark/im-messages.client';
import { FeishuApiError } from '../lark/lark.errors';
import { CardMessenger } from '../messaging/card-messenger';
import { ReauthorizationReason } from '../messaging/cards/auth-card.builder';
import { MetricsService } from '../metrics/metrics.service';
import { TokenCipher } from '../token-store/token-cipher';
import { TokenStoreService } from '../token-store/token-store.service';
import { AuthSession } from './auth-session.entity';
import { AuthSessionNotFoundError, CardSendFailedError, UserUnreachableError } from './auth-session.errors';
import { AuthSessionRepository } from './auth-session.repository';
import { buildAuthorizeUrl, createPkce, pkceChallenge, stateFor } from './authorize-url';
import { ScopePrecheck } from './scope-precheck';
import { DeviceFlowStart } from './device-flow-start';
import { SessionCards } from './session-cards';

export interface AuthorizationRequest {
  appId: string;
  openId: string;
  scopes?: string[];
  locale?: Locale;
  /** Set when the service itself asks again because the user's grant ended; the card says why. */
  reauthReason?: ReauthorizationReason;
  /** A fixed id for the new session (the DM inbox passes its own, so a resumed attempt can recognise it). */
  sessionId?: string;
}

const LONG_POLL_STEP_MS = 250;

/**
 * The authorization session state machine (docs/architecture.md): request, decline, invalidate, logout and the
 * read side. The callback's exchange lives in AuthorizationCallbackService.
 */
@Injectable()
export class AuthSessionService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(AuthSessionService.name);
  /** Set on shutdown: long polls answer with what they have, so HTTP can drain. */
  private stopping = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly sessions: AuthSessionRepository,
    private readonly messenger: CardMessenger,
    private readonly cards: SessionCards,
    private readonly tokens: TokenStoreService,
    private readonly cipher: TokenCipher,
    private readonly apps: LarkAppRegistry,
    private readonly metrics: MetricsService,
    private readonly clock: Clock,
    private readonly scopePrecheck: ScopePrecheck,
    private readonly deviceStart: DeviceFlowStart,
  ) {}

  /** Supersedes any pending session of the user, creates a new one and sends its card. */
  async requestAuthorization(request: AuthorizationRequest): Promise<AuthSession> {
    const { appId, openId } = request;
    const app = this.apps.settings(appId);
    const scopes = withOfflineAccess(request.scopes?.length ? request.scopes : app.scopes);
    const locale = request.locale ?? app.locale;
    await this.scopePrecheck.assertEnabled(appId, scopes);
    const pkce = createPkce();
    const { stateHash } = stateFor(pkce.verifier);
    const verifier = this.cipher.encrypt(pkce.verifier, `${appId}:${openId}`);
    const device = app.authFlow === 'device' ? await this.deviceStart.start(appId, openId, scopes) : undefined;
    const now = this.clock.now();
    const ttlSeconds = Math.min(this.config.session.ttlSeconds, device?.expiresInSeconds ?? Infinity);
    const expiresAt = new Date(now.getTime() + ttlSeconds * 1000);

    const { session, superseded } = await this.sessions.manager.transaction(async (manager) => {
      await this.sessions.lockUser(appId, openId, manager);
      const superseded = await this.sessions.supersedePending(appId, openId, now, manager);
      const session = await this.sessions.insert(
        {
          ...(request.sessionId ? { id: request.sessionId } : {}),
          appId,
          openId,
          status: 'pending',
          stateHash,
          pkceVerifierEnc: device ? null : verifier.value,
          keyId: verifier.keyId,
          scopes,
          locale,
          expiresAt,
          ...device?.columns(now),
        },
        now,
        manager,
      );
      return { session, superseded };
    });
    this.metrics.authSessionCreated();
    for (const old of superseded) await this.cards.patch(old);

    const authorizeUrl = device?.verificationUriComplete ?? this.authorizeUrl(session, pkce.verifier);
    const sent = await this.sendCard(session, authorizeUrl, request.reauthReason);
    await this.saveCardLocation(session, sent);
    this.logger.log(`session ${session.id} started for ${openId} (card ${sent.messageId})`);
    return session;
  }

  /**
   * The card of a pending session whose process died before it saved where the card went (a DM resumed by another
   * replica): sent again with the same content and the same idempotency key (the session id), so Feishu delivers it at
   * most once and answers where it is (docs/feishu-api.md, repeated uuid).
   */
  async resendCard(session: AuthSession): Promise<void> {
    const url = session.verificationUri ?? this.authorizeUrl(session, this.verifierOf(session));
    const sent = await this.sendCard(session, url, undefined);
    await this.saveCardLocation(session, sent);
    this.logger.log(`session ${session.id}: card sent again under the same key (card ${sent.messageId})`);
  }

  async getSession(appId: string, id: string): Promise<AuthSession> {
    const session = await this.sessions.findById(appId, id);
    if (!session) throw new AuthSessionNotFoundError();
    return session;
  }

  getSessionsByOpenId(appId: string, openId: string): Promise<AuthSession[]> {
    return this.sessions.listByOpenId(appId, openId);
  }

  /** Waits (bounded) until the session leaves pending/exchanging; for the REST long poll. */
  async waitForSession(appId: string, id: string, waitSeconds: number): Promise<AuthSession> {
    const deadline = this.clock.now().getTime() + waitSeconds * 1000;
    let session = await this.getSession(appId, id);
    while ((session.status === 'pending' || session.status === 'exchanging') && !this.stopping) {
      const left = deadline - this.clock.now().getTime();
      if (left <= 0) break;
      await this.clock.sleep(Math.min(LONG_POLL_STEP_MS, left));
      session = await this.getSession(appId, id);
    }
    return session;
  }

  beforeApplicationShutdown(): void {
    this.stopping = true;
  }

  /**
   * The user declined (card button): pending → rejected, in one conditional UPDATE (only `openId`'s own session when
   * given). Returns the session if it was pending.
   */
  async rejectAuthorization(appId: string, id: string, openId?: string): Promise<AuthSession | undefined> {
    const session = await this.sessions.transition(appId, id, ['pending'], 'rejected', this.clock.now(), {
      reason: 'denied',
      ifOpenId: openId,
    });
    if (session) {
      this.metrics.authFailed('denied');
      this.logger.log(`session ${id} declined by the user`);
    }
    return session;
  }

  /** Ends a session: a pending one is cancelled; a completed one also invalidates the user's token. */
  async invalidateSession(appId: string, id: string): Promise<AuthSession> {
    const session = await this.getSession(appId, id);
    const ended = await this.sessions.transition(appId, id, ['pending', 'completed'], 'invalidated', this.clock.now(), {
      reason: 'admin',
    });
    if (!ended) return session;
    if (session.status === 'completed') await this.tokens.invalidateGrantOf(appId, session.openId, session.id);
    await this.cards.patch(ended);
    return ended;
  }

  /**
   * The session side of a logout: completed sessions end (reason logout) and a still-pending card is superseded, so
   * no card sent before the logout can authorize after it. Their cards are updated.
   */
  async endSessionsAfterLogout(appId: string, openId: string): Promise<void> {
    const now = this.clock.now();
    const ended = [
      ...(await this.sessions.invalidateCompleted(appId, openId, now)),
      ...(await this.sessions.supersedePending(appId, openId, now)),
    ];
    for (const session of ended) await this.cards.patch(session);
  }

  /** The language of the user's latest session, to speak to them the same way when the service writes first. */
  async lastLocaleOf(appId: string, openId: string): Promise<Locale> {
    const [latest] = await this.sessions.listByOpenId(appId, openId, 1);
    return latest?.locale ?? this.apps.settings(appId).locale;
  }

  /** The consent page URL of a redirect-flow session; the state comes from the verifier (stateFor). */
  private authorizeUrl(session: AuthSession, verifier: string): string {
    return buildAuthorizeUrl({
      accountsBaseUrl: this.apps.settings(session.appId).accountsBaseUrl,
      appId: session.appId,
      redirectUri: this.config.oauth.redirectUri ?? '',
      scopes: session.scopes,
      state: stateFor(verifier).state,
      codeChallenge: pkceChallenge(verifier),
    });
  }

  private verifierOf(session: AuthSession): string {
    const aad = `${session.appId}:${session.openId}`;
    return this.cipher.decrypt(session.pkceVerifierEnc ?? Buffer.alloc(0), session.keyId ?? '', aad);
  }

  private async sendCard(
    session: AuthSession,
    authorizeUrl: string,
    reauthReason: ReauthorizationReason | undefined,
  ): Promise<SentMessage> {
    const grant = await this.tokens.describeGrant(session.appId, session.openId);
    try {
      return await this.messenger.sendAuthCard(session.appId, session.openId, {
        appName: this.apps.settings(session.appId).displayName,
        sessionId: session.id,
        authorizeUrl,
        scopes: session.scopes,
        expiresAt: session.expiresAt,
        locale: session.locale,
        replaces: grant?.status === 'active' ? (grant.name ?? undefined) : undefined,
        reauthReason,
        device: session.userCode
          ? {
              userCode: session.userCode,
              minutesLeft: Math.max(1, Math.round((session.expiresAt.getTime() - this.clock.now().getTime()) / 60_000)),
            }
          : undefined,
      });
    } catch (error) {
      const unreachable = error instanceof FeishuApiError && error.recipientUnreachable;
      const reason = unreachable ? 'user_unreachable' : 'card_send_failed';
      const cardFailure = error instanceof FeishuApiError ? error.cardUnusable : undefined;
      await this.sessions.transition(session.appId, session.id, ['pending'], 'failed', this.clock.now(), {
        reason,
        cardFailure,
      });
      this.metrics.authFailed(reason);
      const line = `session ${session.id}: sending the card to ${session.openId} failed: ${describeError(error)}`;
      if (unreachable) {
        // The caller asked for a user the bot cannot reach: their problem, not ours.
        this.logger.warn(line);
        throw new UserUnreachableError(error);
      }
      this.logger.error(line);
      throw new CardSendFailedError(error);
    }
  }

  /**
   * The user has the card either way; without its location the card cannot be updated later, which is worth an
   * error line but not a failed request.
   */
  private async saveCardLocation(session: AuthSession, sent: SentMessage): Promise<void> {
    try {
      const now = this.clock.now();
      const current = await this.sessions.setCardLocation(session.appId, session.id, sent.messageId, sent.chatId, now);
      session.messageId = sent.messageId;
      session.chatId = sent.chatId ?? null;
      // A newer request superseded this one while its card was on the way, before anyone knew where the card was:
      // it would still offer Authorize, so it is updated now.
      if (current && current.status !== 'pending') await this.cards.patch(current);
    } catch (error) {
      this.logger.error(
        `session ${session.id}: card ${sent.messageId} was delivered but its location could not be saved, ` +
          `so it will not be updated: ${describeError(error)}`,
      );
    }
  }
}
