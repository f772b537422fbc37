import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';

import { UserToken } from './user-token.entity';

/** What a new grant writes: everything but the lifecycle bookkeeping, which a new grant resets. */
export interface GrantRow {
  appId: string;
  openId: string;
  unionId: string | null;
  userId: string | null;
  name: string;
  accessTokenEnc: Buffer;
  refreshTokenEnc: Buffer | null;
  keyId: string;
  refreshTokenHash: string | null;
  scopes: string[];
  accessExpiresAt: Date;
  refreshExpiresAt: Date | null;
  grantedAt: Date;
  refreshDueAt: Date;
}

/** Named queries over user_tokens, one row per (app_id, open_id); services never build SQL. */
@Injectable()
export class UserTokenRepository {
  constructor(@InjectRepository(UserToken) private readonly tokens: Repository<UserToken>) {}

  findByOpenId(appId: string, openId: string): Promise<UserToken | null> {
    return this.tokens.findOne({ where: { appId, openId } });
  }

  /** Inserts or replaces the user's grant (a re-authorization also resets lease and back-off). */
  async upsertGrant(grant: GrantRow, manager: EntityManager = this.tokens.manager): Promise<void> {
    await manager.query(UPSERT_GRANT, [
      grant.appId,
      grant.openId,
      grant.unionId,
      grant.userId,
      grant.name,
      grant.accessTokenEnc,
      grant.refreshTokenEnc,
      grant.keyId,
      grant.refreshTokenHash,
      grant.scopes,
      grant.accessExpiresAt,
      grant.refreshExpiresAt,
      grant.grantedAt,
      grant.refreshDueAt,
    ]);
  }

  /** Logout or admin: the row stays for audit, its secrets are dropped. False when nothing was active. */
  async invalidate(appId: string, openId: string, now: Date): Promise<boolean> {
    const result = await this.tokens
      .createQueryBuilder()
      .update(UserToken)
      .set({
        status: 'invalidated',
        accessTokenEnc: null,
        refreshTokenEnc: null,
        keyId: null,
        refreshTokenHash: null,
        updatedAt: now,
      })
      .where('app_id = :appId AND open_id = :openId AND status = :status', { appId, openId, status: 'active' })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  countActive(appId: string): Promise<number> {
    return this.tokens.count({ where: { appId, status: 'active' } });
  }
}

const UPSERT_GRANT = `
  INSERT INTO user_tokens (app_id, open_id, union_id, user_id, name, access_token_enc, refresh_token_enc, key_id,
    refresh_token_hash, scopes, access_expires_at, refresh_expires_at, granted_at, refresh_due_at, status,
    next_attempt_at, created_at, updated_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'active', $13, $13, $13)
  ON CONFLICT (app_id, open_id) DO UPDATE SET
    union_id = EXCLUDED.union_id, user_id = EXCLUDED.user_id, name = EXCLUDED.name,
    access_token_enc = EXCLUDED.access_token_enc, refresh_token_enc = EXCLUDED.refresh_token_enc,
    key_id = EXCLUDED.key_id, refresh_token_hash = EXCLUDED.refresh_token_hash, scopes = EXCLUDED.scopes,
    access_expires_at = EXCLUDED.access_expires_at, refresh_expires_at = EXCLUDED.refresh_expires_at,
    granted_at = EXCLUDED.granted_at, refresh_due_at = EXCLUDED.refresh_due_at, status = 'active',
    lease_owner = NULL, lease_until = NULL, refresh_attempts = 0, next_attempt_at = EXCLUDED.granted_at,
    last_error = NULL, version = user_tokens.version + 1, updated_at = EXCLUDED.granted_at`;
