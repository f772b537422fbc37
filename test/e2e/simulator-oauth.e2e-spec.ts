import * as lark from '@larksuiteoapi/node-sdk';

import { SimControlClient, type Simulator, type SimUser, startSimulator } from '../simulator';
import { authorizeUrl, pkcePair, quietLogger } from '../simulator/test-kit';

// The OAuth token endpoints (v2 and v3) and user_info: single-use codes, PKCE, rotation, revocation, expiry.

const APP_ID = 'cli_0123456789abcdef';
const APP_SECRET = 'sim-app-secret';
const REDIRECT = 'http://127.0.0.1:8000/callback';
const PATHS = { v2: '/open-apis/authen/v2/oauth/token', v3: '/oauth/v3/token' } as const;

interface TokenBody {
  code: number;
  access_token: string;
  refresh_token: string;
  refresh_token_expires_in?: number;
  error_description?: string;
  data: { open_id: string };
  [key: string]: unknown;
}

describe('simulator: OAuth token endpoints', () => {
  let sim: Simulator;
  let control: SimControlClient;
  let user: SimUser;

  beforeAll(async () => {
    sim = await startSimulator({ quiet: true });
    control = new SimControlClient(sim.url);
  });
  afterAll(() => sim.close());
  beforeEach(() => {
    user = sim.createUser('Qian Qi');
  });

  async function codeFor(
    extra: { scope?: string; challenge?: string; method?: 'S256' | 'plain'; state?: string } = {},
  ) {
    const url = authorizeUrl(sim.url, {
      redirectUri: REDIRECT,
      scope: extra.scope ?? 'offline_access auth:user.id:read',
      state: extra.state ?? 'st',
      codeChallenge: extra.challenge,
      codeChallengeMethod: extra.method,
    });
    const location = new URL(await control.authorizeAs(user.openId, 'approve', url));
    return location.searchParams.get('code') ?? '';
  }

  async function token(version: keyof typeof PATHS, body: Record<string, string>, form = false) {
    const full = { client_id: APP_ID, client_secret: APP_SECRET, ...body };
    const res = await fetch(sim.url + PATHS[version], {
      method: 'POST',
      headers: { 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json' },
      body: form ? new URLSearchParams(full).toString() : JSON.stringify(full),
    });
    return {
      status: res.status,
      body: (await res.json()) as TokenBody,
      reset: res.headers.get('x-ogw-ratelimit-reset'),
    };
  }

  const exchange = (version: keyof typeof PATHS, code: string, extra: Record<string, string> = {}) =>
    token(version, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, ...extra });
  const refresh = (version: keyof typeof PATHS, refreshToken: string) =>
    token(version, { grant_type: 'refresh_token', refresh_token: refreshToken });

  async function userInfo(accessToken: string) {
    const res = await fetch(`${sim.url}/open-apis/authen/v1/user_info`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    return { status: res.status, body: (await res.json()) as TokenBody };
  }

  describe.each(['v2', 'v3'] as const)('%s', (version) => {
    it('exchanges a code once; a second use fails with 20065 and is counted', async () => {
      const code = await codeFor();
      const before = await control.stats();
      const first = await exchange(version, code);
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({
        code: 0,
        token_type: 'Bearer',
        expires_in: 7200,
        refresh_token_expires_in: 604800,
      });
      expect(first.body.access_token).toMatch(/^eyJ/);
      expect(first.body.access_token.length).toBeGreaterThan(500);
      expect(first.body.scope).toBe('offline_access auth:user.id:read');
      const second = await exchange(version, code);
      expect(second.status).toBe(400);
      expect(second.body).toMatchObject({ code: 20065, error: 'invalid_grant' });
      const after = await control.stats();
      expect(after.codeReuse).toBe(before.codeReuse + 1);
      expect(after.tokenRequests.authorization_code).toBe(before.tokenRequests.authorization_code + 2);
    });

    it('rotates refresh tokens: the old one is dead at once (20073), the old access token still works', async () => {
      const first = (await exchange(version, await codeFor())).body;
      const rotated = await refresh(version, first.refresh_token);
      expect(rotated.body.code).toBe(0);
      expect(rotated.body.refresh_token).not.toBe(first.refresh_token);
      expect(rotated.body.access_token).not.toBe(first.access_token);
      const before = await control.stats();
      const reuse = await refresh(version, first.refresh_token);
      expect(reuse.status).toBe(400);
      expect(reuse.body.code).toBe(20073);
      expect((await control.stats()).refreshTokenReuse).toBe(before.refreshTokenReuse + 1);
      expect((await userInfo(first.access_token)).body.code).toBe(0);
      expect((await refresh(version, rotated.body.refresh_token)).body.code).toBe(0);
    });

    it('after a revoke, refresh answers 20064 and user_info 20005 (HTTP 200)', async () => {
      const first = (await exchange(version, await codeFor())).body;
      await control.revoke(user.openId);
      expect((await refresh(version, first.refresh_token)).body.code).toBe(20064);
      const info = await userInfo(first.access_token);
      expect(info.status).toBe(200);
      expect(info.body.code).toBe(20005);
    });

    it('checks PKCE: S256, explicit plain and default plain pass; a wrong or missing verifier gives 20049', async () => {
      const { verifier, challenge } = pkcePair();
      expect(
        (await exchange(version, await codeFor({ challenge, method: 'S256' }), { code_verifier: verifier })).body.code,
      ).toBe(0);
      expect(
        (await exchange(version, await codeFor({ challenge: verifier, method: 'plain' }), { code_verifier: verifier }))
          .body.code,
      ).toBe(0);
      expect(
        (await exchange(version, await codeFor({ challenge: verifier }), { code_verifier: verifier })).body.code,
      ).toBe(0);
      const wrong = await exchange(version, await codeFor({ challenge, method: 'S256' }), {
        code_verifier: pkcePair().verifier,
      });
      expect(wrong.status).toBe(400);
      expect(wrong.body.code).toBe(20049);
      expect((await exchange(version, await codeFor({ challenge, method: 'S256' }))).body.code).toBe(20049);
    });

    it('rejects a redirect_uri different from the authorize one (20071) and wrong client credentials (20002)', async () => {
      const code = await codeFor();
      expect((await exchange(version, code, { redirect_uri: 'http://127.0.0.1:8000/other' })).body.code).toBe(20071);
      expect((await exchange(version, code, { client_secret: 'wrong' })).body.code).toBe(20002);
      expect((await exchange(version, code)).body.code).toBe(0);
    });

    it('returns no refresh_token without offline_access', async () => {
      const result = await exchange(version, await codeFor({ scope: 'auth:user.id:read' }));
      expect(result.body.code).toBe(0);
      expect(result.body.refresh_token).toBeUndefined();
      expect(result.body.refresh_token_expires_in).toBeUndefined();
    });

    it('accepts form-encoded bodies and rejects unsupported grant types (20036)', async () => {
      expect((await exchange(version, await codeFor(), {})).body.code).toBe(0);
      const form = await token(
        version,
        { grant_type: 'authorization_code', code: await codeFor(), redirect_uri: REDIRECT },
        true,
      );
      expect(form.body.code).toBe(0);
      expect((await token(version, { grant_type: 'password' })).body.code).toBe(20036);
    });
  });

  it('v3 rejects a code_verifier when no code_challenge was sent; v2 ignores it', async () => {
    const { verifier } = pkcePair();
    expect((await exchange('v3', await codeFor(), { code_verifier: verifier })).body.code).toBe(20049);
    expect((await exchange('v2', await codeFor(), { code_verifier: verifier })).body.code).toBe(0);
  });

  it('works with the SDK v3 helpers (client.accessToken) and reports reuse as AccessTokenError 20073', async () => {
    const client = new lark.Client({
      appId: APP_ID,
      appSecret: APP_SECRET,
      domain: sim.url,
      oauthBaseUrl: sim.url,
      logger: quietLogger,
      cache: new lark.DefaultCache(),
    });
    const { verifier, challenge } = pkcePair();
    const code = await codeFor({ challenge, method: 'S256' });
    const tokens = await client.accessToken.retrieveByAuthorizationCode({
      code,
      redirectUri: REDIRECT,
      codeVerifier: verifier,
    });
    expect(tokens.refreshToken).toBeTruthy();
    const info = await client.authen.userInfo.get({}, lark.withUserAccessToken(tokens.accessToken));
    expect(info.data).toMatchObject({
      open_id: user.openId,
      union_id: user.unionId,
      user_id: user.userId,
      name: 'Qian Qi',
    });
    const rotated = await client.accessToken.refresh({ refreshToken: tokens.refreshToken ?? '' });
    expect(rotated.refreshToken).not.toBe(tokens.refreshToken);
    await expect(client.accessToken.refresh({ refreshToken: tokens.refreshToken ?? '' })).rejects.toMatchObject({
      code: 20073,
      statusCode: 400,
    });
  });

  it('limits the token endpoint to tokenRatePerSecond with 429 and x-ogw-ratelimit-reset', async () => {
    await control.config({ tokenRatePerSecond: 3 });
    await new Promise((resolve) => setTimeout(resolve, 1000)); // let the earlier tests' calls leave the window
    const results = await Promise.all(Array.from({ length: 10 }, () => refresh('v2', 'not-a-token')));
    await control.config({ tokenRatePerSecond: 50 });
    expect(results.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(1);
    expect(results.filter((r) => r.body.code === 20026).length).toBeGreaterThanOrEqual(3);
    expect(results.every((r) => r.status === 429 || r.body.code === 20026)).toBe(true);
    const limited = results.find((r) => r.status === 429);
    expect(limited?.body).toEqual({ code: 99991400, msg: 'request trigger frequency limit' });
    expect(Number(limited?.reset)).toBeGreaterThanOrEqual(1);
    expect((await control.stats()).tokenRequestsPerSecondMax).toBeGreaterThanOrEqual(4);
  });

  it('user_info answers 99991668 for an unknown token', async () => {
    const info = await userInfo('u-not-a-real-token');
    expect(info.body.code).toBe(99991668);
  });
});
