import { createHash } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

import { Clock } from '../common/clock';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { FeishuUserInfo, OAuthTokens } from '../lark/oauth.client';
import { TokenCipher } from './token-cipher';
import { ReauthorizationRequiredError, UserTokenNotFoundError } from './token-store.errors';
import { UserTokenStatus } from './user-token.entity';
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

/**
 * Encrypted storage of user tokens, one row per (app_id, open_id). Ciphertexts are bound to their row by
 * AAD `app_id:open_id`, so a value copied into another user's row does not decrypt.
 */
@Injectable()
export class TokenStoreService {
  constructor(
    private readonly tokens: UserTokenRepository,
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
        refreshTokenHash: tokens.refreshToken ? sha256(tokens.refreshToken) : null,
        scopes: tokens.scopes,
        accessExpiresAt: new Date(now + lifetimeMs),
        refreshExpiresAt: tokens.refreshExpiresInSeconds ? new Date(now + tokens.refreshExpiresInSeconds * 1000) : null,
        grantedAt: new Date(now),
        refreshDueAt: new Date(now + lifetimeMs * (1 - this.config.tokens.refreshThreshold)),
      },
      manager,
    );
  }

  /** The stored, decrypted access token (refreshing when due is the token lifecycle's job). */
  async getUserAccessToken(appId: string, openId: string): Promise<UserAccessToken> {
    const row = await this.tokens.findByOpenId(appId, openId);
    if (!row) throw new UserTokenNotFoundError();
    if (row.status !== 'active' || !row.accessTokenEnc || !row.keyId) throw new ReauthorizationRequiredError();
    if (row.accessExpiresAt.getTime() <= this.clock.now().getTime()) throw new ReauthorizationRequiredError();
    return {
      accessToken: this.cipher.decrypt(row.accessTokenEnc, row.keyId, `${row.appId}:${row.openId}`),
      expiresAt: row.accessExpiresAt,
      scopes: row.scopes,
    };
  }

  async describeGrant(appId: string, openId: string): Promise<StoredGrant | undefined> {
    const row = await this.tokens.findByOpenId(appId, openId);
    if (!row) return undefined;
    const { name, scopes, accessExpiresAt, refreshExpiresAt, status } = row;
    return { name, scopes, accessExpiresAt, refreshExpiresAt, status };
  }

  /** Logout or admin: the row stays for audit, its secrets are dropped. False when there was nothing active. */
  invalidate(appId: string, openId: string): Promise<boolean> {
    return this.tokens.invalidate(appId, openId, this.clock.now());
  }

  countActive(appId: string): Promise<number> {
    return this.tokens.countActive(appId);
  }
}

function sha256(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}
