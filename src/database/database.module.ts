import { DynamicModule, Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, DataSourceOptions } from 'typeorm';

import { AppConfig } from '../config/app-config';
import { buildDataSourceOptions, DataSourceExtra } from './data-source';
import { DatabaseHealth } from './database-health';
import { dropTimedOutConnections } from './drop-timed-out-connections';
import { runMigrations } from './run-migrations';

/**
 * The TypeORM connection (Postgres or embedded PGlite). With `database.migrationsRun` (MIGRATIONS_RUN, default
 * true) pending migrations are applied before anything can use the connection. Global: feature modules only
 * add `TypeOrmModule.forFeature([...])`.
 */
@Module({})
export class DatabaseModule {
  static forRoot(config: AppConfig, extra: DataSourceExtra = {}): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => ({
            ...buildDataSourceOptions(config.database, { ...extra, queryTimeouts: true }),
            // Entities come from the feature modules' TypeOrmModule.forFeature, so database/ imports none of them.
            autoLoadEntities: true,
            retryAttempts: 3,
            retryDelay: 2000,
          }),
          dataSourceFactory: async (options?: DataSourceOptions) => {
            if (!options) throw new Error('DatabaseModule: no data source options');
            // Migrations get their own connection without query timeouts: one may take long, and so may the wait
            // for another replica's migration lock.
            if (config.database.migrationsRun) await migrate(buildDataSourceOptions(config.database, extra));
            const dataSource = await new DataSource(options).initialize();
            dropTimedOutConnections(dataSource);
            return dataSource;
          },
        }),
      ],
      providers: [DatabaseHealth],
      exports: [DatabaseHealth],
    };
  }
}

async function migrate(options: DataSourceOptions): Promise<void> {
  const logger = new Logger(DatabaseModule.name);
  const dataSource = await new DataSource(options).initialize();
  try {
    const applied = await runMigrations(dataSource);
    logger.log(
      applied.length === 0
        ? 'Database schema is up to date (no pending migrations)'
        : `Applied ${applied.length} migration(s): ${applied.map((migration) => migration.name).join(', ')}`,
    );
  } finally {
    await dataSource.destroy();
  }
}
