import { renderChatPage, renderChatIndex } from './chat-page';
import type { SimContext } from './context';
import { cardActionEvent, messageReceiveEvent } from './events';
import { escapeHtml, type JsonObject, type Router, sendHtml, sendJson, str } from './http-util';
import { newMessageId } from './ids';
import { CHAT_USER_COOKIE } from './oauth-routes';
import type { UserMessage } from './state';
import { DeliveryError } from './ws-server';

/** What a person does in the Feishu client: DM the bot, click card buttons, look at the chat. */
export function registerInteractionRoutes(router: Router, sim: SimContext): void {
  const { state } = sim;

  router.add('POST', '/_sim/user-messages', async (ctx) => {
    const body = await ctx.body();
    const user = state.users.get(str(body.openId) ?? '');
    if (!user) return sendJson(ctx.res, 404, { error: `unknown openId ${str(body.openId) ?? '(missing)'}` });
    const text = str(body.text);
    if (!text) return sendJson(ctx.res, 400, { error: 'text (non-empty string) is required' });
    const chatId = state.chatIdOf(user.openId);
    const dm: UserMessage = {
      messageId: newMessageId(),
      openId: user.openId,
      text,
      createdAt: state.now(),
      seq: state.nextSeq(),
      delivery: 'pending',
    };
    state.userMessages.push(dm);
    const event = messageReceiveEvent(state.app, user, chatId, dm.messageId, text, dm.createdAt);
    try {
      const ack = await sim.ws.deliver(event);
      dm.delivery = 'acked';
      sendJson(ctx.res, 200, { messageId: dm.messageId, chatId, eventId: eventIdOf(event), ack });
    } catch (error) {
      dm.delivery = error instanceof DeliveryError && error.status === 504 ? 'unacked' : 'failed';
      if (!(error instanceof DeliveryError)) throw error;
      sendJson(ctx.res, error.status, { error: error.message, messageId: dm.messageId });
    }
  });

  router.add('POST', '/_sim/card-actions', async (ctx) => {
    const body = await ctx.body();
    const message = state.messages.get(str(body.messageId) ?? '');
    if (!message) return sendJson(ctx.res, 404, { error: `unknown messageId ${str(body.messageId) ?? '(missing)'}` });
    const openId = str(body.openId) ?? message.openId;
    const user = state.users.get(openId);
    if (!user) return sendJson(ctx.res, 404, { error: `unknown openId ${openId}` });
    const event = cardActionEvent(
      state.app,
      user,
      message,
      { value: body.value ?? {}, name: str(body.name), formValue: body.formValue as JsonObject | undefined },
      state.now(),
    );
    try {
      const ack = await sim.ws.deliver(event);
      if (ack.code !== 200) {
        return sendJson(ctx.res, 502, { error: `the card.action.trigger handler failed (ack code ${ack.code})` });
      }
      const card = (ack.response as JsonObject | undefined)?.card as JsonObject | undefined;
      if (card && card.type === 'raw' && card.data && typeof card.data === 'object') {
        state.applyUpdate(message, card.data, 'callback');
      } else if (card && card.type === 'template') {
        state.applyUpdate(message, { type: 'template', data: card.data }, 'callback');
      }
      sendJson(ctx.res, 200, ack.response ?? {});
    } catch (error) {
      if (!(error instanceof DeliveryError)) throw error;
      sendJson(ctx.res, error.status, { error: error.message });
    }
  });

  router.add('GET', '/_sim/chat', (ctx) => {
    const openId = ctx.url.searchParams.get('openId');
    const users = [...state.users.values()];
    if (!openId) return sendHtml(ctx.res, 200, renderChatIndex(users));
    const user = state.users.get(openId);
    if (!user) return sendHtml(ctx.res, 404, `<!doctype html><p>Unknown simulated user ${escapeHtml(openId)}</p>`);
    const cookie = `${CHAT_USER_COOKIE}=${encodeURIComponent(openId)}; Path=/; SameSite=Lax`;
    sendHtml(ctx.res, 200, renderChatPage(state.app.name, user, users), { 'set-cookie': cookie });
  });

  router.add('GET', '/_sim/chat/feed', (ctx) => {
    const openId = ctx.url.searchParams.get('openId') ?? '';
    const user = state.users.get(openId);
    if (!user) return sendJson(ctx.res, 404, { error: `unknown openId ${openId}` });
    const bot = state.messagesFor(openId).map((m) => ({
      kind: 'bot',
      messageId: m.messageId,
      msgType: m.msgType,
      content: m.content,
      createdAt: m.createdAt,
      seq: m.seq,
      updateCount: m.updates.length,
    }));
    const mine = state.userMessages
      .filter((m) => m.openId === openId)
      .map((m) => ({
        kind: 'user',
        messageId: m.messageId,
        text: m.text,
        createdAt: m.createdAt,
        seq: m.seq,
        delivery: m.delivery,
      }));
    const items = [...bot, ...mine].sort((a, b) => a.seq - b.seq);
    sendJson(ctx.res, 200, { user, connected: sim.ws.connectionCount() > 0, items });
  });
}

function eventIdOf(event: JsonObject): string | undefined {
  return str((event.header as JsonObject | undefined)?.event_id);
}
