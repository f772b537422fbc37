import { DynamicModule, Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';

import { AuthSessionModule } from './auth-session/auth-session.module';
import { CallbackModule } from './callback/callback.module';
import { Clock, ClockModule } from './common/clock';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { LarkModule } from './lark/lark.module';
import { MetricsModule } from './metrics/metrics.module';
import { SchedulingModule } from './scheduling/scheduling.module';

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
        // A service whose apps all use the device flow has no callback (and needs no public URL).
        ...(config.oauth.redirectUri ? CallbackModule.forPath(new URL(config.oauth.redirectUri).pathname) : []),
        EventEmitterModule.forRoot(),
        SchedulingModule,
      ],
    };
  }
}
