import { CardError, validateCard } from './card-v2';
import { renderChatIndex, renderChatPage } from './chat-page';
import type { SimContext } from './context';
import { cardActionEvent, messageReceiveEvent } from './events';
import { escapeHtml, type JsonObject, type Router, sendHtml, sendJson, str } from './http-util';
import { newEventId, newMessageId } from './ids';
import { isSchema2 } from './im-routes';
import { CHAT_USER_COOKIE } from './oauth-routes';
import type { UserMessage } from './state';
import { DeliveryError } from './ws-server';

/** What a person does in the Feishu client: DM the bot, click card buttons, look at the chat. */
export function registerInteractionRoutes(router: Router, sim: SimContext): void {
  const { state } = sim;

  router.add('POST', '/_sim/user-messages', async (ctx) => {
    const body = await ctx.body();
    const identity = state.identity(str(body.openId));
    if (!identity) return sendJson(ctx.res, 404, { error: `unknown openId ${str(body.openId) ?? '(missing)'}` });
    const text = str(body.text);
    if (!text) return sendJson(ctx.res, 400, { error: 'text (non-empty string) is required' });
    const { app, chatId } = identity;
    const dm: UserMessage = {
      messageId: newMessageId(),
      openId: identity.openId,
      text,
      createdAt: state.now(),
      seq: state.nextSeq(),
      delivery: 'pending',
    };
    state.addUserMessage(dm);
    const event = messageReceiveEvent(app, state.userOf(identity), chatId, dm.messageId, text, dm.createdAt);
    const delivered = sim.ws.deliver(app.appId, event);
    if (Math.random() < state.config.duplicateEventRate) {
      // Feishu may deliver a message twice under different event_ids: only message_id identifies it.
      const copy = structuredClone(event);
      (copy.header as JsonObject).event_id = newEventId();
      sim.ws.deliver(app.appId, copy).catch(() => undefined);
    }
    try {
      const ack = await delivered;
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
    if (message.recalled || message.deleted) {
      return sendJson(ctx.res, 409, {
        error: `message ${message.messageId} was ${message.recalled ? 'recalled' : 'deleted'}`,
      });
    }
    const clicker = state.identity(str(body.openId) ?? message.openId);
    // whoever clicks is seen through the app that sent the card
    const identity = clicker ? state.identityIn(clicker.person, message.appId) : undefined;
    if (!identity) return sendJson(ctx.res, 404, { error: `unknown openId ${str(body.openId) ?? message.openId}` });
    const event = cardActionEvent(
      identity.app,
      state.userOf(identity),
      message,
      { value: body.value ?? {}, name: str(body.name), formValue: body.formValue as JsonObject | undefined },
      state.now(),
    );
    try {
      const ack = await sim.ws.deliver(identity.app.appId, event);
      if (ack.code !== 200) {
        return sendJson(ctx.res, 502, { error: `the card.action.trigger handler failed (ack code ${ack.code})` });
      }
      const card = (ack.response as JsonObject | undefined)?.card as JsonObject | undefined;
      if (card && card.type === 'raw') {
        const problem = callbackCardProblem(message.content, card.data);
        if (problem) return sendJson(ctx.res, 400, problem);
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
    if (!openId) return sendHtml(ctx.res, 200, renderChatIndex(state));
    const identity = state.identity(openId);
    if (!identity) return sendHtml(ctx.res, 404, `<!doctype html><p>Unknown simulated user ${escapeHtml(openId)}</p>`);
    const cookie = `${CHAT_USER_COOKIE}=${encodeURIComponent(openId)}; Path=/; SameSite=Lax`;
    sendHtml(ctx.res, 200, renderChatPage(state, identity), { 'set-cookie': cookie });
  });

  router.add('GET', '/_sim/chat/feed', (ctx) => {
    const openId = ctx.url.searchParams.get('openId') ?? '';
    const identity = state.identity(openId);
    if (!identity) return sendJson(ctx.res, 404, { error: `unknown openId ${openId}` });
    const bot = state.messagesFor(openId).map((m) => ({
      kind: 'bot',
      messageId: m.messageId,
      msgType: m.msgType,
      content: m.content,
      createdAt: m.createdAt,
      seq: m.seq,
      updateCount: m.updates.length,
      recalled: m.recalled,
      deleted: m.deleted,
    }));
    const mine = state.userMessagesFor(openId).map((m) => ({
      kind: 'user',
      messageId: m.messageId,
      text: m.text,
      createdAt: m.createdAt,
      seq: m.seq,
      delivery: m.delivery,
    }));
    const items = [...bot, ...mine].sort((a, b) => a.seq - b.seq);
    sendJson(ctx.res, 200, {
      user: state.userOf(identity),
      appId: identity.app.appId,
      connected: sim.ws.connectionCount(identity.app.appId) > 0,
      items,
    });
  });
}

/** Why a `card.type: raw` callback response cannot be applied (Feishu: 200673 bad card, 200830 2.0 → 1.0). */
function callbackCardProblem(current: unknown, data: unknown): JsonObject | undefined {
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    return { error: 'the callback response card.data must be a card object', code: 200673 };
  }
  try {
    validateCard(data as JsonObject);
  } catch (error) {
    if (!(error instanceof CardError)) throw error;
    return { error: `invalid card in the callback response: ${error.feishuMessage('update')}`, code: 200673 };
  }
  if (isSchema2(current) && !isSchema2(data)) {
    return { error: 'the callback response turns a JSON 2.0 card into a JSON 1.0 card', code: 200830 };
  }
  return undefined;
}

function eventIdOf(event: JsonObject): string | undefined {
  return str((event.header as JsonObject | undefined)?.event_id);
}
