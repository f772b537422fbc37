import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';

import { AuthSessionModule } from './auth-session/auth-session.module';
import { CallbackModule } from './callback/callback.module';
import { Clock, ClockModule } from './common/clock';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { LarkModule } from './lark/lark.module';
import { MetricsModule } from './metrics/metrics.module';

@Module({})
export class AppModule {
  static register(config: AppConfig, clock?: Clock): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ClockModule.forRoot(clock),
        ConfigModule.forRoot(config),
        MetricsModule,
        DatabaseModule.forRoot(config),
        LarkModule,
        HealthModule,
        AuthSessionModule,
        ...CallbackModule.forPath(new URL(config.oauth.redirectUri).pathname),
        // Without the scheduler the @Cron jobs stay inert (JOBS_ENABLED=false on a replica).
        ...(config.jobsEnabled ? [ScheduleModule.forRoot()] : []),
      ],
    };
  }
}
