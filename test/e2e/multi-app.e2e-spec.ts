import { startHarness, Harness, TEST_API_TOKEN } from '../support/app-harness';
import { authorizeUrlOf, consent, dmAndWaitForCard, metricValue, openPage, scrapeMetrics } from '../support/flow';
import { waitFor } from '../simulator/test-kit';
import type { SimMessageView } from '../simulator/control-client';

const APP_A = { appId: 'cli_0123456789abcdef', appSecret: 'secret-of-app-a', displayName: 'Bot Alpha' };
const APP_B = { appId: 'cli_fedcba9876543210', appSecret: 'secret-of-app-b', displayName: 'Bot Beta' };
const TOKEN_FOR_A = 'api-token-for-app-a-only-0001';

describe('several apps in one service (postgres)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({
      database: 'postgres',
      apps: [APP_A, APP_B],
      env: { API_TOKENS: `${TEST_API_TOKEN},${TOKEN_FOR_A}@${APP_A.appId}` },
    });
  }, 30_000);
  afterAll(async () => h?.close());

  /** A new person: their open_id in app A and in app B (Feishu gives each app its own). */
  async function person(name: string): Promise<{ a: string; b: string }> {
    const user = await h.control.createUser(name);
    const b = h.sim.openIdIn(APP_B.appId, user.openId);
    if (!b) throw new Error('the simulator knows no open_id of the person in app B');
    return { a: user.openId, b };
  }

  /** Starts a session over REST and returns the card the app's bot sent. */
  async function cardFor(appId: string, openId: string): Promise<SimMessageView> {
    const created = await h.api('POST', '/api/v1/auth-sessions', { appId, openId });
    expect(created.status).toBe(201);
    let card: SimMessageView | undefined;
    await waitFor(
      async () => {
        card = (await h.control.messages(openId)).find((message) =>
          JSON.stringify(message.content).includes(created.body.id),
        );
        return card !== undefined;
      },
      10_000,
      'the card of the new session',
    );
    return card as SimMessageView;
  }

  it('lists the apps with their WebSocket state and counts, never a secret', async () => {
    const apps = await h.api('GET', '/api/v1/apps');
    expect(apps.status).toBe(200);
    expect(apps.body).toEqual([
      { appId: APP_A.appId, displayName: 'Bot Alpha', websocket: 'connected', activeTokens: 0, pendingSessions: 0 },
      { appId: APP_B.appId, displayName: 'Bot Beta', websocket: 'connected', activeTokens: 0, pendingSessions: 0 },
    ]);
    expect(JSON.stringify(apps.body)).not.toMatch(/secret-of-app/);
    const scoped = await h.api('GET', '/api/v1/apps', undefined, TOKEN_FOR_A);
    expect(scoped.body.map((app: { appId: string }) => app.appId)).toEqual([APP_A.appId]);
  });

  it('needs appId on every route when several apps are configured, and knows only configured apps', async () => {
    const user = await person('Nobody In Particular');
    const missing = [
      await h.api('POST', '/api/v1/auth-sessions', { openId: user.a }),
      await h.api('GET', `/api/v1/auth-sessions?openId=${user.a}`),
      await h.api('GET', `/api/v1/users/${user.a}/token`),
      await h.api('POST', `/api/v1/users/${user.a}/token/refresh`),
      await h.api('DELETE', `/api/v1/users/${user.a}/token`),
    ];
    for (const reply of missing) {
      expect(reply.status).toBe(400);
      expect(reply.body.error.code).toBe('APP_ID_REQUIRED');
    }
    const unknown = await h.api('GET', `/api/v1/users/${user.a}/token?appId=cli_aaaaaaaaaaaaaaaa`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('APP_NOT_FOUND');
  });

  it('a user authorizes in both apps and gets two independent tokens', async () => {
    const user = await person('Zhou Two-Apps');
    for (const [app, openId] of [
      [APP_A, user.a],
      [APP_B, user.b],
    ] as const) {
      const card = await cardFor(app.appId, openId);
      expect(card.appId).toBe(app.appId);
      expect(JSON.stringify(card.content)).toContain(app.displayName);
      const authorizeUrl = authorizeUrlOf(card);
      expect(new URL(authorizeUrl).searchParams.get('client_id')).toBe(app.appId);
      const page = await openPage(await consent(h.control, openId, authorizeUrl));
      expect(page.status).toBe(200);
      expect(page.html).toContain(app.displayName);
    }

    const tokenA = await h.api('GET', `/api/v1/users/${user.a}/token?appId=${APP_A.appId}`);
    const tokenB = await h.api('GET', `/api/v1/users/${user.b}/token?appId=${APP_B.appId}`);
    expect(tokenA.status).toBe(200);
    expect(tokenB.status).toBe(200);
    expect(tokenA.body.accessToken).not.toBe(tokenB.body.accessToken);
    for (const [token, openId] of [
      [tokenA.body.accessToken, user.a],
      [tokenB.body.accessToken, user.b],
    ]) {
      const info = await fetch(`${h.sim.url}/open-apis/authen/v1/user_info`, {
        headers: { authorization: `Bearer ${token}` },
      }).then((response) => response.json());
      expect(info.data.open_id).toBe(openId);
    }
    // Each app knows the user only by its own open_id.
    expect((await h.api('GET', `/api/v1/users/${user.a}/token?appId=${APP_B.appId}`)).status).toBe(404);

    const loggedOut = await h.api('DELETE', `/api/v1/users/${user.a}/token?appId=${APP_A.appId}`);
    expect(loggedOut.body).toEqual({ invalidated: true });
    expect((await h.api('GET', `/api/v1/users/${user.a}/token?appId=${APP_A.appId}`)).status).toBe(409);
    const stillB = await h.api('GET', `/api/v1/users/${user.b}/token?appId=${APP_B.appId}`);
    expect(stillB.status).toBe(200);
    expect(stillB.body.accessToken).toBe(tokenB.body.accessToken);

    const metrics = await scrapeMetrics(h.baseUrl);
    expect(
      metricValue(metrics, 'lark_service_feishu_requests_total', {
        api: 'oauth_token',
        outcome: 'success',
        app_id: APP_B.appId,
      }),
    ).toBeGreaterThanOrEqual(1);
  }, 30_000);

  it('rejects a state of app A presented with the code of app B; neither session completes', async () => {
    const user = await person('Mallory Mixer');
    const cardA = await cardFor(APP_A.appId, user.a);
    const cardB = await cardFor(APP_B.appId, user.b);
    const stateA = new URL(authorizeUrlOf(cardA)).searchParams.get('state') as string;
    const locationB = new URL(await consent(h.control, user.b, authorizeUrlOf(cardB)));
    const codeB = locationB.searchParams.get('code') as string;

    const mixed = new URL(h.config.oauth.redirectUri ?? '');
    mixed.search = new URLSearchParams({ code: codeB, state: stateA }).toString();
    const page = await openPage(mixed.toString());
    expect(page.status).not.toBe(200);

    const sessionsA = await h.api('GET', `/api/v1/auth-sessions?openId=${user.a}&appId=${APP_A.appId}`);
    expect(sessionsA.body[0]).toMatchObject({ status: 'failed', reason: 'code_exchange_failed' });
    const sessionsB = await h.api('GET', `/api/v1/auth-sessions?openId=${user.b}&appId=${APP_B.appId}`);
    expect(sessionsB.body[0]).toMatchObject({ status: 'pending' });
    expect((await h.api('GET', `/api/v1/users/${user.b}/token?appId=${APP_B.appId}`)).status).toBe(404);
    expect((await h.api('GET', `/api/v1/users/${user.a}/token?appId=${APP_A.appId}`)).status).toBe(404);
  }, 30_000);

  it('a token scoped to app A gets 403 on app B, whether or not the user exists there', async () => {
    const user = await person('Scoped Sally');
    await cardFor(APP_B.appId, user.b);
    const known = `/api/v1/auth-sessions?openId=${user.b}&appId=${APP_B.appId}`;
    const unknown = `/api/v1/auth-sessions?openId=ou_nobodyatall&appId=${APP_B.appId}`;
    const replies = [
      await h.api('GET', known, undefined, TOKEN_FOR_A),
      await h.api('GET', unknown, undefined, TOKEN_FOR_A),
      await h.api('GET', `/api/v1/users/${user.b}/token?appId=${APP_B.appId}`, undefined, TOKEN_FOR_A),
      await h.api('GET', `/api/v1/users/ou_nobodyatall/token?appId=${APP_B.appId}`, undefined, TOKEN_FOR_A),
      await h.api('POST', '/api/v1/auth-sessions', { appId: APP_B.appId, openId: user.b }, TOKEN_FOR_A),
      await h.api('POST', `/api/v1/users/${user.b}/token/refresh`, { appId: APP_B.appId }, TOKEN_FOR_A),
      await h.api('DELETE', `/api/v1/users/${user.b}/token?appId=${APP_B.appId}`, undefined, TOKEN_FOR_A),
      await h.api('POST', '/api/v1/maintenance/cleanup-sessions', { expiryDays: 30 }, TOKEN_FOR_A),
    ];
    for (const reply of replies) {
      expect(reply.status).toBe(403);
      expect(reply.body).toEqual(replies[0]?.body);
      expect(reply.body.error.code).toBe('APP_FORBIDDEN');
    }
    // Nothing happened in app B: the user still has their one pending session.
    const sessions = await h.api('GET', known);
    expect(sessions.body).toHaveLength(1);
    expect(sessions.body[0].status).toBe('pending');
    // The same token works for app A.
    expect(
      (await h.api('GET', `/api/v1/auth-sessions?openId=${user.a}&appId=${APP_A.appId}`, undefined, TOKEN_FOR_A))
        .status,
    ).toBe(200);
  }, 30_000);

  it('an event for app B is handled only by app B', async () => {
    const user = await person('Event Only-B');
    const statsA = await h.control.stats(APP_A.appId);
    const card = await dmAndWaitForCard(h.control, user.b, 'login');
    expect(card.appId).toBe(APP_B.appId);
    expect(card.openId).toBe(user.b);
    const sessionsB = await h.api('GET', `/api/v1/auth-sessions?openId=${user.b}&appId=${APP_B.appId}`);
    expect(sessionsB.body).toHaveLength(1);
    const sessionsA = await h.api('GET', `/api/v1/auth-sessions?openId=${user.a}&appId=${APP_A.appId}`);
    expect(sessionsA.body).toEqual([]);
    expect(await h.control.messages(user.a)).toEqual([]);
    expect((await h.control.stats(APP_A.appId)).messagesCreated).toBe(statsA.messagesCreated);
  }, 30_000);

  it("one app's WebSocket down makes /readyz unready and names that app", async () => {
    await h.control.faultRate('ws_endpoint', 'http500', 1, APP_B.appId);
    await h.control.dropWebSockets(APP_B.appId);
    let body: { status: string; checks: Record<string, unknown> } | undefined;
    await waitFor(
      async () => {
        const response = await fetch(`${h.baseUrl}/readyz`);
        body = await response.json();
        return response.status === 503;
      },
      20_000,
      'readiness to drop',
    );
    expect(body).toMatchObject({
      status: 'not_ready',
      checks: { database: true, websocket: false, websocketDisconnected: [APP_B.appId] },
    });
    const apps = await h.api('GET', '/api/v1/apps');
    expect(apps.body.map((app: { websocket: string }) => app.websocket)).toEqual(['connected', 'disconnected']);
    const metrics = await scrapeMetrics(h.baseUrl);
    expect(metricValue(metrics, 'lark_service_ws_connected', { app_id: APP_A.appId })).toBe(1);
    expect(metricValue(metrics, 'lark_service_ws_connected', { app_id: APP_B.appId })).toBe(0);

    await h.control.clearFaults();
    await waitFor(async () => (await fetch(`${h.baseUrl}/readyz`)).status === 200, 30_000, 'readiness to come back');
  }, 60_000);
});
