import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';

import type { DataSourceOptions } from 'typeorm';

import { AppConfig } from '../config/app-config';
import { MIGRATIONS } from './migrations';
import { pgliteDriver } from './pglite-driver';
import { TypeOrmNestLogger } from './typeorm-logger';

export const MIGRATIONS_TABLE = 'migrations';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export interface DataSourceExtra {
  /** The entity classes (the app loads them from its feature modules instead). */
  entities?: DataSourceOptions['entities'];
  /**
   * Postgres only: put every table, the migrations table and unqualified raw SQL into this (existing) schema,
   * via TypeORM's `schema` and the connection's search_path.
   */
  schema?: string;
  /**
   * Postgres only: bound every query (client-side and server-side) and every connection attempt, so a database that
   * stops answering turns into quick errors instead of requests that hang. The service's connection uses this;
   * migrations and the CLIs do not (a migration or a wait for the migration lock may take long).
   */
  queryTimeouts?: boolean;
}

/** A query that has not answered after this long fails (the database is unreachable or badly overloaded). */
export const QUERY_TIMEOUT_MS = 5_000;
/** Getting a connection from the pool, or opening one, fails after this long. */
export const CONNECT_TIMEOUT_MS = 3_000;

/**
 * The one description of the database, shared by the app, the migration CLI and the tests: Postgres when
 * `url` is set, otherwise embedded PGlite on disk. The schema only ever changes through migrations, which are
 * run on purpose (DatabaseModule at start, or `npm run migration:run`), never by synchronize.
 */
export function buildDataSourceOptions(config: AppConfig['database'], extra: DataSourceExtra = {}): DataSourceOptions {
  const common = {
    type: 'postgres',
    entities: extra.entities ?? [],
    migrations: MIGRATIONS,
    migrationsTableName: MIGRATIONS_TABLE,
    synchronize: false,
    migrationsRun: false,
    // gen_random_uuid() is built into Postgres 13+ and PGlite; no extension to install.
    installExtensions: false,
    uuidExtension: 'pgcrypto',
    logger: new TypeOrmNestLogger(),
    maxQueryExecutionTime: 1000,
  } as const;

  if (config.url) {
    const { schema } = extra;
    if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
      throw new Error(`Invalid schema name for the database connection: must match ${SCHEMA_NAME.source}`);
    }
    const options = [
      ...(schema === undefined ? [] : [`-c search_path=${schema}`]),
      ...(extra.queryTimeouts
        ? [`-c statement_timeout=${QUERY_TIMEOUT_MS}`, `-c idle_in_transaction_session_timeout=${QUERY_TIMEOUT_MS}`]
        : []),
    ];
    return {
      ...common,
      url: config.url,
      applicationName: 'lark-card-auth',
      connectTimeoutMS: CONNECT_TIMEOUT_MS,
      ...(schema === undefined ? {} : { schema }),
      extra: {
        ...(options.length > 0 ? { options: options.join(' ') } : {}),
        // TCP keepalive notices a connection that died silently; query_timeout bounds a query whose packets vanish.
        keepAlive: true,
        ...(extra.queryTimeouts
          ? { query_timeout: QUERY_TIMEOUT_MS, connectionTimeoutMillis: CONNECT_TIMEOUT_MS }
          : {}),
      },
    };
  }

  if (extra.schema !== undefined) throw new Error('A database schema can only be chosen for Postgres, not PGlite');
  const dataDir = resolve(config.pgliteDataDir);
  mkdirSync(dataDir, { recursive: true });
  return { ...common, driver: pgliteDriver(dataDir) };
}
