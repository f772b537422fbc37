import type { SimContext } from './context';
import { bearerToken, type JsonObject, type RouteContext, type Router, sendJson, str } from './http-util';
import { newMessageId } from './ids';
import { RATE_LIMIT_BODY, rateLimitHeaders } from './rate-limit';
import type { SimMessage } from './state';
import { isValidTenantToken } from './token-routes';

const CARD_MAX_BYTES = 30 * 1024;
const TEXT_MAX_BYTES = 150 * 1024;
const UUID_WINDOW_MS = 60 * 60 * 1000;
const RECEIVE_ID_TYPES = ['open_id', 'union_id', 'user_id', 'chat_id'];

class ImError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function registerImRoutes(router: Router, sim: SimContext): void {
  const byUuid = new Map<string, { messageId: string; at: number }>();

  const guarded = (api: 'message_create' | 'message_patch', handler: (ctx: RouteContext) => Promise<void>) => {
    return async (ctx: RouteContext): Promise<void> => {
      const fault = sim.faults.take(api);
      if (fault) return void sim.faults.apply(fault, ctx.res);
      const { app } = sim.state;
      if (!isValidTenantToken(bearerToken(ctx.req), app.appId, app.appSecret)) {
        return sendJson(ctx.res, 400, {
          code: 99991663,
          msg: 'Invalid access token for authorization. Please make a request with a valid tenant_access_token.',
        });
      }
      try {
        await handler(ctx);
      } catch (error) {
        if (!(error instanceof ImError)) throw error;
        sendJson(ctx.res, error.status, { code: error.code, msg: error.message }, error.headers);
      }
    };
  };

  router.add(
    'POST',
    '/open-apis/im/v1/messages',
    guarded('message_create', async (ctx) => {
      const { state } = sim;
      const body = await ctx.body();
      const idType = ctx.url.searchParams.get('receive_id_type') ?? '';
      if (!RECEIVE_ID_TYPES.includes(idType)) {
        throw new ImError(
          400,
          99992402,
          `field validation failed: receive_id_type must be one of ${RECEIVE_ID_TYPES.join('|')}`,
        );
      }
      const receiveId = str(body.receive_id) ?? '';
      const user = state.findUser(idType, receiveId);
      if (!user) {
        if (idType === 'chat_id') throw new ImError(400, 230002, 'Bot/User can NOT be out of the chat.');
        throw new ImError(400, 230013, `Bot has NO availability to this user (${idType} ${receiveId} does not exist).`);
      }
      const uuid = str(body.uuid);
      const previous = uuid ? byUuid.get(uuid) : undefined;
      const original =
        previous && Date.now() - previous.at < UUID_WINDOW_MS ? state.messages.get(previous.messageId) : undefined;
      if (original) return sendJson(ctx.res, 200, { code: 0, msg: 'success', data: messageData(sim, original) });

      const limit = state.config.messageRatePerUser;
      const decision = sim.limiter.take(`create:${user.openId}`, limit);
      if (!decision.ok) {
        throw new ImError(
          429,
          RATE_LIMIT_BODY.code,
          RATE_LIMIT_BODY.msg,
          rateLimitHeaders(decision.resetSeconds, limit),
        );
      }

      const msgType = str(body.msg_type) ?? '';
      const content = parseContent(msgType, body);
      const message: SimMessage = {
        messageId: newMessageId(),
        openId: user.openId,
        chatId: state.chatIdOf(user.openId),
        msgType,
        content,
        createdAt: state.now(),
        seq: state.nextSeq(),
        updates: [],
      };
      state.messages.set(message.messageId, message);
      if (uuid) byUuid.set(uuid, { messageId: message.messageId, at: Date.now() });
      state.stats.messagesCreated += 1;
      sim.log(`im: ${msgType} message ${message.messageId} to ${user.name}`);
      sendJson(ctx.res, 200, { code: 0, msg: 'success', data: messageData(sim, message) });
    }),
  );

  router.add(
    'PATCH',
    '/open-apis/im/v1/messages/:message_id',
    guarded('message_patch', async (ctx) => {
      const { state } = sim;
      const message = state.messages.get(ctx.params.message_id ?? '');
      if (!message) throw new ImError(400, 230001, `invalid message_id: ${ctx.params.message_id} does not exist`);
      const limit = state.config.patchRatePerMessage;
      const decision = sim.limiter.take(`patch:${message.messageId}`, limit);
      if (!decision.ok) {
        throw new ImError(
          429,
          RATE_LIMIT_BODY.code,
          RATE_LIMIT_BODY.msg,
          rateLimitHeaders(decision.resetSeconds, limit),
        );
      }
      if (message.msgType !== 'interactive') {
        throw new ImError(
          400,
          230001,
          `only interactive (card) messages can be updated, this one is ${message.msgType}`,
        );
      }
      if (state.now() - message.createdAt > state.config.messageUpdateWindowSeconds * 1000) {
        throw new ImError(400, 230031, 'the message was sent more than 14 days ago and can no longer be updated');
      }
      const body = await ctx.body();
      const card = parseContent('interactive', body);
      if (!isShared(message.content) || !isShared(card)) {
        throw new ImError(
          400,
          230099,
          'card update failed: config.update_multi must be true in both the sent card and the new card (shared card)',
        );
      }
      if (isSchema2(message.content) && !isSchema2(card)) {
        throw new ImError(400, 230099, 'card update failed: a JSON 2.0 card cannot be turned into a JSON 1.0 card');
      }
      state.applyUpdate(message, card, 'patch');
      state.stats.messagesPatched += 1;
      sendJson(ctx.res, 200, { code: 0, msg: 'success', data: {} });
    }),
  );
}

function parseContent(msgType: string, body: JsonObject): JsonObject {
  if (!['text', 'interactive', 'post'].includes(msgType)) {
    throw new ImError(501, 230001, `msg_type ${msgType || '(missing)'} is not supported by the Feishu simulator`);
  }
  const raw = str(body.content);
  if (raw === undefined) throw new ImError(400, 99992402, 'field validation failed: content must be a JSON string');
  const max = msgType === 'text' ? TEXT_MAX_BYTES : CARD_MAX_BYTES;
  if (Buffer.byteLength(raw) > max) {
    throw new ImError(400, 230025, `The length of the message content reaches its limit (${max} bytes)`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ImError(400, 230001, 'invalid message content: content is not valid JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ImError(400, 230001, 'invalid message content: content must be a JSON object');
  }
  const object = parsed as JsonObject;
  if (msgType === 'text' && typeof object.text !== 'string') {
    throw new ImError(400, 230001, 'invalid message content: a text message needs {"text":"…"}');
  }
  return object;
}

function isTemplate(card: unknown): boolean {
  return (card as JsonObject | undefined)?.type === 'template';
}

function isShared(card: unknown): boolean {
  if (isTemplate(card)) return true;
  const config = (card as JsonObject | undefined)?.config as JsonObject | undefined;
  return config?.update_multi === true;
}

function isSchema2(card: unknown): boolean {
  return (card as JsonObject | undefined)?.schema === '2.0';
}

function messageData(sim: SimContext, message: SimMessage): JsonObject {
  const created = String(message.createdAt);
  return {
    message_id: message.messageId,
    root_id: '',
    parent_id: '',
    msg_type: message.msgType,
    create_time: created,
    update_time: created,
    deleted: false,
    updated: false,
    chat_id: message.chatId,
    sender: { id: sim.state.app.appId, id_type: 'app_id', sender_type: 'app', tenant_key: sim.state.app.tenantKey },
    body: { content: JSON.stringify(message.content) },
    mentions: [],
    upper_message_id: '',
  };
}
