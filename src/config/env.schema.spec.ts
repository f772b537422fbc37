import { AppConfig } from './app-config';
import { ConfigValidationError } from './config.errors';
import { loadConfig } from './load-config';

const KEY_A = Buffer.alloc(32, 1).toString('base64');
const KEY_B = Buffer.alloc(32, 2).toString('base64url');
const MINIMAL = { LARK_APP_ID: 'cli_0123456789abcdef', LARK_APP_SECRET: 'app-secret-value' };

function load(env: NodeJS.ProcessEnv): AppConfig {
  return loadConfig({ ...MINIMAL, ...env }, { dotenvPath: false });
}

function problemsOf(env: NodeJS.ProcessEnv, base: NodeJS.ProcessEnv = MINIMAL): ConfigValidationError['problems'] {
  try {
    loadConfig({ ...base, ...env }, { dotenvPath: false });
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.problems;
    throw error;
  }
  throw new Error('expected the configuration to be rejected');
}

function problemFor(name: string, env: NodeJS.ProcessEnv): string {
  const problems = problemsOf(env).filter((problem) => problem.name === name);
  expect(problems).toHaveLength(1);
  return problems[0]!.problem;
}

describe('env schema', () => {
  it('chooses the flow from AUTH_FLOW, or from whether OAUTH_REDIRECT_URI is set', () => {
    const redirect = { OAUTH_REDIRECT_URI: 'https://auth.example.com/callback' };
    expect(load(redirect).apps[0]?.authFlow).toBe('redirect');
    expect(load({ ...redirect, AUTH_FLOW: 'device' }).apps[0]?.authFlow).toBe('device');
    expect(load({ AUTH_FLOW: 'Device' }).apps[0]?.authFlow).toBe('device');
    expect(problemFor('AUTH_FLOW', { AUTH_FLOW: 'redirect' })).toMatch(/OAUTH_REDIRECT_URI is unset/);
    expect(problemFor('AUTH_FLOW', { AUTH_FLOW: 'browser' })).toMatch(/not one of redirect, device/);
  });

  it('fills in every default', () => {
    expect(load({})).toEqual({
      apps: [
        {
          appId: 'cli_0123456789abcdef',
          appSecret: 'app-secret-value',
          displayName: undefined,
          openBaseUrl: 'https://open.feishu.cn',
          accountsBaseUrl: 'https://accounts.feishu.cn',
          tokenUrl: 'https://open.feishu.cn/open-apis/authen/v2/oauth/token',
          scopes: ['auth:user.id:read', 'offline_access'],
          locale: 'zh_cn',
          authFlow: 'device',
        },
      ],
      lark: { httpTimeoutMs: 10000, wsPingTimeoutSeconds: 10 },
      oauth: { redirectUri: undefined },
      server: { enabled: true, host: '0.0.0.0', port: 8000 },
      database: { url: undefined, pgliteDataDir: './data/pglite', migrationsRun: true },
      encryptionKeys: [],
      session: { ttlSeconds: 600, retentionDays: 30, cleanupCron: '0 3 * * *' },
      tokens: { refreshThreshold: 0.1, sweepSeconds: 30, feishuRatePerSecond: 40, healthCheckIntervalMinutes: 10 },
      jobsEnabled: true,
      apiTokens: [],
      metricsToken: undefined,
      log: { level: 'info', format: 'json' },
    } satisfies AppConfig);
  });

  it('reads every variable when set', () => {
    const config = load({
      LARK_DOMAIN: 'lark',
      FEISHU_HTTP_TIMEOUT_MS: '2500',
      OAUTH_REDIRECT_URI: 'https://auth.example.com/oauth/callback',
      OAUTH_SCOPES: 'contact:user.base:readonly',
      CALLBACK_SERVER_ENABLED: 'no',
      CALLBACK_SERVER_HOST: '127.0.0.1',
      CALLBACK_SERVER_PORT: '0',
      DATABASE_URL: 'postgresql://svc:pw@db.internal:5432/auth',
      PGLITE_DATA_DIR: '/var/lib/lark/pglite',
      MIGRATIONS_RUN: '0',
      TOKEN_ENCRYPTION_KEYS: `k2:${KEY_B}, k1:${KEY_A}`,
      AUTH_SESSION_TTL_SECONDS: '120',
      TOKEN_REFRESH_THRESHOLD: '0.25',
      TOKEN_REFRESH_SWEEP_SECONDS: '5',
      FEISHU_TOKEN_RATE_PER_SECOND: '50',
      SESSION_RETENTION_DAYS: '7',
      SESSION_CLEANUP_CRON: '0  */5 * * * *',
      HEALTH_CHECK_INTERVAL_MINUTES: '1',
      JOBS_ENABLED: 'FALSE',
      API_TOKENS: 'aaaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbbbbbb',
      METRICS_TOKEN: 'metrics-bearer',
      LOG_LEVEL: 'DEBUG',
      LOG_FORMAT: 'pretty',
    });
    expect(config.lark).toEqual({ httpTimeoutMs: 2500, wsPingTimeoutSeconds: 10 });
    expect(config.apps[0]).toMatchObject({
      openBaseUrl: 'https://open.larksuite.com',
      scopes: ['contact:user.base:readonly', 'offline_access'],
      authFlow: 'redirect',
    });
    expect(config.oauth).toEqual({ redirectUri: 'https://auth.example.com/oauth/callback' });
    expect(config.server).toEqual({ enabled: false, host: '127.0.0.1', port: 0 });
    expect(config.database).toEqual({
      url: 'postgresql://svc:pw@db.internal:5432/auth',
      pgliteDataDir: '/var/lib/lark/pglite',
      migrationsRun: false,
    });
    expect(config.encryptionKeys).toEqual([
      { kid: 'k2', key: Buffer.alloc(32, 2) },
      { kid: 'k1', key: Buffer.alloc(32, 1) },
    ]);
    expect(config.session).toEqual({ ttlSeconds: 120, retentionDays: 7, cleanupCron: '0 */5 * * * *' });
    expect(config.tokens).toEqual({
      refreshThreshold: 0.25,
      sweepSeconds: 5,
      feishuRatePerSecond: 50,
      healthCheckIntervalMinutes: 1,
    });
    expect(config.jobsEnabled).toBe(false);
    expect(config.apiTokens).toEqual([
      { token: 'aaaaaaaaaaaaaaaa', appIds: undefined },
      { token: 'bbbbbbbbbbbbbbbbbbbb', appIds: undefined },
    ]);
    expect(config.metricsToken).toBe('metrics-bearer');
    expect(config.log).toEqual({ level: 'debug', format: 'pretty' });
  });

  it('treats empty and blank values as unset', () => {
    const config = load({ LARK_DOMAIN: '', CALLBACK_SERVER_PORT: '  ', METRICS_TOKEN: '', API_TOKENS: '' });
    expect(config.apps[0]!.openBaseUrl).toBe('https://open.feishu.cn');
    expect(config.server.port).toBe(8000);
    expect(config.metricsToken).toBeUndefined();
    expect(config.apiTokens).toEqual([]);
    expect(problemFor('LARK_APP_SECRET', { LARK_APP_SECRET: '' })).toBe('is missing');
  });

  describe('LARK_APP_ID', () => {
    it.each(['cli_0123456789ABCDEF', 'cli_a5d611352af9d00b'])('accepts %s', (appId) => {
      expect(load({ LARK_APP_ID: appId }).apps[0]!.appId).toBe(appId);
    });

    it.each(['0123456789abcdef', 'cli_123', 'cli_0123456789abcdeg', 'app_0123456789abcdef'])(
      'rejects %s naming the pattern',
      (appId) => {
        expect(problemFor('LARK_APP_ID', { LARK_APP_ID: appId })).toContain('^cli_[0-9a-fA-F]{16}$');
      },
    );
  });

  describe('Lark domain and endpoints', () => {
    it('maps feishu and lark to their open and accounts hosts', () => {
      expect(load({ LARK_DOMAIN: 'Feishu' }).apps[0]).toMatchObject({
        openBaseUrl: 'https://open.feishu.cn',
        accountsBaseUrl: 'https://accounts.feishu.cn',
        tokenUrl: 'https://open.feishu.cn/open-apis/authen/v2/oauth/token',
      });
      expect(load({ LARK_DOMAIN: 'lark' }).apps[0]).toMatchObject({
        openBaseUrl: 'https://open.larksuite.com',
        accountsBaseUrl: 'https://accounts.larksuite.com',
        tokenUrl: 'https://open.larksuite.com/open-apis/authen/v2/oauth/token',
      });
    });

    it('uses a custom URL for everything, without its trailing slash', () => {
      expect(load({ LARK_DOMAIN: 'http://127.0.0.1:9000/' }).apps[0]).toMatchObject({
        openBaseUrl: 'http://127.0.0.1:9000',
        accountsBaseUrl: 'http://127.0.0.1:9000',
        tokenUrl: 'http://127.0.0.1:9000/open-apis/authen/v2/oauth/token',
      });
    });

    it('recognises the public open-platform URLs as their named domain', () => {
      expect(load({ LARK_DOMAIN: 'https://open.larksuite.com/' }).apps[0]!.accountsBaseUrl).toBe(
        'https://accounts.larksuite.com',
      );
    });

    it('accepts FEISHU_API_BASE_URL as an alias, and agrees when both name the same server', () => {
      expect(load({ FEISHU_API_BASE_URL: 'http://sim:9000' }).apps[0]!.openBaseUrl).toBe('http://sim:9000');
      expect(load({ LARK_DOMAIN: 'feishu', FEISHU_API_BASE_URL: 'https://open.feishu.cn' }).apps[0]!.openBaseUrl).toBe(
        'https://open.feishu.cn',
      );
      expect(
        problemFor('FEISHU_API_BASE_URL', { LARK_DOMAIN: 'lark', FEISHU_API_BASE_URL: 'http://sim:9000' }),
      ).toMatch(/different server than LARK_DOMAIN/);
    });

    it('lets LARK_ACCOUNTS_URL and LARK_TOKEN_URL override the derived URLs (the v3 token endpoint)', () => {
      expect(
        load({
          LARK_ACCOUNTS_URL: 'https://accounts.example.com/',
          LARK_TOKEN_URL: 'https://accounts.feishu.cn/oauth/v3/token',
        }).apps[0],
      ).toMatchObject({
        openBaseUrl: 'https://open.feishu.cn',
        accountsBaseUrl: 'https://accounts.example.com',
        tokenUrl: 'https://accounts.feishu.cn/oauth/v3/token',
      });
    });

    it.each([
      ['LARK_DOMAIN', 'feishu.cn', /neither feishu, lark nor an http\(s\) URL/],
      ['LARK_DOMAIN', 'ftp://files.example.com', /neither feishu, lark nor an http\(s\) URL/],
      ['LARK_DOMAIN', 'https://example.com/?x=1', /query/],
      ['LARK_ACCOUNTS_URL', 'accounts.feishu.cn', /not an absolute URL/],
      ['LARK_TOKEN_URL', 'ws://example.com/token', /http/],
    ])('rejects %s=%s', (name, value, problem) => {
      expect(problemFor(name, { [name]: value })).toMatch(problem);
    });
  });

  describe('OAuth', () => {
    it('always includes offline_access, splitting on spaces and commas, without duplicates', () => {
      expect(load({ OAUTH_SCOPES: 'a:b, c:d  a:b' }).apps[0]!.scopes).toEqual(['a:b', 'c:d', 'offline_access']);
      expect(load({ OAUTH_SCOPES: 'offline_access,x:y' }).apps[0]!.scopes).toEqual(['offline_access', 'x:y']);
      expect(load({ OAUTH_SCOPES: 'offline_access' }).apps[0]!.scopes).toEqual(['offline_access']);
    });

    it('rejects scope names with odd characters and more than 50 scopes', () => {
      expect(problemFor('OAUTH_SCOPES', { OAUTH_SCOPES: 'a:b <script>' })).toMatch(/not a valid scope name/);
      const many = Array.from({ length: 50 }, (_, i) => `scope:${i}`).join(' ');
      expect(problemFor('OAUTH_SCOPES', { OAUTH_SCOPES: many })).toMatch(/at most 50/);
    });

    it.each([
      ['/callback', /not an absolute URL/],
      ['ftp://example.com/callback', /http/],
      ['https://example.com/callback#top', /fragment/],
    ])('rejects OAUTH_REDIRECT_URI=%s', (value, problem) => {
      expect(problemFor('OAUTH_REDIRECT_URI', { OAUTH_REDIRECT_URI: value })).toMatch(problem);
    });
  });

  describe('numbers, booleans and choices', () => {
    it.each([
      ['CALLBACK_SERVER_PORT', '65536'],
      ['CALLBACK_SERVER_PORT', '-1'],
      ['CALLBACK_SERVER_PORT', '80.5'],
      ['CALLBACK_SERVER_PORT', 'http'],
      ['FEISHU_TOKEN_RATE_PER_SECOND', '0'],
      ['FEISHU_TOKEN_RATE_PER_SECOND', '51'],
      ['AUTH_SESSION_TTL_SECONDS', '0'],
      ['TOKEN_REFRESH_SWEEP_SECONDS', '0'],
      ['SESSION_RETENTION_DAYS', '0'],
      ['HEALTH_CHECK_INTERVAL_MINUTES', 'ten'],
      ['FEISHU_HTTP_TIMEOUT_MS', '10'],
      ['TOKEN_REFRESH_THRESHOLD', '0'],
      ['TOKEN_REFRESH_THRESHOLD', '1'],
      ['TOKEN_REFRESH_THRESHOLD', '0.1x'],
      ['JOBS_ENABLED', 'maybe'],
      ['CALLBACK_SERVER_ENABLED', 'on'],
      ['MIGRATIONS_RUN', '2'],
      ['LOG_LEVEL', 'verbose'],
      ['LOG_FORMAT', 'text'],
      ['SESSION_CLEANUP_CRON', '0 3 * *'],
      ['SESSION_CLEANUP_CRON', '0 3 * * * * *'],
      ['SESSION_CLEANUP_CRON', '0 3 * * ;'],
    ])('rejects %s=%s', (name, value) => {
      expect(problemFor(name, { [name]: value })).toEqual(expect.any(String));
    });

    it.each([
      ['true', true],
      ['1', true],
      ['YES', true],
      ['false', false],
      ['0', false],
      ['no', false],
    ])('reads the boolean %s', (value, expected) => {
      expect(load({ JOBS_ENABLED: value }).jobsEnabled).toBe(expected);
    });
  });

  describe('DATABASE_URL and TOKEN_ENCRYPTION_KEYS', () => {
    it('accepts postgres:// and postgresql:// only', () => {
      expect(load({ DATABASE_URL: 'postgres://h/db', TOKEN_ENCRYPTION_KEYS: `k1:${KEY_A}` }).database.url).toBe(
        'postgres://h/db',
      );
      expect(
        problemFor('DATABASE_URL', { DATABASE_URL: 'mysql://h/db', TOKEN_ENCRYPTION_KEYS: `k1:${KEY_A}` }),
      ).toMatch(/postgres:\/\//);
    });

    it('refuses DATABASE_URL without TOKEN_ENCRYPTION_KEYS', () => {
      expect(problemFor('TOKEN_ENCRYPTION_KEYS', { DATABASE_URL: 'postgres://h/db' })).toMatch(
        /with DATABASE_URL the service refuses to start without TOKEN_ENCRYPTION_KEYS/,
      );
    });

    it('allows embedded mode without keys', () => {
      expect(load({}).encryptionKeys).toEqual([]);
    });

    it.each([
      ['no colon', KEY_A, /form kid:base64key/],
      ['a bad kid', `bad kid!:${KEY_A}`, /key id/],
      ['a 33-character kid', `${'k'.repeat(33)}:${KEY_A}`, /key id/],
      ['a short key', `k1:${Buffer.alloc(16).toString('base64')}`, /16 bytes; AES-256 needs exactly 32/],
      ['a long key', `k1:${Buffer.alloc(33).toString('base64')}`, /33 bytes/],
      ['junk instead of base64', 'k1:not base64 at all!', /not valid base64/],
      ['a repeated kid', `k1:${KEY_A},k1:${KEY_B}`, /repeats the key id of entry 1/],
      ['only commas', ',,', /contains no key/],
    ])('rejects %s', (_case, value, problem) => {
      expect(problemFor('TOKEN_ENCRYPTION_KEYS', { TOKEN_ENCRYPTION_KEYS: value })).toMatch(problem);
    });
  });

  it('rejects API tokens shorter than 16 characters, naming the entry by position', () => {
    expect(problemFor('API_TOKENS', { API_TOKENS: 'aaaaaaaaaaaaaaaa,short' })).toBe(
      'entry 2 is shorter than 16 characters',
    );
  });

  it('lists every problem at once, in variable order, each with what is allowed', () => {
    const problems = problemsOf(
      {
        LOG_FORMAT: 'xml',
        CALLBACK_SERVER_PORT: '99999',
        TOKEN_ENCRYPTION_KEYS: 'k1:AAAA,k1:AAAA',
        LARK_DOMAIN: 'nowhere',
      },
      {},
    );
    expect(problems.map((problem) => problem.name)).toEqual([
      'LARK_APP_ID',
      'LARK_APP_SECRET',
      'LARK_DOMAIN',
      'CALLBACK_SERVER_PORT',
      'TOKEN_ENCRYPTION_KEYS',
      'TOKEN_ENCRYPTION_KEYS',
      'LOG_FORMAT',
    ]);
    for (const problem of problems) expect(problem.allowed).not.toBe('');
  });

  it('formats one readable message with the count and one line per problem', () => {
    let error: unknown;
    try {
      loadConfig({ LOG_LEVEL: 'loud' }, { dotenvPath: false });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigValidationError);
    const validation = error as ConfigValidationError;
    expect(validation.code).toBe('CONFIG_INVALID');
    expect(validation.message.split('\n')).toEqual([
      'Invalid configuration (3 problems):',
      expect.stringMatching(/^ {2}- LARK_APP_ID: is missing \(allowed: \^cli_/),
      expect.stringMatching(/^ {2}- LARK_APP_SECRET: is missing \(allowed: /),
      '  - LOG_LEVEL: "loud" is not one of fatal, error, warn, info, debug, trace (allowed: fatal, error, warn, info, debug or trace)',
    ]);
  });

  it('never echoes a secret value in a problem', () => {
    const secrets = {
      LARK_APP_SECRET: 'app-secret-🔑-value',
      DATABASE_URL: 'postgres://svc:Hunter2Password@[db.internal:5432/auth',
      TOKEN_ENCRYPTION_KEYS: `kidsecretkeymaterial0123456789:c2VjcmV0LWtleS1tYXRlcmlhbA==,${KEY_A}`,
      API_TOKENS: 'tok-abcdef,tok-0123456789 with space',
      METRICS_TOKEN: 'metrics secret',
    };
    const problems = problemsOf({ ...secrets, LARK_DOMAIN: 'https://user:DomainPass@example.com' }, {});
    expect(problems.map((problem) => problem.name)).toEqual(
      expect.arrayContaining(['DATABASE_URL', 'TOKEN_ENCRYPTION_KEYS', 'API_TOKENS', 'METRICS_TOKEN', 'LARK_DOMAIN']),
    );
    const text = JSON.stringify(problems);
    for (const fragment of [
      'Hunter2Password',
      'c2VjcmV0LWtleS1tYXRlcmlhbA',
      KEY_A,
      'kidsecretkeymaterial',
      'tok-abcdef',
      'tok-0123456789',
      'metrics secret',
      'DomainPass',
      'app-secret',
    ]) {
      expect(text).not.toContain(fragment);
    }
  });
});
