/**
 * A strict parser of the Prometheus text exposition format (version 0.0.4): metric and label names, escapes,
 * values, HELP/TYPE lines (at most one each, TYPE before the samples), families kept together, no duplicate
 * series, histogram buckets with `le` and a +Inf bucket. Returns the families for lint.ts and the problems found.
 */
export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface MetricFamily {
  name: string;
  type: MetricType;
  help?: string;
  samples: Array<{ name: string; labels: Record<string, string>; value: number }>;
}

export const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
export const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set<string>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
// As Go's strconv.ParseFloat, which Prometheus uses: Inf, Infinity and NaN in any case (prom-client writes "Nan").
const VALUE = /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?inf(?:inity)?|nan)$/i;
const TIMESTAMP = /^-?\d+$/;

export function parseExposition(text: string): { families: MetricFamily[]; problems: string[] } {
  const parser = new ExpositionParser();
  text.split('\n').forEach((line, index) => parser.line(line, index + 1));
  return parser.result();
}

class ExpositionParser {
  private readonly families = new Map<string, MetricFamily>();
  private readonly problems: string[] = [];
  private readonly series = new Set<string>();
  private readonly typed = new Set<string>();
  private readonly finished = new Set<string>();
  private current: MetricFamily | undefined;

  line(line: string, lineNo: number): void {
    if (line.trim() === '') return;
    if (line.startsWith('#')) return this.comment(line, lineNo);
    const sample = parseSample(line);
    if (typeof sample === 'string') return void this.problems.push(`line ${lineNo}: ${sample}`);
    const owner = this.family(familyName(sample.name, this.families), lineNo);
    const labels = Object.entries(sample.labels).sort(([a], [b]) => a.localeCompare(b));
    const series = `${sample.name}{${labels.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;
    if (this.series.has(series)) this.problems.push(`line ${lineNo}: duplicate series ${series}`);
    this.series.add(series);
    owner.samples.push(sample);
  }

  result(): { families: MetricFamily[]; problems: string[] } {
    const families = [...this.families.values()];
    return { families, problems: [...this.problems, ...families.flatMap(checkFamily)] };
  }

  private comment(line: string, lineNo: number): void {
    const match = /^#\s*(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(line);
    if (!match) return; // an ordinary comment
    const [, keyword, name = '', rest = ''] = match;
    if (!METRIC_NAME.test(name)) {
      return void this.problems.push(`line ${lineNo}: invalid metric name ${JSON.stringify(name)}`);
    }
    const owner = this.family(name, lineNo);
    if (keyword === 'HELP') {
      if (owner.help !== undefined) this.problems.push(`line ${lineNo}: second HELP line for metric name ${name}`);
      const help = unescape(rest, false);
      if (help === undefined) this.problems.push(`line ${lineNo}: invalid escape sequence in HELP of ${name}`);
      owner.help = help ?? rest;
      return;
    }
    const type = rest.trim();
    if (!TYPES.has(type)) return void this.problems.push(`line ${lineNo}: unknown metric type ${JSON.stringify(type)}`);
    if (owner.samples.length > 0 || this.typed.has(name)) {
      this.problems.push(`line ${lineNo}: second TYPE line for metric name ${name}, or TYPE reported after samples`);
    }
    this.typed.add(name);
    owner.type = type as MetricType;
  }

  /** The family a line belongs to; a family whose lines resume after another family's is an error. */
  private family(name: string, lineNo: number): MetricFamily {
    let found = this.families.get(name);
    if (!found) {
      found = { name, type: 'untyped', samples: [] };
      this.families.set(name, found);
    }
    if (this.current && this.current !== found) {
      this.finished.add(this.current.name);
      if (this.finished.has(name)) this.problems.push(`line ${lineNo}: metric family ${name} is not contiguous`);
    }
    this.current = found;
    return found;
  }
}

/** `x_bucket`, `x_sum` and `x_count` belong to family `x` when `x` is a histogram (or, but buckets, a summary). */
function familyName(sampleName: string, families: Map<string, MetricFamily>): string {
  const match = /^(.*)_(bucket|sum|count)$/.exec(sampleName);
  if (!match) return sampleName;
  const [, base = '', suffix] = match;
  const type = families.get(base)?.type;
  if (type === 'histogram' || (type === 'summary' && suffix !== 'bucket')) return base;
  return sampleName;
}

function parseSample(line: string): { name: string; labels: Record<string, string>; value: number } | string {
  const nameMatch = /^[^\s{]+/.exec(line);
  const name = nameMatch?.[0] ?? '';
  if (!METRIC_NAME.test(name)) return `invalid metric name ${JSON.stringify(name)}`;
  let rest = line.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    const parsed = parseLabels(rest);
    if (typeof parsed === 'string') return `${parsed} in ${name}`;
    Object.assign(labels, parsed.labels);
    rest = rest.slice(parsed.length);
  }
  if (!/^ /.test(rest)) return `expected a space and a value after ${name}`;
  const [value = '', timestamp, ...extra] = rest.trim().split(/\s+/);
  if (!VALUE.test(value)) return `invalid value ${JSON.stringify(value)} for ${name}`;
  if (timestamp !== undefined && !TIMESTAMP.test(timestamp)) return `invalid timestamp ${JSON.stringify(timestamp)}`;
  if (extra.length > 0) return `unexpected text after the value of ${name}`;
  return { name, labels, value: toNumber(value) };
}

/** `{a="x",b="y"}` at the start of `text`; returns the labels and how many characters they took. */
function parseLabels(text: string): { labels: Record<string, string>; length: number } | string {
  const labels: Record<string, string> = {};
  let i = 1;
  for (;;) {
    if (text[i] === '}') return { labels, length: i + 1 };
    const name = /^[^=\s}]*/.exec(text.slice(i))?.[0] ?? '';
    if (!LABEL_NAME.test(name)) return `invalid label name ${JSON.stringify(name)}`;
    if (name.startsWith('__')) return `reserved label name ${name}`;
    if (name in labels) return `duplicate label ${name}`;
    i += name.length;
    if (text.slice(i, i + 2) !== '="') return `expected ="…" after label ${name}`;
    i += 2;
    let raw = '';
    while (i < text.length && text[i] !== '"') {
      raw += text[i] === '\\' ? text.slice(i, i + 2) : text[i];
      i += text[i] === '\\' ? 2 : 1;
    }
    if (text[i] !== '"') return `unterminated value of label ${name}`;
    const value = unescape(raw, true);
    if (value === undefined) return `invalid escape sequence in label ${name}`;
    labels[name] = value;
    i += 1;
    if (text[i] === ',') i += 1;
    else if (text[i] !== '}') return `expected , or } after label ${name}`;
  }
}

/** Only \\, \n (and in label values \") are escapes; anything else after a backslash is an error. */
function unescape(raw: string, quoteAllowed: boolean): string | undefined {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] !== '\\') {
      out += raw[i];
      continue;
    }
    const next = raw[++i];
    if (next === '\\') out += '\\';
    else if (next === 'n') out += '\n';
    else if (next === '"' && quoteAllowed) out += '"';
    else return undefined;
  }
  return out;
}

function checkFamily(family: MetricFamily): string[] {
  const problems: string[] = [];
  if (family.type === 'counter' && family.samples.some((sample) => sample.value < 0 || Number.isNaN(sample.value))) {
    problems.push(`${family.name} counter with a negative or NaN value`);
  }
  if (family.type !== 'histogram') return problems;
  const withInf = new Set<string>();
  const series = new Set<string>();
  for (const sample of family.samples) {
    const { le, ...rest } = sample.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    series.add(key);
    if (sample.name !== `${family.name}_bucket`) continue;
    if (le === undefined || !VALUE.test(le)) problems.push(`${family.name} bucket without a valid "le" label`);
    if (le === '+Inf') withInf.add(key);
  }
  if ([...series].some((key) => !withInf.has(key))) problems.push(`${family.name} histogram without a +Inf bucket`);
  return problems;
}

function toNumber(value: string): number {
  const lower = value.toLowerCase().replace(/^\+/, '');
  if (lower === 'nan') return NaN;
  if (lower === 'inf' || lower === 'infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  return Number(value);
}
