import type { LogFormat, LogLevel } from '../common/logging/app-logger';

export interface EncryptionKey {
  kid: string;
  key: Buffer;
}

/** The validated configuration; built once at start by loadConfig() and injected as APP_CONFIG. */
export interface AppConfig {
  lark: {
    appId: string;
    appSecret: string;
    /** Open API base: https://open.feishu.cn, https://open.larksuite.com or a URL (the simulator). No trailing slash. */
    openBaseUrl: string;
    /** Host of the consent page: https://accounts.feishu.cn, or the URL itself for a custom domain. */
    accountsBaseUrl: string;
    /** OAuth token endpoint; v2 by default, the v3 URL by LARK_TOKEN_URL. */
    tokenUrl: string;
    /** Timeout of each HTTP request we make to Feishu (FEISHU_HTTP_TIMEOUT_MS, default 10000). */
    httpTimeoutMs: number;
  };
  oauth: {
    redirectUri: string;
    /** Always contains offline_access. */
    scopes: string[];
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
  apiTokens: string[];
  metricsToken: string | undefined;
  log: {
    level: LogLevel;
    format: LogFormat;
  };
}

export const APP_CONFIG = Symbol('APP_CONFIG');
