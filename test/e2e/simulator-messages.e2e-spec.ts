import * as lark from '@larksuiteoapi/node-sdk';

import { SimControlClient, type Simulator, type SimUser, startSimulator } from '../simulator';
import { quietLogger } from '../simulator/test-kit';

// The real SDK Client against the simulator: tenant token, sending and patching cards, Feishu's limits.

const APP_ID = 'cli_0123456789abcdef';
const APP_SECRET = 'sim-app-secret';

interface HttpFailure {
  status: number;
  data: { code: number; msg: string };
  headers: Record<string, string>;
}

async function failure(call: Promise<unknown>): Promise<HttpFailure> {
  try {
    await call;
  } catch (error) {
    const response = (error as { response?: HttpFailure }).response;
    if (response) return { status: response.status, data: response.data, headers: response.headers };
    throw error;
  }
  throw new Error('expected the call to fail');
}

function card(text: string, updateMulti = true): string {
  return JSON.stringify({
    schema: '2.0',
    config: updateMulti ? { update_multi: true } : {},
    header: { title: { tag: 'plain_text', content: 'Authorize' }, template: 'blue' },
    body: { elements: [{ tag: 'markdown', content: text }] },
  });
}

describe('simulator: messages through the real SDK Client', () => {
  let sim: Simulator;
  let control: SimControlClient;
  let client: lark.Client;
  let user: SimUser;

  const send = (content: string, receiveId = user.openId, uuid?: string) =>
    client.im.v1.message.create({
      params: { receive_id_type: 'open_id' },
      data: { receive_id: receiveId, msg_type: 'interactive', content, uuid },
    });
  const patch = (messageId: string, content: string) =>
    client.im.v1.message.patch({ path: { message_id: messageId }, data: { content } });

  beforeAll(async () => {
    sim = await startSimulator({ quiet: true });
    control = new SimControlClient(sim.url);
    client = new lark.Client({
      appId: APP_ID,
      appSecret: APP_SECRET,
      domain: sim.url,
      logger: quietLogger,
      cache: new lark.DefaultCache(),
    });
  });

  // a fresh recipient per test: Feishu allows only 5 messages per second to one user
  beforeEach(() => {
    user = sim.createUser(`Wang Wu ${expect.getState().currentTestName ?? ''}`);
  });

  afterAll(() => sim.close());

  it('issues a tenant token for the right secret and refuses a wrong one', async () => {
    const ask = async (secret: string) => {
      const res = await fetch(`${sim.url}/open-apis/auth/v3/tenant_access_token/internal`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ app_id: APP_ID, app_secret: secret }),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const good = await ask(APP_SECRET);
    expect(good.status).toBe(200);
    expect(good.body).toMatchObject({ code: 0, msg: 'ok', expire: expect.any(Number) });
    expect(good.body.tenant_access_token).toMatch(/^t-/);
    const bad = await ask('wrong');
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe(10015);
    expect(bad.body.tenant_access_token).toBeUndefined();
  });

  it('sends an interactive card, patches it, and lists it with its update history', async () => {
    const sent = await send(card('step 1'));
    expect(sent.code).toBe(0);
    const messageId = sent.data?.message_id ?? '';
    expect(messageId).toMatch(/^om_/);
    expect(sent.data?.chat_id).toMatch(/^oc_/);

    expect((await patch(messageId, card('step 2'))).code).toBe(0);
    expect((await patch(messageId, card('step 3'))).code).toBe(0);

    const [listed] = await control.messages(user.openId);
    expect(listed).toMatchObject({ messageId, openId: user.openId, msgType: 'interactive' });
    expect(JSON.stringify(listed?.content)).toContain('step 3');
    expect(listed?.updates.map((u) => JSON.stringify(u.content))).toEqual([
      expect.stringContaining('step 2'),
      expect.stringContaining('step 3'),
    ]);
    expect(listed?.updates[0]?.at).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('gives every chat message to one p2p chat per user and honours uuid idempotency', async () => {
    const before = (await control.stats()).messagesCreated;
    const first = await send(card('once'), user.openId, 'idem-1');
    const again = await send(card('once'), user.openId, 'idem-1');
    expect(again.data?.message_id).toBe(first.data?.message_id);
    expect((await control.stats()).messagesCreated).toBe(before + 1);
    const other = await send(card('twice'));
    expect(other.data?.chat_id).toBe(first.data?.chat_id);
  });

  it('refuses to patch a card that is not a shared (update_multi) card', async () => {
    const plain = await send(card('not shared', false));
    const refused = await failure(patch(plain.data?.message_id ?? '', card('new')));
    expect(refused.status).toBe(400);
    expect(refused.data.code).toBe(230099);

    const shared = await send(card('shared'));
    const downgrade = await failure(patch(shared.data?.message_id ?? '', card('now unshared', false)));
    expect(downgrade.data.code).toBe(230099);
    const [latest] = await control.messages(user.openId);
    expect(latest?.updates).toHaveLength(0);
  });

  // A burst well above the limit: on a loaded machine the requests may spread out, so only the shape is exact.
  async function burst(count: number, call: () => Promise<unknown>): Promise<{ ok: number; limited: HttpFailure[] }> {
    const results = await Promise.allSettled(Array.from({ length: count }, call));
    const limited = await Promise.all(
      results.filter((r) => r.status === 'rejected').map((r) => failure(Promise.reject(r.reason as Error))),
    );
    return { ok: results.filter((r) => r.status === 'fulfilled').length, limited };
  }

  it('limits patches of one message to 5 per second with HTTP 400, code 230020 and no reset header', async () => {
    const sent = await send(card('busy'));
    const messageId = sent.data?.message_id ?? '';
    const { ok, limited } = await burst(12, () => patch(messageId, card('p')));
    expect(ok).toBeGreaterThanOrEqual(5);
    expect(limited.length).toBeGreaterThanOrEqual(1);
    for (const throttled of limited) {
      expect(throttled.status).toBe(400);
      expect(throttled.data.code).toBe(230020);
      expect(throttled.headers['x-ogw-ratelimit-reset']).toBeUndefined();
    }
    expect((await control.messages(user.openId))[0]?.updates).toHaveLength(ok);
  });

  it('limits messages to one user to 5 per second (HTTP 400, 230020)', async () => {
    const { ok, limited } = await burst(12, () => send(card('hi')));
    expect(ok).toBeGreaterThanOrEqual(5);
    expect(limited.length).toBeGreaterThanOrEqual(1);
    expect(limited.every((f) => f.status === 400 && f.data.code === 230020)).toBe(true);
  });

  it('rejects unknown users, missing tenant tokens and non-card patches', async () => {
    const unknown = await failure(send(card('x'), 'ou_does_not_exist'));
    expect(unknown.data.code).toBeGreaterThanOrEqual(230000);
    expect(unknown.data.code).toBeLessThan(231000);

    const res = await fetch(`${sim.url}/open-apis/im/v1/messages?receive_id_type=open_id`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ receive_id: user.openId, msg_type: 'text', content: '{"text":"hi"}' }),
    });
    expect(((await res.json()) as { code: number }).code).toBe(99991663);

    const text = await client.im.v1.message.create({
      params: { receive_id_type: 'open_id' },
      data: { receive_id: user.openId, msg_type: 'text', content: JSON.stringify({ text: 'plain text' }) },
    });
    expect(text.code).toBe(0);
    const refused = await failure(patch(text.data?.message_id ?? '', card('card')));
    expect(refused.data.code).toBe(230001);
  });

  it('answers 501 naming the method and path of anything it does not implement', async () => {
    for (const [method, path] of [
      ['GET', '/open-apis/contact/v3/users/ou_x'],
      ['POST', '/open-apis/interactive/v1/card/update'],
      ['DELETE', '/open-apis/im/v1/messages/om_x'],
    ] as const) {
      const res = await fetch(sim.url + path, { method });
      expect(res.status).toBe(501);
      const body = (await res.json()) as { msg: string; method: string; path: string };
      expect(body).toMatchObject({ method, path });
      expect(body.msg).toContain(`${method} ${path}`);
    }
  });

  it('closes the 14-day update window (simulated clock)', async () => {
    const sent = await send(card('old'));
    await control.advanceClock(15 * 86400);
    const refused = await failure(patch(sent.data?.message_id ?? '', card('too late')));
    expect(refused.data.code).toBe(230031);
  });
});
