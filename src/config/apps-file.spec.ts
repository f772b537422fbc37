import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { ConfigValidationError } from './config.errors';
import { loadConfig } from './load-config';

const APP_A = 'cli_0123456789abcdef';
const APP_B = 'cli_fedcba9876543210';

describe('LARK_APPS_FILE', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'apps-file-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function withFile(apps: unknown, env: Record<string, string> = {}) {
    const file = path.join(dir, 'apps.json');
    writeFileSync(file, typeof apps === 'string' ? apps : JSON.stringify(apps));
    return () => loadConfig({ LARK_APPS_FILE: file, ...env }, { dotenvPath: false });
  }

  function problemsOf(load: () => unknown): string[] {
    try {
      load();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigValidationError);
      return (error as ConfigValidationError).problems.map(({ name, problem }) => `${name}: ${problem}`);
    }
    throw new Error('the configuration was accepted');
  }

  it('resolves every app, with defaults from the service-wide variables and secrets from env:VAR', () => {
    const config = withFile(
      [
        { appId: APP_A, appSecret: 'secret-a', displayName: 'Bot A' },
        {
          appId: APP_B,
          appSecret: 'env:BOT_B_SECRET',
          domain: 'lark',
          scopes: 'docx:document',
          locale: 'en_us',
          authFlow: 'redirect',
        },
      ],
      {
        BOT_B_SECRET: 'secret-b',
        LARK_DOMAIN: 'http://127.0.0.1:9000',
        OAUTH_SCOPES: 'contact:user.base:readonly',
        OAUTH_REDIRECT_URI: 'https://auth.example.com/callback',
        AUTH_FLOW: 'device',
      },
    )();
    expect(config.apps).toEqual([
      {
        appId: APP_A,
        appSecret: 'secret-a',
        displayName: 'Bot A',
        openBaseUrl: 'http://127.0.0.1:9000',
        accountsBaseUrl: 'http://127.0.0.1:9000',
        tokenUrl: 'http://127.0.0.1:9000/open-apis/authen/v2/oauth/token',
        scopes: ['contact:user.base:readonly', 'offline_access'],
        locale: 'zh_cn',
        authFlow: 'device',
      },
      {
        appId: APP_B,
        appSecret: 'secret-b',
        displayName: undefined,
        openBaseUrl: 'https://open.larksuite.com',
        accountsBaseUrl: 'https://accounts.larksuite.com',
        tokenUrl: 'https://open.larksuite.com/open-apis/authen/v2/oauth/token',
        scopes: ['docx:document', 'offline_access'],
        locale: 'en_us',
        authFlow: 'redirect',
      },
    ]);
  });

  it('refuses an app on the redirect flow without OAUTH_REDIRECT_URI, and an unknown flow', () => {
    const problems = problemsOf(
      withFile([
        { appId: APP_A, appSecret: 'secret-a', authFlow: 'redirect' },
        { appId: APP_B, appSecret: 'secret-b', authFlow: 'qr' },
      ]),
    );
    expect(problems.join('\n')).toMatch(/authFlow "?qr"? is not one of redirect, device/);
    const redirect = problemsOf(withFile([{ appId: APP_A, appSecret: 'secret-a', authFlow: 'redirect' }]));
    expect(redirect).toEqual([
      `LARK_APPS_FILE: ${APP_A} uses authFlow redirect but OAUTH_REDIRECT_URI is unset; set it, or use device`,
    ]);
  });

  it('lists every problem of every entry at once, never a secret', () => {
    const problems = problemsOf(
      withFile([
        { appId: APP_A, appSecret: 'inline-secret-value' },
        { appId: APP_A, appSecret: 'other-secret-value' },
        { appId: 'cli_nothex', appSecret: 'x' },
        { appId: APP_B },
        { appId: APP_B, appSecret: 'env:NOT_SET_ANYWHERE', locale: 'fr', colour: 'red' },
      ]),
    );
    expect(problems).toEqual([
      'LARK_APPS_FILE: app 2: duplicate appId "cli_0123456789abcdef"',
      expect.stringMatching(/^LARK_APPS_FILE: app 3: appId "cli_nothex" does not match/),
      'LARK_APPS_FILE: app 4: appSecret is missing',
      'LARK_APPS_FILE: app 5: unknown field "colour"',
      'LARK_APPS_FILE: app 5: appSecret names env:NOT_SET_ANYWHERE, which is unset or empty',
      'LARK_APPS_FILE: app 5: locale "fr" is not one of zh_cn, en_us',
    ]);
    expect(problems.join('\n')).not.toMatch(/inline-secret-value|other-secret-value/);
  });

  it('refuses an unreadable file, a file that is not a list, and the shorthand variables beside it', () => {
    expect(
      problemsOf(() => loadConfig({ LARK_APPS_FILE: path.join(dir, 'absent.json') }, { dotenvPath: false })),
    ).toEqual([expect.stringMatching(/^LARK_APPS_FILE: ".*absent.json" cannot be read \(ENOENT\)$/)]);
    expect(problemsOf(withFile('{"appId": 1}'))).toEqual([expect.stringMatching(/must contain a JSON list of apps$/)]);
    expect(problemsOf(withFile('[]'))).toEqual([expect.stringMatching(/lists no app$/)]);
    expect(problemsOf(withFile([{ appId: APP_A, appSecret: 's' }], { LARK_APP_ID: APP_B }))).toEqual([
      expect.stringMatching(/^LARK_APPS_FILE: is set together with LARK_APP_ID/),
    ]);
  });

  it('scopes API tokens to apps (token@cli_a|cli_b) and refuses apps that are not configured', () => {
    const apps = [
      { appId: APP_A, appSecret: 'a' },
      { appId: APP_B, appSecret: 'b' },
    ];
    const config = withFile(apps, { API_TOKENS: `token-for-a-only-0001@${APP_A},token-for-everything-01` })();
    expect(config.apiTokens).toEqual([
      { token: 'token-for-a-only-0001', appIds: [APP_A] },
      { token: 'token-for-everything-01', appIds: undefined },
    ]);
    expect(problemsOf(withFile(apps, { API_TOKENS: 'token-for-c-only-0001@cli_aaaaaaaaaaaaaaaa' }))).toEqual([
      'API_TOKENS: entry 1 names cli_aaaaaaaaaaaaaaaa, which is not configured',
    ]);
    expect(problemsOf(withFile(apps, { API_TOKENS: 'token-with-bad-list-01@someone' }))).toEqual([
      'API_TOKENS: entry 1: the app list after @ must be app ids separated by | (cli_a|cli_b)',
    ]);
  });
});
