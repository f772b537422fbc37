import { parseExposition } from './exposition';
import { lintFamilies } from './lint';
import { promtoolAvailable, runPromtool } from './promtool';
import { checkRuleFileInProcess } from './rules';

export interface CheckReport {
  /** Which checkers ran: always the in-process one, and promtool when it is installed. */
  ran: Array<'in-process' | 'promtool'>;
  /** Problems found by any of them (the same finding reported by both appears once). */
  findings: string[];
  /** One line for the test output when promtool was not run; undefined when it was. */
  note?: string;
}

const NOT_RUN = 'promtool is not installed (Debian package `prometheus`): checked in-process only';

/** Checks a /metrics body: strict text-format parse and promtool's naming lint; plus `promtool check metrics`. */
export function checkMetricsExposition(text: string): CheckReport {
  const { families, problems } = parseExposition(text);
  const findings = [...problems, ...lintFamilies(families)];
  if (!promtoolAvailable()) return { ran: ['in-process'], findings: unique(findings), note: NOT_RUN };
  return {
    ran: ['in-process', 'promtool'],
    findings: unique([...findings, ...runPromtool(['check', 'metrics'], text)]),
  };
}

/** Checks Prometheus rule files (alerting and recording rules); plus `promtool check rules`. */
export function checkRuleFiles(files: string[]): CheckReport {
  const findings = files.flatMap(checkRuleFileInProcess);
  if (!promtoolAvailable()) return { ran: ['in-process'], findings: unique(findings), note: NOT_RUN };
  return {
    ran: ['in-process', 'promtool'],
    findings: unique([...findings, ...runPromtool(['check', 'rules', ...files])]),
  };
}

function unique(lines: string[]): string[] {
  return [...new Set(lines)];
}
