import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';

import { claimWithLease, releaseLeases, rowsOf } from '../database/lease';
import { UserToken, UserTokenStatus } from './user-token.entity';

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
  /** The session whose callback granted it (none when seeded outside a callback). */
  grantedBySession?: string | null;
}

/** What a successful refresh writes. */
export interface RefreshedRow {
  accessTokenEnc: Buffer;
  refreshTokenEnc: Buffer | null;
  keyId: string;
  refreshTokenHash: string | null;
  scopes: string[];
  accessExpiresAt: Date;
  refreshExpiresAt: Date | null;
  refreshDueAt: Date;
}

type Row = Record<string, unknown>;
const TABLE = 'user_tokens';
const ACTIVE_AND_DUE = `app_id = $5 AND status = 'active' AND refresh_due_at <= $2 AND next_attempt_at <= $2`;

/**
 * Named queries over user_tokens, one row per (app_id, open_id); services never build SQL. Times come from the
 * caller's clock. Every write during a refresh is a compare-and-set on the lease owner (and, for the new tokens, on
 * the refresh token that was presented), so a replica that lost its lease, a logout or a new grant always wins.
 */
@Injectable()
export class UserTokenRepository {
  constructor(@InjectRepository(UserToken) private readonly tokens: Repository<UserToken>) {}

  private get manager(): EntityManager {
    return this.tokens.manager;
  }

  /** Plain SQL: this is the token read's one query, where TypeORM's query building and mapping cost more CPU. */
  async findByOpenId(appId: string, openId: string): Promise<UserToken | null> {
    const [row] = rowsOf<Row>(
      await this.manager.query('SELECT * FROM user_tokens WHERE app_id = $1 AND open_id = $2', [appId, openId]),
    );
    return row ? this.toEntity(row) : null;
  }

  findById(id: string): Promise<UserToken | null> {
    return this.tokens.findOne({ where: { id } });
  }

  /** Inserts or replaces the user's grant (a re-authorization also resets lease, back-off and health). */
  async upsertGrant(grant: GrantRow, manager: EntityManager = this.manager): Promise<void> {
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
      grant.grantedBySession ?? null,
    ]);
  }

  /**
   * Logout or admin: the row stays for audit, its secrets are dropped. With `grantedBySession`, only if that session
   * granted the token stored now. False when nothing active was ended.
   */
  async invalidate(appId: string, openId: string, now: Date, grantedBySession?: string): Promise<boolean> {
    const rows = await this.update(
      `status = 'invalidated', ${NO_SECRETS}, lease_owner = NULL, lease_until = NULL`,
      `app_id = $2 AND open_id = $3 AND status = 'active' AND ($4::uuid IS NULL OR granted_by_session = $4::uuid)`,
      [now, appId, openId, grantedBySession ?? null],
    );
    return rows.length > 0;
  }

  /** Due rows of an app, oldest due first, leased to `owner` until `until`. */
  async claimDue(appId: string, owner: string, now: Date, until: Date, limit: number): Promise<UserToken[]> {
    const rows = await claimWithLease<Row>(
      this.manager,
      { table: TABLE, where: ACTIVE_AND_DUE, orderBy: 'refresh_due_at' },
      { owner, now, until, limit },
      [appId],
    );
    return rows.map((row) => this.toEntity(row));
  }

  /** One user's active row, leased to `owner` (the on-demand refresh and the sweep take the same lease). */
  async claimOne(appId: string, openId: string, owner: string, now: Date, until: Date): Promise<UserToken | undefined> {
    const [row] = await claimWithLease<Row>(
      this.manager,
      { table: TABLE, where: `app_id = $5 AND open_id = $6 AND status = 'active'`, orderBy: 'id' },
      { owner, now, until, limit: 1 },
      [appId, openId],
    );
    return row ? this.toEntity(row) : undefined;
  }

  /** Marks the refresh request as leaving (and renews the lease for it); false when the lease was lost. */
  async markSent(id: string, owner: string, now: Date, until: Date): Promise<boolean> {
    const rows = await this.update(
      `refresh_sent_at = $1, lease_until = $4`,
      `id = $2 AND lease_owner = $3 AND lease_until > $1 AND status = 'active'`,
      [now, id, owner, until],
    );
    return rows.length > 0;
  }

  /** Writes refreshed tokens if the row still holds the refresh token that was presented; releases the lease. */
  async saveRefreshed(id: string, owner: string, presentedHash: string, refreshed: RefreshedRow, now: Date) {
    const rows = await this.update(
      `access_token_enc = $5, refresh_token_enc = $6, key_id = $7, refresh_token_hash = $8, scopes = $9,
       access_expires_at = $10, refresh_expires_at = $11, refresh_due_at = $12, refresh_attempts = 0,
       next_attempt_at = $1, last_error = NULL, refresh_sent_at = NULL, lease_owner = NULL, lease_until = NULL`,
      `id = $2 AND lease_owner = $3 AND refresh_token_hash = $4 AND status = 'active'`,
      [
        now,
        id,
        owner,
        presentedHash,
        refreshed.accessTokenEnc,
        refreshed.refreshTokenEnc,
        refreshed.keyId,
        refreshed.refreshTokenHash,
        refreshed.scopes,
        refreshed.accessExpiresAt,
        refreshed.refreshExpiresAt,
        refreshed.refreshDueAt,
      ],
    );
    return rows.length > 0;
  }

  /** A failure worth retrying: one more attempt, the next not before `nextAttemptAt`; releases the lease. */
  async recordTransientFailure(id: string, owner: string, nextAttemptAt: Date, error: string, now: Date) {
    await this.update(
      `refresh_attempts = refresh_attempts + 1, next_attempt_at = $4, last_error = $5, refresh_sent_at = NULL,
       lease_owner = NULL, lease_until = NULL`,
      `id = $2 AND lease_owner = $3`,
      [now, id, owner, nextAttemptAt, error],
    );
  }

  /**
   * The grant is gone: the row keeps no secret and waits for a new authorization. True only for the one caller
   * that made the change, so whatever follows (one re-authorization card) happens once.
   */
  async requireReauthorization(id: string, error: string, now: Date): Promise<boolean> {
    const rows = await this.update(
      `status = 'reauth_required', ${NO_SECRETS}, last_error = $3, lease_owner = NULL, lease_until = NULL`,
      `id = $2 AND status = 'active'`,
      [now, id, error],
    );
    return rows.length > 0;
  }

  release(id: string, owner: string): Promise<number> {
    return releaseLeases(this.manager, TABLE, owner, [id]);
  }

  releaseAll(owner: string): Promise<number> {
    return releaseLeases(this.manager, TABLE, owner);
  }

  /** Takes up to `limit` active tokens of an app not checked since `checkedBefore`, marking them checked now. */
  async claimForHealthCheck(appId: string, now: Date, checkedBefore: Date, limit: number): Promise<UserToken[]> {
    const result: unknown = await this.manager.query(
      `UPDATE user_tokens SET last_checked_at = $1
        WHERE id IN (SELECT id FROM user_tokens WHERE app_id = $2 AND status = 'active'
          AND (last_checked_at IS NULL OR last_checked_at <= $3)
          ORDER BY last_checked_at NULLS FIRST LIMIT $4 FOR UPDATE SKIP LOCKED)
        RETURNING *`,
      [now, appId, checkedBefore, limit],
    );
    return rowsOf<Row>(result).map((row) => this.toEntity(row));
  }

  async recordHealth(id: string, isOnline: boolean, now: Date): Promise<void> {
    await this.manager.query(`UPDATE user_tokens SET is_online = $2, last_checked_at = $3 WHERE id = $1`, [
      id,
      isOnline,
      now,
    ]);
  }

  countActive(appId: string): Promise<number> {
    return this.tokens.count({ where: { appId, status: 'active' } });
  }

  /** Active tokens already past their expiry: refresh is late. */
  async countOverdue(appId: string, now: Date): Promise<number> {
    const [row] = rowsOf<{ count: string }>(
      await this.manager.query(
        `SELECT count(*) AS count FROM user_tokens WHERE app_id = $1 AND status = 'active' AND access_expires_at <= $2`,
        [appId, now],
      ),
    );
    return Number(row?.count ?? 0);
  }

  /** `UPDATE user_tokens SET <set>, version + 1, updated_at = $1 WHERE <where> RETURNING id`. */
  private async update(set: string, where: string, params: [Date, ...unknown[]]): Promise<Row[]> {
    const result: unknown = await this.manager.query(
      `UPDATE user_tokens SET ${set}, version = version + 1, updated_at = $1 WHERE ${where} RETURNING id`,
      params,
    );
    return rowsOf<Row>(result);
  }

  private toEntity(row: Row): UserToken {
    return this.tokens.create({
      id: row.id as string,
      appId: row.app_id as string,
      openId: row.open_id as string,
      unionId: (row.union_id as string | null) ?? null,
      userId: (row.user_id as string | null) ?? null,
      name: (row.name as string | null) ?? null,
      accessTokenEnc: (row.access_token_enc as Buffer | null) ?? null,
      refreshTokenEnc: (row.refresh_token_enc as Buffer | null) ?? null,
      keyId: (row.key_id as string | null) ?? null,
      refreshTokenHash: (row.refresh_token_hash as string | null) ?? null,
      scopes: row.scopes as string[],
      accessExpiresAt: new Date(row.access_expires_at as string),
      refreshExpiresAt: row.refresh_expires_at ? new Date(row.refresh_expires_at as string) : null,
      grantedAt: new Date(row.granted_at as string),
      refreshDueAt: new Date(row.refresh_due_at as string),
      status: row.status as UserTokenStatus,
      leaseOwner: (row.lease_owner as string | null) ?? null,
      leaseUntil: row.lease_until ? new Date(row.lease_until as string) : null,
      refreshAttempts: row.refresh_attempts as number,
      nextAttemptAt: new Date(row.next_attempt_at as string),
      refreshSentAt: row.refresh_sent_at ? new Date(row.refresh_sent_at as string) : null,
      lastError: (row.last_error as string | null) ?? null,
      isOnline: (row.is_online as boolean | null) ?? null,
      lastCheckedAt: row.last_checked_at ? new Date(row.last_checked_at as string) : null,
      grantedBySession: (row.granted_by_session as string | null) ?? null,
      version: row.version as number,
      createdAt: new Date(row.created_at as string),
      updatedAt: new Date(row.updated_at as string),
    });
  }
}

const NO_SECRETS =
  'access_token_enc = NULL, refresh_token_enc = NULL, key_id = NULL, refresh_token_hash = NULL, refresh_sent_at = NULL';

const UPSERT_GRANT = `
  INSERT INTO user_tokens (app_id, open_id, union_id, user_id, name, access_token_enc, refresh_token_enc, key_id,
    refresh_token_hash, scopes, access_expires_at, refresh_expires_at, granted_at, refresh_due_at, status,
    next_attempt_at, created_at, updated_at, granted_by_session)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'active', $13, $13, $13, $15)
  ON CONFLICT (app_id, open_id) DO UPDATE SET
    union_id = EXCLUDED.union_id, user_id = EXCLUDED.user_id, name = EXCLUDED.name,
    access_token_enc = EXCLUDED.access_token_enc, refresh_token_enc = EXCLUDED.refresh_token_enc,
    key_id = EXCLUDED.key_id, refresh_token_hash = EXCLUDED.refresh_token_hash, scopes = EXCLUDED.scopes,
    access_expires_at = EXCLUDED.access_expires_at, refresh_expires_at = EXCLUDED.refresh_expires_at,
    granted_at = EXCLUDED.granted_at, refresh_due_at = EXCLUDED.refresh_due_at, status = 'active',
    granted_by_session = EXCLUDED.granted_by_session,
    lease_owner = NULL, lease_until = NULL, refresh_attempts = 0, next_attempt_at = EXCLUDED.granted_at,
    refresh_sent_at = NULL, last_error = NULL, is_online = NULL, last_checked_at = NULL,
    version = user_tokens.version + 1, updated_at = EXCLUDED.granted_at`;
