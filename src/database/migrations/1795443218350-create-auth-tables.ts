import { MigrationInterface, QueryRunner } from 'typeorm';

// Hand-written and frozen: never edit after release, add a new migration instead. Vocabulary lists are spelled
// out (not imported) so that a later change to the entity constants cannot rewrite history.
const UP = [
  `CREATE TABLE auth_sessions (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    app_id text NOT NULL,
    open_id text NOT NULL,
    status text NOT NULL DEFAULT 'pending',
    state_hash text NOT NULL,
    pkce_verifier_enc bytea,
    key_id text,
    scopes text[] NOT NULL DEFAULT '{}',
    locale text NOT NULL DEFAULT 'zh_cn',
    chat_id text,
    message_id text,
    reason text,
    card_patch_pending boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    completed_at timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_auth_sessions PRIMARY KEY (id),
    CONSTRAINT uq_auth_sessions_state_hash UNIQUE (state_hash),
    CONSTRAINT ck_auth_sessions_status CHECK (status IN
      ('pending', 'exchanging', 'completed', 'rejected', 'expired', 'failed', 'superseded', 'invalidated')),
    CONSTRAINT ck_auth_sessions_reason CHECK (reason IS NULL OR reason IN
      ('denied', 'expired', 'invalid_state', 'replayed', 'code_exchange_failed', 'identity_mismatch',
       'card_send_failed', 'internal', 'superseded', 'logout', 'admin')),
    CONSTRAINT ck_auth_sessions_locale CHECK (locale IN ('zh_cn', 'en_us')),
    CONSTRAINT ck_auth_sessions_key_id CHECK (pkce_verifier_enc IS NULL OR key_id IS NOT NULL)
  )`,
  // A new request supersedes the pending one; this makes two concurrent requests unable to both stay pending.
  `CREATE UNIQUE INDEX ux_auth_sessions_one_pending ON auth_sessions (app_id, open_id) WHERE status = 'pending'`,
  `CREATE INDEX ix_auth_sessions_user_created ON auth_sessions (app_id, open_id, created_at DESC)`,
  `CREATE INDEX ix_auth_sessions_pending_expiry ON auth_sessions (expires_at) WHERE status = 'pending'`,
  `CREATE INDEX ix_auth_sessions_cleanup ON auth_sessions (updated_at)
    WHERE status IN ('completed', 'rejected', 'expired', 'failed', 'superseded', 'invalidated')`,
  `CREATE TABLE user_tokens (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    app_id text NOT NULL,
    open_id text NOT NULL,
    union_id text,
    user_id text,
    name text,
    access_token_enc bytea,
    refresh_token_enc bytea,
    key_id text,
    refresh_token_hash text,
    scopes text[] NOT NULL DEFAULT '{}',
    access_expires_at timestamptz NOT NULL,
    refresh_expires_at timestamptz,
    granted_at timestamptz NOT NULL,
    refresh_due_at timestamptz NOT NULL,
    status text NOT NULL DEFAULT 'active',
    lease_owner text,
    lease_until timestamptz,
    refresh_attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error text,
    is_online boolean,
    last_checked_at timestamptz,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_user_tokens PRIMARY KEY (id),
    CONSTRAINT uq_user_tokens_app_open UNIQUE (app_id, open_id),
    CONSTRAINT ck_user_tokens_status CHECK (status IN ('active', 'reauth_required', 'invalidated')),
    CONSTRAINT ck_user_tokens_secrets CHECK (
      (status = 'active' AND access_token_enc IS NOT NULL) OR
      (status <> 'active' AND access_token_enc IS NULL AND refresh_token_enc IS NULL)),
    CONSTRAINT ck_user_tokens_key_id CHECK (
      key_id IS NOT NULL OR (access_token_enc IS NULL AND refresh_token_enc IS NULL)),
    CONSTRAINT ck_user_tokens_refresh_attempts CHECK (refresh_attempts >= 0)
  )`,
  // The refresh sweep (docs/architecture.md): WHERE refresh_due_at <= now() AND status = 'active' ORDER BY refresh_due_at.
  `CREATE INDEX ix_user_tokens_refresh_due ON user_tokens (refresh_due_at) WHERE status = 'active'`,
];

const DOWN = ['DROP TABLE user_tokens', 'DROP TABLE auth_sessions'];

export class CreateAuthTables1795443218350 implements MigrationInterface {
  name = 'CreateAuthTables1795443218350';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of UP) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const statement of DOWN) await queryRunner.query(statement);
  }
}
