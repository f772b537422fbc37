import { Inject, Injectable, Logger } from '@nestjs/common';

import { Clock } from '../common/clock';
import { isDatabaseUnavailable } from '../common/errors/database-unavailable';
import { describeError } from '../common/errors/describe-error';
import { Locale } from '../common/locale';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { LarkAppRegistry } from '../lark/app-registry';
import { FeishuApiError } from '../lark/lark.errors';
import { OAuthClient, OAuthTokens } from '../lark/oauth.client';
import { MetricsService } from '../metrics/metrics.service';
import { TokenCipher } from '../token-store/token-cipher';
import { AuthSession } from './auth-session.entity';
import { AuthSessionRepository, TransitionChanges } from './auth-session.repository';
import {
  AuthFailureReason,
  AuthSessionStatus,
  CallbackOutcome,
  TerminalAuthSessionStatus,
} from './auth-session.vocabulary';
import { AuthorizationCompletionService, CompletionFailure } from './authorization-completion.service';
import { hashState } from './authorize-url';
import { SessionCards } from './session-cards';

export interface CallbackQuery {
  state?: string;
  code?: string;
  error?: string;
  /** A parameter given twice, or both `code` and `error`: nothing is done with such a request. */
  malformed?: boolean;
}

export interface CallbackResult {
  outcome: CallbackOutcome;
  name?: string;
  cardPatchPending?: boolean;
  /** already_used: how the session ended. */
  previousOutcome?: TerminalAuthSessionStatus;
  locale?: Locale;
  /** The display name of the session's app, when it has one. */
  appName?: string;
}

/** The one `error` Feishu's consent page sends when the user refuses (docs/feishu-api.md, consent page). */
const USER_DENIED = 'access_denied';
/** How long the code exchange keeps retrying Feishu's temporary failures: the user is looking at a loading page. */
const EXCHANGE_PATIENCE_MS = 8_000;
const FIRST_EXCHANGE_RETRY_MS = 250;

/**
 * GET /callback's work (docs/architecture.md, authorization flow): claim the session once by state hash, exchange
 * the code with the PKCE verifier, then AuthorizationCompletionService checks the identity, stores the token and
 * completes the session (the device flow ends the same way). Every outcome is counted and logged without the code,
 * state or tokens.
 */
@Injectable()
export class AuthorizationCallbackService {
  private readonly logger = new Logger(AuthorizationCallbackService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly sessions: AuthSessionRepository,
    private readonly oauth: OAuthClient,
    private readonly apps: LarkAppRegistry,
    private readonly completion: AuthorizationCompletionService,
    private readonly cipher: TokenCipher,
    private readonly cards: SessionCards,
    private readonly metrics: MetricsService,
    private readonly clock: Clock,
  ) {}

  async completeAuthorization(query: CallbackQuery): Promise<CallbackResult> {
    const result = await this.handle(query).catch((error: unknown) => {
      if (isDatabaseUnavailable(error)) {
        // Nothing was claimed (or the claim did not commit): the same link works once the database is back.
        this.logger.warn(`callback while the database is unavailable: ${describeError(error)}`);
        return { outcome: 'unavailable' as const };
      }
      this.logger.error(`callback failed unexpectedly: ${describeError(error, { stack: true })}`);
      return this.failure('internal', 'internal');
    });
    this.metrics.callbackHandled(result.outcome);
    return result;
  }

  private async handle({ state, code, error, malformed }: CallbackQuery): Promise<CallbackResult> {
    if (malformed) {
      return this.failure('invalid_request', 'invalid_state', 'callback with repeated or conflicting parameters');
    }
    if (!state && !code && !error) {
      // Nobody's session is involved (a bare visit), so no authorization failure is counted.
      this.logger.warn('callback without parameters');
      return { outcome: 'missing_code' };
    }
    if (!state) return this.failure('invalid_state', 'invalid_state', 'callback without state');
    const stateHash = hashState(state);
    if (error) return this.feishuError(stateHash, error);
    if (!code) {
      const session = await this.sessions.findByStateHash(stateHash);
      if (!session) return this.failure('invalid_state', 'invalid_state', 'callback with an unknown state');
      return {
        ...this.failure('missing_code', 'invalid_state', `session ${session.id}: callback without code`),
        ...this.about(session),
      };
    }
    const claimed = await this.sessions.claimForExchange(stateHash, this.clock.now());
    if (!claimed) return this.notClaimable(stateHash);
    return this.exchange(claimed, code).catch((failure: unknown) => {
      this.logger.error(
        `session ${claimed.id}: callback failed unexpectedly: ${describeError(failure, { stack: true })}`,
      );
      return this.endFailed(claimed, 'internal');
    });
  }

  private async exchange(session: AuthSession, code: string): Promise<CallbackResult> {
    const aad = `${session.appId}:${session.openId}`;
    let tokens: OAuthTokens;
    try {
      const verifier = this.cipher.decrypt(session.pkceVerifierEnc ?? Buffer.alloc(0), session.keyId ?? '', aad);
      tokens = await this.exchangeWithRetry(session, code, verifier);
    } catch (error) {
      if (!(error instanceof FeishuApiError)) throw error;
      this.logger.warn(`session ${session.id}: code exchange failed: ${error.message}`);
      return this.endFailed(session, 'code_exchange_failed');
    }
    const done = await this.completion.complete(session, tokens);
    return { ...done, ...this.about(session) };
  }

  /**
   * Feishu's temporary failures (429, 5xx, 20050, 20072, no connection) are retried with back-off while the code is
   * fresh and the user waits. A request that may have reached Feishu (timeout after sending) is never repeated: the
   * code may be spent.
   */
  private async exchangeWithRetry(session: AuthSession, code: string, codeVerifier: string): Promise<OAuthTokens> {
    const giveUpAt = this.clock.now().getTime() + EXCHANGE_PATIENCE_MS;
    for (let delay = FIRST_EXCHANGE_RETRY_MS; ; delay *= 2) {
      try {
        return await this.oauth.exchangeCode(session.appId, {
          code,
          codeVerifier,
          redirectUri: this.config.oauth.redirectUri ?? '',
        });
      } catch (error) {
        if (!(error instanceof FeishuApiError) || !error.retryable || error.mayHaveBeenProcessed) throw error;
        const wait = Math.max(delay, (error.retryAfterSeconds ?? 0) * 1000);
        if (this.clock.now().getTime() + wait > giveUpAt) throw error;
        this.logger.warn(`session ${session.id}: code exchange failed (${error.message}); retrying in ${wait} ms`);
        await this.clock.sleep(wait);
      }
    }
  }

  /** `?error=…&state=…`: the user refused (access_denied), or Feishu could not complete the consent. */
  private async feishuError(stateHash: string, error: string): Promise<CallbackResult> {
    const session = await this.sessions.findByStateHash(stateHash);
    if (!session) return this.failure('invalid_state', 'invalid_state', 'consent error with an unknown state');
    if (session.expiresAt <= this.clock.now() || session.status !== 'pending') return this.notClaimable(stateHash);
    if (error !== USER_DENIED) {
      // Not a refusal: the session stays pending, so the user can try the card again.
      this.logger.warn(`session ${session.id}: Feishu ended the consent with "${error.slice(0, 40)}"`);
      return { outcome: 'provider_error', ...this.about(session) };
    }
    const rejected = await this.move(session, ['pending'], 'rejected', { reason: 'denied' });
    if (!rejected) return this.notClaimable(stateHash);
    this.metrics.authFailed('denied');
    this.logger.log(`session ${session.id}: the user denied consent`);
    await this.cards.patch(rejected);
    return { outcome: 'denied', ...this.about(session) };
  }

  /** The state is known but the session cannot be claimed: expired, being exchanged, or already used. */
  private async notClaimable(stateHash: string): Promise<CallbackResult> {
    const session = await this.sessions.findByStateHash(stateHash);
    if (!session) return this.failure('invalid_state', 'invalid_state', 'callback with an unknown state');
    if (session.status === 'pending') {
      const expired = await this.move(session, ['pending'], 'expired', { reason: 'expired' });
      if (expired) {
        this.metrics.authSessionExpired();
        await this.cards.patch(expired);
      }
    }
    if (session.status === 'pending' || session.status === 'expired') {
      return {
        ...this.failure('expired', 'expired', `session ${session.id}: callback after expiry`),
        ...this.about(session),
      };
    }
    if (session.status === 'exchanging') {
      // Another request (or a process that died) holds it; the page refreshes until it is settled.
      this.logger.log(`session ${session.id}: callback while its code is being exchanged`);
      return { outcome: 'in_progress', ...this.about(session) };
    }
    this.metrics.authFailed('replayed');
    this.logger.warn(`session ${session.id}: callback replayed (session is ${session.status})`);
    return { outcome: 'already_used', previousOutcome: session.status, ...this.about(session) };
  }

  private async endFailed(session: AuthSession, reason: CompletionFailure): Promise<CallbackResult> {
    const { outcome } = await this.completion.fail(session, reason);
    return { outcome, ...this.about(session) };
  }

  private move(
    session: AuthSession,
    from: readonly AuthSessionStatus[],
    to: AuthSessionStatus,
    changes: TransitionChanges,
  ): Promise<AuthSession | undefined> {
    return this.sessions.transition(session.appId, session.id, from, to, this.clock.now(), changes);
  }

  /** How the result page speaks about the session: its language and its app's display name. */
  private about(session: AuthSession): Pick<CallbackResult, 'locale' | 'appName'> {
    return {
      locale: session.locale,
      appName: this.apps.has(session.appId) ? this.apps.settings(session.appId).displayName : undefined,
    };
  }

  private failure(outcome: CallbackOutcome, reason: AuthFailureReason, log?: string): CallbackResult {
    this.metrics.authFailed(reason);
    if (log) this.logger.warn(log);
    return { outcome };
  }
}
