import * as lark from '@larksuiteoapi/node-sdk';

import { SimControlClient, type SimUser, startSimulator } from '../simulator';
import { authorizeUrl, quietLogger } from '../simulator/test-kit';

// Fault injection (/_sim/faults) as a client sees it, and time-based expiry driven by /_sim/clock.

const APP_ID = 'cli_0123456789abcdef';
const APP_SECRET = 'sim-app-secret';
const REDIRECT = 'http://127.0.0.1:8000/callback';

interface TokenBody {
  code: number;
  access_token: string;
  refresh_token: string;
  refresh_token_expires_in?: number;
  error_description?: string;
  data: { open_id: string };
  [key: string]: unknown;
}

async function setup() {
  const sim = await startSimulator({ quiet: true });
  const control = new SimControlClient(sim.url);
  const user = sim.createUser('Sun Ba');
  const codeFor = async (scope = 'offline_access') => {
    const url = authorizeUrl(sim.url, { redirectUri: REDIRECT, scope });
    return new URL(await control.authorizeAs(user.openId, 'approve', url)).searchParams.get('code') ?? '';
  };
  const token = async (body: Record<string, string>, signal?: AbortSignal) => {
    const res = await fetch(`${sim.url}/open-apis/authen/v2/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: APP_ID, client_secret: APP_SECRET, ...body }),
      signal,
    });
    return { status: res.status, body: (await res.json()) as TokenBody, headers: res.headers };
  };
  const exchange = async (scope?: string) =>
    (await token({ grant_type: 'authorization_code', code: await codeFor(scope) })).body;
  const refresh = (refreshToken: string) => token({ grant_type: 'refresh_token', refresh_token: refreshToken });
  const userInfo = async (accessToken: string) => {
    const res = await fetch(`${sim.url}/open-apis/authen/v1/user_info`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    return { status: res.status, body: (await res.json()) as TokenBody };
  };
  return { sim, control, user, codeFor, token, exchange, refresh, userInfo };
}

describe('simulator: faults', () => {
  let t: Awaited<ReturnType<typeof setup>>;
  let user: SimUser;
  beforeAll(async () => {
    t = await setup();
    user = t.user;
  });
  afterAll(() => t.sim.close());

  const goodRefresh = async () => t.refresh((await t.exchange()).refresh_token);

  it.each([
    ['http500', 500, 1],
    ['code20050', 500, 20050],
    ['code20072', 503, 20072],
    ['rate_limit', 429, 99991400],
  ] as const)('token %s: HTTP %i with code %i, then the next call succeeds', async (kind, status, code) => {
    const pending = await t.exchange();
    await t.control.fault('token', kind, 1);
    const failed = await t.refresh(pending.refresh_token);
    expect(failed.status).toBe(status);
    expect(failed.body.code).toBe(code);
    if (kind === 'rate_limit') expect(Number(failed.headers.get('x-ogw-ratelimit-reset'))).toBeGreaterThanOrEqual(1);
    // the fault consumed no refresh token: the same one still works
    expect((await t.refresh(pending.refresh_token)).body.code).toBe(0);
  });

  it('token timeout: the response never comes (the client aborts), the refresh token is untouched', async () => {
    const pending = await t.exchange();
    await t.control.fault('token', 'timeout', 1);
    const outcome = await t
      .token({ grant_type: 'refresh_token', refresh_token: pending.refresh_token }, AbortSignal.timeout(300))
      .then(
        () => 'answered',
        (e: Error) => e.name,
      );
    expect(outcome).toBe('TimeoutError');
    expect((await t.refresh(pending.refresh_token)).body.code).toBe(0);
  });

  it('token drop_connection: the socket is destroyed', async () => {
    await t.control.fault('token', 'drop_connection', 1);
    const outcome = await t.refresh('whatever').then(
      () => 'answered',
      (e: Error) => e.message,
    );
    expect(outcome).toBe('fetch failed');
    expect((await goodRefresh()).body.code).toBe(0);
  });

  it('count applies the fault to that many calls (user_info)', async () => {
    const { access_token } = await t.exchange();
    await t.control.fault('user_info', 'code20072', 2);
    expect((await t.userInfo(access_token)).status).toBe(503);
    expect((await t.userInfo(access_token)).status).toBe(503);
    expect((await t.userInfo(access_token)).body.data.open_id).toBe(user.openId);
  });

  it('faults reach the SDK on tenant_token, message_create and message_patch', async () => {
    const client = new lark.Client({
      appId: APP_ID,
      appSecret: APP_SECRET,
      domain: t.sim.url,
      logger: quietLogger,
      cache: new lark.DefaultCache(),
    });
    const card = JSON.stringify({ schema: '2.0', config: { update_multi: true }, body: { elements: [] } });
    const send = () =>
      client.im.v1.message.create({
        params: { receive_id_type: 'open_id' },
        data: { receive_id: user.openId, msg_type: 'interactive', content: card },
      });
    const status = (p: Promise<unknown>) =>
      p.then(
        () => 200,
        (e: { response?: { status: number } }) => e.response?.status,
      );

    await t.control.fault('tenant_token', 'http500', 1);
    expect(await status(send())).toBe(500);
    await t.control.fault('message_create', 'code20050', 1);
    expect(await status(send())).toBe(500);
    const sent = await send();
    await t.control.fault('message_patch', 'rate_limit', 1);
    const patch = () =>
      client.im.v1.message.patch({ path: { message_id: sent.data?.message_id ?? '' }, data: { content: card } });
    expect(await status(patch())).toBe(429);
    expect((await patch()).code).toBe(0);
  });

  it('refuses unknown fault apis and kinds', async () => {
    expect((await t.control.call('POST', '/_sim/faults', { api: 'nope', kind: 'http500' })).status).toBe(400);
    expect((await t.control.call('POST', '/_sim/faults', { api: 'token', kind: 'nope' })).status).toBe(400);
  });

  it('counts requests in /_sim/stats', async () => {
    const before = await t.control.stats();
    const tokens = await t.exchange();
    await t.refresh(tokens.refresh_token);
    await t.userInfo(tokens.access_token);
    const after = await t.control.stats();
    expect(after.tokenRequests.authorization_code).toBe(before.tokenRequests.authorization_code + 1);
    expect(after.tokenRequests.refresh_token).toBe(before.tokenRequests.refresh_token + 1);
    expect(after.userInfoRequests).toBe(before.userInfoRequests + 1);
    expect(Object.keys(after).sort()).toEqual(
      [
        'codeReuse',
        'deviceAuthorizations',
        'deviceSlowDowns',
        'messagesCreated',
        'messagesPatched',
        'refreshTokenReuse',
        'tokenRequests',
        'tokenRequestsPerSecondMax',
        'userInfoRequests',
        'wsEventsAcked',
        'wsEventsRedelivered',
        'wsEventsSent',
      ].sort(),
    );
  });
});

describe('simulator: expiry on the simulated clock', () => {
  let t: Awaited<ReturnType<typeof setup>>;
  beforeAll(async () => {
    t = await setup();
  });
  afterAll(() => t.sim.close());

  it('expires codes after codeTtlSeconds (20004)', async () => {
    const code = await t.codeFor();
    await t.control.advanceClock(301);
    expect((await t.token({ grant_type: 'authorization_code', code })).body.code).toBe(20004);
  });

  it('expires access tokens (user_info 99991677) but the refresh token still works', async () => {
    const tokens = await t.exchange();
    await t.control.advanceClock(7201);
    const info = await t.userInfo(tokens.access_token);
    expect(info.status).toBe(401);
    expect(info.body.code).toBe(99991677);
    expect((await t.refresh(tokens.refresh_token)).body.code).toBe(0);
  });

  it('expires refresh tokens after refreshTokenTtlSeconds (20037)', async () => {
    await t.control.config({ refreshTokenTtlSeconds: 600 });
    const tokens = await t.exchange();
    expect(tokens.refresh_token_expires_in).toBe(600);
    await t.control.advanceClock(601);
    expect((await t.refresh(tokens.refresh_token)).body.code).toBe(20037);
  });

  it('ends every grant 365 days after the user authorized (20037), however often it was refreshed', async () => {
    await t.control.config({ refreshTokenTtlSeconds: 200 * 86400 });
    let current = (await t.exchange()).refresh_token;
    for (const days of [150, 150, 64]) {
      await t.control.advanceClock(days * 86400);
      const rotated = await t.refresh(current);
      expect(rotated.body.code).toBe(0);
      current = rotated.body.refresh_token;
    }
    await t.control.advanceClock(2 * 86400);
    const capped = await t.refresh(current);
    expect(capped.status).toBe(400);
    expect(capped.body.code).toBe(20037);
    expect(capped.body.error_description).toContain('365 days');
  });
});

describe('simulator: probabilistic faults, user status, token peak', () => {
  let t: Awaited<ReturnType<typeof setup>>;
  beforeAll(async () => {
    t = await setup();
  });
  afterAll(() => t.sim.close());
  afterEach(() => t.control.clearFaults());

  it('fails each call with the given probability (rate) until DELETE /_sim/faults', async () => {
    const { access_token } = await t.exchange();
    expect(await t.control.faultRate('user_info', 'http500', 0.5)).toEqual({
      api: 'user_info',
      kind: 'http500',
      rate: 0.5,
    });
    const statuses: number[] = [];
    for (let i = 0; i < 60; i++) statuses.push((await t.userInfo(access_token)).status);
    // 60 calls at 50%: both outcomes occur (each all-or-nothing case has probability 2^-60)
    expect(statuses.filter((s) => s === 500).length).toBeGreaterThan(5);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(5);
    expect((await t.control.call('GET', '/_sim/faults')).body).toEqual([
      { api: 'user_info', kind: 'http500', rate: 0.5 },
    ]);
    await t.control.clearFaults();
    for (let i = 0; i < 10; i++) expect((await t.userInfo(access_token)).status).toBe(200);
    expect((await t.control.call('POST', '/_sim/faults', { api: 'token', kind: 'http500', rate: 2 })).status).toBe(400);
    expect(
      (await t.control.call('POST', '/_sim/faults', { api: 'token', kind: 'http500', rate: 0.5, count: 2 })).status,
    ).toBe(400);
  });

  it('user_info: code20050 fault is HTTP 500; resigned → 20021, frozen → 20022 (HTTP 200); unknown → 99991668', async () => {
    const { access_token } = await t.exchange();
    await t.control.fault('user_info', 'code20050', 1);
    const faulted = await t.userInfo(access_token);
    expect(faulted.status).toBe(500);
    expect(faulted.body.code).toBe(20050);
    await t.control.setUserStatus(t.user.openId, 'resigned');
    expect(await t.userInfo(access_token)).toMatchObject({ status: 200, body: { code: 20021 } });
    await t.control.setUserStatus(t.user.openId, 'frozen');
    expect(await t.userInfo(access_token)).toMatchObject({ status: 200, body: { code: 20022 } });
    await t.control.setUserStatus(t.user.openId, 'active');
    expect(await t.userInfo(access_token)).toMatchObject({ status: 200, body: { code: 0 } });
    expect((await t.control.call('POST', `/_sim/users/${t.user.openId}/status`, { status: 'gone' })).status).toBe(400);
    expect(await t.userInfo('eyJhbGciOiJFUzI1NiJ9.e30.c2ln')).toMatchObject({ status: 401, body: { code: 99991668 } });
  });

  it('reports the busiest sliding one-second window of token requests (all apps and ?appId=)', async () => {
    await t.control.call('POST', '/_sim/stats/reset');
    const burst = (n: number) =>
      Promise.all(Array.from({ length: n }, () => t.token({ grant_type: 'refresh_token', refresh_token: 'x' })));
    await burst(7);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await burst(3);
    const stats = await t.control.stats();
    expect(stats.tokenRequestsPerSecondMax).toBe(7);
    expect(stats.tokenRequests.refresh_token).toBe(10);
    expect((await t.control.stats(APP_ID)).tokenRequestsPerSecondMax).toBe(7);
  });
});
