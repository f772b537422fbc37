import { Global, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';

import { ScheduledJobs } from './scheduled-jobs';

/** The scheduler every job registers with; jobs stay off when JOBS_ENABLED=false. */
@Global()
@Module({ imports: [ScheduleModule.forRoot()], providers: [ScheduledJobs], exports: [ScheduledJobs] })
export class SchedulingModule {}
