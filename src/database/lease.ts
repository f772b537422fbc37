import type { EntityManager } from 'typeorm';

/**
 * Work that must happen once across replicas (a refresh, an inbox message, a device-code poll) is claimed in
 * Postgres: a row is taken with `FOR UPDATE SKIP LOCKED` and stamped with `lease_owner`/`lease_until`, so two
 * replicas never take the same row and a dead replica's rows come free when its lease runs out. Each feature keeps
 * its own conditions; this states the pattern once. The table must have `id`, `lease_owner`, `lease_until`.
 */
export interface LeaseQuery {
  /** A constant table name. */
  table: string;
  /** What makes a row claimable besides a free lease; its own parameters start at $5. */
  where: string;
  orderBy: string;
}

export interface LeaseTerms {
  owner: string;
  now: Date;
  until: Date;
  limit: number;
}

/** Claims up to `limit` rows and returns them as they are after the claim. */
export async function claimWithLease<Row = Record<string, unknown>>(
  manager: EntityManager,
  query: LeaseQuery,
  terms: LeaseTerms,
  params: unknown[] = [],
): Promise<Row[]> {
  const result: unknown = await manager.query(
    `UPDATE ${query.table} SET lease_owner = $1, lease_until = $3
      WHERE id IN (SELECT id FROM ${query.table}
        WHERE (${query.where}) AND (lease_until IS NULL OR lease_until <= $2)
        ORDER BY ${query.orderBy} LIMIT $4 FOR UPDATE SKIP LOCKED)
      RETURNING *`,
    [terms.owner, terms.now, terms.until, terms.limit, ...params],
  );
  return rowsOf<Row>(result);
}

/** Gives back rows this owner still holds (on shutdown, or work it decided not to do). */
export async function releaseLeases(
  manager: EntityManager,
  table: string,
  owner: string,
  ids?: readonly string[],
): Promise<number> {
  const result: unknown = await manager.query(
    `UPDATE ${table} SET lease_owner = NULL, lease_until = NULL
      WHERE lease_owner = $1 AND ($2::uuid[] IS NULL OR id = ANY($2::uuid[])) RETURNING id`,
    [owner, ids ?? null],
  );
  return rowsOf(result).length;
}

/** node-postgres returns [rows, count] for UPDATE … RETURNING through TypeORM; PGlite the rows. */
export function rowsOf<Row = Record<string, unknown>>(result: unknown): Row[] {
  return (Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result) as Row[];
}
