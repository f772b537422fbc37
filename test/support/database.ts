import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { Client } from 'pg';
import { DataSource } from 'typeorm';

import { AppConfig } from '../../src/config/app-config';
import { buildDataSourceOptions } from '../../src/database/data-source';
import { runMigrations } from '../../src/database/run-migrations';
import { ENTITIES } from '../../src/entities';
import { keyFilePath } from '../../src/token-store/encryption-keys';
import { testDatabaseUrl } from './test-database';

export interface TestSchema {
  schema: string;
  /** TEST_DATABASE_URL with `options=-c search_path=<schema>`: anything connecting with it lands in the schema. */
  url: string;
  /** Drops the schema and everything in it. */
  drop(): Promise<void>;
}

export type TestDatabaseTarget = { schema: string } | { pgliteDir: string };

/** A fresh, uniquely named, empty schema in the test Postgres. */
export async function createTestSchema(): Promise<TestSchema> {
  const schema = `test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await execute(`CREATE SCHEMA ${schema}`);
  return { schema, url: schemaUrl(schema), drop: () => execute(`DROP SCHEMA IF EXISTS ${schema} CASCADE`) };
}

/** A new empty directory for an embedded PGlite database; remove it with removeTempDir. */
export function tempPgliteDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'lark-pglite-'));
}

/** Removes the directory and what embedded mode keeps beside a PGlite data directory: key file and lock file. */
export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  rmSync(keyFilePath(dir), { force: true });
  rmSync(`${path.resolve(dir)}.lock`, { force: true });
}

/** The `database` part of AppConfig for a test target (for DatabaseModule.forRoot or buildDataSourceOptions). */
export function testDatabaseConfig(target: TestDatabaseTarget, migrationsRun = true): AppConfig['database'] {
  return 'schema' in target
    ? { url: schemaUrl(target.schema), pgliteDataDir: '', migrationsRun }
    : { url: undefined, pgliteDataDir: target.pgliteDir, migrationsRun };
}

/**
 * An initialized DataSource on the target, migrated unless `migrate: false`. Destroy it in afterAll: an open
 * PGlite instance or pg pool keeps jest from exiting.
 */
export async function createTestDataSource(
  target: TestDatabaseTarget,
  options: { migrate?: boolean } = {},
): Promise<DataSource> {
  if ('pgliteDir' in target) assertPgliteCanStart();
  const config =
    'schema' in target ? { ...testDatabaseConfig(target), url: testDatabaseUrl() } : testDatabaseConfig(target);
  const extra = 'schema' in target ? { schema: target.schema, entities: ENTITIES } : { entities: ENTITIES };
  const dataSource = await new DataSource(buildDataSourceOptions(config, extra)).initialize();
  try {
    if (options.migrate !== false) await runMigrations(dataSource);
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return dataSource;
}

/**
 * PGlite loads node:module, fs and zlib with dynamic import(), which jest's module sandbox only allows when node
 * runs with --experimental-vm-modules; without it PGlite dies with an unhandled rejection that takes the whole
 * jest process down. Fail the test early instead, saying how to run it.
 */
export function assertPgliteCanStart(): void {
  const underJest = process.env.JEST_WORKER_ID !== undefined;
  const flags = `${process.env.NODE_OPTIONS ?? ''} ${process.execArgv.join(' ')}`;
  if (underJest && !flags.includes('--experimental-vm-modules')) {
    throw new Error(
      'PGlite cannot start inside jest without --experimental-vm-modules. Run jest with ' +
        "NODE_OPTIONS='--experimental-vm-modules --disable-warning=ExperimentalWarning'.",
    );
  }
}

/** Empties every application table (not the migrations table). */
export async function resetTables(dataSource: DataSource): Promise<void> {
  await dataSource.query('TRUNCATE auth_sessions, user_tokens');
}

function schemaUrl(schema: string): string {
  const base = testDatabaseUrl();
  const separator = base.includes('?') ? '&' : '?';
  return `${base}${separator}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

async function execute(sql: string): Promise<void> {
  const client = new Client({ connectionString: testDatabaseUrl(), connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
