import { METRIC } from './metric-names';
import { MetricsService } from './metrics.service';

describe('MetricsService', () => {
  it('exports every metric of DESIGN.md §7 with its help text, in Prometheus text format', async () => {
    const { body, contentType } = await new MetricsService().render();
    expect(contentType).toContain('text/plain');
    for (const name of Object.values(METRIC)) {
      expect(body).toMatch(new RegExp(`^# HELP ${name} \\S`, 'm'));
      expect(body).toMatch(new RegExp(`^# TYPE ${name} (counter|gauge|histogram)$`, 'm'));
    }
    expect(body).toContain('process_cpu_user_seconds_total');
  });

  it('records failures by reason and never with a per-user label', async () => {
    const metrics = new MetricsService();
    metrics.authFailed('identity_mismatch');
    metrics.authFailed('identity_mismatch');
    const { body } = await metrics.render();
    expect(body).toContain('lark_service_auth_failure_total{reason="identity_mismatch"} 2');
    expect(body).toContain('lark_service_auth_failure_total{reason="denied"} 0');
    expect(body).not.toMatch(/open_id|openId/);
  });

  it('reads database gauges through a reader and caches the value between scrapes', async () => {
    const metrics = new MetricsService();
    let reads = 0;
    metrics.readGaugeFrom('tokenActiveCount', async () => {
      reads += 1;
      return 42;
    });
    await metrics.render();
    const { body } = await metrics.render();
    expect(body).toContain('lark_service_token_active_count 42');
    expect(reads).toBe(1);
  });

  it('keeps the last value when a database read fails', async () => {
    const metrics = new MetricsService();
    let fail = false;
    metrics.readGaugeFrom('authSessionActive', async () => {
      if (fail) throw new Error('db down');
      return 3;
    });
    await metrics.render();
    fail = true;
    jest.spyOn(Date, 'now').mockReturnValue(Date.now() + 60_000);
    const { body } = await metrics.render();
    jest.restoreAllMocks();
    expect(body).toContain('lark_service_auth_session_active 3');
  });
});
