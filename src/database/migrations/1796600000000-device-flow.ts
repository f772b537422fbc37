import { MigrationInterface, QueryRunner } from 'typeorm';

// Hand-written and frozen: never edit after release, add a new migration instead.
const UP = [
  `ALTER TABLE auth_sessions ADD COLUMN flow text NOT NULL DEFAULT 'redirect'`,
  `ALTER TABLE auth_sessions ADD CONSTRAINT ck_auth_sessions_flow CHECK (flow IN ('redirect', 'device'))`,
  // TokenCipher output, like the PKCE verifier; the user code and the URL are shown to the user anyway.
  `ALTER TABLE auth_sessions ADD COLUMN device_code_enc bytea`,
  `ALTER TABLE auth_sessions ADD COLUMN user_code text`,
  `ALTER TABLE auth_sessions ADD COLUMN verification_uri text`,
  `ALTER TABLE auth_sessions ADD COLUMN poll_interval_seconds integer`,
  `ALTER TABLE auth_sessions ADD COLUMN next_poll_at timestamptz`,
  `ALTER TABLE auth_sessions ADD COLUMN lease_owner text`,
  `ALTER TABLE auth_sessions ADD COLUMN lease_until timestamptz`,
  `ALTER TABLE auth_sessions ADD CONSTRAINT ck_auth_sessions_device_key_id
     CHECK (device_code_enc IS NULL OR key_id IS NOT NULL)`,
  `CREATE INDEX ix_auth_sessions_device_due ON auth_sessions (next_poll_at)
     WHERE status = 'pending' AND flow = 'device'`,
];

const DOWN = [
  `DROP INDEX ix_auth_sessions_device_due`,
  `ALTER TABLE auth_sessions DROP CONSTRAINT ck_auth_sessions_device_key_id`,
  `ALTER TABLE auth_sessions DROP CONSTRAINT ck_auth_sessions_flow`,
  ...[
    'lease_until',
    'lease_owner',
    'next_poll_at',
    'poll_interval_seconds',
    'verification_uri',
    'user_code',
    'device_code_enc',
    'flow',
  ].map((column) => `ALTER TABLE auth_sessions DROP COLUMN ${column}`),
];

export class DeviceFlow1796600000000 implements MigrationInterface {
  name = 'DeviceFlow1796600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of UP) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const statement of DOWN) await queryRunner.query(statement);
  }
}
