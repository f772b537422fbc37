import { randomBytes } from 'node:crypto';

import { EventEmitterModule } from '@nestjs/event-emitter';
import { Test, TestingModule, TestingModuleBuilder } from '@nestjs/testing';

import { AuthSessionModule } from '../../src/auth-session/auth-session.module';
import { Clock, ClockModule } from '../../src/common/clock';
import { AppConfig } from '../../src/config/app-config';
import { ConfigModule } from '../../src/config/config.module';
import { loadConfig } from '../../src/config/load-config';
import { DatabaseModule } from '../../src/database/database.module';
import { MetricsModule } from '../../src/metrics/metrics.module';
import { SchedulingModule } from '../../src/scheduling/scheduling.module';
import { startSimulator, Simulator } from '../simulator';
import { createTestSchema, TestSchema } from './database';

export interface ServiceModule {
  moduleRef: TestingModule;
  config: AppConfig;
  sim: Simulator;
  close(): Promise<void>;
}

/**
 * The auth-session feature with everything it depends on (database in a fresh Postgres schema, the Lark clients
 * against an in-process simulator, metrics) but no HTTP server and no WebSocket: services are called directly.
 * `customize` can override providers (a failing messenger, …).
 */
export async function createServiceModule(
  clock: Clock,
  customize: (builder: TestingModuleBuilder) => TestingModuleBuilder = (builder) => builder,
): Promise<ServiceModule> {
  const sim = await startSimulator({ quiet: true });
  let schema: TestSchema | undefined;
  try {
    schema = await createTestSchema();
    const config = loadConfig(
      {
        LARK_APP_ID: 'cli_0123456789abcdef',
        LARK_APP_SECRET: 'sim-app-secret',
        LARK_DOMAIN: sim.url,
        OAUTH_REDIRECT_URI: 'http://127.0.0.1:8000/callback',
        DATABASE_URL: schema.url,
        TOKEN_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
        FEISHU_HTTP_TIMEOUT_MS: '2000',
        JOBS_ENABLED: 'false',
      },
      { dotenvPath: false },
    );
    const builder = Test.createTestingModule({
      imports: [
        ClockModule.forRoot(clock),
        ConfigModule.forRoot(config),
        MetricsModule,
        EventEmitterModule.forRoot(),
        SchedulingModule,
        DatabaseModule.forRoot(config),
        AuthSessionModule,
      ],
    });
    const moduleRef = await customize(builder).compile();
    const created = schema;
    return {
      moduleRef,
      config,
      sim,
      async close() {
        await moduleRef.close();
        await sim.close();
        await created.drop();
      },
    };
  } catch (error) {
    await sim.close();
    await schema?.drop();
    throw error;
  }
}
