import { FakeClock } from '../../test/support/fake-clock';
import { METRIC } from './metric-names';
import { MetricsService } from './metrics.service';

describe('MetricsService', () => {
  it('exports every metric with its help text, in Prometheus text format', async () => {
    const { body, contentType } = await new MetricsService(new FakeClock()).render();
    expect(contentType).toContain('text/plain');
    for (const name of Object.values(METRIC)) {
      expect(body).toMatch(new RegExp(`^# HELP ${name} \\S`, 'm'));
      expect(body).toMatch(new RegExp(`^# TYPE ${name} (counter|gauge|histogram)$`, 'm'));
    }
    expect(body).toContain('process_cpu_user_seconds_total');
  });

  it('records failures by reason, with every declared reason present from the start', async () => {
    const metrics = new MetricsService(new FakeClock());
    metrics.declareLabelValues('authFailureTotal', { reason: ['denied', 'identity_mismatch'] });
    metrics.authFailed('identity_mismatch');
    metrics.authFailed('identity_mismatch');
    const { body } = await metrics.render();
    expect(body).toContain('lark_service_auth_failure_total{reason="identity_mismatch"} 2');
    expect(body).toContain('lark_service_auth_failure_total{reason="denied"} 0');
    expect(body).not.toMatch(/open_id|openId/);
  });

  it('declares every combination of two labels', async () => {
    const metrics = new MetricsService(new FakeClock());
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

  it('reads database gauges through a reader and caches the value for 15 s', async () => {
    const clock = new FakeClock();
    const metrics = new MetricsService(clock);
    let reads = 0;
    metrics.readGaugeFrom('tokenActiveCount', async () => {
      reads += 1;
      return 40 + reads;
    });
    await metrics.render();
    clock.advance(14_000);
    expect((await metrics.render()).body).toContain('lark_service_token_active_count 41');
    clock.advance(2_000);
    expect((await metrics.render()).body).toContain('lark_service_token_active_count 42');
    expect(reads).toBe(2);
  });

  it('keeps the last value when a database read fails', async () => {
    const clock = new FakeClock();
    const metrics = new MetricsService(clock);
    let fail = false;
    metrics.readGaugeFrom('authSessionActive', async () => {
      if (fail) throw new Error('db down');
      return 3;
    });
    await metrics.render();
    fail = true;
    clock.advance(60_000);
    const { body } = await metrics.render();
    expect(body).toContain('lark_service_auth_session_active 3');
  });
});
