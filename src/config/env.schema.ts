import { z } from 'zod';

import { LOG_FORMATS, LOG_LEVELS } from '../common/logging/app-logger';
import { parseEncryptionKeys } from './encryption-keys';
import {
  fail,
  MISSING,
  ok,
  parseApiTokens,
  parseBearerToken,
  parseBoolean,
  parseChoice,
  parseCron,
  parsedVar,
  parseFraction,
  parseHttpUrl,
  parseInteger,
  parsePostgresUrl,
  parseScopes,
} from './env-parsers';
import { AUTH_FLOWS } from './app-config';
import { defaultOf, ENV_NAMES, EnvName, envVariable } from './env-variables';
import { appIdProblem } from './apps-file';
import { parseLarkDomain } from './lark-endpoints';

export { APP_ID_PATTERN } from './apps-file';

const appId = parsedVar((raw) => {
  const problem = appIdProblem(raw);
  return problem ? fail(problem) : ok(raw);
});
const integer = (name: EnvName, min: number, max: number) =>
  parsedVar(parseInteger(min, max)).prefault(defaultOf(name));
const boolean = (name: EnvName) => parsedVar(parseBoolean).prefault(defaultOf(name));
const withDefault = <T>(name: EnvName, parse: Parameters<typeof parsedVar<T>>[0]) =>
  parsedVar(parse).prefault(defaultOf(name));

/** Every variable (docs/configuration.md); input values are trimmed strings, an empty value counts as unset. */
export const envSchema = z.object({
  LARK_APPS_FILE: z.string().optional(),
  LARK_APP_ID: appId.optional(),
  LARK_APP_SECRET: z.string().optional(),
  LARK_DOMAIN: parsedVar(parseLarkDomain).optional(),
  FEISHU_API_BASE_URL: parsedVar(parseLarkDomain).optional(),
  LARK_ACCOUNTS_URL: parsedVar(parseHttpUrl({ base: true })).optional(),
  LARK_TOKEN_URL: parsedVar(parseHttpUrl({ base: true })).optional(),
  FEISHU_HTTP_TIMEOUT_MS: integer('FEISHU_HTTP_TIMEOUT_MS', 100, 120_000),
  LARK_WS_PING_TIMEOUT_SECONDS: integer('LARK_WS_PING_TIMEOUT_SECONDS', 1, 600),
  OAUTH_REDIRECT_URI: parsedVar(parseHttpUrl({ base: false })).optional(),
  AUTH_FLOW: parsedVar(parseChoice(AUTH_FLOWS)).optional(),
  OAUTH_SCOPES: withDefault('OAUTH_SCOPES', parseScopes),
  CALLBACK_SERVER_ENABLED: boolean('CALLBACK_SERVER_ENABLED'),
  CALLBACK_SERVER_HOST: z.string().prefault(defaultOf('CALLBACK_SERVER_HOST')),
  CALLBACK_SERVER_PORT: integer('CALLBACK_SERVER_PORT', 0, 65_535),
  DATABASE_URL: parsedVar(parsePostgresUrl).optional(),
  PGLITE_DATA_DIR: z.string().prefault(defaultOf('PGLITE_DATA_DIR')),
  MIGRATIONS_RUN: boolean('MIGRATIONS_RUN'),
  TOKEN_ENCRYPTION_KEYS: parsedVar(parseEncryptionKeys).optional(),
  AUTH_SESSION_TTL_SECONDS: integer('AUTH_SESSION_TTL_SECONDS', 1, 86_400),
  TOKEN_REFRESH_THRESHOLD: withDefault('TOKEN_REFRESH_THRESHOLD', parseFraction),
  TOKEN_REFRESH_SWEEP_SECONDS: integer('TOKEN_REFRESH_SWEEP_SECONDS', 1, 3_600),
  FEISHU_TOKEN_RATE_PER_SECOND: integer('FEISHU_TOKEN_RATE_PER_SECOND', 1, 50),
  SESSION_RETENTION_DAYS: integer('SESSION_RETENTION_DAYS', 1, 3_650),
  SESSION_CLEANUP_CRON: withDefault('SESSION_CLEANUP_CRON', parseCron),
  HEALTH_CHECK_INTERVAL_MINUTES: integer('HEALTH_CHECK_INTERVAL_MINUTES', 1, 1_440),
  JOBS_ENABLED: boolean('JOBS_ENABLED'),
  API_TOKENS: withDefault('API_TOKENS', parseApiTokens),
  METRICS_TOKEN: parsedVar(parseBearerToken).optional(),
  LOG_LEVEL: withDefault('LOG_LEVEL', parseChoice(LOG_LEVELS)),
  LOG_FORMAT: withDefault('LOG_FORMAT', parseChoice(LOG_FORMATS)),
} satisfies Record<EnvName, z.ZodType>);

export type Env = z.output<typeof envSchema>;
export type RawEnv = Partial<Record<EnvName, string>>;

/** The variables the migration CLI needs: it must work without the Lark credentials. */
export const databaseEnvSchema = envSchema.pick({ DATABASE_URL: true, PGLITE_DATA_DIR: true, MIGRATIONS_RUN: true });
export type DatabaseEnv = z.output<typeof databaseEnvSchema>;

/** The variables `npm run keys:rotate` needs: the database and the keys, not the Lark credentials. */
export const keyRotationEnvSchema = envSchema.pick({
  DATABASE_URL: true,
  PGLITE_DATA_DIR: true,
  MIGRATIONS_RUN: true,
  TOKEN_ENCRYPTION_KEYS: true,
});

export interface ConfigProblem {
  name: string;
  problem: string;
  allowed: string;
}

export type EnvValidation<T> = { ok: true; value: T } | { ok: false; problems: ConfigProblem[] };

/** Only the variables we know, trimmed; an empty value (`KEY=` in .env) is the same as unset. */
export function normalizeEnv(env: NodeJS.ProcessEnv): RawEnv {
  const raw: RawEnv = {};
  for (const name of ENV_NAMES) {
    const value = env[name]?.trim();
    if (value) raw[name] = value;
  }
  return raw;
}

/** Rules that involve more than one variable; they run even when single variables already failed. */
export function crossFieldProblems(raw: RawEnv): Array<{ name: EnvName; problem: string }> {
  return [...larkProblems(raw), ...flowProblems(raw), ...storageProblems(raw)];
}

/** The redirect flow needs a URL Feishu can send the browser to. */
function flowProblems(raw: RawEnv): Array<{ name: EnvName; problem: string }> {
  if (raw.AUTH_FLOW?.toLowerCase() !== 'redirect' || raw.OAUTH_REDIRECT_URI !== undefined) return [];
  return [{ name: 'AUTH_FLOW', problem: 'is redirect but OAUTH_REDIRECT_URI is unset; set it, or use device' }];
}

/** The cross-field rules of the database and its keys: all that `npm run keys:rotate` needs. */
export function storageProblems(raw: RawEnv): Array<{ name: EnvName; problem: string }> {
  if (raw.DATABASE_URL === undefined || raw.TOKEN_ENCRYPTION_KEYS !== undefined) return [];
  return [
    {
      name: 'TOKEN_ENCRYPTION_KEYS',
      problem:
        'is missing: with DATABASE_URL the service refuses to start without TOKEN_ENCRYPTION_KEYS ' +
        "(generate one: node -e \"console.log('k1:' + require('crypto').randomBytes(32).toString('base64'))\")",
    },
  ];
}

function larkProblems(raw: RawEnv): Array<{ name: EnvName; problem: string }> {
  const problems: Array<{ name: EnvName; problem: string }> = [];
  if (raw.LARK_APPS_FILE === undefined) {
    if (raw.LARK_APP_ID === undefined) problems.push({ name: 'LARK_APP_ID', problem: MISSING });
    if (raw.LARK_APP_SECRET === undefined) problems.push({ name: 'LARK_APP_SECRET', problem: MISSING });
  } else if (raw.LARK_APP_ID !== undefined || raw.LARK_APP_SECRET !== undefined) {
    problems.push({
      name: 'LARK_APPS_FILE',
      problem: 'is set together with LARK_APP_ID/LARK_APP_SECRET; list every app in the file and unset those',
    });
  }
  if (raw.LARK_DOMAIN !== undefined && raw.FEISHU_API_BASE_URL !== undefined) {
    const domain = parseLarkDomain(raw.LARK_DOMAIN);
    const alias = parseLarkDomain(raw.FEISHU_API_BASE_URL);
    if (domain.ok && alias.ok && domain.value.openBaseUrl !== alias.value.openBaseUrl) {
      problems.push({
        name: 'FEISHU_API_BASE_URL',
        problem: 'names a different server than LARK_DOMAIN; set only LARK_DOMAIN',
      });
    }
  }
  return problems;
}

/** Validates with `schema` and collects every problem (single-variable and cross-field) in variable order. */
export function validateEnv<S extends z.ZodObject>(
  schema: S,
  env: NodeJS.ProcessEnv,
  crossField: (raw: RawEnv) => Array<{ name: EnvName; problem: string }> = crossFieldProblems,
): EnvValidation<z.output<S>> {
  const raw = normalizeEnv(env);
  const result = schema.safeParse(raw);
  const found: Array<{ name: string; problem: string }> = result.success
    ? []
    : result.error.issues.map((issue) => ({ name: String(issue.path[0] ?? '(environment)'), problem: issue.message }));
  found.push(...crossField(raw));
  if (result.success && found.length === 0) return { ok: true, value: result.data };
  return { ok: false, problems: toConfigProblems(found) };
}

/** Problems with the allowed values of their variable, in variable order. */
export function toConfigProblems(found: Array<{ name: string; problem: string }>): ConfigProblem[] {
  const order = (name: string) => {
    const index = ENV_NAMES.indexOf(name as EnvName);
    return index < 0 ? ENV_NAMES.length : index;
  };
  return found
    .map(({ name, problem }) => ({ name, problem, allowed: envVariable(name)?.allowed ?? '' }))
    .sort((a, b) => order(a.name) - order(b.name));
}
