import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';

import { rowsOf } from '../database/lease';
import { sqlList } from '../database/sql-list';
import { AuthSession } from './auth-session.entity';
import {
  AuthSessionReason,
  AuthSessionStatus,
  CardFailure,
  TERMINAL_AUTH_SESSION_STATUSES,
} from './auth-session.vocabulary';

type Row = Record<string, unknown>;

export interface TransitionChanges {
  reason?: AuthSessionReason | null;
  completedAt?: Date;
  cardPatchPending?: boolean;
  cardFailure?: CardFailure;
  /** Only if the session belongs to this user (a guard, not a change). */
  ifOpenId?: string;
}

/**
 * Named queries over auth_sessions; services never build SQL. Every query is scoped by app, except the look-ups by
 * state hash, which is unique across apps and is how a callback finds its app. Times come from the caller's clock.
 */
@Injectable()
export class AuthSessionRepository {
  constructor(@InjectRepository(AuthSession) private readonly sessions: Repository<AuthSession>) {}

  get manager(): EntityManager {
    return this.sessions.manager;
  }

  findById(appId: string, id: string): Promise<AuthSession | null> {
    return this.sessions.findOne({ where: { id, appId } });
  }

  findByStateHash(stateHash: string): Promise<AuthSession | null> {
    return this.sessions.findOne({ where: { stateHash } });
  }

  findPendingByOpenId(appId: string, openId: string): Promise<AuthSession | null> {
    return this.sessions.findOne({ where: { appId, openId, status: 'pending' } });
  }

  listByOpenId(appId: string, openId: string, limit = 50): Promise<AuthSession[]> {
    return this.sessions.find({ where: { appId, openId }, order: { createdAt: 'DESC' }, take: limit });
  }

  async insert(session: Partial<AuthSession>, now: Date, manager: EntityManager = this.manager): Promise<AuthSession> {
    const repository = manager.getRepository(AuthSession);
    return repository.save(repository.create({ ...session, createdAt: now, updatedAt: now }));
  }

  /**
   * Serializes requests for one user until the transaction ends, so two concurrent requests supersede each
   * other in turn instead of colliding on the one-pending-session index.
   */
  async lockUser(appId: string, openId: string, manager: EntityManager): Promise<void> {
    await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`auth-session:${appId}:${openId}`]);
  }

  /**
   * Ends the user's pending sessions as superseded and returns them (to patch their cards). `status || ''` keeps the
   * planner on the user's index: with `status = 'pending'` it may take the partial expiry index and filter every
   * pending row (2.6 ms at 20,000 pending, against 0.1 ms; see docs/performance.md).
   */
  supersedePending(appId: string, openId: string, now: Date, manager: EntityManager = this.manager) {
    return this.updateReturning(
      manager,
      `status = 'superseded', reason = 'superseded', pkce_verifier_enc = NULL, device_code_enc = NULL`,
      `app_id = $2 AND open_id = $3 AND (status || '') = 'pending'`,
      [now, appId, openId],
    );
  }

  /**
   * The one-time claim of the callback: only one request can move a live pending session to exchanging,
   * so a replayed or concurrent callback never exchanges the code twice.
   */
  async claimForExchange(stateHash: string, now: Date): Promise<AuthSession | undefined> {
    const [row] = await this.updateReturning(
      this.manager,
      `status = 'exchanging'`,
      `state_hash = $2 AND status = 'pending' AND expires_at > $1`,
      [now, stateHash],
    );
    return row;
  }

  /** Moves a session on only if it is still in one of `from`; returns the row when it did. */
  async transition(
    appId: string,
    id: string,
    from: readonly AuthSessionStatus[],
    to: AuthSessionStatus,
    now: Date,
    changes: TransitionChanges = {},
    manager: EntityManager = this.manager,
  ): Promise<AuthSession | undefined> {
    const params: [Date, ...unknown[]] = [now, appId, id, from, to, changes.reason ?? null];
    const sets = [
      `status = $5`,
      `reason = $6`,
      // The verifier is only needed while the session can still be exchanged.
      `pkce_verifier_enc = CASE WHEN $5 = 'pending' THEN pkce_verifier_enc END`,
      `device_code_enc = CASE WHEN $5 = 'pending' THEN device_code_enc END`,
    ];
    if (changes.completedAt) {
      params.push(changes.completedAt);
      sets.push(`completed_at = $${params.length}`);
    }
    if (changes.cardPatchPending !== undefined) {
      params.push(changes.cardPatchPending);
      sets.push(`card_patch_pending = $${params.length}`);
    }
    if (changes.cardFailure) {
      params.push(changes.cardFailure);
      sets.push(`card_failure = $${params.length}`);
    }
    let where = `app_id = $2 AND id = $3 AND status = ANY($4)`;
    if (changes.ifOpenId) {
      params.push(changes.ifOpenId);
      where += ` AND open_id = $${params.length}`;
    }
    const [row] = await this.updateReturning(manager, sets.join(', '), where, params);
    return row;
  }

  /** Records where the session's card is; returns the session as it is now (it may have moved on meanwhile). */
  async setCardLocation(
    appId: string,
    id: string,
    messageId: string,
    chatId: string | undefined,
    now: Date,
  ): Promise<AuthSession | undefined> {
    const [row] = await this.updateReturning(this.manager, `message_id = $4, chat_id = $5`, `app_id = $2 AND id = $3`, [
      now,
      appId,
      id,
      messageId,
      chatId ?? null,
    ]);
    return row;
  }

  /** The card is beyond reach for good: record why, and stop retrying its update. */
  async setCardFailure(appId: string, id: string, failure: CardFailure, now: Date): Promise<void> {
    await this.sessions.update({ appId, id }, { cardFailure: failure, cardPatchPending: false, updatedAt: now });
  }

  async setCardPatchPending(appId: string, id: string, pending: boolean, now: Date): Promise<void> {
    await this.sessions.update({ appId, id }, { cardPatchPending: pending, updatedAt: now });
  }

  /** Logout: the user's completed sessions end with their token; returns them (to patch their cards). */
  invalidateCompleted(appId: string, openId: string, now: Date): Promise<AuthSession[]> {
    return this.updateReturning(
      this.manager,
      `status = 'invalidated', reason = 'logout'`,
      `app_id = $2 AND open_id = $3 AND status = 'completed'`,
      [now, appId, openId],
    );
  }

  /** Pending sessions past their expiry become expired; returns them (to patch their cards). */
  expireOverdue(appId: string, now: Date, limit: number): Promise<AuthSession[]> {
    return this.updateReturning(
      this.manager,
      `status = 'expired', reason = 'expired', pkce_verifier_enc = NULL, device_code_enc = NULL`,
      `id IN (SELECT id FROM auth_sessions WHERE app_id = $2 AND status = 'pending' AND expires_at <= $1
         ORDER BY expires_at LIMIT $3 FOR UPDATE SKIP LOCKED)`,
      [now, appId, limit],
    );
  }

  /**
   * Sessions left in `exchanging` since before `cutoff` by a crashed process: the outcome is unknown, so they fail;
   * or, when a later session of the same user has completed since, they were overtaken and are superseded.
   */
  failStuckExchanges(appId: string, now: Date, cutoff: Date): Promise<AuthSession[]> {
    const overtaken = `EXISTS (SELECT 1 FROM auth_sessions later WHERE later.app_id = auth_sessions.app_id
      AND later.open_id = auth_sessions.open_id AND later.id <> auth_sessions.id
      AND later.created_at >= auth_sessions.created_at
      AND later.status = 'completed')`;
    return this.updateReturning(
      this.manager,
      `status = CASE WHEN ${overtaken} THEN 'superseded' ELSE 'failed' END,
       reason = CASE WHEN ${overtaken} THEN 'superseded' ELSE 'internal' END, pkce_verifier_enc = NULL`,
      `app_id = $2 AND status = 'exchanging' AND updated_at < $3`,
      [now, appId, cutoff],
    );
  }

  /** Deletes up to `limit` finished sessions (of every app) last changed before `cutoff`; returns how many. */
  async deleteFinishedBefore(cutoff: Date, limit: number): Promise<number> {
    const result: unknown = await this.manager.query(
      // The status list is written out so the planner can use the partial index ix_auth_sessions_cleanup.
      `DELETE FROM auth_sessions WHERE id IN (SELECT id FROM auth_sessions
         WHERE status IN (${sqlList(TERMINAL_AUTH_SESSION_STATUSES)}) AND updated_at < $1
         LIMIT $2 FOR UPDATE SKIP LOCKED) RETURNING id`,
      [cutoff, limit],
    );
    return rowsOf(result).length;
  }

  findCardPatchPending(appId: string, limit: number): Promise<AuthSession[]> {
    return this.sessions.find({
      where: { appId, cardPatchPending: true },
      order: { updatedAt: 'ASC' },
      take: limit,
    });
  }

  countPending(appId: string): Promise<number> {
    return this.sessions.count({ where: { appId, status: 'pending' } });
  }

  /** `UPDATE … SET <set>, updated_at = $1 WHERE <where> RETURNING *`; $1 is always the clock's now. */
  private async updateReturning(
    manager: EntityManager,
    set: string,
    where: string,
    params: [Date, ...unknown[]],
  ): Promise<AuthSession[]> {
    const result: unknown = await manager.query(
      `UPDATE auth_sessions SET ${set}, updated_at = $1 WHERE ${where} RETURNING *`,
      params,
    );
    return rowsOf<Row>(result).map((row) => this.sessions.create(toEntityShape(row)));
  }
}

export function toEntityShape(row: Row): Partial<AuthSession> {
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
    cardFailure: (row.card_failure as CardFailure | null) ?? null,
    createdAt: new Date(row.created_at as string),
    expiresAt: new Date(row.expires_at as string),
    completedAt: row.completed_at ? new Date(row.completed_at as string) : null,
    updatedAt: new Date(row.updated_at as string),
    flow: (row.flow as AuthSession['flow'] | undefined) ?? 'redirect',
    deviceCodeEnc: (row.device_code_enc as Buffer | null) ?? null,
    userCode: (row.user_code as string | null) ?? null,
    verificationUri: (row.verification_uri as string | null) ?? null,
    pollIntervalSeconds: (row.poll_interval_seconds as number | null) ?? null,
    nextPollAt: row.next_poll_at ? new Date(row.next_poll_at as string) : null,
    leaseOwner: (row.lease_owner as string | null) ?? null,
    leaseUntil: row.lease_until ? new Date(row.lease_until as string) : null,
  };
}
