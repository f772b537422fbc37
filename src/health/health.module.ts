import { Module } from '@nestjs/common';

import { LarkModule } from '../lark/lark.module';
import { HealthController } from './health.controller';

@Module({ imports: [LarkModule], controllers: [HealthController] })
export class HealthModule {}
