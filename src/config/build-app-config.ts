import { DEFAULT_LOCALE } from '../common/locale';
import { AppConfig, AppSettings } from './app-config';
import { AppEntry } from './apps-file';
import { DatabaseEnv, Env } from './env.schema';
import { FEISHU, resolveLarkEndpoints } from './lark-endpoints';

export function buildDatabaseConfig(env: DatabaseEnv): AppConfig['database'] {
  return { url: env.DATABASE_URL, pgliteDataDir: env.PGLITE_DATA_DIR, migrationsRun: env.MIGRATIONS_RUN };
}

/**
 * Maps the validated variables onto the AppConfig shape; no validation happens here. `fileApps` are the entries of
 * LARK_APPS_FILE; without it the one app comes from LARK_APP_ID / LARK_APP_SECRET.
 */
export function buildAppConfig(env: Env, fileApps?: AppEntry[]): AppConfig {
  const shorthand: AppEntry = {
    appId: env.LARK_APP_ID ?? '',
    appSecret: env.LARK_APP_SECRET ?? '',
    domain: undefined,
    scopes: undefined,
    locale: undefined,
    displayName: undefined,
    authFlow: undefined,
  };
  return {
    apps: (fileApps ?? [shorthand]).map((entry) => resolveApp(entry, env)),
    lark: { httpTimeoutMs: env.FEISHU_HTTP_TIMEOUT_MS, wsPingTimeoutSeconds: env.LARK_WS_PING_TIMEOUT_SECONDS },
    oauth: { redirectUri: env.OAUTH_REDIRECT_URI },
    server: { enabled: env.CALLBACK_SERVER_ENABLED, host: env.CALLBACK_SERVER_HOST, port: env.CALLBACK_SERVER_PORT },
    database: buildDatabaseConfig(env),
    encryptionKeys: env.TOKEN_ENCRYPTION_KEYS ?? [],
    session: {
      ttlSeconds: env.AUTH_SESSION_TTL_SECONDS,
      retentionDays: env.SESSION_RETENTION_DAYS,
      cleanupCron: env.SESSION_CLEANUP_CRON,
    },
    tokens: {
      refreshThreshold: env.TOKEN_REFRESH_THRESHOLD,
      sweepSeconds: env.TOKEN_REFRESH_SWEEP_SECONDS,
      feishuRatePerSecond: env.FEISHU_TOKEN_RATE_PER_SECOND,
      healthCheckIntervalMinutes: env.HEALTH_CHECK_INTERVAL_MINUTES,
    },
    jobsEnabled: env.JOBS_ENABLED,
    apiTokens: env.API_TOKENS,
    metricsToken: env.METRICS_TOKEN,
    log: { level: env.LOG_LEVEL, format: env.LOG_FORMAT },
  };
}

/** An app's own domain takes its endpoints from that domain; otherwise the service-wide variables apply. */
function resolveApp(entry: AppEntry, env: Env): AppSettings {
  const endpoints = entry.domain
    ? resolveLarkEndpoints(entry.domain)
    : resolveLarkEndpoints(
        env.LARK_DOMAIN ?? env.FEISHU_API_BASE_URL ?? FEISHU,
        env.LARK_ACCOUNTS_URL,
        env.LARK_TOKEN_URL,
      );
  return {
    appId: entry.appId,
    appSecret: entry.appSecret,
    displayName: entry.displayName,
    ...endpoints,
    scopes: entry.scopes ?? env.OAUTH_SCOPES,
    locale: entry.locale ?? DEFAULT_LOCALE,
    authFlow: entry.authFlow ?? env.AUTH_FLOW ?? (env.OAUTH_REDIRECT_URI ? 'redirect' : 'device'),
  };
}
