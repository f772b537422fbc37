import type { DataSource } from 'typeorm';

interface PgClient {
  query(...args: unknown[]): unknown;
  end(): Promise<void>;
}
interface PgPool {
  on?(event: 'acquire', listener: (client: PgClient) => void): void;
}

const watched = new WeakSet<PgClient>();

/**
 * A query that ran into query_timeout leaves its connection waiting for an answer that may never come (its packets
 * were lost: a firewall forgot the connection, a failover moved the address). The pool would hand that connection out
 * again, and every later query on it would time out too until TCP gives up, minutes later; a sweep that kept getting
 * it never recovered (test/reliability/database-outage). Such a connection is closed instead, so the pool opens a new
 * one.
 */
export function dropTimedOutConnections(dataSource: DataSource): void {
  const pool = (dataSource.driver as unknown as { master?: PgPool }).master;
  // PGlite has no pool and no network.
  if (typeof pool?.on !== 'function') return;
  pool.on('acquire', (client) => {
    if (watched.has(client)) return;
    watched.add(client);
    const query = client.query.bind(client);
    client.query = (...args: unknown[]) => {
      const result = query(...args);
      if (result instanceof Promise) {
        result.catch((error: unknown) => {
          // end() marks the client as ending at once, so the pool discards it when TypeORM gives it back.
          if (error instanceof Error && error.message === 'Query read timeout') client.end().catch(() => undefined);
        });
      }
      return result;
    };
  });
}
