import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';

import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AuthSession, AuthSessionReason, AuthSessionStatus } from './auth-session.entity';

type Row = Record<string, unknown>;

/** Named queries over auth_sessions; the service never builds SQL. All scoped to this app. */
@Injectable()
export class AuthSessionRepository {
  constructor(
    @InjectRepository(AuthSession) private readonly sessions: Repository<AuthSession>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  get manager(): EntityManager {
    return this.sessions.manager;
  }

  findById(id: string): Promise<AuthSession | null> {
    return this.sessions.findOne({ where: { id, appId: this.config.lark.appId } });
  }

  findByStateHash(stateHash: string): Promise<AuthSession | null> {
    return this.sessions.findOne({ where: { stateHash, appId: this.config.lark.appId } });
  }

  findPendingByOpenId(openId: string): Promise<AuthSession | null> {
    return this.sessions.findOne({ where: { appId: this.config.lark.appId, openId, status: 'pending' } });
  }

  listByOpenId(openId: string, limit = 50): Promise<AuthSession[]> {
    return this.sessions.find({
      where: { appId: this.config.lark.appId, openId },
      order: { createdAt: 'DESC' },
      take: limit,
    });
  }

  async insert(session: Partial<AuthSession>, manager: EntityManager = this.manager): Promise<AuthSession> {
    return manager.getRepository(AuthSession).save(manager.getRepository(AuthSession).create(session));
  }

  /**
   * Serializes requests for one user until the transaction ends, so two concurrent requests supersede each
   * other in turn instead of colliding on the one-pending-session index.
   */
  async lockUser(openId: string, manager: EntityManager): Promise<void> {
    await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
      `auth-session:${this.config.lark.appId}:${openId}`,
    ]);
  }

  /** Ends the user's pending sessions as superseded and returns them (to patch their cards). */
  async supersedePending(openId: string, manager: EntityManager = this.manager): Promise<AuthSession[]> {
    const rows = await this.updateReturning(
      manager,
      `status = 'superseded', reason = 'superseded'`,
      `app_id = $1 AND open_id = $2 AND status = 'pending'`,
      [this.config.lark.appId, openId],
    );
    return rows;
  }

  /**
   * The one-time claim of the callback: only one request can move a live pending session to exchanging,
   * so a replayed or concurrent callback never exchanges the code twice.
   */
  async claimForExchange(stateHash: string): Promise<AuthSession | undefined> {
    const [row] = await this.updateReturning(
      this.manager,
      `status = 'exchanging'`,
      `app_id = $1 AND state_hash = $2 AND status = 'pending' AND expires_at > now()`,
      [this.config.lark.appId, stateHash],
    );
    return row;
  }

  /** Moves a session on only if it is still in `from`; returns the row when it did. */
  async transition(
    id: string,
    from: AuthSessionStatus[],
    to: AuthSessionStatus,
    changes: { reason?: AuthSessionReason | null; completed?: boolean; cardPatchPending?: boolean } = {},
    manager: EntityManager = this.manager,
  ): Promise<AuthSession | undefined> {
    const params: unknown[] = [this.config.lark.appId, id, from, to, changes.reason ?? null];
    const sets = [
      `status = $4`,
      `reason = $5`,
      `pkce_verifier_enc = CASE WHEN $4 = 'pending' THEN pkce_verifier_enc END`,
    ];
    if (changes.completed) sets.push('completed_at = now()');
    if (changes.cardPatchPending !== undefined) {
      params.push(changes.cardPatchPending);
      sets.push(`card_patch_pending = $${params.length}`);
    }
    const [row] = await this.updateReturning(
      manager,
      sets.join(', '),
      `app_id = $1 AND id = $2 AND status = ANY($3)`,
      params,
    );
    return row;
  }

  async setCardLocation(id: string, messageId: string, chatId: string | undefined): Promise<void> {
    await this.sessions.update({ id }, { messageId, chatId: chatId ?? null });
  }

  async setCardPatchPending(id: string, pending: boolean): Promise<void> {
    await this.sessions.update({ id }, { cardPatchPending: pending });
  }

  /** Logout: the user's completed sessions end with their token. */
  async invalidateCompleted(openId: string): Promise<number> {
    const rows = await this.updateReturning(
      this.manager,
      `status = 'invalidated', reason = 'logout'`,
      `app_id = $1 AND open_id = $2 AND status = 'completed'`,
      [this.config.lark.appId, openId],
    );
    return rows.length;
  }

  /** Pending sessions past their expiry become expired; returns them (to patch their cards). */
  expireOverdue(limit: number): Promise<AuthSession[]> {
    return this.updateReturning(
      this.manager,
      `status = 'expired', reason = 'expired', pkce_verifier_enc = NULL`,
      `id IN (SELECT id FROM auth_sessions WHERE app_id = $1 AND status = 'pending' AND expires_at <= now()
         ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [this.config.lark.appId, limit],
    );
  }

  /** Sessions left in `exchanging` by a crashed process; the code exchange outcome is unknown, so they fail. */
  failStuckExchanges(olderThanSeconds: number): Promise<AuthSession[]> {
    return this.updateReturning(
      this.manager,
      `status = 'failed', reason = 'internal', pkce_verifier_enc = NULL`,
      `app_id = $1 AND status = 'exchanging' AND updated_at < now() - make_interval(secs => $2)`,
      [this.config.lark.appId, olderThanSeconds],
    );
  }

  findCardPatchPending(limit: number): Promise<AuthSession[]> {
    return this.sessions.find({
      where: { appId: this.config.lark.appId, cardPatchPending: true },
      order: { updatedAt: 'ASC' },
      take: limit,
    });
  }

  countPending(): Promise<number> {
    return this.sessions.count({ where: { appId: this.config.lark.appId, status: 'pending' } });
  }

  private async updateReturning(
    manager: EntityManager,
    set: string,
    where: string,
    params: unknown[],
  ): Promise<AuthSession[]> {
    const result: unknown = await manager.query(
      `UPDATE auth_sessions SET ${set}, updated_at = now() WHERE ${where} RETURNING *`,
      params,
    );
    // node-postgres returns [rows, count] for UPDATE … RETURNING through TypeORM; PGlite the rows.
    const rows = (Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result) as Row[];
    return rows.map((row) => this.sessions.create(toEntityShape(row)));
  }
}

function toEntityShape(row: Row): Partial<AuthSession> {
  return {
    id: row.id as string,
    appId: row.app_id as string,
    openId: row.open_id as string,
    status: row.status as AuthSessionStatus,
    stateHash: row.state_hash as string,
    pkceVerifierEnc: (row.pkce_verifier_enc as Buffer | null) ?? null,
    keyId: (row.key_id as string | null) ?? null,
    scopes: row.scopes as string[],
    locale: row.locale as AuthSession['locale'],
    chatId: (row.chat_id as string | null) ?? null,
    messageId: (row.message_id as string | null) ?? null,
    reason: (row.reason as AuthSessionReason | null) ?? null,
    cardPatchPending: row.card_patch_pending as boolean,
    createdAt: new Date(row.created_at as string),
    expiresAt: new Date(row.expires_at as string),
    completedAt: row.completed_at ? new Date(row.completed_at as string) : null,
    updatedAt: new Date(row.updated_at as string),
  };
}
