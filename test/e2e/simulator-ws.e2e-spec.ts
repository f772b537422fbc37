import * as lark from '@larksuiteoapi/node-sdk';

import { SimControlClient, type Simulator, type SimUser, startSimulator } from '../simulator';
import { quietLogger, waitFor } from '../simulator/test-kit';

// The real SDK WSClient against the simulator's pbbp2 long connection: events, card callbacks, chunking, reconnects.

// reconnects wait for the SDK's reconnect interval; leave room for a loaded machine
jest.setTimeout(20_000);

const APP_ID = 'cli_0123456789abcdef';
const APP_SECRET = 'sim-app-secret';

// The flattened object the SDK hands to a handler (header and event merged), as far as these tests read it.
interface Event {
  event_type?: string;
  schema?: string;
  app_id?: string;
  token?: string;
  host?: string;
  sender?: { sender_id: Record<string, string> };
  message?: { chat_type: string; message_type: string; content: string; message_id: string; chat_id: string };
  operator?: Record<string, string>;
  action?: { value?: Record<string, unknown>; tag: string };
  context?: Record<string, string>;
}

describe('simulator: WebSocket long connection with the real SDK WSClient', () => {
  let sim: Simulator;
  let control: SimControlClient;
  let client: lark.Client;
  let ws: lark.WSClient;
  let user: SimUser;
  const events: Event[] = [];
  let reconnected = 0;

  const declinedCard = {
    schema: '2.0',
    config: { update_multi: true },
    header: { title: { tag: 'plain_text', content: 'Declined' }, template: 'grey' },
    body: { elements: [{ tag: 'markdown', content: 'You declined.' }] },
  };

  beforeAll(async () => {
    sim = await startSimulator({ quiet: true });
    control = new SimControlClient(sim.url);
    user = sim.createUser('Zhao Liu');
    client = new lark.Client({
      appId: APP_ID,
      appSecret: APP_SECRET,
      domain: sim.url,
      logger: quietLogger,
      cache: new lark.DefaultCache(),
    });
    const dispatcher = new lark.EventDispatcher({ logger: quietLogger }).register<{
      'card.action.trigger': (e: Event) => Promise<object>;
    }>({
      'im.message.receive_v1': async (received) => {
        const e = received as Event;
        events.push(e);
        if (e.message?.content === JSON.stringify({ text: 'slow' })) await new Promise((r) => setTimeout(r, 800));
      },
      'card.action.trigger': (e) => {
        events.push(e);
        if (e.action?.value?.action === 'boom') return Promise.reject(new Error('handler failed'));
        return Promise.resolve({
          toast: { type: 'info', content: 'Declined' },
          card: { type: 'raw', data: declinedCard },
        });
      },
    });
    let ready!: () => void;
    const isReady = new Promise<void>((resolve) => (ready = resolve));
    ws = new lark.WSClient({
      appId: APP_ID,
      appSecret: APP_SECRET,
      domain: sim.url,
      logger: quietLogger,
      loggerLevel: lark.LoggerLevel.error,
      onReady: () => ready(),
      onReconnected: () => (reconnected += 1),
    });
    await ws.start({ eventDispatcher: dispatcher });
    await isReady;
  });

  afterAll(async () => {
    ws.close({ force: true });
    await sim.close();
  });

  const lastEvent = (): Event => events[events.length - 1] ?? {};

  it('delivers a DM as im.message.receive_v1 to the registered handler', async () => {
    const reply = await control.userMessage(user.openId, 'login');
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ ack: { code: 200 } });
    const event = lastEvent();
    expect(event.event_type).toBe('im.message.receive_v1');
    expect(event.schema).toBe('2.0');
    expect(event.app_id).toBe(APP_ID);
    expect(event.sender?.sender_id).toEqual({ open_id: user.openId, union_id: user.unionId, user_id: user.userId });
    expect(event.message).toMatchObject({ chat_type: 'p2p', message_type: 'text', content: '{"text":"login"}' });
    expect(event.message?.message_id).toMatch(/^om_/);
    expect(event.message?.chat_id).toMatch(/^oc_/);
  });

  it('delivers a card click as card.action.trigger and applies the card of the response', async () => {
    const card = { ...declinedCard, header: { title: { tag: 'plain_text', content: 'Authorize?' }, template: 'blue' } };
    const sent = await client.im.v1.message.create({
      params: { receive_id_type: 'open_id' },
      data: { receive_id: user.openId, msg_type: 'interactive', content: JSON.stringify(card) },
    });
    const messageId = sent.data?.message_id ?? '';
    const statsBefore = await control.stats();

    const reply = await control.cardAction(messageId, user.openId, { action: 'decline', session: 's1' });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      toast: { type: 'info', content: 'Declined' },
      card: { type: 'raw', data: declinedCard },
    });

    const event = lastEvent();
    expect(event.event_type).toBe('card.action.trigger');
    expect(event.operator).toMatchObject({ open_id: user.openId, union_id: user.unionId });
    expect(event.token).toMatch(/^c-/);
    expect(event.action).toMatchObject({ value: { action: 'decline', session: 's1' }, tag: 'button' });
    expect(event.context).toEqual({ open_message_id: messageId, open_chat_id: sent.data?.chat_id });
    expect(event.host).toBe('im_message');

    const [message] = await control.messages(user.openId);
    expect(message?.content).toEqual(declinedCard);
    expect(message?.updates).toEqual([{ at: expect.any(String), content: declinedCard, source: 'callback' }]);
    const statsAfter = await control.stats();
    expect(statsAfter.wsEventsSent).toBe(statsBefore.wsEventsSent + 1);
    expect(statsAfter.wsEventsAcked).toBe(statsBefore.wsEventsAcked + 1);
  });

  it('reports a handler failure (ack code 500) as 502', async () => {
    const sent = await client.im.v1.message.create({
      params: { receive_id_type: 'open_id' },
      data: { receive_id: user.openId, msg_type: 'interactive', content: JSON.stringify(declinedCard) },
    });
    const reply = await control.cardAction(sent.data?.message_id ?? '', user.openId, { action: 'boom' });
    expect(reply.status).toBe(502);
  });

  it('splits a large event into chunks that arrive whole', async () => {
    const text = 'x'.repeat(100 * 1024) + '末尾';
    const framesBefore = (await control.wsStatus()).framesSent;
    const reply = await control.userMessage(user.openId, text);
    expect(reply.status).toBe(200);
    expect(JSON.parse(lastEvent().message?.content ?? '')).toEqual({ text });
    expect((await control.wsStatus()).framesSent - framesBefore).toBeGreaterThanOrEqual(7);
  });

  it('reports 504 when no delivery attempt is acked in time (the first push and 3 re-pushes)', async () => {
    await control.config({ ackTimeoutMs: 150 });
    const before = await control.stats();
    const reply = await control.userMessage(user.openId, 'slow');
    await control.config({ ackTimeoutMs: 3000 });
    expect(reply.status).toBe(504);
    expect((await control.stats()).wsEventsRedelivered).toBe(before.wsEventsRedelivered + 3);
    // the four slow handler runs finish before the next test
    await new Promise((r) => setTimeout(r, 1000));
  });

  it('reconnects after the server drops the connection', async () => {
    const before = (await control.wsStatus()).clients[0]?.id;
    expect(await control.dropWebSockets()).toBe(1);
    await waitFor(async () => (await control.wsStatus()).clients.some((c) => c.id !== before), 8000, 'reconnect');
    await waitFor(() => reconnected >= 1, 2000, 'onReconnected');
    expect((await control.userMessage(user.openId, 'after drop')).status).toBe(200);
    expect(lastEvent().message?.content).toBe('{"text":"after drop"}');
  });

  it('reconnects when endpoint discovery fails once after a drop', async () => {
    await control.fault('ws_endpoint', 'http500', 1);
    const before = (await control.wsStatus()).clients[0]?.id;
    await control.dropWebSockets();
    await waitFor(async () => (await control.wsStatus()).clients.some((c) => c.id !== before), 10000, 'reconnect');
    expect((await control.call('GET', '/_sim/faults')).body).toEqual([]);
    expect((await control.userMessage(user.openId, 'after fault')).status).toBe(200);
    expect(lastEvent().message?.content).toBe('{"text":"after fault"}');
  });

  it('refuses wrong credentials with code 514, which the SDK treats as terminal', async () => {
    const endpoint = await fetch(`${sim.url}/callback/ws/endpoint`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ AppID: APP_ID, AppSecret: 'wrong' }),
    });
    expect(await endpoint.json()).toMatchObject({ code: 514, data: {} });

    let failed: Error | undefined;
    const bad = new lark.WSClient({
      appId: APP_ID,
      appSecret: 'wrong',
      domain: sim.url,
      logger: quietLogger,
      loggerLevel: lark.LoggerLevel.error,
      onError: (e) => (failed = e),
    });
    await bad.start({ eventDispatcher: new lark.EventDispatcher({ logger: quietLogger }) });
    await waitFor(() => failed !== undefined, 8000, 'onError');
    expect(failed?.message).toContain('514');
    expect((await control.wsStatus()).connections).toBe(1);
    bad.close({ force: true });
  });

  it('gives a good endpoint config: device_id/service_id not first, all four ClientConfig fields', async () => {
    const res = await fetch(`${sim.url}/callback/ws/endpoint`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ AppID: APP_ID, AppSecret: APP_SECRET }),
    });
    const { data } = (await res.json()) as { data: { URL: string; ClientConfig: Record<string, number> } };
    const url = new URL(data.URL);
    expect(url.protocol).toBe('ws:');
    expect([...url.searchParams.keys()][0]).not.toMatch(/device_id|service_id/);
    expect(url.searchParams.get('device_id')).toBeTruthy();
    expect(Object.keys(data.ClientConfig).sort()).toEqual([
      'PingInterval',
      'ReconnectCount',
      'ReconnectInterval',
      'ReconnectNonce',
    ]);
  });

  it('answers 503 when no client is connected', async () => {
    ws.close({ force: true });
    await control.waitForWsConnections(0);
    const reply = await control.userMessage(user.openId, 'anyone?');
    expect(reply.status).toBe(503);
  });
});
