import type { DataSource, Migration } from 'typeorm';

/**
 * Applies pending migrations in one transaction. Replicas starting together serialise on an advisory lock
 * (per database and schema), so the second one finds nothing left to do instead of failing on CREATE TABLE.
 */
export async function runMigrations(dataSource: DataSource): Promise<Migration[]> {
  const lock = dataSource.createQueryRunner();
  await lock.connect();
  try {
    await lock.query(`SELECT pg_advisory_lock(hashtext('lark-card-auth:migrations:' || current_schema()))`);
    try {
      return await dataSource.runMigrations({ transaction: 'all' });
    } finally {
      await lock.query(`SELECT pg_advisory_unlock(hashtext('lark-card-auth:migrations:' || current_schema()))`);
    }
  } finally {
    await lock.release();
  }
}
