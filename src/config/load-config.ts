import { existsSync, readFileSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';

import { parse } from 'dotenv';

import { AppConfig } from './app-config';
import { buildAppConfig, buildDatabaseConfig } from './build-app-config';
import { ConfigValidationError } from './config.errors';
import { databaseEnvSchema, envSchema, keyRotationEnvSchema, validateEnv } from './env.schema';

export interface LoadConfigOptions {
  /**
   * A .env file whose variables fill in what `env` leaves unset (never overriding), or false for none.
   * Default: `.env` in the working directory when `env` is process.env, none for any other object, so a
   * test that passes its own env is hermetic.
   */
  dotenvPath?: string | false;
}

/** Validates the whole environment at once; throws ConfigValidationError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, options: LoadConfigOptions = {}): AppConfig {
  const result = validateEnv(envSchema, withDotenv(env, options));
  if (!result.ok) throw new ConfigValidationError(result.problems);
  return buildAppConfig(result.value);
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
  const result = validateEnv(keyRotationEnvSchema, withDotenv(env, options));
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
