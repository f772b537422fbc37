import { MigrationInterface, QueryRunner } from 'typeorm';

// Hand-written and frozen: never edit after release, add a new migration instead.
const REASONS_BEFORE = `'denied', 'expired', 'invalid_state', 'replayed', 'code_exchange_failed', 'identity_mismatch',
       'card_send_failed', 'user_unreachable', 'internal', 'superseded', 'logout', 'admin'`;
const REASONS_AFTER = `${REASONS_BEFORE}, 'account_unavailable'`;
const UP = [
  // Every DM the bot receives, once per (app, message_id) whatever Feishu redelivers: written and acked at once,
  // handled afterwards under a lease, so another replica finishes what a dead one started.
  `CREATE TABLE event_inbox (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    app_id text NOT NULL,
    message_id text NOT NULL,
    payload jsonb NOT NULL,
    status text NOT NULL DEFAULT 'pending',
    lease_owner text,
    lease_until timestamptz,
    attempts integer NOT NULL DEFAULT 0,
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_event_inbox PRIMARY KEY (id),
    CONSTRAINT uq_event_inbox_app_message UNIQUE (app_id, message_id),
    CONSTRAINT ck_event_inbox_status CHECK (status IN ('pending', 'done', 'failed'))
  )`,
  `CREATE INDEX ix_event_inbox_pending ON event_inbox (app_id, created_at) WHERE status = 'pending'`,
  // Why a session's card can no longer be sent or updated (recalled, deleted, too old, blocked).
  `ALTER TABLE auth_sessions ADD COLUMN card_failure text`,
  // user_info said the account resigned (20021) or is frozen (20022).
  `ALTER TABLE auth_sessions DROP CONSTRAINT ck_auth_sessions_reason`,
  `ALTER TABLE auth_sessions ADD CONSTRAINT ck_auth_sessions_reason CHECK (reason IS NULL OR reason IN (${REASONS_AFTER}))`,
];

const DOWN = [
  `UPDATE auth_sessions SET reason = 'code_exchange_failed' WHERE reason = 'account_unavailable'`,
  `ALTER TABLE auth_sessions DROP CONSTRAINT ck_auth_sessions_reason`,
  `ALTER TABLE auth_sessions ADD CONSTRAINT ck_auth_sessions_reason CHECK (reason IS NULL OR reason IN (${REASONS_BEFORE}))`,
  'ALTER TABLE auth_sessions DROP COLUMN card_failure',
  'DROP TABLE event_inbox',
];

export class EventInbox1796400000000 implements MigrationInterface {
  name = 'EventInbox1796400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of UP) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const statement of DOWN) await queryRunner.query(statement);
  }
}
