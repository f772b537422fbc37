import { MigrationInterface, QueryRunner } from 'typeorm';

// Hand-written and frozen: never edit after release, add a new migration instead.
const REASONS_BEFORE = `'denied', 'expired', 'invalid_state', 'replayed', 'code_exchange_failed', 'identity_mismatch',
       'card_send_failed', 'internal', 'superseded', 'logout', 'admin'`;

const UP = [
  // The session whose callback stored the token now in the row: ending an older session must not end it.
  `ALTER TABLE user_tokens ADD COLUMN granted_by_session uuid`,
  `ALTER TABLE auth_sessions DROP CONSTRAINT ck_auth_sessions_reason`,
  `ALTER TABLE auth_sessions ADD CONSTRAINT ck_auth_sessions_reason CHECK (reason IS NULL OR reason IN (
       'denied', 'expired', 'invalid_state', 'replayed', 'code_exchange_failed', 'identity_mismatch',
       'card_send_failed', 'user_unreachable', 'internal', 'superseded', 'logout', 'admin'))`,
];

const DOWN = [
  `UPDATE auth_sessions SET reason = 'card_send_failed' WHERE reason = 'user_unreachable'`,
  `ALTER TABLE auth_sessions DROP CONSTRAINT ck_auth_sessions_reason`,
  `ALTER TABLE auth_sessions ADD CONSTRAINT ck_auth_sessions_reason CHECK (reason IS NULL OR reason IN (${REASONS_BEFORE}))`,
  'ALTER TABLE user_tokens DROP COLUMN granted_by_session',
];

export class Hardening1796300000000 implements MigrationInterface {
  name = 'Hardening1796300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of UP) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const statement of DOWN) await queryRunner.query(statement);
  }
}
