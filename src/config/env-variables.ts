/** One environment variable: what it means, its default and what values are allowed (shown in every problem). */
export interface EnvVariable {
  name: string;
  /** The raw default as it would be written in .env; undefined = no default. */
  default?: string;
  allowed: string;
  description: string;
  /** Never echoed in a problem, a log line or an error message. */
  secret: boolean;
  /** The service does not start without it. */
  required?: boolean;
}

/** Every variable the service reads, in the order of .env.example and docs/configuration.md. */
export const ENV_VARIABLES = [
  {
    name: 'LARK_APPS_FILE',
    allowed:
      'path of a JSON list [{appId, appSecret, domain?, scopes?, locale?, displayName?, authFlow?}]; appSecret inline or ' +
      '"env:VAR_NAME"; unique appIds; not together with LARK_APP_ID/LARK_APP_SECRET',
    description:
      'Several Feishu/Lark apps served by one service (see "Several apps" below). Unset: the one app of ' +
      'LARK_APP_ID/LARK_APP_SECRET. Per app, domain defaults to LARK_DOMAIN, scopes to OAUTH_SCOPES, locale to zh_cn.',
    secret: false,
  },
  {
    name: 'LARK_APP_ID',
    allowed: '^cli_[0-9a-fA-F]{16}$ ("cli_" + 16 hex digits, e.g. cli_0123456789abcdef); or set LARK_APPS_FILE',
    description:
      'App ID of the Feishu/Lark app (console → Credentials); the one-app shorthand of LARK_APPS_FILE. ' +
      'Required unless LARK_APPS_FILE is set.',
    secret: false,
  },
  {
    name: 'LARK_APP_SECRET',
    allowed: 'the app secret from the developer console (non-empty); or set LARK_APPS_FILE',
    description: 'App secret of the Feishu/Lark app. Required unless LARK_APPS_FILE is set.',
    secret: true,
  },
  {
    name: 'LARK_DOMAIN',
    default: 'feishu',
    allowed: 'feishu, lark, or an http(s) URL without query (e.g. http://127.0.0.1:9000 for the simulator)',
    description: 'Open Platform: feishu = open.feishu.cn, lark = open.larksuite.com, a URL = that server.',
    secret: false,
  },
  {
    name: 'FEISHU_API_BASE_URL',
    allowed: 'same as LARK_DOMAIN (legacy alias; must agree with LARK_DOMAIN when both are set)',
    description: 'Legacy name of LARK_DOMAIN, accepted for compatibility with the original service.',
    secret: false,
  },
  {
    name: 'LARK_ACCOUNTS_URL',
    allowed: 'an http(s) URL; default https://accounts.feishu.cn, https://accounts.larksuite.com or the custom domain',
    description: 'Host of the OAuth consent page (/open-apis/authen/v1/authorize).',
    secret: false,
  },
  {
    name: 'LARK_TOKEN_URL',
    allowed: 'an http(s) URL; default {open base}/open-apis/authen/v2/oauth/token; v3: {accounts}/oauth/v3/token',
    description: 'OAuth token endpoint for the code exchange and refreshes.',
    secret: false,
  },
  {
    name: 'FEISHU_HTTP_TIMEOUT_MS',
    default: '10000',
    allowed: 'a whole number of milliseconds from 100 to 120000',
    description: 'Timeout of each HTTP request to Feishu.',
    secret: false,
  },
  {
    name: 'LARK_WS_PING_TIMEOUT_SECONDS',
    default: '10',
    allowed: 'a whole number of seconds from 1 to 600',
    description:
      'How long the long connection waits for any frame after a ping before it drops the socket and reconnects, so a connection that went silent without closing is found within one ping interval plus this.',
    secret: false,
  },
  {
    name: 'OAUTH_REDIRECT_URI',
    allowed: 'an absolute http(s) URL without #fragment, registered in the console (Security → Redirect URLs)',
    description:
      'Where Feishu sends the browser after consent (the redirect flow); its path is the callback route. Register ' +
      'it in the console (Security → Redirect URLs). Unset: the service needs no public URL and uses the device flow.',
    secret: false,
  },
  {
    name: 'AUTH_FLOW',
    allowed: 'redirect or device; redirect needs OAUTH_REDIRECT_URI',
    description:
      'How users authorize (docs/device-flow.md): redirect = consent page and callback on OAUTH_REDIRECT_URI; ' +
      'device = the OAuth device flow, polled by the service, no public URL. Default: redirect when ' +
      'OAUTH_REDIRECT_URI is set, device otherwise. An app of LARK_APPS_FILE may set its own authFlow.',
    secret: false,
  },
  {
    name: 'OAUTH_SCOPES',
    default: 'auth:user.id:read offline_access',
    allowed: 'scopes separated by spaces or commas (at most 50); offline_access is always added',
    description: 'Scopes requested on the consent page.',
    secret: false,
  },
  {
    name: 'CALLBACK_SERVER_ENABLED',
    default: 'true',
    allowed: 'true, false, 1, 0, yes or no',
    description: 'Start the HTTP server (callback, REST API, metrics, health).',
    secret: false,
  },
  {
    name: 'CALLBACK_SERVER_HOST',
    default: '0.0.0.0',
    allowed: 'a host name or IP address to listen on',
    description: 'Listen address of the HTTP server.',
    secret: false,
  },
  {
    name: 'CALLBACK_SERVER_PORT',
    default: '8000',
    allowed: 'a whole number from 0 to 65535 (0 = any free port)',
    description: 'Listen port of the HTTP server.',
    secret: false,
  },
  {
    name: 'DATABASE_URL',
    allowed: 'postgres://user:password@host:port/database (or postgresql://); unset = embedded PGlite',
    description: 'Postgres connection string. Unset: embedded PGlite in PGLITE_DATA_DIR.',
    secret: true,
  },
  {
    name: 'PGLITE_DATA_DIR',
    default: './data/pglite',
    allowed: 'a directory path (created if missing)',
    description: 'Data directory of the embedded PGlite database (only without DATABASE_URL).',
    secret: false,
  },
  {
    name: 'MIGRATIONS_RUN',
    default: 'true',
    allowed: 'true, false, 1, 0, yes or no',
    description: 'Apply pending database migrations at start. With false, run `npm run migration:run` yourself.',
    secret: false,
  },
  {
    name: 'TOKEN_ENCRYPTION_KEYS',
    allowed: 'kid:base64key[,kid:base64key…]; kid [A-Za-z0-9_-]{1,32}, unique; each key exactly 32 bytes after base64',
    description:
      'AES-256-GCM keys for tokens at rest; the first encrypts. Required with DATABASE_URL; ' +
      'unset in embedded mode → a key file (0600) is generated next to PGLITE_DATA_DIR.',
    secret: true,
  },
  {
    name: 'AUTH_SESSION_TTL_SECONDS',
    default: '600',
    allowed: 'a whole number of seconds from 1 to 86400',
    description: 'How long an authorization card stays valid.',
    secret: false,
  },
  {
    name: 'TOKEN_REFRESH_THRESHOLD',
    default: '0.1',
    allowed: 'a number greater than 0 and less than 1',
    description: 'Refresh when this fraction of the access token lifetime remains.',
    secret: false,
  },
  {
    name: 'TOKEN_REFRESH_SWEEP_SECONDS',
    default: '30',
    allowed: 'a whole number of seconds from 1 to 3600',
    description: 'Interval of the background refresh sweep.',
    secret: false,
  },
  {
    name: 'FEISHU_TOKEN_RATE_PER_SECOND',
    default: '40',
    allowed: 'a whole number from 1 to 50 (Feishu allows 50/s)',
    description: 'Budget of token endpoint calls per second and app.',
    secret: false,
  },
  {
    name: 'SESSION_RETENTION_DAYS',
    default: '30',
    allowed: 'a whole number of days from 1 to 3650',
    description: 'Finished authorization sessions older than this are deleted.',
    secret: false,
  },
  {
    name: 'SESSION_CLEANUP_CRON',
    default: '0 3 * * *',
    allowed: 'a cron expression with 5 fields (or 6 with seconds first), e.g. "0 3 * * *"',
    description: 'When the session cleanup job runs.',
    secret: false,
  },
  {
    name: 'HEALTH_CHECK_INTERVAL_MINUTES',
    default: '10',
    allowed: 'a whole number of minutes from 1 to 1440',
    description: 'Interval of the token health probe.',
    secret: false,
  },
  {
    name: 'JOBS_ENABLED',
    default: 'true',
    allowed: 'true, false, 1, 0, yes or no',
    description: 'Run the background jobs (refresh sweep, expiry, cleanup, health probe) on this replica.',
    secret: false,
  },
  {
    name: 'API_TOKENS',
    default: '',
    allowed:
      'comma-separated bearer tokens, each at least 16 characters, no spaces, optionally followed by @ and a ' +
      '|-separated list of configured app ids (token@cli_a|cli_b); empty = /api answers 503',
    description: 'Bearer tokens accepted by the REST API; a token with an app list may use only those apps.',
    secret: true,
  },
  {
    name: 'METRICS_TOKEN',
    allowed: 'any non-empty string without spaces; unset = /metrics is open',
    description: 'Bearer token required by /metrics when set.',
    secret: true,
  },
  {
    name: 'LOG_LEVEL',
    default: 'info',
    allowed: 'fatal, error, warn, info, debug or trace',
    description: 'Lowest level that is logged.',
    secret: false,
  },
  {
    name: 'LOG_FORMAT',
    default: 'json',
    allowed: 'json or pretty',
    description: 'One JSON object per line, or human-readable lines.',
    secret: false,
  },
] as const satisfies readonly EnvVariable[];

export type EnvName = (typeof ENV_VARIABLES)[number]['name'];

export const ENV_NAMES: readonly EnvName[] = ENV_VARIABLES.map((variable) => variable.name);

const BY_NAME = new Map<string, EnvVariable>(ENV_VARIABLES.map((variable) => [variable.name, variable]));

export function envVariable(name: string): EnvVariable | undefined {
  return BY_NAME.get(name);
}

/** The documented default of a variable: the one place defaults are written down. */
export function defaultOf(name: EnvName): string {
  const fallback = BY_NAME.get(name)?.default;
  if (fallback === undefined) throw new Error(`${name} has no default in ENV_VARIABLES`);
  return fallback;
}
