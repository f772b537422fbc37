import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';

import { claimWithLease, releaseLeases, rowsOf } from '../database/lease';
import { AuthSession } from './auth-session.entity';
import { toEntityShape } from './auth-session.repository';
import { AuthSessionReason, AuthSessionStatus } from './auth-session.vocabulary';

const TABLE = 'auth_sessions';

/**
 * The device-flow polling queries over auth_sessions. A poll holds the session's lease (database/lease.ts); every
 * write after it is a compare-and-set on that lease and on `pending`, so a replica that lost its lease, a decline
 * or a newer session always wins.
 */
@Injectable()
export class DeviceSessionRepository {
  constructor(@InjectRepository(AuthSession) private readonly sessions: Repository<AuthSession>) {}

  /** Pending device sessions of the app whose next poll is due, leased to `owner` until `until`. */
  async claimDue(appId: string, owner: string, now: Date, until: Date, limit: number): Promise<AuthSession[]> {
    const rows = await claimWithLease(
      this.sessions.manager,
      {
        table: TABLE,
        where: `app_id = $5 AND status = 'pending' AND flow = 'device' AND next_poll_at <= $2 AND expires_at > $2`,
        orderBy: 'next_poll_at',
      },
      { owner, now, until, limit },
      [appId],
    );
    return rows.map((row) => this.sessions.create(toEntityShape(row)));
  }

  /** Gives the lease back with the time of the next poll; false when the session is no longer ours or pending. */
  async schedule(session: AuthSession, owner: string, intervalSeconds: number, nextPollAt: Date): Promise<boolean> {
    const result: unknown = await this.sessions.manager.query(
      `UPDATE ${TABLE} SET poll_interval_seconds = $4, next_poll_at = $5, lease_owner = NULL, lease_until = NULL
        WHERE app_id = $1 AND id = $2 AND lease_owner = $3 AND status = 'pending' RETURNING id`,
      [session.appId, session.id, owner, intervalSeconds, nextPollAt],
    );
    return rowsOf(result).length > 0;
  }

  /**
   * Ends the poll: pending → `to` (exchanging once Feishu issued tokens), the device code dropped. Returns the
   * session when this lease holder moved it.
   */
  async finish(
    session: AuthSession,
    owner: string,
    to: AuthSessionStatus,
    reason: AuthSessionReason | null,
    now: Date,
  ): Promise<AuthSession | undefined> {
    const result: unknown = await this.sessions.manager.query(
      `UPDATE ${TABLE} SET status = $4, reason = $5, device_code_enc = NULL, lease_owner = NULL, lease_until = NULL,
          updated_at = $6
        WHERE app_id = $1 AND id = $2 AND lease_owner = $3 AND status = 'pending' RETURNING *`,
      [session.appId, session.id, owner, to, reason, now],
    );
    const [row] = rowsOf(result);
    return row ? this.sessions.create(toEntityShape(row)) : undefined;
  }

  releaseAll(owner: string): Promise<number> {
    return releaseLeases(this.sessions.manager, TABLE, owner);
  }
}
