import * as path from 'node:path';

import { Clock } from '../../../src/common/clock';
import { MetricsService } from '../../../src/metrics/metrics.service';
import { checkMetricsExposition, checkRuleFiles } from '.';
import { parseExposition } from './exposition';
import { lintFamilies } from './lint';
import { promtoolAvailable } from './promtool';
import { checkRuleFileInProcess } from './rules';

const FIXTURES = path.resolve(__dirname, '../../fixtures/prometheus');
const VALID_RULES = path.join(FIXTURES, 'rules-valid.yml');
const INVALID_RULES = path.join(FIXTURES, 'rules-invalid.yml');

function inProcess(text: string): string[] {
  const { families, problems } = parseExposition(text);
  return [...problems, ...lintFamilies(families)];
}

describe('the in-process exposition check', () => {
  it("accepts the service's own /metrics body but for the one known naming finding", async () => {
    const metrics = new MetricsService(new Clock(), { apps: [] });
    metrics.authFailed('denied');
    const { body } = await metrics.render();
    expect(inProcess(body)).toEqual([
      'lark_service_token_active_count non-histogram and non-summary metrics should not have "_count" suffix',
    ]);
  });

  it('reports every malformed line of a broken exposition', () => {
    const text = [
      '# HELP a_total A.',
      '# TYPE a_total counter',
      'a_total{kind="x"} 1',
      'a_total{kind="x"} 2',
      'a_total{kind="y",kind="z"} 1',
      'a_total{__reserved="x"} 1',
      'a_total{kind="bad \\q escape"} 1',
      '# HELP a_total Again.',
      '# HELP b_seconds B.',
      '# TYPE b_seconds histogram',
      'b_seconds_bucket{le="1"} 1',
      'b_seconds_sum 1',
      'b_seconds_count 1',
      'a_total{kind="w"} 1',
      '# HELP c C.',
      'c 1',
      '# TYPE c gauge',
      '9bad 1',
      'd{x="1"} one',
      '',
    ].join('\n');
    expect(inProcess(text)).toEqual([
      'line 4: duplicate series a_total{kind="x"}',
      'line 5: duplicate label kind in a_total',
      'line 6: reserved label name __reserved in a_total',
      'line 7: invalid escape sequence in label kind in a_total',
      'line 8: second HELP line for metric name a_total',
      'line 14: metric family a_total is not contiguous',
      'line 17: second TYPE line for metric name c, or TYPE reported after samples',
      'line 18: invalid metric name "9bad"',
      'line 19: invalid value "one" for d',
      'b_seconds histogram without a +Inf bucket',
    ]);
  });

  it("applies promtool's naming rules, in promtool's words", () => {
    const text = [
      '# HELP requests Requests.',
      '# TYPE requests counter',
      'requests 1',
      '# HELP queue_total Queue.',
      '# TYPE queue_total gauge',
      'queue_total 1',
      '# HELP latency_milliseconds Latency.',
      '# TYPE latency_milliseconds gauge',
      'latency_milliseconds{httpMethod="GET"} 1',
      '# HELP wait_ms Wait.',
      '# TYPE wait_ms gauge',
      'wait_ms 1',
      '# TYPE no_help gauge',
      'no_help 1',
      '# HELP job:rate Rate.',
      '# TYPE job:rate gauge',
      'job:rate 1',
      '',
    ].join('\n');
    expect(inProcess(text)).toEqual([
      'requests counter metrics should have "_total" suffix',
      'queue_total non-counter metrics should not have "_total" suffix',
      'latency_milliseconds use base unit "seconds" instead of "milliseconds"',
      "latency_milliseconds label names should be written in 'snake_case' not 'camelCase'",
      'wait_ms metric names should not contain abbreviated units',
      'no_help no help text',
      "job:rate metric names should not contain ':'",
    ]);
  });
});

describe('the in-process rule file check', () => {
  it('accepts a valid rule file', () => {
    expect(checkRuleFileInProcess(VALID_RULES)).toEqual([]);
  });

  it('reports every broken rule, including PromQL syntax errors', () => {
    const where = `${INVALID_RULES}: group`;
    expect(checkRuleFileInProcess(INVALID_RULES)).toEqual([
      `${where} 1 rule 1: PromQL syntax error at position 45 (the end) of "sum(rate(lark_service_auth_failure_total[5m])"`,
      `${where} 1 rule 2: invalid field "for" in recording rule`,
      `${where} 1 rule 3 labels: invalid name "bad-label"`,
      `${where} 1 rule 4: field "expr" must be set`,
      `${where} 1 rule 5: unknown field "severity"`,
      `${where} 2: groupname "broken" is repeated`,
    ]);
  });
});

describe('checkMetricsExposition and checkRuleFiles', () => {
  const promtool = promtoolAvailable();

  it('run promtool too when it is installed, and say so when it is not', async () => {
    const { body } = await new MetricsService(new Clock(), { apps: [] }).render();
    for (const report of [checkMetricsExposition(body), checkRuleFiles([VALID_RULES])]) {
      expect(report.ran).toEqual(promtool ? ['in-process', 'promtool'] : ['in-process']);
      expect(report.note === undefined).toBe(promtool);
    }
  });

  it('find the problems of a broken rule file with every checker that ran', () => {
    const report = checkRuleFiles([INVALID_RULES]);
    expect(report.findings).toEqual(expect.arrayContaining([expect.stringContaining('unknown field "severity"')]));
    if (promtool) expect(report.findings).toContain('line 17: field severity not found in type rulefmt.RuleNode');
    expect(checkRuleFiles([VALID_RULES]).findings).toEqual([]);
  });
});
