import 'reflect-metadata';

import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { exitOnInvalidConfig, loadDatabaseConfig } from '../config/load-config';
import { buildDataSourceOptions } from '../database/data-source';
import { migrationNames, migrationSource } from '../database/migration-file';
import { runMigrations } from '../database/run-migrations';
import { ENTITIES } from '../entities';

const USAGE = 'usage: migration-cli.ts run | generate <Name> [--check]';
const MIGRATIONS_DIR = join(__dirname, '..', 'database', 'migrations');

/** `npm run migration:run` and `npm run migration:generate -- <Name>`; needs only DATABASE_URL or PGLITE_DATA_DIR. */
async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command !== 'run' && command !== 'generate') {
    console.error(USAGE);
    return 2;
  }
  Logger.overrideLogger(['log', 'warn', 'error', 'fatal']);
  const database = exitOnInvalidConfig(() => loadDatabaseConfig());
  const dataSource = await new DataSource(buildDataSourceOptions(database, { entities: ENTITIES })).initialize();
  try {
    return command === 'run' ? await run(dataSource) : await generate(dataSource, rest);
  } finally {
    await dataSource.destroy();
  }
}

async function run(dataSource: DataSource): Promise<number> {
  const applied = await runMigrations(dataSource);
  if (applied.length === 0) console.log('No pending migrations: the schema is up to date');
  for (const migration of applied) console.log(`Applied ${migration.name}`);
  return 0;
}

/** Writes a migration with the difference between the entities and the (fully migrated) database. */
async function generate(dataSource: DataSource, args: string[]): Promise<number> {
  const check = args.includes('--check');
  const name = args.find((arg) => !arg.startsWith('--'));
  if (!name && !check) {
    console.error(USAGE);
    return 2;
  }
  if (await dataSource.showMigrations()) {
    console.error('There are pending migrations; run `npm run migration:run` first so the diff is against them.');
    return 1;
  }
  const sql = await dataSource.driver.createSchemaBuilder().log();
  if (sql.upQueries.length === 0) {
    console.log('No changes: entities match the schema');
    return 0;
  }
  if (check || !name) {
    console.error(`The entities differ from the schema (${sql.upQueries.length} statements):`);
    for (const query of sql.upQueries) console.error(`  ${query.query}`);
    return 1;
  }
  const { className, fileName } = migrationNames(name, Date.now());
  const file = join(MIGRATIONS_DIR, fileName);
  writeFileSync(file, migrationSource(className, sql.upQueries, sql.downQueries), { flag: 'wx' });
  console.log(`Wrote ${relative(process.cwd(), file)} (${sql.upQueries.length} statements).`);
  console.log(`Review it and add ${className} to src/database/migrations/index.ts.`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`migration failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
