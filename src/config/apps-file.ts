import { readFileSync } from 'node:fs';

import { Locale, LOCALES } from '../common/locale';
import { AUTH_FLOWS, AuthFlow } from './app-config';
import { fail, ok, Parsed, parseChoice, parseScopes, quote } from './env-parsers';
import { LarkDomain, parseLarkDomain } from './lark-endpoints';

/** What the SDK's WSClient accepts; any other id makes it refuse to connect, so it is an error here. */
export const APP_ID_PATTERN = /^cli_[0-9a-fA-F]{16}$/;

/** One entry of LARK_APPS_FILE after validation; defaults (domain, scopes, locale) are applied by buildAppConfig. */
export interface AppEntry {
  appId: string;
  appSecret: string;
  domain: LarkDomain | undefined;
  scopes: string[] | undefined;
  locale: Locale | undefined;
  displayName: string | undefined;
  authFlow: AuthFlow | undefined;
}

const KNOWN_KEYS = new Set(['appId', 'appSecret', 'domain', 'scopes', 'locale', 'displayName', 'authFlow']);
const ENV_REFERENCE = /^env:([A-Za-z_][A-Za-z0-9_]*)$/;
const MAX_DISPLAY_NAME = 64;

export function appIdProblem(raw: string): string | undefined {
  return APP_ID_PATTERN.test(raw)
    ? undefined
    : `${quote(raw)} does not match ${APP_ID_PATTERN.source} ("cli_" + 16 hex digits; the SDK refuses other ids)`;
}

/**
 * Reads and validates the JSON list of apps; every problem of every entry is reported at once. Secrets are inline
 * or `env:VAR_NAME` (read from `env`); a secret value never appears in a problem.
 */
export function readAppsFile(path: string, env: NodeJS.ProcessEnv): Parsed<AppEntry[]> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'unreadable';
    return fail(`${quote(path)} cannot be read (${code})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return fail(`${quote(path)} is not valid JSON`);
  }
  if (!Array.isArray(json)) return fail(`${quote(path)} must contain a JSON list of apps`);
  if (json.length === 0) return fail(`${quote(path)} lists no app`);
  const problems: string[] = [];
  const entries: AppEntry[] = [];
  const seen = new Set<string>();
  json.forEach((item: unknown, index) => {
    const entry = parseEntry(item, env);
    const where = `app ${index + 1}`;
    if (!entry.ok) {
      problems.push(...entry.problems.map((problem) => `${where}: ${problem}`));
      return;
    }
    if (seen.has(entry.value.appId)) problems.push(`${where}: duplicate appId ${quote(entry.value.appId)}`);
    seen.add(entry.value.appId);
    entries.push(entry.value);
  });
  return problems.length > 0 ? fail(...problems) : ok(entries);
}

function parseEntry(item: unknown, env: NodeJS.ProcessEnv): Parsed<AppEntry> {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return fail('is not an object');
  const raw = item as Record<string, unknown>;
  const problems = Object.keys(raw)
    .filter((key) => !KNOWN_KEYS.has(key))
    .map((key) => `unknown field ${quote(key)}`);
  const appId = typeof raw.appId === 'string' ? raw.appId.trim() : '';
  if (!appId) problems.push('appId is missing');
  else {
    const problem = appIdProblem(appId);
    if (problem) problems.push(`appId ${problem}`);
  }
  const secret = parseSecret(raw.appSecret, env);
  if (!secret.ok) problems.push(...secret.problems);
  const domain = optional(raw.domain, 'domain', parseLarkDomain);
  const scopes = optional(raw.scopes, 'scopes', (value) => parseScopes(value));
  const locale = optional(raw.locale, 'locale', (value) =>
    (LOCALES as readonly string[]).includes(value)
      ? ok(value as Locale)
      : fail(`${quote(value)} is not one of ${LOCALES.join(', ')}`),
  );
  const displayName = optional(raw.displayName, 'displayName', (value) =>
    value.length <= MAX_DISPLAY_NAME ? ok(value) : fail(`is longer than ${MAX_DISPLAY_NAME} characters`),
  );
  const authFlow = optional(raw.authFlow, 'authFlow', parseChoice(AUTH_FLOWS));
  for (const field of [domain, scopes, locale, displayName, authFlow]) if (!field.ok) problems.push(...field.problems);
  if (problems.length > 0 || !secret.ok || !domain.ok || !scopes.ok || !locale.ok || !displayName.ok || !authFlow.ok) {
    return fail(...problems);
  }
  return ok({
    appId,
    appSecret: secret.value,
    domain: domain.value,
    scopes: scopes.value,
    locale: locale.value,
    displayName: displayName.value,
    authFlow: authFlow.value,
  });
}

function parseSecret(value: unknown, env: NodeJS.ProcessEnv): Parsed<string> {
  if (typeof value !== 'string' || value.trim() === '') return fail('appSecret is missing');
  const reference = ENV_REFERENCE.exec(value.trim());
  if (!reference) return ok(value.trim());
  const name = reference[1] ?? '';
  const resolved = env[name]?.trim();
  return resolved ? ok(resolved) : fail(`appSecret names env:${name}, which is unset or empty`);
}

/** An optional string field (scopes may also be a list of strings); absent → undefined. */
function optional<T>(value: unknown, field: string, parse: (raw: string) => Parsed<T>): Parsed<T | undefined> {
  if (value === undefined || value === null) return ok(undefined);
  const text = Array.isArray(value) && value.every((item) => typeof item === 'string') ? value.join(' ') : value;
  if (typeof text !== 'string' || text.trim() === '') return fail(`${field} must be a non-empty string`);
  const parsed = parse(text.trim());
  return parsed.ok ? parsed : fail(...parsed.problems.map((problem) => `${field} ${problem}`));
}
