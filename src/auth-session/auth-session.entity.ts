import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryGeneratedColumn,
  Unique,
  UpdateDateColumn,
} from 'typeorm';

import { DEFAULT_LOCALE, Locale, LOCALES } from '../common/locale';
import { AUTH_FLOWS, AuthFlow } from '../config/app-config';
import { sqlList } from '../database/sql-list';
import {
  AUTH_SESSION_REASONS,
  AUTH_SESSION_STATUSES,
  AuthSessionReason,
  AuthSessionStatus,
  CardFailure,
  TERMINAL_AUTH_SESSION_STATUSES,
} from './auth-session.vocabulary';

/**
 * One authorization request (docs/architecture.md, data model). The schema comes from the migrations; these
 * decorators must match them exactly (test/integration/migrations.integration-spec.ts checks the drift).
 */
@Entity({ name: 'auth_sessions' })
@Unique('uq_auth_sessions_state_hash', ['stateHash'])
@Index('ux_auth_sessions_one_pending', ['appId', 'openId'], { unique: true, where: "status = 'pending'" })
@Index('ix_auth_sessions_user_created', ['appId', 'openId', 'createdAt'])
@Index('ix_auth_sessions_pending_expiry', ['expiresAt'], { where: "status = 'pending'" })
// The cleanup query spells the list out the same way, so the planner can use this partial index.
@Index('ix_auth_sessions_cleanup', ['updatedAt'], { where: `status IN (${sqlList(TERMINAL_AUTH_SESSION_STATUSES)})` })
@Check('ck_auth_sessions_status', `status IN (${sqlList(AUTH_SESSION_STATUSES)})`)
@Check('ck_auth_sessions_reason', `reason IS NULL OR reason IN (${sqlList(AUTH_SESSION_REASONS)})`)
@Check('ck_auth_sessions_locale', `locale IN (${sqlList(LOCALES)})`)
@Check('ck_auth_sessions_key_id', 'pkce_verifier_enc IS NULL OR key_id IS NOT NULL')
@Index('ix_auth_sessions_device_due', ['nextPollAt'], { where: "status = 'pending' AND flow = 'device'" })
@Check('ck_auth_sessions_flow', `flow IN (${sqlList(AUTH_FLOWS)})`)
@Check('ck_auth_sessions_device_key_id', 'device_code_enc IS NULL OR key_id IS NOT NULL')
export class AuthSession {
  /** Also the public session id. */
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_auth_sessions' })
  id!: string;

  @Column({ name: 'app_id', type: 'text' })
  appId!: string;

  @Column({ name: 'open_id', type: 'text' })
  openId!: string;

  @Column({ type: 'text', default: 'pending' })
  status!: AuthSessionStatus;

  /** Lowercase hex sha256 of the raw state; the state itself is never stored. */
  @Column({ name: 'state_hash', type: 'text' })
  stateHash!: string;

  /** TokenCipher output (iv | tag | ciphertext) of the PKCE verifier; may be nulled once the code is exchanged. */
  @Column({ name: 'pkce_verifier_enc', type: 'bytea', nullable: true })
  pkceVerifierEnc!: Buffer | null;

  /** Key that encrypted pkce_verifier_enc. */
  @Column({ name: 'key_id', type: 'text', nullable: true })
  keyId!: string | null;

  /** Requested scopes, always including offline_access. */
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  scopes!: string[];

  @Column({ type: 'text', default: DEFAULT_LOCALE })
  locale!: Locale;

  @Column({ name: 'chat_id', type: 'text', nullable: true })
  chatId!: string | null;

  @Column({ name: 'message_id', type: 'text', nullable: true })
  messageId!: string | null;

  @Column({ type: 'text', nullable: true })
  reason!: AuthSessionReason | null;

  /** The card still shows an older state; a background retry patches it. */
  @Column({ name: 'card_patch_pending', type: 'boolean', default: false })
  cardPatchPending!: boolean;

  /** Why the card can no longer be sent or updated (CARD_FAILURES); set once, never retried after. */
  @Column({ name: 'card_failure', type: 'text', nullable: true })
  cardFailure!: CardFailure | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt!: Date | null;

  @Column({ type: 'text', default: 'redirect' })
  flow!: AuthFlow;

  /** Device flow: TokenCipher output of the device code (key key_id); never logged. */
  @Column({ name: 'device_code_enc', type: 'bytea', nullable: true })
  deviceCodeEnc!: Buffer | null;

  @Column({ name: 'user_code', type: 'text', nullable: true })
  userCode!: string | null;

  /** verification_uri_complete: what the card's Authorize button opens. */
  @Column({ name: 'verification_uri', type: 'text', nullable: true })
  verificationUri!: string | null;

  /** Seconds between two polls of the token endpoint; grows by 5 with each slow_down. */
  @Column({ name: 'poll_interval_seconds', type: 'integer', nullable: true })
  pollIntervalSeconds!: number | null;

  /** No replica polls this session before then (docs/device-flow.md, polling). */
  @Column({ name: 'next_poll_at', type: 'timestamptz', nullable: true })
  nextPollAt!: Date | null;

  /** The replica polling right now, until lease_until (database/lease.ts). */
  @Column({ name: 'lease_owner', type: 'text', nullable: true })
  leaseOwner!: string | null;

  @Column({ name: 'lease_until', type: 'timestamptz', nullable: true })
  leaseUntil!: Date | null;

  /** Set by TypeORM on save(); raw UPDATEs must set it themselves (the cleanup index is on it). */
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
