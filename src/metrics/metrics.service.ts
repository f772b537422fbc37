import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

import { Clock } from '../common/clock';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { METRIC } from './metric-names';

/** A per-app gauge whose value comes from the database, read in the background so a scrape never waits on it. */
export type GaugeReader = (appId: string) => Promise<number>;
export type DatabaseGauge = 'authSessionActive' | 'tokenActiveCount' | 'tokenRefreshOverdue' | 'eventInboxBacklog';
type LabelledCounter =
  | 'authFailureTotal'
  | 'tokenRefreshTotal'
  | 'feishuRequestsTotal'
  | 'callbackRequestsTotal'
  | 'jobRunsTotal'
  | 'devicePollTotal'
  | 'deviceAuthorizationTotal';
const DB_GAUGE_REFRESH_MS = 15_000;

/**
 * Owns this app's prom-client Registry (not the global one, so several apps in one test process don't
 * collide) and exposes recording methods; nothing else touches prom-client. Label values are the vocabularies of
 * the modules that record them, which declare them up front (declareLabelValues) so every series exists from the
 * first scrape. Per-app series carry an `app_id` label whose values are the configured apps only, so its
 * cardinality is bounded by the configuration.
 */
@Injectable()
export class MetricsService implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly registry = new Registry();

  private readonly dbGauges = new Map<string, { reader: GaugeReader; gauge: Gauge }>();
  private gaugeTimer: NodeJS.Timeout | undefined;
  private readonly authSessionTotal = this.counter(METRIC.authSessionTotal, 'Authorization sessions created.');
  private readonly authSessionExpiredTotal = this.counter(
    METRIC.authSessionExpiredTotal,
    'Authorization sessions that expired before the user finished.',
  );
  private readonly authSuccessTotal = this.counter(METRIC.authSuccessTotal, 'Authorizations completed.');
  private readonly counters: Record<LabelledCounter, Counter> = {
    authFailureTotal: this.counter(METRIC.authFailureTotal, 'Authorizations that failed, by reason.', ['reason']),
    tokenRefreshTotal: this.counter(METRIC.tokenRefreshTotal, 'Token refreshes, by result.', ['result']),
    feishuRequestsTotal: this.counter(METRIC.feishuRequestsTotal, 'Requests to Feishu, by API, outcome and app.', [
      'api',
      'outcome',
      'app_id',
    ]),
    callbackRequestsTotal: this.counter(METRIC.callbackRequestsTotal, 'OAuth callback requests, by outcome.', [
      'outcome',
    ]),
    // Not `job`: Prometheus's own target label is called that and would rename ours to exported_job.
    jobRunsTotal: this.counter(METRIC.jobRunsTotal, 'Runs of background jobs, by job and result.', [
      'job_name',
      'result',
    ]),
    devicePollTotal: this.counter(METRIC.devicePollTotal, 'Device-flow polls of the token endpoint, by answer.', [
      'app_id',
      'outcome',
    ]),
    deviceAuthorizationTotal: this.counter(
      METRIC.deviceAuthorizationTotal,
      'Device-flow authorizations that ended, by outcome.',
      ['app_id', 'outcome'],
    ),
  };
  private readonly authDurationSeconds = new Histogram({
    name: METRIC.authDurationSeconds,
    help: 'Time from the card being sent to the callback being done.',
    buckets: [5, 10, 20, 30, 60, 120, 300, 600],
    registers: [this.registry],
  });
  private readonly tokenRefreshDurationSeconds = new Histogram({
    name: METRIC.tokenRefreshDurationSeconds,
    help: 'Duration of one token refresh against Feishu.',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly feishuRequestDurationSeconds = new Histogram({
    name: METRIC.feishuRequestDurationSeconds,
    help: 'Duration of requests to Feishu, by API.',
    labelNames: ['api'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly jobDurationSeconds = new Histogram({
    name: METRIC.jobDurationSeconds,
    help: 'Duration of background job runs, by job.',
    labelNames: ['job_name'],
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  private readonly jobLastSuccess = new Gauge({
    name: METRIC.jobLastSuccessTimestamp,
    help: 'When each background job last finished without error (Unix time, seconds).',
    labelNames: ['job_name'],
    registers: [this.registry],
  });
  private readonly wsConnected = new Gauge({
    name: METRIC.wsConnected,
    help: '1 while the WebSocket long connection of the app is up.',
    labelNames: ['app_id'],
    registers: [this.registry],
  });
  private readonly appIds: readonly string[];

  constructor(
    private readonly clock: Clock,
    @Inject(APP_CONFIG) config: Pick<AppConfig, 'apps'>,
  ) {
    this.appIds = config.apps.map((app) => app.appId);
    collectDefaultMetrics({ register: this.registry });
    // These gauges end in _total, which promtool rejects; nodejs_active_{handles,requests,resources} carry the same data.
    for (const name of [
      'nodejs_active_handles_total',
      'nodejs_active_requests_total',
      'nodejs_active_resources_total',
    ]) {
      this.registry.removeSingleMetric(name);
    }
    this.dbGauge(METRIC.authSessionActive, 'Authorization sessions pending now, by app.');
    this.dbGauge(METRIC.tokenActiveCount, 'Active user tokens, by app.');
    this.dbGauge(METRIC.tokenRefreshOverdue, 'Active tokens past their expiry, by app.');
    this.dbGauge(METRIC.eventInboxBacklog, 'Received DMs not handled yet, by app.');
  }

  /** Creates the zero series of every combination of the given label values. */
  declareLabelValues(metric: LabelledCounter, labels: Record<string, readonly string[]>): void {
    const counter = this.counters[metric];
    const combinations = Object.entries(labels).reduce<Array<Record<string, string>>>(
      (partial, [label, values]) =>
        partial.flatMap((combination) => values.map((value) => ({ ...combination, [label]: value }))),
      [{}],
    );
    for (const combination of combinations) counter.inc(combination, 0);
  }

  authSessionCreated(): void {
    this.authSessionTotal.inc();
  }
  authSessionExpired(count = 1): void {
    this.authSessionExpiredTotal.inc(count);
  }
  authSucceeded(durationSeconds: number): void {
    this.authSuccessTotal.inc();
    this.authDurationSeconds.observe(durationSeconds);
  }
  authFailed(reason: string, count = 1): void {
    this.counters.authFailureTotal.inc({ reason }, count);
  }
  tokenRefreshed(result: string, durationSeconds?: number): void {
    this.counters.tokenRefreshTotal.inc({ result });
    if (durationSeconds !== undefined) this.tokenRefreshDurationSeconds.observe(durationSeconds);
  }
  feishuRequest(appId: string, api: string, outcome: string, durationSeconds: number): void {
    if (!this.appIds.includes(appId)) return;
    this.counters.feishuRequestsTotal.inc({ api, outcome, app_id: appId });
    this.feishuRequestDurationSeconds.labels(api).observe(durationSeconds);
  }
  setWsConnected(appId: string, connected: boolean): void {
    if (this.appIds.includes(appId)) this.wsConnected.labels(appId).set(connected ? 1 : 0);
  }
  devicePolled(appId: string, outcome: string): void {
    if (this.appIds.includes(appId)) this.counters.devicePollTotal.inc({ app_id: appId, outcome });
  }
  deviceAuthorizationEnded(appId: string, outcome: string): void {
    if (this.appIds.includes(appId)) this.counters.deviceAuthorizationTotal.inc({ app_id: appId, outcome });
  }
  callbackHandled(outcome: string): void {
    this.counters.callbackRequestsTotal.inc({ outcome });
  }
  jobRan(job: string, result: 'success' | 'failure', durationSeconds: number): void {
    this.counters.jobRunsTotal.inc({ job_name: job, result });
    this.jobDurationSeconds.labels(job).observe(durationSeconds);
    if (result === 'success') this.jobLastSuccess.labels(job).set(this.clock.now().getTime() / 1000);
  }

  /** Lets the owning module feed a database-backed gauge; it is read every 15 s in the background. */
  readGaugeFrom(gauge: DatabaseGauge, reader: GaugeReader): void {
    const entry = this.dbGauges.get(METRIC[gauge]);
    if (entry) entry.reader = reader;
  }

  /** Reads every database gauge of every app once; a failed read keeps the last value. */
  async refreshDatabaseGauges(): Promise<void> {
    await Promise.all(
      [...this.dbGauges.values()].flatMap(({ reader, gauge }) =>
        this.appIds.map(async (appId) => {
          const value = await reader(appId).catch(() => undefined);
          if (value !== undefined) gauge.labels(appId).set(value);
        }),
      ),
    );
  }

  onApplicationBootstrap(): void {
    void this.refreshDatabaseGauges();
    this.gaugeTimer = setInterval(() => void this.refreshDatabaseGauges(), DB_GAUGE_REFRESH_MS);
    this.gaugeTimer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.gaugeTimer);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private counter(name: string, help: string, labelNames: string[] = []): Counter {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }
  private dbGauge(name: string, help: string): void {
    const gauge = new Gauge({ name, help, labelNames: ['app_id'], registers: [this.registry] });
    this.dbGauges.set(name, { reader: () => Promise.resolve(0), gauge });
  }
}
