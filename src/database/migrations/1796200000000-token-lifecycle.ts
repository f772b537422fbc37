import { MigrationInterface, QueryRunner } from 'typeorm';

// Hand-written and frozen: never edit after release, add a new migration instead.
const UP = [
  // Set just before a refresh request leaves; a row that still carries it after its lease ran out belonged to a
  // process that died with the request in flight: its refresh token may be spent, so it is never presented again.
  `ALTER TABLE user_tokens ADD COLUMN refresh_sent_at timestamptz`,
  // The sweep claims per app, oldest due first.
  `DROP INDEX ix_user_tokens_refresh_due`,
  `CREATE INDEX ix_user_tokens_refresh_due ON user_tokens (app_id, refresh_due_at) WHERE status = 'active'`,
  // The token endpoint's budget per app, shared by every replica: the next moment a request may leave.
  `CREATE TABLE token_endpoint_budgets (
    app_id text NOT NULL,
    next_free_at timestamptz NOT NULL,
    CONSTRAINT pk_token_endpoint_budgets PRIMARY KEY (app_id)
  )`,
];

const DOWN = [
  'DROP TABLE token_endpoint_budgets',
  'DROP INDEX ix_user_tokens_refresh_due',
  `CREATE INDEX ix_user_tokens_refresh_due ON user_tokens (refresh_due_at) WHERE status = 'active'`,
  'ALTER TABLE user_tokens DROP COLUMN refresh_sent_at',
];

export class TokenLifecycle1796200000000 implements MigrationInterface {
  name = 'TokenLifecycle1796200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of UP) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const statement of DOWN) await queryRunner.query(statement);
  }
}
