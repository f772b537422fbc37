import { type MetricFamily } from './exposition';

/**
 * The naming rules that `promtool check metrics` applies (Prometheus's promlint), as "<metric> <problem>" lines
 * in promtool's own wording, so that a finding reads the same whichever checker ran.
 */
const BASE_UNITS: Record<string, string> = {
  amperes: 'amperes',
  bytes: 'bytes',
  celsius: 'celsius',
  grams: 'grams',
  joules: 'joules',
  kelvin: 'kelvin',
  meters: 'meters',
  metres: 'metres',
  seconds: 'seconds',
  volts: 'volts',
  minutes: 'seconds',
  hours: 'seconds',
  days: 'seconds',
  weeks: 'seconds',
  kelvins: 'kelvin',
  fahrenheit: 'celsius',
  rankine: 'celsius',
  inches: 'meters',
  yards: 'meters',
  miles: 'meters',
  bits: 'bytes',
  calories: 'joules',
  pounds: 'grams',
  ounces: 'grams',
};
const UNIT_PREFIXES = ['pico', 'nano', 'micro', 'milli', 'centi', 'deci', 'deca', 'hecto', 'kilo', 'kibi', 'mega'];
UNIT_PREFIXES.push('mibi', 'giga', 'gibi', 'tera', 'tebi', 'peta', 'pebi');
const ABBREVIATIONS = ['s', 'ms', 'us', 'ns', 'sec', 'b', 'kb', 'mb', 'gb', 'tb', 'pb', 'm', 'h', 'd'];
const TYPE_NAMES = ['counter', 'gauge', 'histogram', 'summary'];
const CAMEL_CASE = /[a-z][A-Z]/;

export function lintFamilies(families: MetricFamily[]): string[] {
  return families.flatMap((family) => lintFamily(family).map((problem) => `${family.name} ${problem}`));
}

function lintFamily({ name, type, help, samples }: MetricFamily): string[] {
  const problems: string[] = [];
  const labelNames = samples.flatMap((sample) => Object.keys(sample.labels));
  if (help === undefined) problems.push('no help text');
  const unit = unitOf(name);
  if (unit && unit.unit !== unit.base) problems.push(`use base unit "${unit.base}" instead of "${unit.unit}"`);
  const total = name.endsWith('_total');
  if (type === 'counter' && !total) problems.push('counter metrics should have "_total" suffix');
  if (type !== 'counter' && type !== 'untyped' && total) {
    problems.push('non-counter metrics should not have "_total" suffix');
  }
  if (type !== 'untyped') problems.push(...reservedForHistogramsAndSummaries(name, type, labelNames));
  const lower = name.toLowerCase();
  for (const typeName of TYPE_NAMES) {
    if (hasPart(lower, typeName)) problems.push(`metric name should not include type '${typeName}'`);
  }
  if (name.includes(':')) problems.push("metric names should not contain ':'");
  if (CAMEL_CASE.test(name)) problems.push("metric names should be written in 'snake_case' not 'camelCase'");
  for (const label of labelNames) {
    if (CAMEL_CASE.test(label)) problems.push("label names should be written in 'snake_case' not 'camelCase'");
  }
  for (const abbreviation of ABBREVIATIONS) {
    if (hasPart(lower, abbreviation)) problems.push('metric names should not contain abbreviated units');
  }
  return problems;
}

function reservedForHistogramsAndSummaries(name: string, type: string, labelNames: string[]): string[] {
  const problems: string[] = [];
  const histogram = type === 'histogram';
  const summary = type === 'summary';
  if (!histogram && name.endsWith('_bucket')) problems.push('non-histogram metrics should not have "_bucket" suffix');
  for (const suffix of ['_count', '_sum']) {
    if (!histogram && !summary && name.endsWith(suffix)) {
      problems.push(`non-histogram and non-summary metrics should not have "${suffix}" suffix`);
    }
  }
  for (const label of labelNames) {
    if (!histogram && label === 'le') problems.push('non-histogram metrics should not have "le" label');
    if (!summary && label === 'quantile') problems.push('non-summary metrics should not have "quantile" label');
  }
  return problems;
}

/** The first part of the name that is a known unit, possibly with an SI prefix (foo_milliseconds → milliseconds). */
function unitOf(name: string): { unit: string; base: string } | undefined {
  for (const part of name.split('_')) {
    if (BASE_UNITS[part]) return { unit: part, base: BASE_UNITS[part] };
    for (const prefix of UNIT_PREFIXES) {
      const base = part.startsWith(prefix) ? BASE_UNITS[part.slice(prefix.length)] : undefined;
      if (base) return { unit: part, base };
    }
  }
  return undefined;
}

function hasPart(name: string, part: string): boolean {
  return name.includes(`_${part}_`) || name.endsWith(`_${part}`);
}
