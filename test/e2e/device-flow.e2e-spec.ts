import { DataSource } from 'typeorm';

import { TokenCipher } from '../../src/token-store/token-cipher';

import { startHarness, Harness } from '../support/app-harness';
import {
  authorizeUrlOf,
  declineValueOf,
  dmAndWaitForCard,
  headerTemplate,
  headerTitle,
  messageById,
  metricValue,
  scrapeMetrics,
} from '../support/flow';
import { waitFor } from '../simulator/test-kit';

// The OAuth device flow end to end: the real SDK's WebSocket client delivers the DM, the service asks the simulator
// for a device code, sends the card, polls the token endpoint from its job and ends the session like the callback.

const APP_ID = 'cli_0123456789abcdef';

interface SessionView {
  id: string;
  status: string;
  reason: string | null;
  flow: string;
}

describe('device flow, end to end', () => {
  let h: Harness;

  beforeAll(async () => {
    // No OAUTH_REDIRECT_URI: the device flow is the default and the service needs no public URL.
    h = await startHarness({ database: 'postgres', env: { OAUTH_REDIRECT_URI: '', JOBS_ENABLED: 'true' } });
  }, 30_000);
  afterAll(async () => h?.close());
  beforeEach(async () => {
    await h.control.clearFaults();
    await h.control.config({ deviceIntervalSeconds: 1 });
  });

  async function login(name: string) {
    const user = await h.control.createUser(name);
    const card = await dmAndWaitForCard(h.control, user.openId, 'login');
    const [session] = (await h.api('GET', `/api/v1/auth-sessions?openId=${user.openId}`)).body as SessionView[];
    return { user, card, session: session as SessionView, verificationUrl: authorizeUrlOf(card) };
  }

  async function settled(id: string): Promise<SessionView> {
    const reply = await h.api('GET', `/api/v1/auth-sessions/${id}?waitSeconds=20`);
    expect(reply.status).toBe(200);
    return reply.body as SessionView;
  }

  const devicePolls = async () => (await h.control.stats()).tokenRequests.device_code;

  it('login DM → device card → verification page approve → token stored → card authorized', async () => {
    expect(h.config.oauth.redirectUri).toBeUndefined();
    expect(h.config.apps[0]?.authFlow).toBe('device');
    expect((await fetch(`${h.baseUrl}/callback?code=x&state=y`)).status).toBe(404);
    const before = await scrapeMetrics(h.baseUrl);

    const { user, card, session, verificationUrl } = await login('Device Dana');
    expect(session).toMatchObject({ status: 'pending', flow: 'device' });
    expect(verificationUrl.startsWith(`${h.sim.url}/oauth/v1/device/verify?user_code=`)).toBe(true);
    const userCode = new URL(verificationUrl).searchParams.get('user_code') as string;
    const content = JSON.stringify(card.content);
    expect(content).toContain(`# ${userCode}`);
    expect(content).toMatch(/expires in \*\*\d+ minutes?\*\*|\*\*\d+ 分钟\*\*/);
    expect(declineValueOf(card)).toEqual({ action: 'decline', session: session.id });
    const [stored] = await h.app
      .get(DataSource)
      .query('SELECT device_code_enc, key_id FROM auth_sessions WHERE id = $1', [session.id]);
    const deviceCode = h.app
      .get(TokenCipher)
      .decrypt(stored.device_code_enc, stored.key_id, `${APP_ID}:${user.openId}`);
    expect(deviceCode.length).toBeGreaterThan(10);

    // The service polls while the user has not decided yet.
    const polls = await devicePolls();
    await waitFor(async () => (await devicePolls()) >= polls + 2, 10_000, 'two polls while pending');
    expect((await h.api('GET', `/api/v1/auth-sessions/${session.id}`)).body.status).toBe('pending');

    expect(await h.control.authorizeDevice(user.openId, 'approve', verificationUrl)).toMatchObject({ userCode });
    expect(await settled(session.id)).toMatchObject({ status: 'completed', reason: null, flow: 'device' });

    const updated = await messageById(h.control, user.openId, card.messageId);
    expect(headerTemplate(updated)).toBe('green');
    expect(JSON.stringify(updated.content)).toContain('Device Dana');
    const token = await h.api('GET', `/api/v1/users/${user.openId}/token`);
    expect(token.status).toBe(200);
    expect(token.body.scopes).toContain('offline_access');
    const userInfo = await fetch(`${h.sim.url}/open-apis/authen/v1/user_info`, {
      headers: { authorization: `Bearer ${token.body.accessToken}` },
    }).then((response) => response.json());
    expect(userInfo.data.open_id).toBe(user.openId);
    // Nothing secret of the flow in the service's logs: device code, user code, access token.
    const logs = h.logs.join('\n');
    for (const secret of [deviceCode, userCode, token.body.accessToken as string]) expect(logs).not.toContain(secret);
    expect(logs).toContain(session.id);

    const [row] = await h.app
      .get(DataSource)
      .query('SELECT device_code_enc, lease_owner, pkce_verifier_enc FROM auth_sessions WHERE id = $1', [session.id]);
    expect(row).toEqual({ device_code_enc: null, lease_owner: null, pkce_verifier_enc: null });

    const after = await scrapeMetrics(h.baseUrl);
    const increase = (name: string, labels: Record<string, string>) =>
      metricValue(after, name, labels) - metricValue(before, name, labels);
    expect(increase('lark_service_device_poll_total', { app_id: APP_ID, outcome: 'authorized' })).toBe(1);
    expect(increase('lark_service_device_poll_total', { app_id: APP_ID, outcome: 'pending' })).toBeGreaterThanOrEqual(
      2,
    );
    expect(increase('lark_service_device_authorization_total', { app_id: APP_ID, outcome: 'success' })).toBe(1);
    expect(increase('lark_service_auth_success_total', {})).toBe(1);
  }, 40_000);

  it('deny on the verification page: the session is rejected and the card says so', async () => {
    const { user, card, session, verificationUrl } = await login('Device Denier');
    await h.control.authorizeDevice(user.openId, 'deny', verificationUrl);
    expect(await settled(session.id)).toMatchObject({ status: 'rejected', reason: 'denied' });
    expect(headerTemplate(await messageById(h.control, user.openId, card.messageId))).toBe('grey');
    expect((await h.api('GET', `/api/v1/users/${user.openId}/token`)).status).toBe(404);
  }, 30_000);

  it('Decline on the device card ends the session and its polling', async () => {
    const { user, card, session } = await login('Device Decliner');
    const reply = await h.control.cardAction(card.messageId, user.openId, declineValueOf(card));
    expect(reply.status).toBe(200);
    expect(await settled(session.id)).toMatchObject({ status: 'rejected', reason: 'denied' });
    const polls = await devicePolls();
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(await devicePolls()).toBe(polls);
  }, 30_000);

  it('a token issued to someone else is discarded: identity_mismatch, no token stored', async () => {
    const { user, card, session, verificationUrl } = await login('Device Victim');
    const intruder = await h.control.createUser('Device Intruder');
    await h.control.authorizeDevice(intruder.openId, 'approve', verificationUrl);
    expect(await settled(session.id)).toMatchObject({ status: 'failed', reason: 'identity_mismatch' });
    const updated = await messageById(h.control, user.openId, card.messageId);
    expect(headerTemplate(updated)).toBe('red');
    expect(JSON.stringify(updated.content)).not.toContain('Device Intruder');
    expect((await h.api('GET', `/api/v1/users/${user.openId}/token`)).status).toBe(404);
    expect((await h.api('GET', `/api/v1/users/${intruder.openId}/token`)).status).toBe(404);
  }, 30_000);

  it('slow_down: the interval grows by 5 s and the next poll waits for it', async () => {
    const { user, session, verificationUrl } = await login('Device Slow');
    const first = await devicePolls();
    await waitFor(async () => (await devicePolls()) > first, 10_000, 'a first poll');
    await h.control.fault('token', 'slow_down', 1);
    // When each poll reached the simulator, sampled every 100 ms.
    const times: number[] = [];
    let seen = await devicePolls();
    await waitFor(
      async () => {
        const count = await devicePolls();
        if (count > seen) times.push(Date.now());
        seen = count;
        return times.length >= 2;
      },
      15_000,
      'the slowed-down poll and the one after it',
      100,
    );
    const [slowed, next] = times as [number, number];
    expect(next - slowed).toBeGreaterThanOrEqual(5_800);
    const [row] = await h.app
      .get(DataSource)
      .query('SELECT poll_interval_seconds FROM auth_sessions WHERE id = $1', [session.id]);
    expect(row.poll_interval_seconds).toBe(6);
    expect(
      metricValue(await scrapeMetrics(h.baseUrl), 'lark_service_device_poll_total', {
        app_id: APP_ID,
        outcome: 'slow_down',
      }),
    ).toBeGreaterThanOrEqual(1);

    await h.control.authorizeDevice(user.openId, 'approve', verificationUrl);
    expect(await settled(session.id)).toMatchObject({ status: 'completed' });
  }, 40_000);

  it('a poll answered with a Feishu error inside HTTP 200 (20050) is tried again, not the end of the session', async () => {
    const { user, session, verificationUrl } = await login('Device Blip');
    const transient = async () =>
      metricValue(await scrapeMetrics(h.baseUrl), 'lark_service_device_poll_total', {
        app_id: APP_ID,
        outcome: 'transient',
      });
    const before = await transient();
    await h.control.call('POST', '/_sim/faults', { api: 'token', kind: 'error_in_200', count: 2 });
    await waitFor(async () => (await transient()) >= before + 2, 15_000, 'two polls answered with 20050');
    await h.control.authorizeDevice(user.openId, 'approve', verificationUrl);
    expect(await settled(session.id)).toMatchObject({ status: 'completed' });
  }, 30_000);

  it('no device code from Feishu: REST answers 502, a login DM gets a try-again card, nothing is stored', async () => {
    const user = await h.control.createUser('Device Unavailable');
    await h.control.call('POST', '/_sim/faults', { api: 'device_authorization', kind: 'http500', count: 1 });
    const rest = await h.api('POST', '/api/v1/auth-sessions', { openId: user.openId });
    expect(rest.status).toBe(502);
    expect(rest.body.error.code).toBe('DEVICE_AUTHORIZATION_FAILED');

    await h.control.call('POST', '/_sim/faults', { api: 'device_authorization', kind: 'http500', count: 1 });
    const card = await dmAndWaitForCard(h.control, user.openId, 'login');
    expect(headerTitle(card)).toBe('Authorization not possible right now');
    expect((await h.api('GET', `/api/v1/auth-sessions?openId=${user.openId}`)).body).toEqual([]);

    // Once Feishu answers again, the next login works.
    const retried = await dmAndWaitForCard(h.control, user.openId, 'login');
    expect(authorizeUrlOf(retried)).toContain('/oauth/v1/device/verify?user_code=');
  }, 30_000);

  it('expiry: Feishu answers expired_token, the session expires and the card says so', async () => {
    const { user, card, session } = await login('Device Late');
    await h.control.advanceClock(241);
    expect(await settled(session.id)).toMatchObject({ status: 'expired', reason: 'expired' });
    expect(headerTemplate(await messageById(h.control, user.openId, card.messageId))).toBe('orange');
  }, 30_000);
});

describe('device flow next to the redirect flow, one app each (LARK_APPS_FILE authFlow)', () => {
  const REDIRECT_APP = { appId: 'cli_0123456789abcdef', appSecret: 'secret-a', displayName: 'Bot Redirect' };
  const DEVICE_APP = {
    appId: 'cli_fedcba9876543210',
    appSecret: 'secret-b',
    displayName: 'Bot Device',
    authFlow: 'device' as const,
  };
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ database: 'postgres', apps: [REDIRECT_APP, DEVICE_APP], env: { JOBS_ENABLED: 'true' } });
    await h.control.config({ deviceIntervalSeconds: 1 });
  }, 30_000);
  afterAll(async () => h?.close());

  it('each app authorizes its own way; the session says which', async () => {
    expect(h.config.apps.map((app) => app.authFlow)).toEqual(['redirect', 'device']);
    const user = await h.control.createUser('Two Flows');
    const inDevice = h.sim.openIdIn(DEVICE_APP.appId, user.openId) as string;

    const redirect = await h.api('POST', '/api/v1/auth-sessions', { appId: REDIRECT_APP.appId, openId: user.openId });
    const device = await h.api('POST', '/api/v1/auth-sessions', { appId: DEVICE_APP.appId, openId: inDevice });
    expect([redirect.status, device.status]).toEqual([201, 201]);
    const session = (appId: string, id: string) => h.api('GET', `/api/v1/auth-sessions/${id}?appId=${appId}`);
    expect((await session(REDIRECT_APP.appId, redirect.body.id)).body.flow).toBe('redirect');
    expect((await session(DEVICE_APP.appId, device.body.id)).body.flow).toBe('device');

    const [redirectCard] = await h.control.messages(user.openId);
    const [deviceCard] = await h.control.messages(inDevice);
    expect(authorizeUrlOf(redirectCard!)).toContain('/open-apis/authen/v1/authorize?');
    const verificationUrl = authorizeUrlOf(deviceCard!);
    expect(verificationUrl).toContain('/oauth/v1/device/verify?user_code=');

    await h.control.authorizeDevice(inDevice, 'approve', verificationUrl);
    const done = await h.api('GET', `/api/v1/auth-sessions/${device.body.id}?appId=${DEVICE_APP.appId}&waitSeconds=20`);
    expect(done.body).toMatchObject({ status: 'completed', flow: 'device' });
    expect((await session(REDIRECT_APP.appId, redirect.body.id)).body.status).toBe('pending');
  }, 40_000);
});
