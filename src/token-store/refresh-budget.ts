import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import { Clock } from '../common/clock';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { rowsOf } from '../database/lease';

/**
 * Requests are spaced a little wider than 1/rate: they leave on schedule but arrive with some jitter, and without
 * the margin more than `rate` of them could land in one second at Feishu's end.
 */
const JITTER_MARGIN = 1.2;
/**
 * A request that wakes up more than half a slot late has lost its slot and queues again: waking late would crowd it
 * against the next slots. With the margin above, any second then holds at most rate / 1.2 + 1 requests as they
 * leave, which leaves room for about 150 ms of jitter on the way.
 */
const LATE_FRACTION = 0.5;

/**
 * The token endpoint's budget (FEISHU_TOKEN_RATE_PER_SECOND per app), shared by every replica through one row per
 * app in Postgres: each refresh reserves the next free slot and waits for it. Slots are reserved one request at a
 * time, right before the request, so an on-demand refresh never queues behind a whole sweep.
 */
@Injectable()
export class RefreshBudget {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /** Resolves when this app may send its next token request. */
  async take(appId: string): Promise<void> {
    const rate = this.config.tokens.feishuRatePerSecond;
    if (rate === 0) return;
    const spacingMs = (1000 / rate) * JITTER_MARGIN;
    for (;;) {
      const now = this.clock.now();
      const [row] = rowsOf<{ next_free_at: Date | string }>(
        await this.dataSource.query(RESERVE, [appId, now, spacingMs]),
      );
      const slot = new Date(row?.next_free_at ?? now).getTime() - spacingMs;
      await this.clock.sleepUntil(new Date(slot));
      if (this.clock.now().getTime() - slot <= spacingMs * LATE_FRACTION) return;
    }
  }
}

const RESERVE = `
  INSERT INTO token_endpoint_budgets AS budget (app_id, next_free_at)
  VALUES ($1, $2::timestamptz + $3::float8 * interval '1 millisecond')
  ON CONFLICT (app_id) DO UPDATE
    SET next_free_at = GREATEST(budget.next_free_at, $2::timestamptz) + $3::float8 * interval '1 millisecond'
  RETURNING next_free_at`;
