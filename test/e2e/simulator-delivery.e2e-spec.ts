import { SimControlClient, type Simulator, startSimulator } from '../simulator';
import { sdkClient, startWsClient, waitFor, type WsClientHandle } from '../simulator/test-kit';

// Event delivery like Feishu's long connection, with real SDK WSClients: one random connection per event,
// re-push of unacked events (same event_id), duplicates (new event_id, same message_id), dead connections.

jest.setTimeout(30_000);

const APP_ID = 'cli_0123456789abcdef';
const APP_SECRET = 'sim-app-secret';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Dm {
  event_id: string;
  message: { message_id: string; content: string };
}

describe('simulator: event delivery', () => {
  let sim: Simulator;
  let control: SimControlClient;
  const clients: WsClientHandle[] = [];

  const connect = async (
    handlers: Record<string, (data: unknown) => unknown>,
    options: { pingTimeout?: number } = {},
  ): Promise<WsClientHandle> => {
    const handle = await startWsClient(sim.url, APP_ID, APP_SECRET, handlers, options);
    clients.push(handle);
    return handle;
  };

  beforeEach(async () => {
    sim = await startSimulator({ quiet: true });
    control = new SimControlClient(sim.url);
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await sim.close();
  });

  it('sends each event to one randomly chosen open connection of the app', async () => {
    const user = sim.createUser('Random');
    const seen: number[][] = [[], []];
    for (const index of [0, 1]) {
      await connect({ 'im.message.receive_v1': () => void seen[index]?.push(1) });
    }
    await control.waitForWsConnections(2);
    for (let i = 0; i < 30; i++) expect((await control.userMessage(user.openId, `m${i}`)).status).toBe(200);
    // each event reached exactly one client; both clients got some (all 30 to one: probability 2^-29)
    expect((seen[0]?.length ?? 0) + (seen[1]?.length ?? 0)).toBe(30);
    expect(seen[0]?.length).toBeGreaterThan(0);
    expect(seen[1]?.length).toBeGreaterThan(0);
  });

  it('pushes an unacked event again with the same event_id; the first ack answers', async () => {
    const user = sim.createUser('Slow');
    await control.config({ ackTimeoutMs: 300 });
    const seen: string[] = [];
    await connect({
      'im.message.receive_v1': async (data) => {
        const { event_id } = data as Dm;
        const firstTime = !seen.includes(event_id);
        seen.push(event_id);
        if (firstTime) await sleep(700);
      },
    });
    const before = await control.stats();
    const reply = await control.userMessage(user.openId, 'slow first time');
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ eventId: seen[0], ack: { code: 200 } });
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(new Set(seen).size).toBe(1);
    const after = await control.stats();
    expect(after.wsEventsRedelivered).toBeGreaterThanOrEqual(before.wsEventsRedelivered + 1);
    expect(after.wsEventsSent).toBe(before.wsEventsSent + 1);
    expect(after.wsEventsAcked).toBe(before.wsEventsAcked + 1);
    await sleep(800);
  });

  it('re-pushes to another open connection when the first one never acked', async () => {
    const user = sim.createUser('Moved');
    await control.config({ ackTimeoutMs: 1500 });
    const first: string[] = [];
    const second: string[] = [];
    const stuck = await connect({
      'im.message.receive_v1': async (data) => {
        first.push((data as Dm).event_id);
        await sleep(2500);
      },
    });
    const pending = control.userMessage(user.openId, 'who takes it?');
    await waitFor(() => first.length === 1, 3000, 'the first push');
    await connect({ 'im.message.receive_v1': (data) => void second.push((data as Dm).event_id) });
    stuck.close();
    await control.waitForWsConnections(1);
    const reply = await pending;
    expect(reply.status).toBe(200);
    expect(second).toEqual(first);
  });

  it('delivers a share of DMs twice with a new event_id and the same message_id (duplicateEventRate)', async () => {
    const user = sim.createUser('Twice');
    await control.config({ duplicateEventRate: 1 });
    const seen: Dm[] = [];
    await connect({ 'im.message.receive_v1': (data) => void seen.push(data as Dm) });
    const reply = await control.userMessage(user.openId, 'dup');
    expect(reply.status).toBe(200);
    await waitFor(() => seen.length === 2, 3000, 'the duplicate');
    const [a, b] = seen;
    expect(a?.message.message_id).toBe(b?.message.message_id);
    expect(a?.event_id).not.toBe(b?.event_id);
    expect((reply.body as { messageId: string }).messageId).toBe(a?.message.message_id);
    expect((await control.call('POST', '/_sim/config', { duplicateEventRate: 1.5 })).status).toBe(400);
  });

  it('applies the card of a card-action response at most once, from the first ack', async () => {
    const user = sim.createUser('Clicker');
    await control.config({ ackTimeoutMs: 300 });
    const client = sdkClient(sim.url, APP_ID, APP_SECRET);
    const card = (title: string) => ({
      schema: '2.0',
      config: { update_multi: true },
      header: { title: { tag: 'plain_text', content: title } },
      body: { elements: [{ tag: 'markdown', content: title }] },
    });
    const sent = await client.im.v1.message.create({
      params: { receive_id_type: 'open_id' },
      data: { receive_id: user.openId, msg_type: 'interactive', content: JSON.stringify(card('start')) },
    });
    let calls = 0;
    await connect({
      'card.action.trigger': async () => {
        calls += 1;
        const n = calls;
        if (n === 1) await sleep(700);
        return { toast: { type: 'info', content: `answer ${n}` }, card: { type: 'raw', data: card(`answer ${n}`) } };
      },
    });
    const reply = await control.cardAction(sent.data?.message_id ?? '', user.openId, { action: 'x' });
    expect(reply.status).toBe(200);
    await sleep(900);
    expect(calls).toBeGreaterThanOrEqual(2);
    const [message] = await control.messages(user.openId);
    expect(message?.updates).toHaveLength(1);
    expect(JSON.stringify(message?.content)).toBe(
      JSON.stringify((reply.body as { card: { data: unknown } }).card.data),
    );
  });

  it('ws_silent: a dead connection answers no ping and swallows events; the SDK (pingTimeout) reconnects', async () => {
    const user = sim.createUser('Silent');
    await control.config({ wsPingInterval: 1, ackTimeoutMs: 1500 });
    const seen: string[] = [];
    await connect({ 'im.message.receive_v1': (data) => void seen.push((data as Dm).event_id) }, { pingTimeout: 1 });
    const [old] = (await control.wsStatus()).clients;
    const pingsBefore = (await control.wsStatus()).pingsAnswered;
    expect(await control.silenceWebSockets()).toMatchObject({ api: 'ws', kind: 'ws_silent', silenced: 1 });
    expect((await control.call('GET', '/_sim/faults')).body).toEqual([
      { api: 'ws', kind: 'ws_silent', appId: APP_ID, connections: 1 },
    ]);
    expect((await control.wsStatus()).clients[0]).toMatchObject({ id: old?.id, silent: true });
    // the first push is swallowed; a re-push reaches the connection the SDK makes after its ping timeout
    const reply = await control.userMessage(user.openId, 'anyone alive?');
    expect(reply.status).toBe(200);
    expect(seen).toHaveLength(1);
    const status = await control.wsStatus();
    expect(status.clients.map((c) => c.id)).not.toContain(old?.id);
    expect(status.clients.every((c) => !c.silent)).toBe(true);
    expect(status.pingsAnswered).toBeGreaterThan(pingsBefore);
    expect((await control.stats()).wsEventsRedelivered).toBeGreaterThanOrEqual(1);
    await control.clearFaults();
  });

  it('ends the silence with DELETE /_sim/faults; a silenced app only silences its own connections', async () => {
    await connect({});
    expect((await control.call('POST', '/_sim/faults', { api: 'ws', kind: 'http500' })).status).toBe(400);
    expect((await control.call('POST', '/_sim/faults', { api: 'token', kind: 'ws_silent' })).status).toBe(400);
    expect(await control.silenceWebSockets(APP_ID)).toMatchObject({ silenced: 1, appId: APP_ID });
    await control.clearFaults();
    expect((await control.wsStatus()).clients.every((c) => !c.silent)).toBe(true);
    const user = sim.createUser('Back');
    expect((await control.userMessage(user.openId, 'hello again')).status).toBe(200);
  });
});
