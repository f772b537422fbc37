import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The token endpoint's budget of one app, shared by every replica (see RefreshBudget). */
@Entity({ name: 'token_endpoint_budgets' })
export class TokenEndpointBudget {
  @PrimaryColumn({ name: 'app_id', type: 'text', primaryKeyConstraintName: 'pk_token_endpoint_budgets' })
  appId!: string;

  /** The earliest moment the next request of this app may leave. */
  @Column({ name: 'next_free_at', type: 'timestamptz' })
  nextFreeAt!: Date;
}
