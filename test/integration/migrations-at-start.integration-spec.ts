import { Test } from '@nestjs/testing';
import { DataSource } from 'typeorm';

import { AppConfig } from '../../src/config/app-config';
import { ConfigModule } from '../../src/config/config.module';
import { loadConfig } from '../../src/config/load-config';
import { DatabaseHealth } from '../../src/database/database-health';
import { DatabaseModule } from '../../src/database/database.module';
import { MIGRATIONS } from '../../src/database/migrations';
import { runMigrations } from '../../src/database/run-migrations';
import { createTestDataSource, createTestSchema, TestSchema } from '../support/database';

jest.setTimeout(60_000);

function configFor(schema: TestSchema, migrationsRun: boolean): AppConfig {
  return loadConfig(
    {
      LARK_APP_ID: 'cli_0123456789abcdef',
      LARK_APP_SECRET: 'app-secret-value',
      DATABASE_URL: schema.url,
      TOKEN_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
      MIGRATIONS_RUN: String(migrationsRun),
    },
    { dotenvPath: false },
  );
}

async function boot(config: AppConfig) {
  const moduleRef = await Test.createTestingModule({
    imports: [ConfigModule.forRoot(config), DatabaseModule.forRoot(config)],
  }).compile();
  return moduleRef.init();
}

async function tablesOf(dataSource: DataSource): Promise<string[]> {
  const rows: Array<{ table_name: string }> = await dataSource.query(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name`,
  );
  return rows.map((row) => row.table_name);
}

describe('DatabaseModule', () => {
  let schema: TestSchema;

  beforeEach(async () => {
    schema = await createTestSchema();
  });
  afterEach(async () => {
    await schema.drop();
  });

  it('applies pending migrations at start when MIGRATIONS_RUN is true, and answers the readiness ping', async () => {
    const app = await boot(configFor(schema, true));
    const dataSource = app.get(DataSource);
    const health = app.get(DatabaseHealth);
    try {
      expect(await tablesOf(dataSource)).toEqual([
        'auth_sessions',
        'event_inbox',
        'migrations',
        'token_endpoint_budgets',
        'user_tokens',
      ]);
      expect(await health.ping()).toBe(true);
    } finally {
      await app.close();
    }
    expect(await health.ping()).toBe(false);
  });

  it('leaves the schema alone when MIGRATIONS_RUN is false', async () => {
    const app = await boot(configFor(schema, false));
    try {
      expect(await tablesOf(app.get(DataSource))).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('serialises replicas migrating at once: one applies, the other finds nothing to do', async () => {
    const sources = await Promise.all([
      createTestDataSource({ schema: schema.schema }, { migrate: false }),
      createTestDataSource({ schema: schema.schema }, { migrate: false }),
    ]);
    try {
      const applied = await Promise.all(sources.map((source) => runMigrations(source)));
      expect(applied.map((list) => list.length).sort()).toEqual([0, MIGRATIONS.length]);
    } finally {
      await Promise.all(sources.map((source) => source.destroy()));
    }
  });
});
