import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';

import { claimWithLease, releaseLeases, rowsOf } from '../database/lease';
import { BotMessageEvent } from '../lark/lark-events';
import { EventInboxEntry } from './event-inbox.entity';

const TABLE = 'event_inbox';

/** A received message as the inbox hands it out: claimed by the caller until `leaseUntil`. */
export interface InboxMessage {
  id: string;
  event: BotMessageEvent;
  attempts: number;
}

/** Named queries over event_inbox. Times come from the caller's clock. */
@Injectable()
export class EventInboxRepository {
  constructor(@InjectRepository(EventInboxEntry) private readonly entries: Repository<EventInboxEntry>) {}

  private get manager(): EntityManager {
    return this.entries.manager;
  }

  /**
   * Stores a message the first time it arrives, already leased to `owner`; a redelivery (same app and message_id)
   * writes nothing and returns undefined.
   */
  async accept(event: BotMessageEvent, owner: string, now: Date, until: Date): Promise<InboxMessage | undefined> {
    const result: unknown = await this.manager.query(
      `INSERT INTO ${TABLE} (app_id, message_id, payload, lease_owner, lease_until, created_at, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (app_id, message_id) DO NOTHING RETURNING *`,
      [event.appId, event.messageId, JSON.stringify(event), owner, until, now],
    );
    const [row] = rowsOf(result);
    return row ? toMessage(row) : undefined;
  }

  /** Pending messages of `appId` whose lease is free (never taken, backed off, or left by a dead replica). */
  async claimLeftovers(appId: string, owner: string, now: Date, until: Date, limit: number): Promise<InboxMessage[]> {
    const rows = await claimWithLease(
      this.manager,
      { table: TABLE, where: `app_id = $5 AND status = 'pending'`, orderBy: 'created_at' },
      { owner, now, until, limit },
      [appId],
    );
    return rows.map(toMessage);
  }

  async markDone(id: string, owner: string, now: Date): Promise<void> {
    await this.manager.query(
      `UPDATE ${TABLE} SET status = 'done', lease_owner = NULL, lease_until = NULL, attempts = attempts + 1,
        last_error = NULL, updated_at = $3 WHERE id = $1 AND lease_owner = $2`,
      [id, owner, now],
    );
  }

  /** A failed attempt: tried again once `retryAt` has passed (by any replica), or failed for good when `final`. */
  async markFailedAttempt(id: string, owner: string, now: Date, retryAt: Date, error: string, final: boolean) {
    await this.manager.query(
      `UPDATE ${TABLE} SET status = CASE WHEN $5 THEN 'failed' ELSE 'pending' END, lease_owner = NULL,
        lease_until = $4, attempts = attempts + 1, last_error = $6, updated_at = $3
        WHERE id = $1 AND lease_owner = $2`,
      [id, owner, now, retryAt, final, error.slice(0, 500)],
    );
  }

  release(owner: string): Promise<number> {
    return releaseLeases(this.manager, TABLE, owner);
  }

  countPending(appId: string): Promise<number> {
    return this.entries.count({ where: { appId, status: 'pending' } });
  }

  /** Deletes up to `limit` handled messages older than `cutoff`; returns how many. */
  async deleteHandledBefore(cutoff: Date, limit: number): Promise<number> {
    const result: unknown = await this.manager.query(
      `DELETE FROM ${TABLE} WHERE id IN (SELECT id FROM ${TABLE} WHERE status <> 'pending' AND updated_at < $1
        LIMIT $2 FOR UPDATE SKIP LOCKED) RETURNING id`,
      [cutoff, limit],
    );
    return rowsOf(result).length;
  }
}

function toMessage(row: Record<string, unknown>): InboxMessage {
  const payload = row.payload as BotMessageEvent | string;
  return {
    id: row.id as string,
    event: typeof payload === 'string' ? (JSON.parse(payload) as BotMessageEvent) : payload,
    attempts: row.attempts as number,
  };
}
