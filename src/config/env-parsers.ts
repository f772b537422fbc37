import { z } from 'zod';

import { MAX_SCOPES, SCOPE_PATTERN, splitScopes, withOfflineAccess } from '../common/scopes';

/** A parsed value, or every reason the raw text is not acceptable. Problems never contain a secret value. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; problems: string[] };

export const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
export const fail = <T = never>(...problems: string[]): Parsed<T> => ({ ok: false, problems });

export const MISSING = 'is missing';

/** A non-secret value quoted for a problem message, cut short so a pasted blob stays readable. */
export function quote(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

/** Zod schema for one variable: a string run through `parse`, each problem becoming one issue. */
export function parsedVar<T>(parse: (raw: string) => Parsed<T>) {
  return z.string({ error: MISSING }).transform((raw, ctx): T => {
    const result = parse(raw);
    if (result.ok) return result.value;
    for (const problem of result.problems) ctx.addIssue({ code: 'custom', message: problem });
    return z.NEVER;
  });
}

export function parseInteger(min: number, max: number): (raw: string) => Parsed<number> {
  return (raw) => {
    if (!/^[+-]?\d+$/.test(raw)) return fail(`${quote(raw)} is not a whole number`);
    const value = Number(raw);
    if (value < min || value > max) return fail(`${value} is out of range`);
    return ok(value);
  };
}

export function parseFraction(raw: string): Parsed<number> {
  const value = /^[+-]?(\d+\.?\d*|\.\d+)$/.test(raw) ? Number(raw) : Number.NaN;
  if (Number.isNaN(value)) return fail(`${quote(raw)} is not a number`);
  if (value <= 0 || value >= 1) return fail(`${value} is not between 0 and 1 (both excluded)`);
  return ok(value);
}

const TRUE_WORDS = new Set(['true', '1', 'yes']);
const FALSE_WORDS = new Set(['false', '0', 'no']);

export function parseBoolean(raw: string): Parsed<boolean> {
  const word = raw.toLowerCase();
  if (TRUE_WORDS.has(word)) return ok(true);
  if (FALSE_WORDS.has(word)) return ok(false);
  return fail(`${quote(raw)} is not a boolean`);
}

export function parseChoice<T extends string>(choices: readonly T[]): (raw: string) => Parsed<T> {
  return (raw) => {
    const word = raw.toLowerCase();
    const choice = choices.find((candidate) => candidate === word);
    return choice === undefined ? fail(`${quote(raw)} is not one of ${choices.join(', ')}`) : ok(choice);
  };
}

/**
 * An absolute http(s) URL. Base URLs (`base: true`) lose a trailing slash and may carry no query or fragment;
 * the value is never echoed because a URL can carry credentials.
 */
export function parseHttpUrl(options: { base: boolean }): (raw: string) => Parsed<string> {
  return (raw) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return fail('is not an absolute URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail('must start with http:// or https://');
    if (url.username || url.password) return fail('must not contain a user name or password');
    if (raw.includes('#')) return fail('must not contain a #fragment');
    if (!options.base) return ok(raw);
    if (url.search) return fail('must not contain a ?query');
    return ok(raw.replace(/\/+$/, ''));
  };
}

/** A postgres:// or postgresql:// URL; never echoed, it usually carries a password. */
export function parsePostgresUrl(raw: string): Parsed<string> {
  if (!/^postgres(ql)?:\/\//i.test(raw)) return fail('must start with postgres:// or postgresql://');
  try {
    new URL(raw);
  } catch {
    return fail('is not a valid connection URL (special characters in the password must be percent-encoded)');
  }
  return ok(raw);
}

/** Scopes separated by spaces and/or commas, deduplicated, with offline_access always present (last if added). */
export function parseScopes(raw: string): Parsed<string[]> {
  const scopes = withOfflineAccess(splitScopes(raw));
  const invalid = scopes.filter((scope) => !SCOPE_PATTERN.test(scope));
  if (invalid.length > 0) return fail(`${invalid.map(quote).join(', ')} is not a valid scope name`);
  if (scopes.length > MAX_SCOPES) return fail(`has ${scopes.length} scopes; Feishu accepts at most ${MAX_SCOPES}`);
  return ok(scopes);
}

const CRON_FIELD = /^[0-9A-Za-z*?/,#LW-]+$/;

export function parseCron(raw: string): Parsed<string> {
  const fields = raw.split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) return fail(`${quote(raw)} has ${fields.length} fields, not 5 or 6`);
  if (!fields.every((field) => CRON_FIELD.test(field))) {
    return fail(`${quote(raw)} contains characters cron does not know`);
  }
  return ok(fields.join(' '));
}

export const MIN_API_TOKEN_LENGTH = 16;

/** A bearer token with the apps it may use (`token@cli_a|cli_b`); undefined = every app. */
export interface ScopedToken {
  token: string;
  appIds: string[] | undefined;
}

/**
 * Comma-separated bearer tokens, each optionally scoped to apps after its last `@`; problems name entries by
 * position only. Whether the listed apps are configured is checked once the apps are known (load-config.ts).
 */
export function parseApiTokens(raw: string): Parsed<ScopedToken[]> {
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  const problems: string[] = [];
  const tokens = entries.map((entry, index): ScopedToken => {
    const at = entry.lastIndexOf('@');
    const token = at < 0 ? entry : entry.slice(0, at);
    const appIds = at < 0 ? undefined : entry.slice(at + 1).split('|');
    if (token.length < MIN_API_TOKEN_LENGTH) {
      problems.push(`entry ${index + 1} is shorter than ${MIN_API_TOKEN_LENGTH} characters`);
    } else if (/\s/.test(token)) {
      problems.push(`entry ${index + 1} contains whitespace`);
    }
    if (appIds?.some((appId) => !/^cli_[A-Za-z0-9]+$/.test(appId))) {
      problems.push(`entry ${index + 1}: the app list after @ must be app ids separated by | (cli_a|cli_b)`);
    }
    return { token, appIds };
  });
  return problems.length > 0 ? fail(...problems) : ok(tokens);
}

export function parseBearerToken(raw: string): Parsed<string> {
  return /\s/.test(raw) ? fail('contains whitespace') : ok(raw);
}
