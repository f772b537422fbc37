import type { Locale } from '../common/locale';
import type { LogFormat, LogLevel } from '../common/logging/app-logger';
import type { ScopedToken } from './env-parsers';

/** How users of an app authorize: consent page + callback, or the OAuth device flow (docs/device-flow.md). */
export const AUTH_FLOWS = ['redirect', 'device'] as const;
export type AuthFlow = (typeof AUTH_FLOWS)[number];

export interface EncryptionKey {
  kid: string;
  key: Buffer;
}

/**
 * One configured Feishu app, fully resolved (defaults applied): from LARK_APPS_FILE, or the one app of the
 * LARK_APP_ID / LARK_APP_SECRET shorthand. Everything that differs between apps lives here.
 */
export interface AppSettings {
  appId: string;
  appSecret: string;
  /** Shown on the cards and the result page; undefined = the app's id is not shown either. */
  displayName: string | undefined;
  /** Open API base: https://open.feishu.cn, https://open.larksuite.com or a URL (the simulator). No trailing slash. */
  openBaseUrl: string;
  /** Host of the consent page: https://accounts.feishu.cn, or the URL itself for a custom domain. */
  accountsBaseUrl: string;
  /** OAuth token endpoint; v2 by default, the v3 URL by LARK_TOKEN_URL. */
  tokenUrl: string;
  /** Scopes requested when a request names none; always contains offline_access. */
  scopes: string[];
  /** Language of the cards when a request names none. */
  locale: Locale;
  authFlow: AuthFlow;
}

/** A REST API bearer token; `appIds` undefined = every configured app. */
export type ApiToken = ScopedToken;

/** The validated configuration; built once at start by loadConfig() and injected as APP_CONFIG. */
export interface AppConfig {
  /** At least one; ids are unique. The order is the configuration's (the first is listed first). */
  apps: AppSettings[];
  lark: {
    /** Timeout of each HTTP request we make to Feishu (FEISHU_HTTP_TIMEOUT_MS, default 10000). */
    httpTimeoutMs: number;
    /** Silence after a ping that drops the long connection (LARK_WS_PING_TIMEOUT_SECONDS, default 10). */
    wsPingTimeoutSeconds: number;
  };
  oauth: {
    /** Unset when no app uses the redirect flow (the service then has no public URL). */
    redirectUri: string | undefined;
  };
  server: {
    enabled: boolean;
    host: string;
    port: number;
  };
  database: {
    /** Unset → embedded PGlite in pgliteDataDir. */
    url: string | undefined;
    pgliteDataDir: string;
    migrationsRun: boolean;
  };
  /** First key encrypts; empty when TOKEN_ENCRYPTION_KEYS is unset (embedded mode generates a key file). */
  encryptionKeys: EncryptionKey[];
  session: {
    ttlSeconds: number;
    retentionDays: number;
    cleanupCron: string;
  };
  tokens: {
    refreshThreshold: number;
    sweepSeconds: number;
    feishuRatePerSecond: number;
    healthCheckIntervalMinutes: number;
  };
  jobsEnabled: boolean;
  apiTokens: ApiToken[];
  metricsToken: string | undefined;
  log: {
    level: LogLevel;
    format: LogFormat;
  };
}

export const APP_CONFIG = Symbol('APP_CONFIG');
