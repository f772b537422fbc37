import { FakeClock } from '../../test/support/fake-clock';
import { METRIC } from './metric-names';
import { MetricsService } from './metrics.service';

const ONE_APP = { apps: [{ appId: 'cli_0123456789abcdef' }] } as unknown as ConstructorParameters<
  typeof MetricsService
>[1];

describe('MetricsService', () => {
  it('exports every metric with its help text, in Prometheus text format', async () => {
    const { body, contentType } = await new MetricsService(new FakeClock(), ONE_APP).render();
    expect(contentType).toContain('text/plain');
    for (const name of Object.values(METRIC)) {
      expect(body).toMatch(new RegExp(`^# HELP ${name} \\S`, 'm'));
      expect(body).toMatch(new RegExp(`^# TYPE ${name} (counter|gauge|histogram)$`, 'm'));
    }
    expect(body).toContain('process_cpu_user_seconds_total');
  });

  it('records failures by reason, with every declared reason present from the start', async () => {
    const metrics = new MetricsService(new FakeClock(), ONE_APP);
    metrics.declareLabelValues('authFailureTotal', { reason: ['denied', 'identity_mismatch'] });
    metrics.authFailed('identity_mismatch');
    metrics.authFailed('identity_mismatch');
    const { body } = await metrics.render();
    expect(body).toContain('lark_service_auth_failure_total{reason="identity_mismatch"} 2');
    expect(body).toContain('lark_service_auth_failure_total{reason="denied"} 0');
    expect(body).not.toMatch(/open_id|openId/);
  });

  it('declares every combination of two labels', async () => {
    const metrics = new MetricsService(new FakeClock(), ONE_APP);
    metrics.declareLabelValues('feishuRequestsTotal', { api: ['a', 'b'], outcome: ['x', 'y'] });
    const { body } = await metrics.render();
    const series = body.split('\n').filter((line) => line.startsWith('lark_service_feishu_requests_total{'));
    expect(series).toEqual(
      expect.arrayContaining([
        'lark_service_feishu_requests_total{api="a",outcome="x"} 0',
        'lark_service_feishu_requests_total{api="a",outcome="y"} 0',
        'lark_service_feishu_requests_total{api="b",outcome="x"} 0',
        'lark_service_feishu_requests_total{api="b",outcome="y"} 0',
      ]),
    );
    expect(series).toHaveLength(4);
  });

  it('serves database gauges from the last background read, never reading on a scrape', async () => {
    const metrics = new MetricsService(new FakeClock(), ONE_APP);
    let reads = 0;
    metrics.readGaugeFrom('tokenActiveCount', async () => {
      reads += 1;
      return 40 + reads;
    });
    await metrics.refreshDatabaseGauges();
    expect((await metrics.render()).body).toContain(
      'lark_service_token_active_count{app_id="cli_0123456789abcdef"} 41',
    );
    expect((await metrics.render()).body).toContain(
      'lark_service_token_active_count{app_id="cli_0123456789abcdef"} 41',
    );
    expect(reads).toBe(1);
    await metrics.refreshDatabaseGauges();
    expect((await metrics.render()).body).toContain(
      'lark_service_token_active_count{app_id="cli_0123456789abcdef"} 42',
    );
  });

  it('keeps the last value when a database read fails', async () => {
    const metrics = new MetricsService(new FakeClock(), ONE_APP);
    let fail = false;
    metrics.readGaugeFrom('authSessionActive', async () => {
      if (fail) throw new Error('db down');
      return 3;
    });
    await metrics.refreshDatabaseGauges();
    fail = true;
    await metrics.refreshDatabaseGauges();
    expect((await metrics.render()).body).toContain(
      'lark_service_auth_session_active{app_id="cli_0123456789abcdef"} 3',
    );
  });

  it('records job runs with their result, duration and last success time', async () => {
    const clock = new FakeClock();
    const metrics = new MetricsService(clock, ONE_APP);
    metrics.jobRan('token-refresh', 'success', 0.2);
    metrics.jobRan('token-refresh', 'failure', 0.1);
    const { body } = await metrics.render();
    expect(body).toContain('lark_service_job_runs_total{job_name="token-refresh",result="success"} 1');
    expect(body).toContain('lark_service_job_runs_total{job_name="token-refresh",result="failure"} 1');
    expect(body).toContain('lark_service_job_duration_seconds_count{job_name="token-refresh"} 2');
    expect(body).toContain(
      `lark_service_job_last_success_timestamp_seconds{job_name="token-refresh"} ${clock.now().getTime() / 1000}`,
    );
  });
});
