import type * as lark from '@larksuiteoapi/node-sdk';

import { SimControlClient, type Simulator, startSimulator } from '../simulator';
import { httpFailure, sdkClient, startWsClient } from '../simulator/test-kit';

// Card JSON 2.0 validation, permanent card failures (recall, delete, block) and the app-wide IM limit,
// through the real SDK Client.

const APP_ID = 'cli_0123456789abcdef';
const APP_SECRET = 'sim-app-secret';

type Card = Record<string, unknown>;

const v2 = (elements: unknown[], extra: Card = {}): Card => ({
  schema: '2.0',
  config: { update_multi: true },
  header: { title: { tag: 'plain_text', content: 'Title' }, template: 'blue' },
  body: { elements },
  ...extra,
});

/** Every modelled component with most of its properties. */
const FULL_CARD: Card = {
  schema: '2.0',
  config: {
    update_multi: true,
    width_mode: 'fill',
    enable_forward: true,
    summary: { content: 'preview text' },
    style: { text_size: { big: { default: 'large' } } },
  },
  card_link: { url: 'https://example.com' },
  header: {
    title: { tag: 'plain_text', content: 'Authorize', i18n_content: { en_us: 'Authorize' } },
    subtitle: { tag: 'lark_md', content: '**now**' },
    template: 'wathet',
    icon: { tag: 'standard_icon', token: 'lock_outlined', color: 'blue' },
    text_tag_list: [{ tag: 'text_tag', text: { tag: 'plain_text', content: 'new' }, color: 'blue' }],
    padding: '12px',
  },
  body: {
    direction: 'vertical',
    padding: '12px 12px 12px 12px',
    vertical_spacing: 'medium',
    elements: [
      { tag: 'markdown', element_id: 'md1', content: '**hi**', text_align: 'left', text_size: 'normal', margin: '0px' },
      {
        tag: 'div',
        text: { tag: 'lark_md', content: 'who', text_size: 'normal', text_color: 'default', lines: 2 },
        icon: { tag: 'custom_icon', img_key: 'img_v2_x' },
        fields: [{ is_short: true, text: { tag: 'plain_text', content: 'a' } }],
      },
      { tag: 'plain_text', content: 'plain' },
      { tag: 'hr' },
      {
        tag: 'button',
        element_id: 'authorize',
        type: 'primary_filled',
        size: 'medium',
        width: 'fill',
        text: { tag: 'plain_text', content: 'Authorize' },
        icon: { tag: 'standard_icon', token: 'lock_outlined' },
        hover_tips: { tag: 'plain_text', content: 'opens the browser' },
        disabled: false,
        confirm: { title: { tag: 'plain_text', content: 'Sure?' }, text: { tag: 'plain_text', content: 'Really' } },
        behaviors: [
          {
            type: 'open_url',
            default_url: 'https://a',
            pc_url: 'https://b',
            ios_url: 'https://c',
            android_url: 'https://d',
          },
          { type: 'callback', value: { action: 'decline' } },
        ],
      },
      {
        tag: 'column_set',
        flex_mode: 'bisect',
        horizontal_spacing: '8px',
        background_style: 'grey',
        columns: [
          {
            tag: 'column',
            width: 'weighted',
            weight: 1,
            vertical_align: 'top',
            elements: [{ tag: 'markdown', content: 'left' }],
          },
          {
            tag: 'column',
            width: 'auto',
            elements: [{ tag: 'img', img_key: 'img_v2_y', alt: { tag: 'plain_text', content: 'x' } }],
          },
        ],
      },
      { tag: 'note', elements: [{ tag: 'plain_text', content: 'small print' }] },
      {
        tag: 'img',
        img_key: 'img_v2_z',
        alt: { tag: 'plain_text', content: 'logo' },
        scale_type: 'crop_center',
        preview: true,
      },
      // a real 2.0 component the simulator does not model: accepted unchecked
      { tag: 'form', name: 'f', elements: [] },
    ],
  },
};

describe('simulator: card JSON 2.0 validation', () => {
  let sim: Simulator;
  let control: SimControlClient;
  let client: lark.Client;
  let openId: string;

  beforeAll(async () => {
    sim = await startSimulator({ quiet: true });
    control = new SimControlClient(sim.url);
    client = sdkClient(sim.url, APP_ID, APP_SECRET);
  });
  afterAll(() => sim.close());
  beforeEach(() => {
    openId = sim.createUser(`Card ${expect.getState().currentTestName ?? ''}`).openId;
  });

  // a fresh recipient for every send: refused calls count against Feishu's 5 messages per second to one user
  const sendRaw = (content: string, receiveId = sim.createUser('Recipient').openId) =>
    client.im.v1.message.create({
      params: { receive_id_type: 'open_id' },
      data: { receive_id: receiveId, msg_type: 'interactive', content },
    });
  const send = (card: Card, receiveId?: string) => sendRaw(JSON.stringify(card), receiveId);
  const patch = (messageId: string, card: Card) =>
    client.im.v1.message.patch({ path: { message_id: messageId }, data: { content: JSON.stringify(card) } });
  const refused = async (call: Promise<unknown>, errCode: number, verb = 'create') => {
    const failure = await httpFailure(call);
    expect(failure.status).toBe(400);
    expect(failure.data.code).toBe(230099);
    expect(failure.data.msg).toMatch(
      new RegExp(`^Failed to ${verb} card content, ext=ErrCode: ${errCode}; ErrMsg: .+; ErrorValue: .*;$`),
    );
    return failure.data.msg;
  };

  it('accepts every modelled component with its documented properties', async () => {
    expect((await send(FULL_CARD)).code).toBe(0);
  });

  it('refuses content that is not JSON (200621)', async () => {
    await refused(sendRaw('{"schema":"2.0",'), 200621);
    await refused(sendRaw('[1,2]'), 200621);
  });

  it('refuses tags that are not 2.0 components, e.g. the 1.0 action module (200861)', async () => {
    const msg = await refused(
      send(v2([{ tag: 'action', actions: [{ tag: 'button', text: { tag: 'plain_text', content: 'x' } }] }])),
      200861,
    );
    expect(msg).toContain('ErrorValue: action;');
    await refused(
      send(v2([{ tag: 'column_set', columns: [{ tag: 'column', elements: [{ tag: 'blink' }] }] }])),
      200861,
    );
  });

  it('refuses unknown properties and wrong types anywhere (200621)', async () => {
    expect(await refused(send(v2([{ tag: 'markdown', content: 'x', colour: 'red' }])), 200621)).toContain(
      'ErrorValue: colour;',
    );
    // 1.0 properties are unknown in 2.0: markdown href, button url/value, top-level elements
    await refused(send(v2([{ tag: 'markdown', content: 'x', href: { u: { url: 'https://a' } } }])), 200621);
    await refused(send(v2([{ tag: 'button', text: { tag: 'plain_text', content: 'x' }, url: 'https://a' }])), 200621);
    await refused(send({ ...v2([]), elements: [] }), 200621);
    await refused(send(v2([{ tag: 'markdown', content: 42 }])), 200621);
    await refused(send(v2([{ tag: 'button', text: { tag: 'plain_text', content: 'x' }, disabled: 'no' }])), 200621);
    await refused(send(v2([{ tag: 'button', text: { tag: 'plain_text', content: 'x' }, type: 'huge' }])), 200621);
    await refused(
      send(v2([{ tag: 'button', text: { tag: 'plain_text', content: 'x' }, behaviors: [{ type: 'open_url' }] }])),
      200621,
    );
    await refused(send(v2([], { header: { title: { tag: 'plain_text', content: 'x' }, template: 'pink' } })), 200621);
    await refused(send(v2([], { config: { update_multi: true, wide_screen_mode: true } })), 200621);
    await refused(send({ ...v2([]), schema: '3.0' }), 200621);
  });

  it('keeps JSON 1.0 cards lenient and accepts template cards', async () => {
    const v1 = {
      config: { wide_screen_mode: true, update_multi: true, anything: 1 },
      elements: [{ tag: 'action', actions: [{ tag: 'button', text: { tag: 'plain_text', content: 'x' }, value: {} }] }],
    };
    expect((await send(v1)).code).toBe(0);
    expect((await send({ type: 'template', data: { template_id: 'ctp_x', template_variable: {} } })).code).toBe(0);
  });

  it('validates patches too, and keeps refusing 2.0 → 1.0', async () => {
    const sent = await send(v2([{ tag: 'markdown', content: 'one' }]), openId);
    const id = sent.data?.message_id ?? '';
    await refused(patch(id, v2([{ tag: 'action', actions: [] }])), 200861, 'update');
    const downgrade = await httpFailure(patch(id, { config: { update_multi: true }, elements: [] }));
    expect(downgrade.data.code).toBe(230099);
    expect((await patch(id, v2([{ tag: 'markdown', content: 'two' }]))).code).toBe(0);
    expect((await control.messages(openId))[0]?.updates).toHaveLength(1);
  });

  it('does not apply an invalid card of a card-action response (200673) nor a 2.0 → 1.0 one (200830)', async () => {
    const responses: unknown[] = [
      { card: { type: 'raw', data: v2([{ tag: 'markdown', content: 'x', bogus: true }]) } },
      { card: { type: 'raw', data: { config: { update_multi: true }, elements: [] } } },
      { toast: { type: 'info', content: 'ok' }, card: { type: 'raw', data: v2([{ tag: 'markdown', content: 'ok' }]) } },
    ];
    const ws = await startWsClient(sim.url, APP_ID, APP_SECRET, {
      'card.action.trigger': () => responses.shift(),
    });
    try {
      const sent = await send(v2([{ tag: 'markdown', content: 'start' }]), openId);
      const id = sent.data?.message_id ?? '';
      const bad = await control.cardAction(id, openId, {});
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ code: 200673, error: expect.stringContaining('ErrCode: 200621') });
      expect(await control.cardAction(id, openId, {})).toMatchObject({ status: 400, body: { code: 200830 } });
      expect((await control.messages(openId))[0]?.updates).toHaveLength(0);
      expect((await control.cardAction(id, openId, {})).status).toBe(200);
      expect((await control.messages(openId))[0]?.updates).toHaveLength(1);
    } finally {
      ws.close();
    }
  });
});

describe('simulator: permanent card failures and the app-wide limit', () => {
  let sim: Simulator;
  let control: SimControlClient;
  let client: lark.Client;

  beforeAll(async () => {
    sim = await startSimulator({ quiet: true });
    control = new SimControlClient(sim.url);
    client = sdkClient(sim.url, APP_ID, APP_SECRET);
  });
  afterAll(() => sim.close());

  const card = JSON.stringify(v2([{ tag: 'markdown', content: 'x' }]));
  const send = (openId: string) =>
    client.im.v1.message.create({
      params: { receive_id_type: 'open_id' },
      data: { receive_id: openId, msg_type: 'interactive', content: card },
    });
  const patch = (messageId: string) =>
    client.im.v1.message.patch({ path: { message_id: messageId }, data: { content: card } });

  it('answers 230011 for a recalled and 230110 for a deleted message, and lists both states', async () => {
    const { openId } = sim.createUser('Recall');
    const recalled = (await send(openId)).data?.message_id ?? '';
    const deleted = (await send(openId)).data?.message_id ?? '';
    expect(await control.recall(recalled)).toMatchObject({ messageId: recalled, recalled: true, deleted: false });
    expect(await control.deleteMessage(deleted)).toMatchObject({ messageId: deleted, deleted: true });
    expect(await httpFailure(patch(recalled))).toMatchObject({ status: 400, data: { code: 230011 } });
    expect(await httpFailure(patch(deleted))).toMatchObject({ status: 400, data: { code: 230110 } });
    const listed = await control.messages(openId);
    expect(listed.find((m) => m.messageId === recalled)).toMatchObject({ recalled: true, deleted: false });
    expect(listed.find((m) => m.messageId === deleted)).toMatchObject({ recalled: false, deleted: true });
    expect((await control.call('POST', '/_sim/messages/om_nope/recall')).status).toBe(404);
    expect((await control.cardAction(recalled, openId, {})).status).toBe(409);
  });

  it('answers 230053 to a message for a person who blocked the bot, until they unblock it', async () => {
    const { openId } = sim.createUser('Blocker');
    expect(await control.block(openId)).toMatchObject({ openId, appId: APP_ID, blocked: true });
    expect(await httpFailure(send(openId))).toMatchObject({ status: 400, data: { code: 230053 } });
    await control.block(openId, false);
    expect((await send(openId)).code).toBe(0);
  });

  it('limits each IM API per app (messageRatePerApp): 429, 99991400, x-ogw-ratelimit-reset', async () => {
    await control.config({ messageRatePerApp: 3 });
    // a window of its own: the tests above sent messages within the last second
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const users = Array.from({ length: 8 }, (_, i) => sim.createUser(`Many ${i}`).openId);
    const results = await Promise.allSettled(users.map((u) => send(u)));
    await control.config({ messageRatePerApp: 50 });
    const limited = await Promise.all(
      results.filter((r) => r.status === 'rejected').map((r) => httpFailure(Promise.reject(r.reason as Error))),
    );
    expect(results.filter((r) => r.status === 'fulfilled').length).toBeGreaterThanOrEqual(3);
    expect(limited.length).toBeGreaterThanOrEqual(1);
    for (const throttled of limited) {
      expect(throttled.status).toBe(429);
      expect(throttled.data).toEqual({ code: 99991400, msg: 'request trigger frequency limit' });
      expect(Number(throttled.headers['x-ogw-ratelimit-reset'])).toBeGreaterThanOrEqual(1);
    }
  });
});
