import { randomUUID } from 'node:crypto';

import { Inject, Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';

import { Clock } from '../common/clock';
import { describeError } from '../common/errors/describe-error';
import { sha256Hex } from '../common/sha256';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { FeishuApiError } from '../lark/lark.errors';
import { OAuthClient, OAuthTokens } from '../lark/oauth.client';
import { MetricsService } from '../metrics/metrics.service';
import { RefreshBudget } from './refresh-budget';
import { TokenCipher } from './token-cipher';
import { GrantLossReason, ReauthorizationRequiredEvent, TOKEN_EVENTS } from './token-store.events';
import { UserToken } from './user-token.entity';
import { UserTokenRepository } from './user-token.repository';

/** The `result` of lark_service_token_refresh_total. */
export const TOKEN_REFRESH_RESULTS = [
  'success',
  // Feishu said the refresh token was used, and another replica had indeed rotated it: its token is used.
  'adopted',
  'transient_error',
  'revoked',
  'expired',
  // The request may have reached Feishu but its answer did not reach us: the token may be spent.
  'lost_response',
] as const;
export type TokenRefreshResult = (typeof TOKEN_REFRESH_RESULTS)[number];

/** What happened to one claimed row: a refresh result, or `skipped` when it was not ours to refresh after all. */
export type RefreshOutcome = TokenRefreshResult | 'skipped';

const FIRST_RETRY_MS = 5_000;
const MAX_RETRY_MS = 5 * 60_000;
/** How often a caller waiting for another replica's refresh looks at the row again. */
const LEASE_POLL_MS = 100;

/**
 * One refresh of one leased row, safe against every other replica: the request leaves only inside the budget and
 * under a live lease, is marked as sent first (so a crash mid-flight is never followed by presenting the same
 * refresh token again), and its answer is written with a compare-and-set on the refresh token it replaces.
 * docs/feishu-api.md (token endpoint) has the rotation rules this follows.
 */
@Injectable()
export class TokenRefresher {
  private readonly logger = new Logger(TokenRefresher.name);
  /** This process's name on the leases it takes. */
  readonly owner = randomUUID();

  constructor(
    private readonly tokens: UserTokenRepository,
    private readonly oauth: OAuthClient,
    private readonly cipher: TokenCipher,
    private readonly budget: RefreshBudget,
    private readonly events: EventEmitter2,
    private readonly metrics: MetricsService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Long enough for a budget slot and one request with its timeout, however slow. */
  leaseUntil(now: Date): Date {
    return new Date(now.getTime() + Math.max(10_000, 3 * this.config.lark.httpTimeoutMs));
  }

  /**
   * Refreshes one user's token now (on demand): takes the lease, or waits until whoever holds it is done. With
   * `force` the token is refreshed even when it is not due yet.
   */
  async refreshUser(appId: string, openId: string, force: boolean): Promise<RefreshOutcome> {
    const now = this.clock.now();
    const row = await this.tokens.claimOne(appId, openId, this.owner, now, this.leaseUntil(now));
    if (!row) {
      await this.waitForLeaseHolder(appId, openId);
      return 'skipped';
    }
    if (!force && row.refreshDueAt > now && !row.refreshSentAt) {
      // Someone refreshed it between our read and our claim.
      await this.tokens.release(row.id, this.owner);
      return 'skipped';
    }
    return this.refresh(row);
  }

  /** Refreshes a row this process has leased; never throws, always gives the lease back or lets it run out. */
  async refresh(row: UserToken): Promise<RefreshOutcome> {
    const started = performance.now();
    const progress = { sent: false };
    const outcome = await this.attempt(row, progress).catch(async (error: unknown) => {
      this.logger.error(`token ${row.id}: refresh failed unexpectedly: ${describeError(error, { stack: true })}`);
      // Once the request was out, its refresh token may be spent: the row keeps its in-flight mark and the
      // next claim treats it as a lost answer. Before that, nothing happened: try again later.
      return progress.sent ? 'skipped' : this.retryLater(row, 'internal');
    });
    if (outcome !== 'skipped') this.metrics.tokenRefreshed(outcome, (performance.now() - started) / 1000);
    return outcome;
  }

  private async attempt(row: UserToken, progress: { sent: boolean }): Promise<RefreshOutcome> {
    if (row.refreshSentAt) {
      this.logger.warn(`token ${row.id}: a refresh was in flight when its process stopped; asking the user again`);
      return this.grantLost(row, 'lost_response', 'lost_response');
    }
    if (!row.refreshTokenEnc || !row.keyId || !row.refreshTokenHash) return this.withoutRefreshToken(row);
    const refreshToken = this.cipher.decrypt(row.refreshTokenEnc, row.keyId, aadOf(row));
    await this.budget.take(row.appId);
    const sentAt = this.clock.now();
    if (!(await this.tokens.markSent(row.id, this.owner, sentAt, this.leaseUntil(sentAt)))) {
      this.logger.warn(`token ${row.id}: lease lost before the refresh left; another replica takes it`);
      return 'skipped';
    }
    progress.sent = true;
    let tokens: OAuthTokens;
    try {
      tokens = await this.oauth.refreshUserAccessToken(row.appId, refreshToken);
    } catch (error) {
      if (!(error instanceof FeishuApiError)) throw error;
      return this.failed(row, error);
    }
    return this.save(row, tokens);
  }

  private async save(row: UserToken, tokens: OAuthTokens): Promise<RefreshOutcome> {
    const now = this.clock.now();
    const aad = aadOf(row);
    const access = this.cipher.encrypt(tokens.accessToken, aad);
    const refresh = tokens.refreshToken ? this.cipher.encrypt(tokens.refreshToken, aad) : undefined;
    const lifetimeMs = tokens.expiresInSeconds * 1000;
    const saved = await this.tokens.saveRefreshed(
      row.id,
      this.owner,
      row.refreshTokenHash ?? '',
      {
        accessTokenEnc: access.value,
        refreshTokenEnc: refresh?.value ?? null,
        keyId: access.keyId,
        refreshTokenHash: tokens.refreshToken ? sha256Hex(tokens.refreshToken) : null,
        scopes: tokens.scopes.length > 0 ? tokens.scopes : row.scopes,
        accessExpiresAt: new Date(now.getTime() + lifetimeMs),
        refreshExpiresAt: tokens.refreshExpiresInSeconds
          ? new Date(now.getTime() + tokens.refreshExpiresInSeconds * 1000)
          : null,
        refreshDueAt: new Date(now.getTime() + lifetimeMs * (1 - this.config.tokens.refreshThreshold)),
      },
      now,
    );
    if (!saved) {
      // A logout or a new authorization replaced the row while the request was out; theirs wins.
      this.logger.log(`token ${row.id}: refreshed, but the row changed meanwhile; the new tokens are discarded`);
    }
    return 'success';
  }

  private async failed(row: UserToken, error: FeishuApiError): Promise<RefreshOutcome> {
    if (error.mayHaveBeenProcessed) {
      this.logger.warn(`token ${row.id}: the refresh answer was lost (${error.message}); asking the user again`);
      return this.grantLost(row, 'lost_response', 'lost_response');
    }
    if (error.grantLost) {
      if (error.feishuCode === 20064 || error.feishuCode === 20073) {
        const current = await this.tokens.findById(row.id);
        if (current?.status === 'active' && current.refreshTokenHash !== row.refreshTokenHash) {
          this.logger.log(`token ${row.id}: another replica rotated it first; using its token`);
          await this.tokens.release(row.id, this.owner);
          return 'adopted';
        }
      }
      const reason: GrantLossReason = error.feishuCode === 20037 ? 'expired' : 'revoked';
      this.logger.warn(`token ${row.id}: the grant ended (${error.message})`);
      return this.grantLost(row, reason, `feishu_${error.feishuCode ?? 'unknown'}`);
    }
    this.logger.warn(`token ${row.id}: refresh failed, will retry (${error.message})`);
    return this.retryLater(row, error.feishuCode ? `feishu_${error.feishuCode}` : error.kind, error.retryAfterSeconds);
  }

  /** Without offline_access there is no refresh token: the token lasts until it expires, then the user is asked. */
  private async withoutRefreshToken(row: UserToken): Promise<RefreshOutcome> {
    const now = this.clock.now();
    if (row.accessExpiresAt <= now) return this.grantLost(row, 'expired', 'no_refresh_token');
    await this.tokens.recordTransientFailure(row.id, this.owner, row.accessExpiresAt, 'no_refresh_token', now);
    return 'skipped';
  }

  private async grantLost(row: UserToken, reason: GrantLossReason, error: string): Promise<TokenRefreshResult> {
    if (await this.tokens.requireReauthorization(row.id, error, this.clock.now())) {
      const event: ReauthorizationRequiredEvent = { appId: row.appId, openId: row.openId, reason };
      this.events.emitAsync(TOKEN_EVENTS.reauthorizationRequired, event).catch((failure: unknown) => {
        this.logger.error(`token ${row.id}: asking the user again failed: ${describeError(failure)}`);
      });
    }
    return reason;
  }

  /** Exponential back-off with jitter, but always another try before the access token expires. */
  private async retryLater(row: UserToken, error: string, retryAfterSeconds?: number): Promise<'transient_error'> {
    const now = this.clock.now();
    const attempt = row.refreshAttempts + 1;
    let delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
    const untilExpiry = row.accessExpiresAt.getTime() - now.getTime();
    if (untilExpiry > 2_000) delay = Math.min(delay, untilExpiry / 2);
    if (retryAfterSeconds) delay = Math.max(delay, retryAfterSeconds * 1000);
    await this.tokens.recordTransientFailure(row.id, this.owner, new Date(now.getTime() + delay), error, now);
    return 'transient_error';
  }

  /** Waits (bounded by one lease) until no one holds the user's row any more. */
  private async waitForLeaseHolder(appId: string, openId: string): Promise<void> {
    const deadline = this.leaseUntil(this.clock.now()).getTime();
    while (this.clock.now().getTime() < deadline) {
      const row = await this.tokens.findByOpenId(appId, openId);
      if (!row || row.status !== 'active' || !row.leaseUntil || row.leaseUntil <= this.clock.now()) return;
      await this.clock.sleep(LEASE_POLL_MS);
    }
  }
}

function aadOf(row: UserToken): string {
  return `${row.appId}:${row.openId}`;
}
