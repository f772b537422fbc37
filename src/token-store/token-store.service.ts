import { createHash } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';

import { Clock } from '../common/clock';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { FeishuUserInfo, OAuthTokens } from '../lark/oauth.client';
import { TokenCipher } from './token-cipher';
import { ReauthorizationRequiredError, UserTokenNotFoundError } from './token-store.errors';
import { UserToken } from './user-token.entity';

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
  status: UserToken['status'];
}

/**
 * Encrypted storage of user tokens, one row per (app_id, open_id). Ciphertexts are bound to their row by
 * AAD `app_id:open_id`, so a value copied into another user's row does not decrypt.
 */
@Injectable()
export class TokenStoreService {
  constructor(
    @InjectRepository(UserToken) private readonly tokens: Repository<UserToken>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly cipher: TokenCipher,
    private readonly clock: Clock,
  ) {}

  /** Inserts or replaces the user's grant; runs inside the caller's transaction when one is given. */
  async saveGrant(openId: string, tokens: OAuthTokens, user: FeishuUserInfo, manager?: EntityManager): Promise<void> {
    const appId = this.config.lark.appId;
    const aad = `${appId}:${openId}`;
    const now = this.clock.now();
    const lifetimeMs = tokens.expiresInSeconds * 1000;
    const access = this.cipher.encrypt(tokens.accessToken, aad);
    const refresh = tokens.refreshToken ? this.cipher.encrypt(tokens.refreshToken, aad) : undefined;
    const executor = manager ?? this.tokens.manager;
    await executor.query(UPSERT_GRANT, [
      appId,
      openId,
      user.unionId ?? null,
      user.userId ?? null,
      user.name,
      access.value,
      refresh?.value ?? null,
      access.keyId,
      tokens.refreshToken ? sha256(tokens.refreshToken) : null,
      tokens.scopes,
      new Date(now.getTime() + lifetimeMs),
      tokens.refreshExpiresInSeconds ? new Date(now.getTime() + tokens.refreshExpiresInSeconds * 1000) : null,
      now,
      new Date(now.getTime() + lifetimeMs * (1 - this.config.tokens.refreshThreshold)),
    ]);
  }

  /** The stored, decrypted access token (refreshing when due is the token lifecycle's job). */
  async getUserAccessToken(openId: string): Promise<UserAccessToken> {
    const row = await this.find(openId);
    if (!row) throw new UserTokenNotFoundError();
    if (row.status !== 'active' || !row.accessTokenEnc || !row.keyId) throw new ReauthorizationRequiredError();
    if (row.accessExpiresAt.getTime() <= this.clock.now().getTime()) throw new ReauthorizationRequiredError();
    return {
      accessToken: this.cipher.decrypt(row.accessTokenEnc, row.keyId, `${row.appId}:${row.openId}`),
      expiresAt: row.accessExpiresAt,
      scopes: row.scopes,
    };
  }

  async describeGrant(openId: string): Promise<StoredGrant | undefined> {
    const row = await this.find(openId);
    if (!row) return undefined;
    const { name, scopes, accessExpiresAt, refreshExpiresAt, status } = row;
    return { name, scopes, accessExpiresAt, refreshExpiresAt, status };
  }

  /** Logout or admin: the row stays for audit, its secrets are dropped. Returns false when there was nothing active. */
  async invalidate(openId: string): Promise<boolean> {
    const result = await this.tokens
      .createQueryBuilder()
      .update(UserToken)
      .set({ status: 'invalidated', accessTokenEnc: null, refreshTokenEnc: null, keyId: null, refreshTokenHash: null })
      .where('app_id = :appId AND open_id = :openId AND status = :status', {
        appId: this.config.lark.appId,
        openId,
        status: 'active',
      })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  countActive(): Promise<number> {
    return this.tokens.count({ where: { appId: this.config.lark.appId, status: 'active' } });
  }

  private find(openId: string): Promise<UserToken | null> {
    return this.tokens.findOne({ where: { appId: this.config.lark.appId, openId } });
  }
}

/** A new grant replaces whatever the row held (a re-authorization resets lease and backoff too). */
const UPSERT_GRANT = `
  INSERT INTO user_tokens (app_id, open_id, union_id, user_id, name, access_token_enc, refresh_token_enc, key_id,
    refresh_token_hash, scopes, access_expires_at, refresh_expires_at, granted_at, refresh_due_at, status)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'active')
  ON CONFLICT (app_id, open_id) DO UPDATE SET
    union_id = EXCLUDED.union_id, user_id = EXCLUDED.user_id, name = EXCLUDED.name,
    access_token_enc = EXCLUDED.access_token_enc, refresh_token_enc = EXCLUDED.refresh_token_enc,
    key_id = EXCLUDED.key_id, refresh_token_hash = EXCLUDED.refresh_token_hash, scopes = EXCLUDED.scopes,
    access_expires_at = EXCLUDED.access_expires_at, refresh_expires_at = EXCLUDED.refresh_expires_at,
    granted_at = EXCLUDED.granted_at, refresh_due_at = EXCLUDED.refresh_due_at, status = 'active',
    lease_owner = NULL, lease_until = NULL, refresh_attempts = 0, next_attempt_at = now(), last_error = NULL,
    version = user_tokens.version + 1, updated_at = now()`;

function sha256(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}
