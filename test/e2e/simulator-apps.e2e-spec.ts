import * as lark from '@larksuiteoapi/node-sdk';

import { SimControlClient, type Simulator, startSimulator } from '../simulator';
import { authorizeUrl, httpFailure, sdkClient, startWsClient } from '../simulator/test-kit';

// Several apps in one simulator: per-app open_ids, tenant tokens, messages, OAuth, events, stats and scopes.

jest.setTimeout(20_000);

const A = { appId: 'cli_0123456789abcdef', appSecret: 'secret-a', name: 'Bot A' };
const B = { appId: 'cli_fedcba9876543210', appSecret: 'secret-b', name: 'Bot B' };
const REDIRECT = 'http://127.0.0.1:8000/callback';

const card = (text: string): string =>
  JSON.stringify({
    schema: '2.0',
    config: { update_multi: true },
    body: { elements: [{ tag: 'markdown', content: text }] },
  });

describe('simulator: several apps', () => {
  let sim: Simulator;
  let control: SimControlClient;
  let clientA: lark.Client;
  let clientB: lark.Client;

  beforeAll(async () => {
    sim = await startSimulator({ quiet: true, apps: [A, B] });
    control = new SimControlClient(sim.url);
    clientA = sdkClient(sim.url, A.appId, A.appSecret);
    clientB = sdkClient(sim.url, B.appId, B.appSecret);
  });
  afterAll(() => sim.close());

  const send = (client: lark.Client, idType: 'open_id' | 'union_id' | 'user_id', receiveId: string, text = 'hi') =>
    client.im.v1.message.create({
      params: { receive_id_type: idType },
      data: { receive_id: receiveId, msg_type: 'interactive', content: card(text) },
    });

  it('gives a person one open_id per app (derived from the given one), the same union_id and user_id', async () => {
    expect(sim.apps).toEqual([A.appId, B.appId]);
    const zhang = sim.createUser('Zhang San', 'ou_00000000000000000000000000000001');
    expect(zhang.openId).toBe('ou_00000000000000000000000000000001');
    expect(zhang.openIds[A.appId]).toBe(zhang.openId);
    const inB = zhang.openIds[B.appId] ?? '';
    expect(inB).toMatch(/^ou_[0-9a-f]{32}$/);
    expect(inB).not.toBe(zhang.openId);
    expect(sim.openIdIn(B.appId, zhang.openId)).toBe(inB);
    expect(sim.openIdIn(A.appId, inB)).toBe(zhang.openId);
    expect(sim.openIdIn(A.appId, 'ou_unknown')).toBeUndefined();

    // the same given open_id derives the same open_id in B in another simulator (stable demo URLs)
    const other = await startSimulator({ quiet: true, apps: [A, B] });
    expect(other.createUser('Zhang San', zhang.openId).openIds[B.appId]).toBe(inB);
    await other.close();

    const viaHttp = await control.createUser('Li Si');
    expect(Object.keys(viaHttp.openIds)).toEqual([A.appId, B.appId]);
    expect(viaHttp).toMatchObject({ openId: viaHttp.openIds[A.appId], unionId: expect.stringMatching(/^on_/) });
    // an existing open_id of any app returns the existing person
    expect((await control.createUser('again', viaHttp.openIds[B.appId])).unionId).toBe(viaHttp.unionId);
  });

  it('sends each app its own tenant token; a token of A never works for B', async () => {
    const user = sim.createUser('Wang Wu');
    const inB = user.openIds[B.appId] ?? '';
    const sentB = await send(clientB, 'open_id', inB, 'from B');
    expect(sentB.code).toBe(0);
    expect(sentB.data?.sender).toMatchObject({ id: B.appId, id_type: 'app_id' });
    const [listed] = await control.messages(inB);
    expect(listed).toMatchObject({ appId: B.appId, openId: inB });
    expect(await control.messages(user.openId)).toEqual([]);

    // A cannot address the person by B's open_id
    const cross = await httpFailure(send(clientA, 'open_id', inB));
    expect(cross.data.code).toBe(99992361);
    // union_id and user_id are the same in every app: each app reaches its own open_id
    const byUnion = await send(clientA, 'union_id', user.unionId, 'union');
    expect((await control.messages(user.openId))[0]?.messageId).toBe(byUnion.data?.message_id);
    const byUserId = await send(clientB, 'user_id', user.userId, 'user id');
    expect((await control.messages(inB))[0]?.messageId).toBe(byUserId.data?.message_id);

    // B's tenant token is refused for a patch of A's message, and an A token patches nothing of B's
    const patch = await httpFailure(
      clientB.im.v1.message.patch({
        path: { message_id: byUnion.data?.message_id ?? '' },
        data: { content: card('x') },
      }),
    );
    expect(patch.data.code).toBe(230001);

    const tokenOf = async (app: typeof A) => {
      const res = await fetch(`${sim.url}/open-apis/auth/v3/tenant_access_token/internal`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ app_id: app.appId, app_secret: app.appSecret }),
      });
      return ((await res.json()) as { tenant_access_token: string }).tenant_access_token;
    };
    const [tokenA, tokenB] = [await tokenOf(A), await tokenOf(B)];
    expect(tokenA).not.toBe(tokenB);
    const wrongSecret = await fetch(`${sim.url}/open-apis/auth/v3/tenant_access_token/internal`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ app_id: B.appId, app_secret: A.appSecret }),
    });
    expect(await wrongSecret.json()).toMatchObject({ code: 10015 });
  });

  it('revokes the tenant tokens of one app: its cached token answers 99991663, the other app is unaffected', async () => {
    const user = sim.createUser('Token Holder');
    expect((await send(clientA, 'open_id', user.openId)).code).toBe(0);
    expect((await send(clientB, 'open_id', user.openIds[B.appId] ?? '')).code).toBe(0);
    expect(await control.revokeTenantTokens(A.appId)).toEqual({ revoked: [A.appId] });
    // the SDK keeps its cached token of A, which is now dead
    const refused = await httpFailure(send(clientA, 'open_id', user.openId));
    expect(refused.status).toBe(400);
    expect(refused.data.code).toBe(99991663);
    expect((await send(clientB, 'open_id', user.openIds[B.appId] ?? '')).code).toBe(0);
    // a fresh client fetches a new token of the new generation
    clientA = sdkClient(sim.url, A.appId, A.appSecret);
    expect((await send(clientA, 'open_id', user.openId)).code).toBe(0);
  });

  it('runs OAuth per app: client_id picks the app, tokens carry the open_id of that app', async () => {
    const user = sim.createUser('Oauth User');
    const inB = user.openIds[B.appId] ?? '';
    sim.addRedirectUri('http://b.example/cb', B.appId);
    const urlB = authorizeUrl(sim.url, {
      clientId: B.appId,
      redirectUri: 'http://b.example/cb',
      scope: 'offline_access',
    });
    // A does not have B's redirect URL; B has the default ones too
    const urlA = authorizeUrl(sim.url, { clientId: A.appId, redirectUri: 'http://b.example/cb' });
    expect((await fetch(urlA)).status).toBe(400);
    // approving as the person's A open_id still yields B's identity
    const location = await control.authorizeAs(user.openId, 'approve', urlB);
    const code = new URL(location).searchParams.get('code') ?? '';
    const exchange = async (app: typeof A) => {
      const res = await fetch(`${sim.url}/open-apis/authen/v2/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          grant_type: 'authorization_code',
          client_id: app.appId,
          client_secret: app.appSecret,
          code,
        }),
      });
      return (await res.json()) as { code: number; access_token: string; refresh_token: string };
    };
    expect((await exchange(A)).code).toBe(20024);
    const tokens = await exchange(B);
    expect(tokens.code).toBe(0);
    const info = await fetch(`${sim.url}/open-apis/authen/v1/user_info`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(((await info.json()) as { data: { open_id: string; union_id: string } }).data).toMatchObject({
      open_id: inB,
      union_id: user.unionId,
    });
    // a refresh token of B presented by A
    const refresh = await fetch(`${sim.url}/oauth/v3/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'refresh_token',
        client_id: A.appId,
        client_secret: A.appSecret,
        refresh_token: tokens.refresh_token,
      }),
    });
    expect(((await refresh.json()) as { code: number }).code).toBe(20024);
  });

  it('delivers events of an app only to its own WebSocket connections', async () => {
    const user = sim.createUser('Event User');
    const got: Record<string, string[]> = { [A.appId]: [], [B.appId]: [] };
    const handler = (appId: string) => (data: unknown) => {
      const e = data as { app_id: string; sender: { sender_id: { open_id: string } } };
      got[appId]?.push(`${e.app_id}/${e.sender.sender_id.open_id}`);
    };
    const wsA = await startWsClient(sim.url, A.appId, A.appSecret, { 'im.message.receive_v1': handler(A.appId) });
    const wsB = await startWsClient(sim.url, B.appId, B.appSecret, { 'im.message.receive_v1': handler(B.appId) });
    try {
      const status = await control.wsStatus();
      expect(status.apps).toEqual({ [A.appId]: { connections: 1 }, [B.appId]: { connections: 1 } });
      expect(status.clients.map((c) => c.appId).sort()).toEqual([A.appId, B.appId].sort());
      const inB = user.openIds[B.appId] ?? '';
      expect((await control.userMessage(inB, 'to B')).status).toBe(200);
      expect((await control.userMessage(user.openId, 'to A')).status).toBe(200);
      expect(got[B.appId]).toEqual([`${B.appId}/${inB}`]);
      expect(got[A.appId]).toEqual([`${A.appId}/${user.openId}`]);

      // a card of B clicked: the event goes to B with B's open_id
      const sent = await send(clientB, 'open_id', inB);
      const clicks: string[] = [];
      wsB.close();
      const wsB2 = await startWsClient(sim.url, B.appId, B.appSecret, {
        'card.action.trigger': (data) => {
          clicks.push((data as { operator: { open_id: string } }).operator.open_id);
          return {};
        },
      });
      // whoever clicks (any open_id of the person) is seen through the app that sent the card
      expect((await control.cardAction(sent.data?.message_id ?? '', user.openId, { a: 1 })).status).toBe(200);
      expect(clicks).toEqual([inB]);

      expect(await control.dropWebSockets(A.appId)).toBe(1);
      await control.waitForWsConnections(1, 5000, B.appId);
      wsB2.close();
    } finally {
      wsA.close();
      wsB.close();
    }
  });

  it('counts stats per app (?appId=) and sums them; faults can target one app', async () => {
    const user = sim.createUser('Stats User');
    const before = { all: await control.stats(), a: await control.stats(A.appId), b: await control.stats(B.appId) };
    await send(clientB, 'open_id', user.openIds[B.appId] ?? '');
    const after = { all: await control.stats(), a: await control.stats(A.appId), b: await control.stats(B.appId) };
    expect(after.b.messagesCreated).toBe(before.b.messagesCreated + 1);
    expect(after.a.messagesCreated).toBe(before.a.messagesCreated);
    expect(after.all.messagesCreated).toBe(before.all.messagesCreated + 1);
    expect((await control.call('GET', '/_sim/stats?appId=cli_nope')).status).toBe(404);

    await control.fault('message_create', 'http500', 1, B.appId);
    expect((await send(clientA, 'open_id', user.openId)).code).toBe(0);
    expect((await httpFailure(send(clientB, 'open_id', user.openIds[B.appId] ?? ''))).status).toBe(500);
    expect((await control.call('GET', '/_sim/faults')).body).toEqual([]);
  });

  it('keeps enabled scopes per app; the consent page refuses a scope not enabled (20027)', async () => {
    const view = await control.config({ enabledScopes: ['offline_access', 'auth:user.id:read'], appId: B.appId });
    expect(view).toMatchObject({ appId: B.appId, enabledScopes: ['offline_access', 'auth:user.id:read'] });
    const a = (await control.call<{ enabledScopes: string[] }>('GET', `/_sim/config?appId=${A.appId}`)).body;
    expect(a.enabledScopes).toContain('im:message');
    const all = (await control.call<{ apps: Record<string, { enabledScopes: string[] }> }>('GET', '/_sim/config')).body;
    expect(all.apps[B.appId]?.enabledScopes).toEqual(['offline_access', 'auth:user.id:read']);

    const refused = await fetch(
      authorizeUrl(sim.url, { clientId: B.appId, redirectUri: REDIRECT, scope: 'im:message' }),
    );
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('Error code 20027');
    const user = sim.createUser('Scope User');
    const viaControl = await control.call(
      'GET',
      `/_sim/authorize-as?${new URLSearchParams({
        openId: user.openId,
        decision: 'approve',
        url: authorizeUrl(sim.url, { clientId: B.appId, redirectUri: REDIRECT, scope: 'offline_access im:message' }),
      })}`,
    );
    expect(viaControl).toMatchObject({ status: 400, body: { code: 20027 } });
    // the tenant-only scope is never a user scope
    const tenantOnly = await fetch(
      authorizeUrl(sim.url, { redirectUri: REDIRECT, scope: 'application:application:self_manage' }),
    );
    expect(tenantOnly.status).toBe(400);
    expect((await fetch(authorizeUrl(sim.url, { redirectUri: REDIRECT, scope: 'im:message' }))).status).toBe(200);
  });

  it('lets an app read its own enabled scopes (application v6) like openclaw-lark does', async () => {
    const read = (client: lark.Client, appId: string) =>
      client.request<{
        code: number;
        data: { app: { app_id: string; app_name: string; scopes: Array<{ scope: string; token_types: string[] }> } };
      }>({
        method: 'GET',
        url: `/open-apis/application/v6/applications/${appId}`,
        params: { lang: 'zh_cn' },
      });
    const own = await read(clientA, A.appId);
    expect(own.code).toBe(0);
    expect(own.data.app).toMatchObject({ app_id: A.appId, app_name: A.name, status: 1 });
    const scopes = own.data.app.scopes;
    expect(scopes.find((s) => s.scope === 'offline_access')?.token_types).toEqual(['user']);
    expect(scopes.find((s) => s.scope === 'application:application:self_manage')?.token_types).toEqual(['tenant']);
    expect(scopes.find((s) => s.scope === 'im:message')?.token_types).toContain('user');
    expect((await read(clientA, 'me')).data.app.app_id).toBe(A.appId);

    const other = await httpFailure(read(clientA, B.appId));
    expect(other).toMatchObject({ status: 400, data: { code: 210504 } });
    // B's scopes (set above) lack application:application:self_manage
    const denied = await httpFailure(read(clientB, B.appId));
    expect(denied).toMatchObject({ status: 400, data: { code: 99991672 } });
    expect(denied.data.msg).toContain('application:application:self_manage');
  });

  it('shows a person the chat with each bot, with links to the same person in the other bots', async () => {
    const user = sim.createUser('Chat User');
    const inB = user.openIds[B.appId] ?? '';
    const html = await (await fetch(`${sim.url}/_sim/chat?openId=${inB}`)).text();
    expect(html).toContain(`data-app-id="${B.appId}"`);
    expect(html).toContain('Bot B');
    expect(html).toMatch(
      new RegExp(`<a class="sim-bot" data-app-id="${A.appId}" href="/_sim/chat\\?openId=${user.openId}"`),
    );
    expect(html).toMatch(new RegExp(`data-app-id="${B.appId}" href="/_sim/chat\\?openId=${inB}" aria-current="page"`));
    const feed = (
      await control.call<{ appId: string; user: { openId: string } }>('GET', `/_sim/chat/feed?openId=${inB}`)
    ).body;
    expect(feed).toMatchObject({ appId: B.appId, user: { openId: inB } });
  });
});
