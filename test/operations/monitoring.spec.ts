import { readFileSync } from 'node:fs';
import * as path from 'node:path';

import { METRIC } from '../../src/metrics/metric-names';
import { ROOT } from '../support/jest-run';
import { checkRuleFiles } from '../support/prometheus';
import { promtoolAvailable, runPromtool } from '../support/prometheus/promtool';
import { promqlErrors } from '../support/prometheus/rules';
import { printNote } from '../support/test-logs';
import { load } from 'js-yaml';

const ALERTS = path.join(ROOT, 'docs/prometheus/alerts.yml');
const ALERT_TESTS = path.join(ROOT, 'docs/prometheus/alerts.test.yml');
const DASHBOARD = path.join(ROOT, 'docs/grafana/lark-card-auth.json');
const OPERATIONS = readFileSync(path.join(ROOT, 'docs/operations.md'), 'utf8');

interface Rule {
  alert: string;
  expr: string;
  annotations: Record<string, string>;
}
interface Panel {
  type: string;
  title: string;
  targets?: Array<{ expr: string }>;
}

const rules = (load(readFileSync(ALERTS, 'utf8')) as { groups: Array<{ rules: Rule[] }> }).groups.flatMap(
  (group) => group.rules,
);
const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { uid: string; panels: Panel[] };
const exprs = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr));

/** Metric names an expression refers to (ours all start with lark_service_). */
function metricsIn(expr: string): string[] {
  return [...expr.matchAll(/\blark_service_[a-z_]+/g)].map((match) => match[0]);
}
const EXPORTED = new Set(
  Object.values(METRIC).flatMap((name) => [name, `${name}_bucket`, `${name}_sum`, `${name}_count`]),
);

describe('docs/prometheus/alerts.yml', () => {
  it('passes the rule checks (promtool check rules when it is installed)', () => {
    const report = checkRuleFiles([ALERTS]);
    if (report.note) printNote(report.note);
    expect(report.findings).toEqual([]);
  });

  it('has the alerts operators are promised, each on metrics the service exports, with a runbook entry', () => {
    expect(rules.map((rule) => rule.alert).sort()).toEqual([
      'LarkCardAuthAuthorizationFailureRatioHigh',
      'LarkCardAuthCallback5xx',
      'LarkCardAuthJobNotRun',
      'LarkCardAuthTokenRefreshFailing',
      'LarkCardAuthTokensOverdue',
      'LarkCardAuthWebSocketDown',
    ]);
    for (const rule of rules) {
      for (const metric of metricsIn(rule.expr)) expect(EXPORTED).toContain(metric);
      const anchor = rule.annotations.runbook?.replace('docs/operations.md#', '');
      expect(anchor).toBe(rule.alert.replace('LarkCardAuth', '').toLowerCase());
      expect(OPERATIONS).toMatch(new RegExp(`^### ${rule.alert.replace('LarkCardAuth', '')}$`, 'mi'));
    }
  });

  it('fires and clears every alert in alerts.test.yml (promtool test rules)', () => {
    const tests = readFileSync(ALERT_TESTS, 'utf8');
    for (const rule of rules) expect(tests).toContain(`alertname: ${rule.alert}`);
    if (!promtoolAvailable()) {
      printNote('promtool is not installed (Debian package `prometheus`): alerts.test.yml was not run');
      return;
    }
    expect(runPromtool(['test', 'rules', ALERT_TESTS])).toEqual([]);
  });
});

describe('docs/grafana/lark-card-auth.json', () => {
  it('queries only metrics the service exports, in valid PromQL', () => {
    expect(exprs.length).toBeGreaterThan(10);
    for (const expr of exprs) {
      // Grafana replaces $__rate_interval before Prometheus sees the query.
      expect(promqlErrors(expr.replaceAll('$__rate_interval', '5m'))).toEqual([]);
      expect(metricsIn(expr).length).toBeGreaterThan(0);
      for (const metric of metricsIn(expr)) expect(EXPORTED).toContain(metric);
    }
  });

  it('shows the funnel, durations, refreshes, overdue tokens, Feishu, the WebSocket and the jobs', () => {
    const titles = dashboard.panels.map((panel) => panel.title);
    expect(titles).toEqual(
      expect.arrayContaining([
        'Authorization funnel',
        'Authorization duration',
        'Refresh results',
        'Overdue tokens',
        'Feishu errors by API',
        'Feishu latency p95 by API',
        'WebSocket connected, per replica',
        'Time since each job last succeeded',
      ]),
    );
    const used = new Set(exprs.flatMap(metricsIn).map((name) => name.replace(/_(bucket|sum|count)$/, '')));
    for (const name of [
      METRIC.authSessionTotal,
      METRIC.authSuccessTotal,
      METRIC.authFailureTotal,
      METRIC.authDurationSeconds,
      METRIC.tokenRefreshTotal,
      METRIC.tokenRefreshOverdue,
      METRIC.feishuRequestsTotal,
      METRIC.feishuRequestDurationSeconds,
      METRIC.wsConnected,
      METRIC.jobLastSuccessTimestamp,
    ]) {
      expect(used).toContain(name);
    }
    expect(exprs.filter((expr) => /quantile\(0\.(5|95),/.test(expr) && expr.includes('auth_duration'))).toHaveLength(2);
  });
});
