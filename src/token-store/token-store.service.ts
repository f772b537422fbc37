import { Inject, Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { EntityManager } from 'typeorm';

import { Clock } from '../common/clock';
import { SingleFlight } from '../common/concurrency';
import { sha256Hex } from '../common/sha256';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { FeishuUserInfo, OAuthTokens } from '../lark/oauth.client';
import { TokenCipher } from './token-cipher';
import { TokenRefresher } from './token-refresher';
import { LoggedOutEvent, TOKEN_EVENTS } from './token-store.events';
import { ReauthorizationRequiredError, TokenRefreshFailedError, UserTokenNotFoundError } from './token-store.errors';
import { UserToken, UserTokenStatus } from './user-token.entity';
import { UserTokenRepository } from './user-token.repository';

export interface UserAccessToken {
  accessToken: string;
  expiresAt: Date;
  scopes: string[];
}

export interface StoredGrant {
  name: string | null;
  scopes: string[];
  accessExpiresAt: Date;
  refreshExpiresAt: Date | null;
  status: UserTokenStatus;
}

/** What a logout found: an active token it ended, a token that had already ended, or nothing at all. */
export type LogoutResult = 'invalidated' | 'not_active' | 'unknown';

/**
 * Encrypted storage of user tokens, one row per (app_id, open_id), and the read side other services use: a read
 * returns the stored token while it is not due and refreshes it first when it is (once per user in this process,
 * under the same lease as the sweep across processes). Ciphertexts are bound to their row by AAD `app_id:open_id`.
 */
@Injectable()
export class TokenStoreService {
  private readonly refreshes = new SingleFlight<void>();

  constructor(
    private readonly tokens: UserTokenRepository,
    private readonly refresher: TokenRefresher,
    private readonly events: EventEmitter2,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly cipher: TokenCipher,
    private readonly clock: Clock,
  ) {}

  /** Inserts or replaces the user's grant; runs inside the caller's transaction when one is given. */
  async saveGrant(
    appId: string,
    openId: string,
    tokens: OAuthTokens,
    user: FeishuUserInfo,
    manager?: EntityManager,
    grantedBySession?: string,
  ): Promise<void> {
    const aad = `${appId}:${openId}`;
    const now = this.clock.now().getTime();
    const lifetimeMs = tokens.expiresInSeconds * 1000;
    const access = this.cipher.encrypt(tokens.accessToken, aad);
    const refresh = tokens.refreshToken ? this.cipher.encrypt(tokens.refreshToken, aad) : undefined;
    await this.tokens.upsertGrant(
      {
        appId,
        openId,
        unionId: user.unionId ?? null,
        userId: user.userId ?? null,
        name: user.name,
        accessTokenEnc: access.value,
        refreshTokenEnc: refresh?.value ?? null,
        keyId: access.keyId,
        refreshTokenHash: tokens.refreshToken ? sha256Hex(tokens.refreshToken) : null,
        scopes: tokens.scopes,
        accessExpiresAt: new Date(now + lifetimeMs),
        refreshExpiresAt: tokens.refreshExpiresInSeconds ? new Date(now + tokens.refreshExpiresInSeconds * 1000) : null,
        grantedAt: new Date(now),
        refreshDueAt: new Date(now + lifetimeMs * (1 - this.config.tokens.refreshThreshold)),
        grantedBySession: grantedBySession ?? null,
      },
      manager,
    );
  }

  /** A valid access token: the stored one while it is not due, else a freshly refreshed one. */
  async getUserAccessToken(appId: string, openId: string): Promise<UserAccessToken> {
    const row = await this.activeRow(appId, openId);
    if (row.refreshDueAt > this.clock.now()) return this.plain(row);
    await this.refreshes.run(`${appId}:${openId}`, async () => {
      await this.refresher.refreshUser(appId, openId, false);
    });
    return this.usable(appId, openId, false);
  }

  /** Refreshes the user's token now, due or not (POST …/token/refresh). */
  async refreshUserAccessToken(appId: string, openId: string): Promise<UserAccessToken> {
    const before = await this.activeRow(appId, openId);
    await this.refreshes.run(`${appId}:${openId}`, async () => {
      await this.refresher.refreshUser(appId, openId, true);
    });
    const after = await this.tokens.findByOpenId(appId, openId);
    const refreshed = after?.accessExpiresAt.getTime() !== before.accessExpiresAt.getTime();
    if (after?.status === 'active' && !refreshed) throw new TokenRefreshFailedError();
    return this.usable(appId, openId, true);
  }

  async describeGrant(appId: string, openId: string): Promise<StoredGrant | undefined> {
    const row = await this.tokens.findByOpenId(appId, openId);
    if (!row) return undefined;
    const { name, scopes, accessExpiresAt, refreshExpiresAt, status } = row;
    return { name, scopes, accessExpiresAt, refreshExpiresAt, status };
  }

  /**
   * Logout, from the DM command or the API: the token is invalidated (the row stays for audit without its
   * secrets) and the session side is told, which ends the user's sessions and updates their cards.
   */
  async logout(appId: string, openId: string): Promise<LogoutResult> {
    const row = await this.tokens.findByOpenId(appId, openId);
    const ended = row ? await this.tokens.invalidate(appId, openId, this.clock.now()) : false;
    const event: LoggedOutEvent = { appId, openId };
    await this.events.emitAsync(TOKEN_EVENTS.loggedOut, event);
    if (!row) return 'unknown';
    return ended ? 'invalidated' : 'not_active';
  }

  /**
   * An administrator ended the session that granted the user's token: the token ends with it, unless a later
   * session has granted a newer one since.
   */
  invalidateGrantOf(appId: string, openId: string, sessionId: string): Promise<boolean> {
    return this.tokens.invalidate(appId, openId, this.clock.now(), sessionId);
  }

  countActive(appId: string): Promise<number> {
    return this.tokens.countActive(appId);
  }

  countOverdue(appId: string): Promise<number> {
    return this.tokens.countOverdue(appId, this.clock.now());
  }

  private async activeRow(appId: string, openId: string): Promise<UserToken> {
    const row = await this.tokens.findByOpenId(appId, openId);
    if (!row) throw new UserTokenNotFoundError();
    if (row.status !== 'active') throw new ReauthorizationRequiredError();
    return row;
  }

  /** After a refresh attempt: the row's token if it is still good (a failed retry leaves the old one usable). */
  private async usable(appId: string, openId: string, forced: boolean): Promise<UserAccessToken> {
    const row = await this.activeRow(appId, openId);
    if (row.accessExpiresAt <= this.clock.now()) {
      throw forced || row.refreshTokenEnc ? new TokenRefreshFailedError() : new ReauthorizationRequiredError();
    }
    return this.plain(row);
  }

  private plain(row: UserToken): UserAccessToken {
    if (!row.accessTokenEnc || !row.keyId) throw new ReauthorizationRequiredError();
    return {
      accessToken: this.cipher.decrypt(row.accessTokenEnc, row.keyId, `${row.appId}:${row.openId}`),
      expiresAt: row.accessExpiresAt,
      scopes: row.scopes,
    };
  }
}
