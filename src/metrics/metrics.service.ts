import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

import {
  AUTH_FAILURE_REASONS,
  AuthFailureReason,
  CALLBACK_OUTCOMES,
  CallbackOutcome,
  FEISHU_APIS,
  FEISHU_OUTCOMES,
  FeishuApi,
  FeishuOutcome,
  METRIC,
  TOKEN_REFRESH_RESULTS,
  TokenRefreshResult,
} from './metric-names';

/** A gauge whose value comes from the database; read at most every `maxAgeMs` so a scrape never scans tables. */
export type GaugeReader = () => Promise<number>;
const DB_GAUGE_MAX_AGE_MS = 15_000;

/**
 * Owns this app's prom-client Registry (not the global one, so several apps in one test process don't
 * collide) and exposes typed recording methods; nothing else touches prom-client.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  private readonly authSessionTotal = this.counter(METRIC.authSessionTotal, 'Authorization sessions created.');
  private readonly dbReaders = new Map<string, () => Promise<number>>();
  private readonly authSessionExpiredTotal = this.counter(
    METRIC.authSessionExpiredTotal,
    'Authorization sessions that expired before the user finished.',
  );
  private readonly authSuccessTotal = this.counter(METRIC.authSuccessTotal, 'Authorizations completed.');
  private readonly authFailureTotal = this.counter(METRIC.authFailureTotal, 'Authorizations that failed, by reason.', [
    'reason',
  ]);
  private readonly authDurationSeconds = new Histogram({
    name: METRIC.authDurationSeconds,
    help: 'Time from the card being sent to the callback being done.',
    buckets: [5, 10, 20, 30, 60, 120, 300, 600],
    registers: [this.registry],
  });
  private readonly tokenRefreshTotal = this.counter(METRIC.tokenRefreshTotal, 'Token refreshes, by result.', [
    'result',
  ]);
  private readonly tokenRefreshDurationSeconds = new Histogram({
    name: METRIC.tokenRefreshDurationSeconds,
    help: 'Duration of one token refresh against Feishu.',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly feishuRequestsTotal = this.counter(
    METRIC.feishuRequestsTotal,
    'Requests to Feishu, by API and outcome.',
    ['api', 'outcome'],
  );
  private readonly feishuRequestDurationSeconds = new Histogram({
    name: METRIC.feishuRequestDurationSeconds,
    help: 'Duration of requests to Feishu, by API.',
    labelNames: ['api'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly wsConnected = this.gauge(METRIC.wsConnected, '1 while the WebSocket long connection is up.');
  private readonly callbackRequestsTotal = this.counter(
    METRIC.callbackRequestsTotal,
    'OAuth callback requests, by outcome.',
    ['outcome'],
  );

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    // These gauges end in _total, which promtool rejects; nodejs_active_{handles,requests,resources} carry the same data.
    for (const name of [
      'nodejs_active_handles_total',
      'nodejs_active_requests_total',
      'nodejs_active_resources_total',
    ]) {
      this.registry.removeSingleMetric(name);
    }
    this.dbGauge(METRIC.authSessionActive, 'Authorization sessions pending now.');
    this.dbGauge(METRIC.tokenActiveCount, 'Active user tokens.');
    this.dbGauge(METRIC.tokenRefreshOverdue, 'Active tokens past their expiry.');
    for (const reason of AUTH_FAILURE_REASONS) this.authFailureTotal.labels(reason).inc(0);
    for (const result of TOKEN_REFRESH_RESULTS) this.tokenRefreshTotal.labels(result).inc(0);
    for (const outcome of CALLBACK_OUTCOMES) this.callbackRequestsTotal.labels(outcome).inc(0);
    for (const api of FEISHU_APIS) {
      for (const outcome of FEISHU_OUTCOMES) this.feishuRequestsTotal.labels(api, outcome).inc(0);
    }
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
  authFailed(reason: AuthFailureReason): void {
    this.authFailureTotal.labels(reason).inc();
  }
  tokenRefreshed(result: TokenRefreshResult, durationSeconds?: number): void {
    this.tokenRefreshTotal.labels(result).inc();
    if (durationSeconds !== undefined) this.tokenRefreshDurationSeconds.observe(durationSeconds);
  }
  feishuRequest(api: FeishuApi, outcome: FeishuOutcome, durationSeconds: number): void {
    this.feishuRequestsTotal.labels(api, outcome).inc();
    this.feishuRequestDurationSeconds.labels(api).observe(durationSeconds);
  }
  setWsConnected(connected: boolean): void {
    this.wsConnected.set(connected ? 1 : 0);
  }
  callbackHandled(outcome: CallbackOutcome): void {
    this.callbackRequestsTotal.labels(outcome).inc();
  }

  /** Lets the owning module feed a database-backed gauge; the value is cached for 15 s between scrapes. */
  readGaugeFrom(gauge: 'authSessionActive' | 'tokenActiveCount' | 'tokenRefreshOverdue', reader: GaugeReader): void {
    let cachedAt = 0;
    let cached = 0;
    let inFlight: Promise<number> | undefined;
    this.dbReaders.set(METRIC[gauge], async () => {
      if (Date.now() - cachedAt < DB_GAUGE_MAX_AGE_MS) return cached;
      inFlight ??= reader().finally(() => (inFlight = undefined));
      cached = await inFlight;
      cachedAt = Date.now();
      return cached;
    });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private counter(name: string, help: string, labelNames: string[] = []): Counter {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }
  private dbGauge(name: string, help: string): void {
    const readers = this.dbReaders;
    new Gauge({
      name,
      help,
      registers: [this.registry],
      async collect() {
        const read = readers.get(name);
        // A failed read keeps the last value rather than failing the whole scrape.
        const value = read ? await read().catch(() => undefined) : undefined;
        if (value !== undefined) this.set(value);
      },
    });
  }
  private gauge(name: string, help: string): Gauge {
    return new Gauge({ name, help, registers: [this.registry] });
  }
}
