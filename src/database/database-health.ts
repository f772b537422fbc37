import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export const PING_TIMEOUT_MS = 2000;

/** Readiness probe of the database (`/readyz`). */
@Injectable()
export class DatabaseHealth {
  constructor(private readonly dataSource: DataSource) {}

  /** True when `select 1` answers within the timeout; never throws. */
  async ping(timeoutMs = PING_TIMEOUT_MS): Promise<boolean> {
    if (!this.dataSource.isInitialized) return false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const query = this.dataSource.query('select 1').then(
      () => true,
      () => false,
    );
    try {
      return await Promise.race([query, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
