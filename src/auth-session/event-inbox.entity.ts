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

/**
 * One received DM (docs/architecture.md, event inbox). Feishu may deliver a message several times, to any replica;
 * the unique (app_id, message_id) makes the first write win. Matches the migration exactly (drift check).
 */
@Entity({ name: 'event_inbox' })
@Unique('uq_event_inbox_app_message', ['appId', 'messageId'])
@Index('ix_event_inbox_pending', ['appId', 'createdAt'], { where: "status = 'pending'" })
@Check('ck_event_inbox_status', "status IN ('pending', 'done', 'failed')")
export class EventInboxEntry {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_event_inbox' })
  id!: string;

  @Column({ name: 'app_id', type: 'text' })
  appId!: string;

  @Column({ name: 'message_id', type: 'text' })
  messageId!: string;

  /** The normalized event (BotMessageEvent). */
  @Column({ type: 'jsonb' })
  payload!: object;

  @Column({ type: 'text', default: 'pending' })
  status!: 'pending' | 'done' | 'failed';

  @Column({ name: 'lease_owner', type: 'text', nullable: true })
  leaseOwner!: string | null;

  @Column({ name: 'lease_until', type: 'timestamptz', nullable: true })
  leaseUntil!: Date | null;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
