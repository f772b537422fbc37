import { SimControlClient, type Simulator, startSimulator } from '../simulator';

// OAuth 2.0 Device Authorization Grant (RFC 8628) as Feishu's accounts host serves it, over plain HTTP.

const A = { appId: 'cli_0123456789abcdef', appSecret: 'sim-app-secret' };
const B = { appId: 'cli_fedcba9876543210', appSecret: 'secret-b' };
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

interface DeviceAuthorization {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval: number;
}

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe('simulator: OAuth device flow', () => {
  let sim: Simulator;
  let control: SimControlClient;

  beforeAll(async () => {
    sim = await startSimulator({ quiet: true, apps: [A, B] });
    control = new SimControlClient(sim.url);
  });
  afterAll(() => sim.close());
  beforeEach(() => control.config({ deviceIntervalSeconds: 0 }));

  const post = async (path: string, form: Record<string, string>, headers: Record<string, string> = {}) => {
    const res = await fetch(sim.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form).toString(),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> } satisfies Reply;
  };
  const authorize = (scope = 'offline_access auth:user.id:read', app = A) =>
    post(
      '/oauth/v1/device_authorization',
      { client_id: app.appId, scope },
      { authorization: basic(app.appId, app.appSecret) },
    );
  const start = async (scope?: string, app = A) => (await authorize(scope, app)).body as unknown as DeviceAuthorization;
  const poll = (deviceCode: string, app = A, path = '/oauth/v3/token') =>
    post(path, {
      grant_type: DEVICE_GRANT,
      device_code: deviceCode,
      client_id: app.appId,
      client_secret: app.appSecret,
    });
  const pollJson = async (deviceCode: string, app = A): Promise<Reply> => {
    const res = await fetch(`${sim.url}/open-apis/authen/v2/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: DEVICE_GRANT,
        device_code: deviceCode,
        client_id: app.appId,
        client_secret: app.appSecret,
      }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('issues a device code, a user code and the verification URLs', async () => {
    await control.config({ deviceIntervalSeconds: 5 });
    const before = await control.stats();
    const reply = await authorize();
    expect(reply.status).toBe(200);
    const d = reply.body as unknown as DeviceAuthorization;
    expect(d.user_code).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
    expect(d.device_code.length).toBeGreaterThanOrEqual(40);
    expect(d.verification_uri).toBe(`${sim.url}/oauth/v1/device/verify`);
    expect(d.verification_uri_complete).toBe(`${sim.url}/oauth/v1/device/verify?user_code=${d.user_code}`);
    expect(d).toMatchObject({ expires_in: 240, interval: 5 });
    expect((await control.stats()).deviceAuthorizations).toBe(before.deviceAuthorizations + 1);
    // client_secret in the body works too
    const inBody = await post('/oauth/v1/device_authorization', { client_id: A.appId, client_secret: A.appSecret });
    expect(inBody.status).toBe(200);
  });

  it('refuses bad client authentication and scopes that are not enabled, RFC style', async () => {
    const both = await post(
      '/oauth/v1/device_authorization',
      { client_id: A.appId, client_secret: A.appSecret },
      { authorization: basic(A.appId, A.appSecret) },
    );
    expect(both).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    const wrong = await post(
      '/oauth/v1/device_authorization',
      { client_id: A.appId },
      { authorization: basic(A.appId, 'x') },
    );
    expect(wrong).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    const unknown = await post('/oauth/v1/device_authorization', {
      client_id: 'cli_1111111111111111',
      client_secret: 'x',
    });
    expect(unknown).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect((await post('/oauth/v1/device_authorization', {})).body.error).toBe('invalid_request');
    const scope = await authorize('offline_access wiki:space:admin');
    expect(scope).toMatchObject({ status: 400, body: { error: 'invalid_scope', code: 20027 } });
    expect(scope.body.error_description).toContain('wiki:space:admin');
  });

  it('answers authorization_pending, then the tokens once after approval, then invalid_grant', async () => {
    const user = sim.createUser('Device User');
    const d = await start();
    const before = await control.stats();
    expect(await poll(d.device_code)).toMatchObject({ status: 400, body: { error: 'authorization_pending' } });
    expect(await pollJson(d.device_code)).toMatchObject({ status: 400, body: { error: 'authorization_pending' } });

    expect(await control.authorizeDevice(user.openId, 'approve', d.verification_uri_complete)).toEqual({
      userCode: d.user_code,
      decision: 'approve',
    });
    const tokens = await poll(d.device_code);
    expect(tokens.status).toBe(200);
    expect(tokens.body).toMatchObject({
      code: 0,
      token_type: 'Bearer',
      scope: 'offline_access auth:user.id:read',
      access_token: expect.stringMatching(/^eyJ/),
      refresh_token: expect.stringMatching(/^eyJ/),
    });
    expect(await poll(d.device_code)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect((await control.stats()).tokenRequests.device_code).toBe(before.tokenRequests.device_code + 4);

    const info = await fetch(`${sim.url}/open-apis/authen/v1/user_info`, {
      headers: { authorization: `Bearer ${String(tokens.body.access_token)}` },
    });
    expect(((await info.json()) as { data: { open_id: string } }).data.open_id).toBe(user.openId);
    // the refresh token rotates like any other
    const refreshed = await post('/oauth/v3/token', {
      grant_type: 'refresh_token',
      refresh_token: String(tokens.body.refresh_token),
      client_id: A.appId,
      client_secret: A.appSecret,
    });
    expect(refreshed.body.code).toBe(0);
    // the verification URL is used up
    const again = await control.call(
      'GET',
      `/_sim/authorize-as?${new URLSearchParams({ openId: user.openId, decision: 'approve', url: d.verification_uri_complete })}`,
    );
    expect(again.status).toBe(400);
  });

  it('answers slow_down to a poll sooner than the interval, and the interval grows by 5 s', async () => {
    await control.config({ deviceIntervalSeconds: 1 });
    const d = await start();
    const before = await control.stats();
    expect((await poll(d.device_code)).body.error).toBe('authorization_pending');
    expect((await poll(d.device_code)).body.error).toBe('slow_down');
    // 1.1 s later is past the original 1 s interval but not the grown 6 s one
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await poll(d.device_code)).body.error).toBe('slow_down');
    expect((await control.stats()).deviceSlowDowns).toBe(before.deviceSlowDowns + 2);
  });

  it('answers access_denied after Deny, expired_token after expiry, invalid_grant for an unknown code', async () => {
    const user = sim.createUser('Denier');
    const denied = await start();
    expect(await control.authorizeDevice(user.openId, 'deny', denied.verification_uri_complete)).toMatchObject({
      decision: 'deny',
    });
    expect(await poll(denied.device_code)).toMatchObject({ status: 400, body: { error: 'access_denied' } });

    const expiring = await start();
    await control.advanceClock(241);
    expect(await poll(expiring.device_code)).toMatchObject({ status: 400, body: { error: 'expired_token' } });
    expect((await fetch(expiring.verification_uri_complete)).status).toBe(400);

    expect(await poll('not-a-device-code')).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    // a device code is bound to its app
    const ofB = await start('offline_access', B);
    expect((await poll(ofB.device_code, A)).body.error).toBe('invalid_grant');
    expect((await poll(ofB.device_code, B)).body.error).toBe('authorization_pending');
    // wrong client secret on the poll: the token endpoint's own error
    const bad = await post('/oauth/v3/token', {
      grant_type: DEVICE_GRANT,
      device_code: ofB.device_code,
      client_id: B.appId,
      client_secret: 'wrong',
    });
    expect(bad).toMatchObject({ status: 400, body: { code: 20002, error: 'invalid_client' } });
  });

  it('applies the token faults to polls and its own faults to device_authorization', async () => {
    const d = await start();
    await control.fault('token', 'http500', 1);
    expect((await poll(d.device_code)).status).toBe(500);
    expect((await poll(d.device_code)).body.error).toBe('authorization_pending');
    await control.fault('device_authorization', 'code20072', 1, B.appId);
    expect((await authorize()).status).toBe(200);
    expect((await authorize('offline_access', B)).status).toBe(503);
    expect((await authorize('offline_access', B)).status).toBe(200);
  });

  it('serves the verification page: app, scopes, user code, "Continue as" from the chat cookie, a form to decide', async () => {
    const li = sim.createUser('Li Verify');
    const d = await start('offline_access', B);
    const chat = await fetch(`${sim.url}/_sim/chat?openId=${li.openId}`);
    const cookie = (chat.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const page = await fetch(d.verification_uri_complete, { headers: { cookie } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(`<p id="sim-user-code" class="user-code">${d.user_code}</p>`);
    expect(html).toContain(B.appId);
    expect(html).toContain('<ul id="sim-scopes">');
    expect(html).toMatch(/<button[^>]*id="authorize"[^>]*>Authorize<\/button>/);
    expect(html).toMatch(/<button[^>]*id="deny"[^>]*>Deny<\/button>/);
    // the cookie holds Li's open_id in A; the page preselects Li's open_id in B
    expect(html).toContain(`<option value="${li.openIds[B.appId] ?? ''}" selected>`);
    expect(html).toContain('action="/_sim/device/decide"');

    const decided = await fetch(`${sim.url}/_sim/device/decide`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ user_code: d.user_code, open_id: li.openIds[B.appId] ?? '', decision: 'approve' }),
    });
    expect(decided.status).toBe(200);
    expect(await decided.text()).toContain('data-decision="approve"');
    expect((await poll(d.device_code, B)).status).toBe(200);

    const wrong = await fetch(`${sim.url}/oauth/v1/device/verify?user_code=BBBB-CCCC`);
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('id="sim-error-code"');
  });
});
