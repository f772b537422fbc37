import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryGeneratedColumn,
  Unique,
  UpdateDateColumn,
  VersionColumn,
} from 'typeorm';

import { sqlList } from '../database/sql-list';

export const USER_TOKEN_STATUSES = [
  'active',
  // The grant is gone (revoked, expired, refresh token lost); a new authorization is needed.
  'reauth_required',
  // Logout or an administrator.
  'invalidated',
] as const;
export type UserTokenStatus = (typeof USER_TOKEN_STATUSES)[number];

/**
 * A user's tokens, one row per (app_id, open_id) (docs/architecture.md, data model). The schema comes from the migrations; these
 * decorators must match them exactly (test/integration/migrations.integration-spec.ts checks the drift).
 *
 * Invariants enforced by CHECK constraints: an active row holds an access token; a row that is not active
 * holds no ciphertext at all (it stays for audit); any ciphertext has its key_id.
 */
@Entity({ name: 'user_tokens' })
@Unique('uq_user_tokens_app_open', ['appId', 'openId'])
@Index('ix_user_tokens_refresh_due', ['appId', 'refreshDueAt'], { where: "status = 'active'" })
@Check('ck_user_tokens_status', `status IN (${sqlList(USER_TOKEN_STATUSES)})`)
@Check(
  'ck_user_tokens_secrets',
  "(status = 'active' AND access_token_enc IS NOT NULL) OR " +
    "(status <> 'active' AND access_token_enc IS NULL AND refresh_token_enc IS NULL)",
)
@Check('ck_user_tokens_key_id', 'key_id IS NOT NULL OR (access_token_enc IS NULL AND refresh_token_enc IS NULL)')
@Check('ck_user_tokens_refresh_attempts', 'refresh_attempts >= 0')
export class UserToken {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_user_tokens' })
  id!: string;

  @Column({ name: 'app_id', type: 'text' })
  appId!: string;

  @Column({ name: 'open_id', type: 'text' })
  openId!: string;

  @Column({ name: 'union_id', type: 'text', nullable: true })
  unionId!: string | null;

  @Column({ name: 'user_id', type: 'text', nullable: true })
  userId!: string | null;

  @Column({ type: 'text', nullable: true })
  name!: string | null;

  /** TokenCipher output (iv | tag | ciphertext), AAD `app_id:open_id`. */
  @Column({ name: 'access_token_enc', type: 'bytea', nullable: true })
  accessTokenEnc!: Buffer | null;

  @Column({ name: 'refresh_token_enc', type: 'bytea', nullable: true })
  refreshTokenEnc!: Buffer | null;

  /** Key that encrypted both ciphertexts of this row. */
  @Column({ name: 'key_id', type: 'text', nullable: true })
  keyId!: string | null;

  /** Lowercase hex sha256 of the current refresh token: the compare-and-set guard for rotation. */
  @Column({ name: 'refresh_token_hash', type: 'text', nullable: true })
  refreshTokenHash!: string | null;

  @Column({ type: 'text', array: true, default: () => "'{}'" })
  scopes!: string[];

  @Column({ name: 'access_expires_at', type: 'timestamptz' })
  accessExpiresAt!: Date;

  @Column({ name: 'refresh_expires_at', type: 'timestamptz', nullable: true })
  refreshExpiresAt!: Date | null;

  @Column({ name: 'granted_at', type: 'timestamptz' })
  grantedAt!: Date;

  /** access_expires_at − TOKEN_REFRESH_THRESHOLD × lifetime. */
  @Column({ name: 'refresh_due_at', type: 'timestamptz' })
  refreshDueAt!: Date;

  @Column({ type: 'text', default: 'active' })
  status!: UserTokenStatus;

  @Column({ name: 'lease_owner', type: 'text', nullable: true })
  leaseOwner!: string | null;

  @Column({ name: 'lease_until', type: 'timestamptz', nullable: true })
  leaseUntil!: Date | null;

  @Column({ name: 'refresh_attempts', type: 'integer', default: 0 })
  refreshAttempts!: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', default: () => 'now()' })
  nextAttemptAt!: Date;

  /** The authorization session whose callback stored the current grant. */
  @Column({ name: 'granted_by_session', type: 'uuid', nullable: true })
  grantedBySession!: string | null;

  /** Set just before a refresh request leaves, cleared when its answer is written: a lost answer shows here. */
  @Column({ name: 'refresh_sent_at', type: 'timestamptz', nullable: true })
  refreshSentAt!: Date | null;

  /** Error code/category of the last failed refresh; never a token or a response body. */
  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'is_online', type: 'boolean', nullable: true })
  isOnline!: boolean | null;

  @Column({ name: 'last_checked_at', type: 'timestamptz', nullable: true })
  lastCheckedAt!: Date | null;

  /** Bumped on every write (TypeORM does it on save(); raw UPDATEs add `version = version + 1`). */
  @VersionColumn({ type: 'integer', default: 1 })
  version!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
