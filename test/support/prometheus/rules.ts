import { readFileSync } from 'node:fs';

import { parser } from '@prometheus-io/lezer-promql';
import { load } from 'js-yaml';

import { LABEL_NAME, METRIC_NAME } from './exposition';

/**
 * Checks a Prometheus rule file the way `promtool check rules` does, without promtool: the YAML structure (no
 * unknown fields, unique group names, exactly one of record/alert, durations, label and annotation names) and
 * every expression parsed as PromQL (syntax only; Go templates in annotations are not checked).
 */
const GROUP_FIELDS = new Set(['name', 'interval', 'query_offset', 'limit', 'rules', 'labels']);
const RULE_FIELDS = new Set(['record', 'alert', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations']);
const DURATION = /^(?:\d+(?:ms|s|m|h|d|w|y))+$/;

export function checkRuleFileInProcess(file: string): string[] {
  let document: unknown;
  try {
    document = load(readFileSync(file, 'utf8'));
  } catch (error) {
    return [`${file}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`];
  }
  if (!isObject(document) || !Array.isArray(document.groups)) return [`${file}: no "groups" list`];
  const problems: string[] = [];
  const unknown = Object.keys(document).filter((key) => key !== 'groups');
  if (unknown.length > 0) problems.push(`${file}: unknown top-level field(s) ${unknown.join(', ')}`);
  const groupNames = new Set<string>();
  document.groups.forEach((group, index) => {
    const where = `${file}: group ${index + 1}`;
    if (!isObject(group)) return void problems.push(`${where}: not a mapping`);
    problems.push(...unknownFields(group, GROUP_FIELDS, where));
    if (typeof group.name !== 'string' || group.name === '') problems.push(`${where}: groupname must not be empty`);
    else if (groupNames.has(group.name)) problems.push(`${where}: groupname "${group.name}" is repeated`);
    else groupNames.add(group.name);
    if (group.interval !== undefined && !isDuration(group.interval)) problems.push(`${where}: invalid interval`);
    if (!Array.isArray(group.rules)) return void problems.push(`${where}: no "rules" list`);
    group.rules.forEach((rule, ruleIndex) => problems.push(...checkRule(rule, `${where} rule ${ruleIndex + 1}`)));
  });
  return problems;
}

function checkRule(rule: unknown, where: string): string[] {
  if (!isObject(rule)) return [`${where}: not a mapping`];
  const problems = unknownFields(rule, RULE_FIELDS, where);
  const recording = rule.record !== undefined;
  if (recording === (rule.alert !== undefined)) problems.push(`${where}: needs exactly one of "record" and "alert"`);
  if (recording && (typeof rule.record !== 'string' || !METRIC_NAME.test(rule.record))) {
    problems.push(`${where}: invalid recording rule name ${JSON.stringify(rule.record)}`);
  }
  if (!recording && (typeof rule.alert !== 'string' || rule.alert.trim() === '')) {
    problems.push(`${where}: invalid alert name ${JSON.stringify(rule.alert)}`);
  }
  if (recording) {
    for (const field of ['for', 'keep_firing_for', 'annotations']) {
      if (rule[field] !== undefined) problems.push(`${where}: invalid field "${field}" in recording rule`);
    }
  }
  for (const field of ['for', 'keep_firing_for']) {
    if (rule[field] !== undefined && !isDuration(rule[field])) problems.push(`${where}: invalid "${field}" duration`);
  }
  problems.push(
    ...checkLabels(rule.labels, `${where} labels`),
    ...checkLabels(rule.annotations, `${where} annotations`),
  );
  if (typeof rule.expr !== 'string' || rule.expr.trim() === '') problems.push(`${where}: field "expr" must be set`);
  else problems.push(...promqlErrors(rule.expr).map((error) => `${where}: ${error}`));
  return problems;
}

/** Syntax errors of a PromQL expression (lezer-promql, the grammar of Prometheus's own web UI). */
export function promqlErrors(expr: string): string[] {
  const errors: string[] = [];
  parser.parse(expr).iterate({
    enter: (node) => {
      if (!node.type.isError) return;
      const at = node.from === expr.length ? `${node.from} (the end)` : String(node.from);
      errors.push(`PromQL syntax error at position ${at} of ${JSON.stringify(expr)}`);
    },
  });
  return errors;
}

function checkLabels(labels: unknown, where: string): string[] {
  if (labels === undefined) return [];
  if (!isObject(labels)) return [`${where}: not a mapping`];
  return Object.entries(labels).flatMap(([name, value]) => [
    ...(LABEL_NAME.test(name) && !name.startsWith('__') ? [] : [`${where}: invalid name ${JSON.stringify(name)}`]),
    ...(typeof value === 'string' ? [] : [`${where}: value of ${name} must be a string`]),
  ]);
}

function unknownFields(object: Record<string, unknown>, known: Set<string>, where: string): string[] {
  return Object.keys(object)
    .filter((key) => !known.has(key))
    .map((key) => `${where}: unknown field "${key}"`);
}

function isDuration(value: unknown): boolean {
  return typeof value === 'string' && DURATION.test(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
