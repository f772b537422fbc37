import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';

import { describeError } from '../common/errors/describe-error';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';

/** A job's body; `signal` aborts when the process is shutting down, so a long run can stop between items. */
export type JobBody = (signal: AbortSignal) => Promise<void>;

/** How long shutdown waits for running jobs before giving up on them (they release what they hold). */
const SHUTDOWN_WAIT_MS = 5_000;

/**
 * Every background job goes through here: registered with @nestjs/schedule's SchedulerRegistry only when
 * JOBS_ENABLED, never overlapping itself, counted and timed in metrics, logged when it fails, and stopped and
 * awaited on shutdown. Jobs are safe to run on several replicas at once (they claim their rows in Postgres).
 */
@Injectable()
export class ScheduledJobs implements BeforeApplicationShutdown {
  private readonly logger = new Logger(ScheduledJobs.name);
  private readonly shutdown = new AbortController();
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Runs `body` every `intervalMs`, and once right away. */
  every(name: string, intervalMs: number, body: JobBody): void {
    if (!this.config.jobsEnabled) return;
    this.registry.addInterval(
      name,
      setInterval(() => void this.run(name, body), intervalMs),
    );
    void this.run(name, body);
  }

  /** Runs `body` at the times of a cron expression (5 fields, or 6 with seconds first). */
  cron(name: string, expression: string, body: JobBody): void {
    if (!this.config.jobsEnabled) return;
    const job = CronJob.from({ cronTime: expression, onTick: () => this.run(name, body), start: true });
    this.registry.addCronJob(name, job);
  }

  /** One run, unless the previous one of this job is still going; never throws. */
  run(name: string, body: JobBody): Promise<void> {
    if (this.shutdown.signal.aborted) return Promise.resolve();
    const current = this.running.get(name);
    if (current) return current;
    const started = performance.now();
    const run = body(this.shutdown.signal)
      .then(
        () => this.metrics.jobRan(name, 'success', (performance.now() - started) / 1000),
        (error: unknown) => {
          this.metrics.jobRan(name, 'failure', (performance.now() - started) / 1000);
          this.logger.error(`job ${name} failed: ${describeError(error, { stack: true })}`);
        },
      )
      .finally(() => this.running.delete(name));
    this.running.set(name, run);
    return run;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.shutdown.abort();
    for (const name of this.registry.getIntervals()) this.registry.deleteInterval(name);
    for (const name of this.registry.getCronJobs().keys()) this.registry.deleteCronJob(name);
    if (this.running.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, SHUTDOWN_WAIT_MS);
    });
    await Promise.race([Promise.all(this.running.values()), timeout]);
    clearTimeout(timer);
  }
}
