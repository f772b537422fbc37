import { existsSync, readFileSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';

import { parse } from 'dotenv';

import { AppConfig } from './app-config';
import { buildAppConfig, buildDatabaseConfig } from './build-app-config';
import { ConfigValidationError } from './config.errors';
import { readAppsFile } from './apps-file';
import {
  databaseEnvSchema,
  envSchema,
  keyRotationEnvSchema,
  storageProblems,
  toConfigProblems,
  validateEnv,
} from './env.schema';

export interface LoadConfigOptions {
  /**
   * A .env file whose variables fill in what `env` leaves unset (never overriding), or false for none.
   * Default: `.env` in the working directory when `env` is process.env, none for any other object, so a
   * test that passes its own env is hermetic.
   */
  dotenvPath?: string | false;
}

/** Validates the whole environment (and LARK_APPS_FILE) at once; throws ConfigValidationError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, options: LoadConfigOptions = {}): AppConfig {
  const merged = withDotenv(env, options);
  const result = validateEnv(envSchema, merged);
  const appsFile = merged.LARK_APPS_FILE?.trim();
  const fileApps = appsFile ? readAppsFile(appsFile, merged) : undefined;
  const found: Array<{ name: string; problem: string }> = [];
  if (fileApps && !fileApps.ok) {
    found.push(...fileApps.problems.map((problem) => ({ name: 'LARK_APPS_FILE', problem })));
  }
  if (result.ok && (!fileApps || fileApps.ok)) {
    const config = buildAppConfig(result.value, fileApps?.value);
    found.push(...unknownTokenApps(config), ...redirectWithoutUri(config));
    if (found.length === 0) return config;
  }
  throw new ConfigValidationError([...(result.ok ? [] : result.problems), ...toConfigProblems(found)]);
}

/** An API token scoped to an app that is not configured is a typo that would silently lock it out. */
function unknownTokenApps(config: AppConfig): Array<{ name: string; problem: string }> {
  const configured = new Set(config.apps.map((app) => app.appId));
  return config.apiTokens.flatMap(({ appIds }, index) =>
    (appIds ?? [])
      .filter((appId) => !configured.has(appId))
      .map((appId) => ({ name: 'API_TOKENS', problem: `entry ${index + 1} names ${appId}, which is not configured` })),
  );
}

/** An app of LARK_APPS_FILE that asks for the redirect flow needs OAUTH_REDIRECT_URI. */
function redirectWithoutUri(config: AppConfig): Array<{ name: string; problem: string }> {
  if (config.oauth.redirectUri !== undefined) return [];
  return config.apps
    .filter((app) => app.authFlow === 'redirect')
    .map((app) => ({
      name: 'LARK_APPS_FILE',
      problem: `${app.appId} uses authFlow redirect but OAUTH_REDIRECT_URI is unset; set it, or use device`,
    }));
}

/** Only the database variables (for the migration CLI, which must not need the Lark credentials). */
export function loadDatabaseConfig(
  env: NodeJS.ProcessEnv = process.env,
  options: LoadConfigOptions = {},
): AppConfig['database'] {
  const result = validateEnv(databaseEnvSchema, withDotenv(env, options), () => []);
  if (!result.ok) throw new ConfigValidationError(result.problems);
  return buildDatabaseConfig(result.value);
}

/** The database and the encryption keys only (for `npm run keys:rotate`). */
export function loadKeyRotationConfig(
  env: NodeJS.ProcessEnv = process.env,
  options: LoadConfigOptions = {},
): Pick<AppConfig, 'database' | 'encryptionKeys'> {
  const result = validateEnv(keyRotationEnvSchema, withDotenv(env, options), storageProblems);
  if (!result.ok) throw new ConfigValidationError(result.problems);
  return { database: buildDatabaseConfig(result.value), encryptionKeys: result.value.TOKEN_ENCRYPTION_KEYS ?? [] };
}

/** For entry points: an invalid configuration prints its one message (no stack trace) and exits with 1. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env, options: LoadConfigOptions = {}): AppConfig {
  return exitOnInvalidConfig(() => loadConfig(env, options));
}

export interface ExitIo {
  writeError(text: string): void;
  exit(code: number): never;
}

// Synchronous write, so the message is out before exit even when stderr is a pipe.
const processIo: ExitIo = { writeError: (text) => writeSync(2, text), exit: (code) => process.exit(code) };

export function exitOnInvalidConfig<T>(load: () => T, io: ExitIo = processIo): T {
  try {
    return load();
  } catch (error) {
    if (!(error instanceof ConfigValidationError)) throw error;
    io.writeError(`${error.message}\n`);
    return io.exit(1);
  }
}

function withDotenv(env: NodeJS.ProcessEnv, options: LoadConfigOptions): NodeJS.ProcessEnv {
  const path = options.dotenvPath ?? (env === process.env ? '.env' : false);
  if (path === false) return env;
  const file = resolve(path);
  if (!existsSync(file)) return env;
  const merged: NodeJS.ProcessEnv = parse(readFileSync(file));
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined) merged[name] = value;
  }
  return merged;
}
